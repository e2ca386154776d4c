"""Finalising an SK penetapan, and correcting a final one by a new SK that amends it.

Finalising freezes the SK: its content hash (SHA-256 of the canonical content, `content_hash`) is stored and
printed on every page, its recipients become the program's recipients (`AidRecipient`, source "sk"), which
screening of a later list reads to flag `SUDAH_MENERIMA`. From then on every service refuses to change it
(`sk.sk_for_change`).

A correction is a new draft (`amend_sk`) copying the old SK, linked by `mengubah_sk_id`. When the amending SK
is finalised it supersedes the old one's recipients: the old SK's `AidRecipient` rows are soft-deleted
(`deleted_at`, so screening no longer reads them and sync carries the deletion) and the new SK's rows take
their place; the old SK itself, being final, is left exactly as it was signed.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import select, update

from app.auth.roles import CurrentUser
from app.documents.sk import (
    SkDetail,
    SkStatus,
    _detail,
    audit_view,
    insert_penerima,
    next_penerima_id,
    report,
    sk_for_change,
    sk_in_scope,
)
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.screening.programs import unit_of_work
from db.bulk_insert import insert_many
from db.models import AidRecipient, SkPenerima, SkPenetapan, utcnow
from sync.changes import record_uids

HASHED_FIELDS = (
    "program_id",
    "nomor",
    "tanggal",
    "tahun",
    "tempat",
    "judul",
    "instansi",
    "penandatangan_nama",
    "penandatangan_nip",
    "penandatangan_jabatan",
    "menimbang",
    "mengingat",
    "sumber_dana",
    "nilai_per_penerima",
    "total_nilai",
    "kode_wilayah",
    "asal",
    "mengubah_sk_id",
)
HASHED_ROW_FIELDS = ("urutan", "nik", "nama", "alamat", "kode_desa", "nilai")


def canonical_content(sk: SkPenetapan, rows: list[SkPenerima]) -> str:
    """The SK as signed: the header fields and the lampiran rows in order, as JSON with sorted keys and no
    spaces, dates as ISO text. Anyone holding the same content computes the same hash."""
    header = {name: getattr(sk, name) for name in HASHED_FIELDS}
    header["tanggal"] = sk.tanggal.isoformat() if sk.tanggal else None
    content = {
        "sk": header,
        "penerima": [{name: getattr(r, name) for name in HASHED_ROW_FIELDS} for r in rows],
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(sk: SkPenetapan, rows: list[SkPenerima]) -> str:
    return hashlib.sha256(canonical_content(sk, rows).encode("utf-8")).hexdigest()


LAMPIRAN_COLUMNS = ("id", "person_id", *HASHED_ROW_FIELDS)


def lampiran_rows(session, sk_id: int) -> list:
    """The rows the SK names, in lampiran order: plain rows (attribute access, like the ORM's) of the columns
    the lampiran, the hash and the recipients read."""
    return session.execute(
        select(*(getattr(SkPenerima, name) for name in LAMPIRAN_COLUMNS))
        .where(SkPenerima.sk_id == sk_id, SkPenerima.masuk.is_(True), SkPenerima.deleted_at.is_(None))
        .order_by(SkPenerima.urutan, SkPenerima.id)
    ).all()


def _normal_number(nomor: str) -> str:
    return "".join(nomor.split()).upper()


def require_complete(session, sk: SkPenetapan, rows: list[SkPenerima], need_nip: bool = True) -> None:
    """What a decree cannot be signed without; each refusal says what to fill in."""
    label = sk.nomor or f"#{sk.id}"
    if not rows:
        raise DomainError(
            N_(
                "SK {nomor} belum berisi penerima: SK kosong tidak dapat difinalkan. Susun dari daftar yang memuat "
                "baris LOLOS."
            ),
            nomor=label,
        )
    if not sk.nomor.strip():
        raise DomainError(N_("Nomor SK belum diisi; isi nomor SK sebelum finalisasi."))
    if sk.tanggal is None:
        raise DomainError(
            N_("Tanggal SK {nomor} belum diisi; isi tanggal penetapan sebelum finalisasi."), nomor=label
        )
    if need_nip and not sk.penandatangan_nama.strip():
        raise DomainError(N_("Nama penandatangan SK {nomor} belum diisi."), nomor=label)
    if need_nip and not sk.penandatangan_nip:
        raise DomainError(
            N_("Penandatangan {nama} belum memiliki NIP; isi NIP (18 angka) penandatangan SK {nomor}."),
            nama=sk.penandatangan_nama,
            nomor=label,
        )
    require_unique_number(session, sk)


def require_unique_number(session, sk: SkPenetapan) -> None:
    """A number is used once a year (the year the SK is dated): among the final SKs, drafted or imported."""
    wanted = _normal_number(sk.nomor)
    for other_id, nomor in session.execute(
        select(SkPenetapan.id, SkPenetapan.nomor).where(
            SkPenetapan.tahun == sk.tahun,
            SkPenetapan.status == SkStatus.FINAL.value,
            SkPenetapan.deleted_at.is_(None),
            SkPenetapan.id != sk.id,
        )
    ):
        if _normal_number(nomor) == wanted:
            raise DomainError(
                N_(
                    "Nomor SK {nomor} sudah dipakai pada tahun {tahun} (SK #{other}). Gunakan nomor lain; bila "
                    "SK itu yang hendak dikoreksi, buat SK perubahannya."
                ),
                nomor=sk.nomor,
                tahun=sk.tahun,
                other=other_id,
            )


RECIPIENT_CHUNK = 10_000  # recipients written between two looks at the progress' cancel


def freeze(uow, user: CurrentUser, sk: SkPenetapan, rows: list, progress: Progress = NO_PROGRESS) -> int:
    """Hash, status final, recipients; supersedes an amended SK's recipients. Returns the recipients written.
    The recipients are written in chunks of one executemany each, cancel looked at between them."""
    session = uow.session
    now = utcnow()
    sk.total_nilai = sum(r.nilai for r in rows)
    sk.hash_isi = content_hash(sk, rows)
    sk.status = SkStatus.FINAL.value
    sk.final_at, sk.final_by = now, user.username
    progress.check()
    superseded = 0
    if sk.mengubah_sk_id:
        superseded = session.execute(
            update(AidRecipient)
            .where(AidRecipient.sk_id == sk.mengubah_sk_id, AidRecipient.deleted_at.is_(None))
            .values(deleted_at=now, updated_at=now, origin_device=uow.device_id)
        ).rowcount
    common = {
        "program_id": sk.program_id,
        "source": "sk",
        "reference": sk.nomor,
        "tanggal": sk.tanggal,
        "sk_id": sk.id,
        "origin_device": uow.device_id,
        "created_at": now,
        "updated_at": now,
    }
    recipients = [
        common | {"nik": row.nik, "person_id": row.person_id, "uid": uuid.uuid4()}
        for row in rows
        if len(row.nik) == 16  # an imported row nobody could identify: named in the SK, not a recipient
    ]
    session.flush()
    connection = session.connection()
    what = N_("Mencatat penerima program...")
    for start in range(0, len(recipients), RECIPIENT_CHUNK):
        progress.check()
        part = recipients[start : start + RECIPIENT_CHUNK]
        insert_many(connection, AidRecipient.__table__, part)
        record_uids(connection, "aid_recipient", [r["uid"] for r in part])
        report(progress, min(start + RECIPIENT_CHUNK, len(recipients)), len(recipients), what)
    written = len(recipients)
    uow.audit(
        user,
        "sk.finalise",
        "sk_penetapan",
        sk.id,
        after=audit_view(sk)
        | {
            "hash_isi": sk.hash_isi,
            "penerima": written,
            "total_nilai": sk.total_nilai,
            "menggantikan": superseded,
        },
    )
    return written


def finalise_sk(target, user: CurrentUser, sk_id: int, progress: Progress = NO_PROGRESS) -> SkDetail:
    """Freezes a complete draft: refuses an empty SK, a missing number or date, a signatory without NIP, a
    number already used in the same year; one transaction, which cancel (between chunks) rolls back."""
    with unit_of_work(target).writing(waiting_for_writer(progress)) as uow:
        session = uow.session
        sk = sk_for_change(session, user, sk_id)
        report(progress, 0, 0, N_("Membaca lampiran SK..."))
        rows = lampiran_rows(session, sk.id)
        require_complete(session, sk, rows)
        freeze(uow, user, sk, rows, progress)
        progress.check()
        detail = _detail(session, sk)
        uow.commit()
        return detail


def amend_sk(target, user: CurrentUser, sk_id: int, progress: Progress = NO_PROGRESS) -> SkDetail:
    """A new draft SK correcting a final one: the same header (without number and date, which the new decree
    gets) and the same rows, linked by `mengubah_sk_id`. Its finalisation replaces the old SK's recipients.
    Cancel (between chunks of rows copied) changes nothing."""
    with unit_of_work(target).writing(waiting_for_writer(progress)) as uow:
        session = uow.session
        old = sk_in_scope(session, user, sk_id)
        if old.status != SkStatus.FINAL:
            raise DomainError(
                N_("SK #{id} masih draf; ubah langsung drafnya, tidak perlu SK perubahan."), id=old.id
            )
        newer = session.scalars(
            select(SkPenetapan).where(SkPenetapan.mengubah_sk_id == old.id, SkPenetapan.deleted_at.is_(None))
        ).first()
        if newer is not None:
            raise DomainError(
                N_("SK {nomor} sudah diubah oleh SK {other} (#{id}); koreksi lanjutan dibuat dari SK itu."),
                nomor=old.nomor,
                other=newer.nomor or "draf",
                id=newer.id,
            )
        sk = SkPenetapan(
            program_id=old.program_id,
            tahun=old.tahun,
            judul=f"Perubahan atas Keputusan Nomor {old.nomor} tentang {old.judul}",
            instansi=old.instansi,
            tempat=old.tempat,
            penandatangan_nama=old.penandatangan_nama,
            penandatangan_nip=old.penandatangan_nip,
            penandatangan_jabatan=old.penandatangan_jabatan,
            menimbang=old.menimbang,
            mengingat=old.mengingat,
            sumber_dana=old.sumber_dana,
            nilai_per_penerima=old.nilai_per_penerima,
            kode_wilayah=old.kode_wilayah,
            status=SkStatus.DRAFT.value,
            asal=old.asal,
            mengubah_sk_id=old.id,
            created_by=user.username,
            origin_device=uow.device_id,
        )
        session.add(sk)
        session.flush()
        # The old SK's rows as they are (rank, reason, lampiran number), new rows of the new SK.
        copied_columns = (
            "urutan", "proposal_id", "person_id", "nik", "nama", "alamat", "kode_desa", "nilai", "desil",
            "peringkat", "masuk", "alasan", "dipaksa_oleh", "alasan_rinci",
        )  # fmt: skip
        copies = [
            dict(row._mapping) | {"id": next_id}
            for next_id, row in enumerate(
                session.execute(
                    select(*(getattr(SkPenerima, name) for name in copied_columns))
                    .where(SkPenerima.sk_id == old.id, SkPenerima.deleted_at.is_(None))
                    .order_by(SkPenerima.id)
                ),
                start=next_penerima_id(session),
            )
        ]
        insert_penerima(uow, sk, copies, progress, N_("Menyalin baris SK..."))
        copied = len(copies)
        session.flush()
        uow.audit(
            user,
            "sk.amend",
            "sk_penetapan",
            sk.id,
            after={"mengubah": old.id, "nomor_lama": old.nomor, "rows": copied},
        )
        detail = _detail(session, sk)
        uow.commit()
        return detail


def verify_hash(target, user: CurrentUser, sk_id: int) -> bool:
    """Whether a final SK's stored content still gives its hash (a check for audits and tests)."""
    with unit_of_work(target) as uow:
        sk = sk_in_scope(uow.session, user, sk_id)
        return bool(sk.hash_isi) and content_hash(sk, lampiran_rows(uow.session, sk.id)) == sk.hash_isi
