"""An SK penetapan read from the office database as the plain `SkDocument` the PDF prints.

A stand-in until the SK use cases (`app.documents.sk.sk_document`) arrive: it reads only what the PDF needs,
with the same checks — the user may read personal data, and the SK's region lies inside theirs — and the
rule of issue 11 for NIKs on paper: whole only where the office's settings allow, masked otherwise as
7502xxxxxxxx0001 (the kabupaten and the last four digits: enough to tell two namesakes apart at a handover,
not enough to misuse).
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require_record_in_scope
from app.documents.sk_content import SkDocument, SkRow
from app.errors import NotFound
from app.i18n import N_
from app.office import OfficeDatabase
from app.regions import display_name
from app.uow import UnitOfWork
from db.models import Office, Program, Region, SkPenerima, SkPenetapan

# The Program's funding codes, named in full as a decree names them.
SUMBER_DANA_TEXT = {
    "APBN": "Anggaran Pendapatan dan Belanja Negara (APBN)",
    "APBD_PROVINSI": "Anggaran Pendapatan dan Belanja Daerah (APBD) Provinsi",
    "APBD_KABKOTA": "Anggaran Pendapatan dan Belanja Daerah (APBD) Kabupaten/Kota",
    "DANA_DESA": "Dana Desa",
}


def nik_for_document(nik: str, whole: bool) -> str:
    """7502011234560001 -> 7502xxxxxxxx0001 unless the office prints NIKs whole."""
    if whole or len(nik) != 16:
        return nik
    return nik[:4] + "x" * 8 + nik[-4:]


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def sk_document_for_pdf(target: OfficeDatabase | UnitOfWork, user: CurrentUser, sk_id: int) -> SkDocument:
    uow = target if isinstance(target, UnitOfWork) else target.unit_of_work()
    with uow:
        session = uow.session
        sk = session.get(SkPenetapan, sk_id)
        if sk is None or sk.deleted_at is not None:
            raise NotFound(N_("SK penetapan nomor urut {id} tidak ada."), id=sk_id)
        require_record_in_scope(user, Permission.PERSON_READ, sk.kode_wilayah)
        whole = bool(session.scalar(select(Office.nik_penuh_di_dokumen)))
        program = session.get(Program, sk.program_id)
        recipients = session.execute(
            select(
                SkPenerima.urutan,
                SkPenerima.nik,
                SkPenerima.nama,
                SkPenerima.alamat,
                SkPenerima.kode_desa,
                SkPenerima.nilai,
            )
            .where(SkPenerima.sk_id == sk_id, SkPenerima.masuk.is_(True), SkPenerima.deleted_at.is_(None))
            .order_by(SkPenerima.urutan, SkPenerima.id)
        ).all()
        codes = {row.kode_desa for row in recipients} | {row.kode_desa[:6] for row in recipients}
        names = {
            code: display_name(name, kind)
            for code, name, kind in session.execute(
                select(Region.code, Region.name, Region.kind).where(Region.code.in_(codes))
            )
        }
        rows = tuple(
            SkRow(
                no=index,
                nik=nik_for_document(row.nik, whole),
                nama=row.nama,
                alamat=row.alamat,
                desa=names.get(row.kode_desa, row.kode_desa),
                kecamatan=names.get(row.kode_desa[:6], row.kode_desa[:6]),
                nilai=row.nilai,
            )
            for index, row in enumerate(recipients, start=1)
        )
        amended = session.get(SkPenetapan, sk.mengubah_sk_id) if sk.mengubah_sk_id else None
        return SkDocument(
            sk_id=sk.id,
            nomor=sk.nomor,
            tanggal=sk.tanggal,
            judul=sk.judul,
            instansi=sk.instansi,
            program=program.nama if program else "",
            sumber_dana=SUMBER_DANA_TEXT.get(sk.sumber_dana, sk.sumber_dana),
            tahun=sk.tahun,
            menimbang=_lines(sk.menimbang),
            mengingat=_lines(sk.mengingat),
            penandatangan_nama=sk.penandatangan_nama,
            penandatangan_nip=sk.penandatangan_nip,
            penandatangan_jabatan=sk.penandatangan_jabatan,
            nilai_per_penerima=sk.nilai_per_penerima,
            total_nilai=sk.total_nilai if sk.status == "final" else sum(row.nilai for row in rows),
            rows=rows,
            final=sk.status == "final",
            hash_isi=sk.hash_isi,
            mengubah=amended.nomor if amended else "",
        )
