"""The printable content of an SK (`SkDocument`), read from the database for `app.documents.sk_pdf`.

NIKs are printed whole only where the office allows it (`Office.nik_penuh_di_dokumen`); otherwise masked as
the issue asks, 7502xxxxxxxx0001: the region's first four digits and the last four, enough for a recipient
to recognise their row on a public notice board without exposing the number.
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.roles import CurrentUser
from app.documents.sk import sk_in_scope
from app.documents.sk_content import SkDocument, SkRow
from app.documents.sk_final import lampiran_rows
from app.regions import display_name
from app.screening.programs import FUNDING_SOURCE_LABELS, unit_of_work
from db.models import Office, Program, Region, SkPenetapan

SHOWN_DIGITS = 4  # kept at each end of a masked NIK


def mask_nik(nik: str) -> str:
    if len(nik) <= 2 * SHOWN_DIGITS:
        return nik
    return nik[:SHOWN_DIGITS] + "x" * (len(nik) - 2 * SHOWN_DIGITS) + nik[-SHOWN_DIGITS:]


def sk_document(target, user: CurrentUser, sk_id: int) -> SkDocument:
    """What the SK says, as printed: rows in lampiran order, desa and kecamatan by name."""
    with unit_of_work(target) as uow:
        session = uow.session
        sk = sk_in_scope(session, user, sk_id)
        office = session.scalar(select(Office))
        whole = bool(office and office.nik_penuh_di_dokumen)
        program = session.get(Program, sk.program_id)
        rows = lampiran_rows(session, sk.id)
        codes = {r.kode_desa for r in rows} | {r.kode_desa[:6] for r in rows}
        names = {
            code: display_name(name, kind)
            for code, name, kind in session.execute(
                select(Region.code, Region.name, Region.kind).where(Region.code.in_(codes))
            )
        }
        amended = session.get(SkPenetapan, sk.mengubah_sk_id) if sk.mengubah_sk_id else None
        return SkDocument(
            sk_id=sk.id,
            nomor=sk.nomor,
            tanggal=sk.tanggal,
            judul=sk.judul,
            instansi=sk.instansi,
            program=program.nama if program else "",
            sumber_dana=FUNDING_SOURCE_LABELS.get(sk.sumber_dana, sk.sumber_dana),
            tahun=sk.tahun,
            menimbang=tuple(sk.menimbang.splitlines()) if sk.menimbang else (),
            mengingat=tuple(sk.mengingat.splitlines()) if sk.mengingat else (),
            penandatangan_nama=sk.penandatangan_nama,
            penandatangan_nip=sk.penandatangan_nip,
            penandatangan_jabatan=sk.penandatangan_jabatan,
            nilai_per_penerima=sk.nilai_per_penerima,
            total_nilai=sum(r.nilai for r in rows),
            rows=tuple(
                SkRow(
                    no=r.urutan,
                    nik=r.nik if whole else mask_nik(r.nik),
                    nama=r.nama,
                    alamat=r.alamat,
                    desa=names.get(r.kode_desa, r.kode_desa),
                    kecamatan=names.get(r.kode_desa[:6], r.kode_desa[:6]),
                    nilai=r.nilai,
                )
                for r in rows
            ),
            final=sk.status == "final",
            hash_isi=sk.hash_isi,
            mengubah=amended.nomor if amended else "",
            tempat=sk.tempat,
        )
