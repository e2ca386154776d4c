"""Correcting and cancelling a realisasi row. Realisasi are append-only (a correction supersedes; the sync of
issue 12 relies on it): nothing is edited in place nor deleted. A correction writes a new row naming the one
it replaces (`menggantikan_id`) and marks the old one "digantikan"; a cancellation marks the row "dibatalkan"
with who, when and why. Both need a reason, act on a current row of a final SK in the user's region, and are
audited with the row before and after.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, require
from app.documents.realisasi import (
    AID_SOURCE,
    RECORD_PERMISSION,
    STATUS_LABELS,
    RealisasiInput,
    RealisasiRow,
    RealisasiStatus,
    SkRef,
    checked_entry,
    current_realisasi,
    realisasi_row,
    recipient_in_scope,
    require_final,
    sk_for_realisasi,
    typed_row,
    write_rows,
)
from app.errors import DomainError, Forbidden, NotFound
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.screening.programs import unit_of_work
from app.uow import UnitOfWork
from db.models import AidRecipient, Realisasi, utcnow

REASON_LENGTH = 300  # the columns `alasan` and `alasan_batal`
AUDITED = ("nik", "nama", "kode_desa", "tanggal", "jumlah_fisik", "satuan", "nilai", "saluran", "sumber")


def _reason(alasan: str) -> str:
    reason = " ".join(str(alasan or "").split())
    if not reason:
        raise DomainError(N_("Kolom alasan wajib diisi: tuliskan mengapa baris realisasi ini diubah."))
    if len(reason) > REASON_LENGTH:
        raise DomainError(
            N_("Kolom alasan terlalu panjang ({n} karakter); paling banyak {max}."),
            n=len(reason),
            max=REASON_LENGTH,
        )
    return reason


def _current_row(session: Session, user: CurrentUser, realisasi_id: int) -> tuple[Realisasi, SkRef]:
    """The row to act on: current, of a final SK the user's region overlaps, for a recipient in the region."""
    row = session.get(Realisasi, realisasi_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(N_("Baris realisasi #{id} tidak ditemukan."), id=realisasi_id)
    if row.sk_id is None:
        raise DomainError(
            N_("Baris realisasi #{id} tidak terhubung ke SK; hanya realisasi penerima SK yang dapat diubah."),
            id=realisasi_id,
        )
    sk = sk_for_realisasi(session, user, row.sk_id)
    require_final(session, sk)
    if not user.covers(row.kode_desa):
        raise Forbidden(
            N_("Penerima {nik} tinggal di wilayah {region}, di luar wilayah kerja Anda ({own})."),
            nik=row.nik,
            region=row.kode_desa,
            own=user.region_code,
        )
    if row.status != RealisasiStatus.BERLAKU:
        raise DomainError(
            N_("Baris realisasi #{id} sudah {state}; ubah baris yang berlaku."),
            id=realisasi_id,
            state=_(STATUS_LABELS[RealisasiStatus(row.status)]).lower(),
        )
    return row, sk


def _audited(row: Realisasi) -> dict:
    return {name: getattr(row, name) for name in AUDITED} | {"id": row.id, "status": row.status}


def _release_recipient(session: Session, sk: SkRef, nik: str) -> None:
    """A person no longer served under the SK by any current row stops being its realisasi recipient (the SK
    still names them: source "sk")."""
    still_served = session.scalar(
        select(Realisasi.id)
        .where(Realisasi.sk_id == sk.id, Realisasi.nik == nik, current_realisasi())
        .limit(1)
    )
    if still_served is None:
        session.execute(
            update(AidRecipient)
            .where(
                AidRecipient.sk_id == sk.id,
                AidRecipient.nik == nik,
                AidRecipient.source == AID_SOURCE,
                AidRecipient.deleted_at.is_(None),
            )
            .values(deleted_at=utcnow(), updated_at=utcnow())
        )


def correct_realisasi(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    realisasi_id: int,
    entry: RealisasiInput,
    alasan: str,
) -> RealisasiRow:
    """Replaces a wrong row by a corrected one (any field, the NIK too when it named the wrong recipient of the
    SK); the old row stays, superseded. Returns the new row."""
    require(user, RECORD_PERMISSION)
    reason = _reason(alasan)
    nik, saluran = checked_entry(entry)
    with unit_of_work(target).writing() as uow:
        session = uow.session
        old, sk = _current_row(session, user, realisasi_id)
        recipient = recipient_in_scope(session, user, sk, nik)
        before = _audited(old)
        row = typed_row(session, recipient, entry, saluran) | {"menggantikan_id": old.id, "alasan": reason}
        old.status = RealisasiStatus.DIGANTIKAN.value
        old.origin_device = uow.device_id
        session.flush()
        (new_id,) = write_rows(uow, user, sk, [row], sk.nomor)
        if old.nik != nik:
            _release_recipient(session, sk, old.nik)
        new = session.get(Realisasi, new_id)
        uow.audit(
            user,
            "realisasi.correct",
            "realisasi",
            old.id,
            before=before,
            after=_audited(new) | {"menggantikan_id": old.id, "alasan": reason},
        )
        result = realisasi_row(new)
        uow.commit()
    return result


def cancel_realisasi(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, realisasi_id: int, alasan: str
) -> RealisasiRow:
    """Cancels a row recorded in error (a handover that did not happen, a row entered twice): it stays, marked
    with who cancelled it, when and why, and no longer counts."""
    require(user, RECORD_PERMISSION)
    reason = _reason(alasan)
    with unit_of_work(target).writing() as uow:
        session = uow.session
        row, sk = _current_row(session, user, realisasi_id)
        before = _audited(row)
        row.status = RealisasiStatus.DIBATALKAN.value
        row.dibatalkan_at = utcnow()
        row.dibatalkan_oleh = user.username
        row.alasan_batal = reason
        row.origin_device = uow.device_id
        session.flush()
        _release_recipient(session, sk, row.nik)
        uow.audit(
            user,
            "realisasi.cancel",
            "realisasi",
            row.id,
            before=before,
            after=_audited(row) | {"dibatalkan_oleh": user.username, "alasan": reason},
        )
        result = realisasi_row(row)
        uow.commit()
    return result
