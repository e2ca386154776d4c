"""Running one exchange with the server (HTTP, USB export, USB answer import) as the sync panel starts it, and
writing down how it ended: the panel's "last sync", and the trail when someone asks why nothing arrived.

The exchange itself (bundles, receipts, downloads, conflicts) is the exchange's use cases, looked up when a run
starts (`EXCHANGE_MODULES`), so that this module and the panel do not depend on how they are packaged.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.auth.roles import CurrentUser
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Cancelled, Progress
from app.sync.status import ATTEMPT_KINDS, require_sync_start
from app.uow import UnitOfWork
from db.models import utcnow
from db.sync_models import SyncAttempt

# Where the exchange's use cases live: the first module that has the asked name is used.
EXCHANGE_MODULES = ("sync.laptop",)
HTTP, USB_EXPORT, USB_IMPORT = "http", "usb_export", "usb_import"
# The exchange's use case for each kind of run: (name, takes a file path).
_USE_CASES = {HTTP: "sync_now", USB_EXPORT: "export_usb", USB_IMPORT: "import_usb_answer"}


class ExchangeMissing(DomainError):
    """This build has no exchange with the server yet."""


def exchange_use_case(name: str) -> Callable[..., Any]:
    for module_name in EXCHANGE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = getattr(module, name, None)
        if callable(found):
            return found
    raise ExchangeMissing(
        N_(
            "Pertukaran data dengan server ({name}) belum tersedia pada versi program ini. Perbarui e-JPS "
            "Desktop, lalu coba lagi."
        ),
        name=name,
    )


def _call(function: Callable[..., Any], *args: Any, progress: Progress) -> Any:
    # The exchange's use cases report progress when they take it; older ones simply do not.
    if "progress" in inspect.signature(function).parameters:
        return function(*args, progress=progress)
    return function(*args)


def record_sync_attempt(
    uow: UnitOfWork, user: CurrentUser, kind: str, started_at: datetime, ok: bool, message: str = ""
) -> None:
    """Writes down one sync tried from here and how it ended."""
    with uow.writing():
        require_sync_start(user)
        if kind not in ATTEMPT_KINDS:
            raise ValueError(kind)
        uow.session.add(
            SyncAttempt(
                kind=kind,
                started_at=started_at,
                finished_at=utcnow(),
                ok=ok,
                message=message[:2000],
                username=user.username,
            )
        )
        uow.commit()


def run_exchange(
    db, user: CurrentUser, kind: str, path: Path | None = None, progress: Progress = NO_PROGRESS
):
    """One exchange of `kind` (http | usb_export | usb_import), recorded as an attempt whatever its end; the
    exchange's result is returned as it is. A guest may not start one."""
    require_sync_start(user)
    started = utcnow()
    try:
        use_case = exchange_use_case(_USE_CASES[kind])
        args = (db, user) if path is None else (db, user, path)
        result = _call(use_case, *args, progress=progress)
    except Cancelled:
        record_sync_attempt(db.unit_of_work(), user, kind, started, False, str(Cancelled()))
        raise
    except DomainError as refused:
        record_sync_attempt(db.unit_of_work(), user, kind, started, False, str(refused))
        raise
    record_sync_attempt(
        db.unit_of_work(), user, kind, started, True, str(result) if result is not None else ""
    )
    return result


def resolve(db, user: CurrentUser, conflict_ref: Any, choice: Any) -> Any:
    """Resolves a conflict through the exchange's `resolve_conflict` (the resolution is itself a change that
    travels): `choice` is "theirs", "mine", or {field: value}."""
    return exchange_use_case("resolve_conflict")(db, user, conflict_ref, choice)
