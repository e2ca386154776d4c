"""Unit of work: one session, one transaction, committed once by the use case (Cosmic Python)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.auth.roles import CurrentUser
from db.models import AuditEntry


def _plain(value: Any) -> Any:
    """JSON-safe copy of before/after values for the audit log."""
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date | datetime) else str(v))
    )


@dataclass
class UnitOfWork:
    factory: sessionmaker[Session]
    device_id: Any = None
    session: Session = field(init=False)

    def __enter__(self) -> UnitOfWork:
        self.session = self.factory()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Anything not committed explicitly is rolled back: an error or a cancel leaves the last good state.
        self.session.rollback()
        self.session.close()

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
