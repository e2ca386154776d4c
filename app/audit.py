"""Reading the audit log (Pergub 52/2020 Lampiran I: the admin "menjaga keamanan data"): who did what, when,
with the values before and after. Newest first, in pages; the log itself is written by `UnitOfWork.audit`
(and `audit_export` for files of personal data the user asked for)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.auth.roles import ROLE_LABELS, CurrentUser, Permission, Role, require
from app.errors import DomainError
from app.i18n import N_, _
from app.registry.fields import FIELDS
from app.registry.people import SEX_LABELS, STATUS_LABELS
from app.screening.desil import DESIL_LEVEL_LABELS
from app.screening.programs import FUNDING_SOURCE_LABELS, LIST_STATUS_LABELS
from app.screening.service import DECISIONS
from app.uow import UnitOfWork
from db.models import AuditEntry

AUDIT_PAGE_SIZE = 100

# The keys the use cases write into an entry's before/after, in words. A key not listed is shown as it is.
CHANGE_LABELS = {field.name: field.label for fields in FIELDS.values() for field in fields} | {
    "username": N_("Nama pengguna"),
    "full_name": N_("Nama lengkap"),
    "role": N_("Peran"),
    "region_code": N_("Wilayah"),
    "opd": N_("OPD"),
    "active": N_("Aktif"),
    "admin": N_("Admin"),
    "file": N_("Berkas"),
    "file_name": N_("Berkas"),
    "sha256": N_("Sidik berkas (SHA-256)"),
    "rows_read": N_("Baris dibaca"),
    "added": N_("Baru"),
    "changed": N_("Berubah"),
    "gone": N_("Hilang dari ekstrak"),
    "accepted": N_("Diimpor"),
    "refused": N_("Ditolak"),
    "flagged": N_("Ditandai"),
    "mapping": N_("Pemetaan kolom"),
    "program_id": N_("Program"),
    "list_id": N_("Daftar usulan"),
    "nama": N_("Nama"),
    "sumber": N_("Pengusul"),
    "kode_wilayah_sumber": N_("Wilayah pengusul"),
    "status": N_("Status"),
    "sumber_dana": N_("Sumber dana"),
    "tahun": N_("Tahun"),
    "jenis_bantuan": N_("Jenis bantuan"),
    "nilai_per_penerima": N_("Nilai per penerima"),
    "kuota": N_("Kuota"),
    "kode_wilayah": N_("Wilayah program"),
    "kode_program_dtks": N_("Program DTKS/DTSEN"),
    "desil_min": N_("Desil terendah"),
    "desil_max": N_("Desil tertinggi"),
    "hanya_dtks": N_("Hanya DTKS/DTSEN"),
    "desil_acuan": N_("Acuan desil"),
    "run": N_("Penyaringan"),
    "engine": N_("Versi mesin"),
    "scope": N_("Cakupan"),
    "LOLOS": N_("Lolos"),
    "TIDAK_LOLOS": N_("Tidak lolos"),
    "PERLU_CEK": N_("Perlu cek"),
    "keputusan": N_("Keputusan"),
    "person_id": N_("Orang (ID registri)"),
    "alasan": N_("Alasan"),
    "reason": N_("Alasan"),
    "baris": N_("Baris"),
    "rows": N_("Jumlah baris"),
}
YES, NO = N_("ya"), N_("tidak")
# Coded values in words, per key: an officer reads "APBD Kabupaten/Kota", not APBD_KABKOTA.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "sumber_dana": FUNDING_SOURCE_LABELS,
    "desil_acuan": {level.value: label for level, label in DESIL_LEVEL_LABELS.items()},
    "scope": {"list": N_("seluruh daftar"), "row": N_("baris yang berubah")},
    "status": {status.value: label for status, label in LIST_STATUS_LABELS.items()} | STATUS_LABELS,
    "keputusan": DECISIONS,
    "jenis_kelamin": SEX_LABELS,
}


@dataclass(frozen=True)
class AuditChange:
    """One value of an entry in words: its label, the value before (empty when new) and after (empty
    when removed)."""

    label: str
    before: str
    after: str


def _value_text(key: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _(YES) if value else _(NO)
    if key == "role":
        try:
            return _(ROLE_LABELS[Role(value)])
        except (ValueError, KeyError):
            return str(value)
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return _(VALUE_LABELS[key][value])
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def describe_change(before: dict | None, after: dict | None) -> list[AuditChange]:
    """An entry's before/after as changes in words, in the current language: every key that differs, in the
    order written (a new record lists what it was created with; a deleted one what it held)."""
    before, after = before or {}, after or {}
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        if old in (None, "") and new in (None, ""):
            continue  # an empty field of a new record says nothing ("OPD: ;")
        label = _(CHANGE_LABELS[key]) if key in CHANGE_LABELS else key
        changes.append(AuditChange(label, _value_text(key, old), _value_text(key, new)))
    return changes


def _utc_start_of(day: date) -> datetime:
    """The first moment of a day on the laptop's clock, as the naive UTC the log stores."""
    return datetime.combine(day, time.min).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    username: str
    action: str
    entity: str
    entity_ref: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditRow]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


def audit_entries(
    uow: UnitOfWork,
    user: CurrentUser,
    offset: int = 0,
    limit: int = AUDIT_PAGE_SIZE,
    username: str | None = None,
    action_prefix: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> AuditPage:
    """One page of the audit log, newest first, optionally narrowed to one user, one kind of action and the
    days from `since` to `until` (both included, on the laptop's clock)."""
    require(user, Permission.AUDIT_READ)
    if since and until and since > until:
        raise DomainError(
            N_("Tanggal awal ({since}) sesudah tanggal akhir ({until}). Tukar atau perbaiki tanggalnya."),
            since=since.strftime("%d-%m-%Y"),
            until=until.strftime("%d-%m-%Y"),
        )
    with uow:
        query = select(AuditEntry).where(AuditEntry.deleted_at.is_(None))
        if username:
            query = query.where(AuditEntry.username == username)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
        if since:
            query = query.where(AuditEntry.at >= _utc_start_of(since))
        if until:
            query = query.where(AuditEntry.at < _utc_start_of(until + timedelta(days=1)))
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(max(offset, 0)).limit(limit)
        )
        entries = [
            AuditRow(e.id, e.at, e.username, e.action, e.entity, e.entity_ref, e.before, e.after)
            for e in rows
        ]
    return AuditPage(entries, total, max(offset, 0), limit)


def audit_usernames(uow: UnitOfWork, user: CurrentUser) -> list[str]:
    """Everyone who appears in the audit log, once each (accounts since deactivated too), for the page's
    "who" filter."""
    require(user, Permission.AUDIT_READ)
    with uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.username)
                .where(AuditEntry.deleted_at.is_(None))
                .distinct()
                .order_by(AuditEntry.username)
            )
        )


def audit_export(
    uow: UnitOfWork, user: CurrentUser, action: str, entity: str, entity_ref: object, path: Path, rows: int
) -> None:
    """An export of personal data is in the audit log, or not on the disk: a file whose export cannot be
    recorded (the database busy for too long) is removed again."""
    try:
        with uow.writing():
            uow.audit(user, action, entity, str(entity_ref), after={"file": Path(path).name, "rows": rows})
            uow.commit()
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
