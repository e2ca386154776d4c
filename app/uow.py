"""Unit of work: one session, one transaction, committed once by the use case (Cosmic Python)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from app.auth.roles import CurrentUser
from db.engine import READ_TRANSACTION, write_options
from db.models import AuditEntry


def _plain(value: Any) -> Any:
    """JSON-safe copy of before/after values for the audit log."""
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date | datetime) else str(v))
    )


class ReadOnlyUnitOfWork(RuntimeError):
    """A unit of work not opened with `writing()` tried to write: it would fail under a concurrent writer."""


@dataclass
class UnitOfWork:
    factory: sessionmaker[Session]
    device_id: Any = None
    session: Session = field(init=False)
    writes: bool = field(default=False, init=False)
    _while_waiting: Callable[[], None] | None = field(default=None, init=False, repr=False)

    def writing(self, while_waiting: Callable[[], None] | None = None) -> UnitOfWork:
        """Declares, before it begins, that this unit of work writes: its transaction begins IMMEDIATE and
        waits while another process writes (db/engine.py `write_options`). Read-only ones (search, browse)
        stay deferred, so a reader never waits for an import (WAL). `while_waiting`: a long job's progress
        and cancel, called while it waits for the lock.

            with uow.writing():
                ...
                uow.commit()
        """
        self.writes = True
        self._while_waiting = while_waiting
        return self

    def __enter__(self) -> UnitOfWork:
        if self.writes:
            # An engine gives a copy with these options; a connection (an import's own, holding its staged
            # rows) takes them in place, until __exit__.
            bind = self.factory.kw["bind"]
            self.session = self.factory(bind=bind.execution_options(**write_options(self._while_waiting)))
        else:
            self.session = self.factory()
            event.listen(self.session, "before_flush", _refuse_write)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Anything not committed explicitly is rolled back: an error or a cancel leaves the last good state.
        self.session.rollback()
        self.session.close()
        bind = self.factory.kw["bind"]
        if self.writes and isinstance(bind, Connection):
            bind.execution_options(**READ_TRANSACTION)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def audit(
        self,
        user: CurrentUser | str,
        action: str,
        entity: str = "",
        entity_ref: str = "",
        before: Any = None,
        after: Any = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                username=user if isinstance(user, str) else user.username,
                action=action,
                entity=entity,
                entity_ref=str(entity_ref),
                before=_plain(before) if before is not None else None,
                after=_plain(after) if after is not None else None,
                origin_device=self.device_id,
            )
        )


def _refuse_write(session: Session, _context, _instances) -> None:
    # A deferred transaction that read first cannot take the write lock once another process has written:
    # it fails at once with "database is locked". Writers say so up front, with `writing()`.
    raise ReadOnlyUnitOfWork("this unit of work writes: open it with uow.writing()")
