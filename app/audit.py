"""Reading the audit log (Pergub 52/2020 Lampiran I: the admin "menjaga keamanan data"): who did what, when,
with the values before and after. Newest first, in pages; the log itself is written by `UnitOfWork.audit`
(and `audit_export` for files of personal data the user asked for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.auth.roles import CurrentUser, Permission, require
from app.uow import UnitOfWork
from db.models import AuditEntry

AUDIT_PAGE_SIZE = 100


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
) -> AuditPage:
    """One page of the audit log, newest first, optionally narrowed to one user or one kind of action."""
    require(user, Permission.AUDIT_READ)
    with uow:
        query = select(AuditEntry).where(AuditEntry.deleted_at.is_(None))
        if username:
            query = query.where(AuditEntry.username == username)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
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
