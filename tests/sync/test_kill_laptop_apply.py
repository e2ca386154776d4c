"""kill -9 at any point while a laptop applies what the server sent: afterwards the copy holds either none of it
with the cursor where it was, or all of it with the cursor moved — never a cursor ahead of its data — the file
passes SQLite's integrity check, and applying again finishes the job once."""

from __future__ import annotations

import functools
import shutil
from dataclasses import replace

import pytest

from app.office import create_office_database, open_office_database
from db import keys
from sync.local_apply import apply_changes
from tests.conftest import ADMIN_PASSWORD, OFFICE_REGION
from tests.sync.crash_points import count_points, run_killed_at, spread
from tests.sync.test_capture import run_office_work
from tests.sync.test_local_apply import changes_of, copy_of, uids_of

KILL_POINTS = 50


@pytest.fixture(autouse=True)
def key_derived_once(monkeypatch):
    # Every copy shares the template's salt: derive its key once instead of at each of ~150 openings (the
    # passphrase's Argon2 is slow on purpose). Forked children inherit the memo.
    monkeypatch.setattr(keys, "_derive", functools.lru_cache(maxsize=4)(keys._derive))


@pytest.fixture
def fresh_office_file(tmp_path):
    """A fresh office database of the same region, closed: each kill gets its own copy."""
    db = create_office_database(tmp_path / "template.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin B")
    db.close()
    return tmp_path / "template.db"


def copy_database(source, target):
    for suffix in ("", "-wal", "-shm"):
        if source.with_name(source.name + suffix).exists():
            shutil.copyfile(source.with_name(source.name + suffix), target.with_name(target.name + suffix))
    return target


def apply_everything(path, changes, cursor):
    db = open_office_database(path)
    try:
        with db.unit_of_work().writing() as uow:
            apply_changes(uow.session, changes, office_region=OFFICE_REGION, pulled_upto=cursor)
            uow.commit()
    finally:
        db.close()


def cursor_of(db) -> int:
    with db.engine.connect() as connection:
        value = connection.exec_driver_sql("SELECT pulled_upto FROM sync_state").scalar()
    return value or 0


def integrity(db) -> str:
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA integrity_check").scalar()


def test_a_kill_at_any_point_of_an_apply_leaves_all_or_nothing_and_the_cursor_never_ahead(
    office_db, operator, fresh_office_file, tmp_path
):
    run_office_work(office_db, operator, tmp_path)
    changes = changes_of(office_db)
    cursor = max(c.server_seq for c in changes)
    changes = [replace(c, device="5d2e7c90-1f3b-4a8e-b6d4-2c9e8f7a1b03") for c in changes]
    expected = copy_of(office_db)

    dry = copy_database(fresh_office_file, tmp_path / "dry.db")
    before = uids_of(open_office_database(dry))
    total = count_points(lambda: apply_everything(dry, changes, cursor))
    points = spread(total, KILL_POINTS)
    assert len(points) >= KILL_POINTS

    outcomes = {"none": 0, "all": 0}
    for point in points:
        path = copy_database(fresh_office_file, tmp_path / f"killed-{point}.db")
        assert run_killed_at(point, lambda path=path: apply_everything(path, changes, cursor))
        db = open_office_database(path)
        try:
            assert integrity(db) == "ok"
            held = copy_of(db)
            received = {
                name: {u: r for u, r in rows.items() if u not in before[name]} for name, rows in held.items()
            }
            if cursor_of(db) == 0:
                assert all(not rows for rows in received.values()), f"data without its cursor (point {point})"
                outcomes["none"] += 1
            else:
                assert cursor_of(db) == cursor
                assert received == expected, f"cursor moved without all its data (point {point})"
                outcomes["all"] += 1
        finally:
            db.close()
        # Applying again after the kill finishes the job, once.
        apply_everything(path, changes, cursor)
        db = open_office_database(path)
        try:
            held = copy_of(db)
            assert {
                n: {u: r for u, r in rows.items() if u not in before[n]} for n, rows in held.items()
            } == expected
            assert cursor_of(db) == cursor
        finally:
            db.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    assert outcomes["none"] > 0
