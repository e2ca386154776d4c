"""The import batches committed to this office's registry, and the refused/flagged rows each one kept, so an
officer can see what was imported when, by whom, and send the problem rows back to the source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.errors import NotFound
from app.i18n import N_
from app.registry.issues import RowIssue, Severity
from app.uow import UnitOfWork
from db.models import ImportBatch, ImportIssue, Office


@dataclass(frozen=True)
class BatchSummary:
    id: int
    kind: str  # dukcapil | dtks
    source_label: str  # DUKCAPIL | DTKS | DTSEN
    file_name: str
    imported_by: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    added: int
    changed: int
    unchanged: int
    gone: int
    refused: int
    flagged: int


def _summary(batch: ImportBatch) -> BatchSummary:
    return BatchSummary(
        batch.id,
        batch.kind,
        batch.source_label,
        batch.file_name,
        batch.imported_by,
        batch.started_at,
        batch.finished_at,
        batch.rows_read,
        batch.added,
        batch.changed,
        batch.unchanged,
        batch.gone,
        batch.rejected,
        batch.flagged,
    )


def _office_region(uow: UnitOfWork) -> str:
    return uow.session.scalar(select(Office.region_code)) or ""


def list_batches(uow: UnitOfWork, user: CurrentUser, limit: int = 200) -> list[BatchSummary]:
    """Committed imports, newest first. Batches are office-wide: who may import into this office's region
    may see them; an account of another region may not."""
    with uow:
        require(user, Permission.REGISTRY_IMPORT, region=_office_region(uow))
        batches = uow.session.scalars(
            select(ImportBatch)
            .where(ImportBatch.deleted_at.is_(None))
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        )
        return [_summary(b) for b in batches]


def batch_issues(uow: UnitOfWork, user: CurrentUser, batch_id: int) -> list[RowIssue]:
    """The refused and flagged rows kept with a committed batch, in file and row order: all of them for an
    account whose region contains the region the import could change; for a narrower account (an operator of
    one kecamatan reading the kabupaten's import) only the rows of a desa inside its region — a problem row
    carries a person's NIK, name and birth date."""
    with uow:
        require(user, Permission.REGISTRY_IMPORT, region=_office_region(uow))
        batch = uow.session.get(ImportBatch, batch_id)
        if batch is None or batch.deleted_at is not None:
            raise NotFound(N_("Impor #{batch} tidak ditemukan."), batch=batch_id)
        issues = uow.session.scalars(
            select(ImportIssue)
            .where(ImportIssue.batch_id == batch_id)
            .order_by(ImportIssue.file_name, ImportIssue.row_number, ImportIssue.id)
        )
        whole = user.covers(batch.region_code or _office_region(uow))
        return [
            RowIssue(
                i.file_name,
                i.row_number,
                i.field,
                i.value,
                i.code,
                Severity(i.severity),
                i.message,
                i.kode_desa,
            )
            for i in issues
            if whole or (i.kode_desa and user.covers(i.kode_desa))
        ]
