"""Units of work that write take SQLite's write lock when they begin; the others never wait for a writer."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

import db.engine
from app.auth.users import login
from app.errors import user_error
from app.jobs import Cancelled, Progress
from app.office import open_office_database
from app.registry.importer import RegistryImport
from app.registry.search import search_people
from app.uow import ReadOnlyUnitOfWork
from db.engine import DatabaseBusy
from tests.conftest import ADMIN_PASSWORD
from tests.factories import people, write_csv


def hold_write_lock(db, seconds: float) -> threading.Thread:
    """Another writer (as another process would be), holding the write lock for `seconds`."""
    taken = threading.Event()

    def write() -> None:
        with db.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE") as connection:
            with connection.begin():
                connection.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (x INTEGER)"))
                connection.execute(text("INSERT INTO lock_probe VALUES (1)"))
                taken.set()
                time.sleep(seconds)

    thread = threading.Thread(target=write)
    thread.start()
    taken.wait(10)
    return thread


@pytest.fixture
def impatient_db(office_db, monkeypatch):
    """The office database, opened again with a short busy timeout."""
    office_db.close()
    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(db.engine, "BUSY_POLL_SECONDS", 0.05)
    reopened = open_office_database(office_db.path)
    yield reopened
    reopened.close()


def test_a_unit_of_work_not_declared_writing_refuses_to_write(office_db):
    with pytest.raises(ReadOnlyUnitOfWork), office_db.unit_of_work() as uow:
        uow.audit("admin", "test.write")
        uow.commit()


def test_a_writer_waits_for_another_writer_then_writes(office_db):
    other = hold_write_lock(office_db, 1)
    # Login reads the account, then writes its audit entry: deferred, it failed at once ("database is locked").
    assert login(office_db.unit_of_work(), "admin", ADMIN_PASSWORD).username == "admin"
    other.join()


def test_a_reader_does_not_wait_for_a_writer(office_db, admin):
    other = hold_write_lock(office_db, 2)
    started = time.monotonic()
    search_people(office_db.unit_of_work(), admin, "LASENA")
    assert time.monotonic() - started < 1.5
    other.join()


def test_a_writer_kept_waiting_too_long_is_told_the_database_is_busy(impatient_db):
    other = hold_write_lock(impatient_db, 2)
    with pytest.raises(DatabaseBusy) as raised:
        login(impatient_db.unit_of_work(), "admin", ADMIN_PASSWORD)
    other.join()
    assert str(user_error(raised.value)) == "Basis data sedang dipakai proses lain; coba lagi."


def test_an_import_waiting_for_another_writer_can_be_cancelled(impatient_db, tmp_path, monkeypatch):
    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_SECONDS", 30)
    admin = login(impatient_db.unit_of_work(), "admin", ADMIN_PASSWORD)
    job = RegistryImport(impatient_db, admin, "dukcapil", [write_csv(tmp_path / "d.csv", people(2))])
    job.prepare()
    said: list[str] = []
    waiting = lambda: any("Menunggu proses lain" in what for what in said)  # noqa: E731
    progress = Progress(report=lambda done, total, what: said.append(what), cancelled=waiting)
    other = hold_write_lock(impatient_db, 3)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        job.commit(progress)
    assert time.monotonic() - started < 2.5
    assert waiting()
    other.join()


def test_only_the_unit_of_work_writes_audit_entries():
    """One way into the audit log (`UnitOfWork.audit`): an entry built by hand elsewhere escapes its rules."""
    app = Path(__file__).resolve().parents[2] / "app"
    builders = [
        str(path.relative_to(app.parent))
        for path in app.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AuditEntry"
    ]
    assert builders == ["app/uow.py"]
