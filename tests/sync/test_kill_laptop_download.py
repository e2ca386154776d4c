"""kill -9 at any point while a laptop applies what the server answered — a region snapshot in chunks and the
bundle after it, brought by a USB answer file, then a receipt — afterwards the copy passes SQLite's integrity
check, the down cursor is never ahead of its data (exactly the records of the chunks and bundles up to it are
there), no change is marked answered without the whole receipt, no file is left behind, and doing it again
ends as a run never killed.

The apply of a plain bundle's records is covered by test_kill_laptop_apply.py; these are the use cases around
it (sync/laptop.py)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from app.office import data_dir, open_office_database
from db import keys
from sync.answer import write_answer_file
from sync.laptop import (
    DOWNLOAD_FOLDER,
    apply_download,
    apply_receipt,
    import_usb_answer,
    prepare_upload,
    sync_now,
)
from sync.server.app import create_app
from sync.server.exchange import apply_upload, build_download
from tests.factories import DESA_LIMBOTO, DESA_TELAGA
from tests.sync.conftest import serving
from tests.sync.crash_points import count_points, run_killed_at, spread
from tests.sync.exchange_helpers import edit_person, import_households, usb_round
from tests.sync.test_exchange_http import point_at
from tests.sync.test_exchange_snapshot import records
from tests.sync.test_local_apply import copy_of

KILL_POINTS = 50
VM_STEPS = 20
pytestmark = pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def key_derived_once(monkeypatch):
    # Every copy shares the office's salt: derive its key once instead of at each of ~100 openings (the
    # passphrase's Argon2 is slow on purpose). Forked children inherit the memo.
    monkeypatch.setattr(keys, "_derive", functools.lru_cache(maxsize=4)(keys._derive))


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The temporary folder of the laptop's work, to see what it leaves behind."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    return folder


def copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if source.with_name(source.name + suffix).exists():
            shutil.copyfile(source.with_name(source.name + suffix), target.with_name(target.name + suffix))
    return target


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def sql(db, query: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(query).all()]


def integrity(db) -> str:
    return sql(db, "PRAGMA integrity_check")[0][0]


def down_stage(db) -> tuple:
    """Where a download stands: the cursor, the down hash, the snapshot's chunks done."""
    (cursor, last_hash), *_ = sql(db, "SELECT pulled_upto, down_last_hash FROM sync_state")
    progress = sql(db, "SELECT bundle_hash, chunks_done FROM sync_download_progress")
    return (cursor, last_hash, progress[0] if progress else None)


def office_state(db) -> dict:
    return {
        "records": copy_of(db),
        "conflicts": sql(db, "SELECT conflict_uid, entity, uid, state FROM sync_conflict ORDER BY id"),
    }


def test_a_kill_at_any_point_of_a_download_apply_leaves_the_cursor_with_its_data_and_the_retry_ends_clean(
    offices, exchange_server, tmp_path, scratch, monkeypatch
):
    # Two chunks a transaction: the kills fall inside a group of chunks as well as between groups.
    monkeypatch.setattr("sync.laptop.COMMIT_RECORDS", 8)
    a, b, _c = offices
    people = import_households(a, DESA_LIMBOTO, count=4)
    import_households(a, DESA_TELAGA, count=2, start=6)
    usb_round(a, exchange_server)
    # B's first install: the region's snapshot in chunks of 4 records...
    with exchange_server.unit_of_work().writing() as uow:
        snapshot = build_download(uow, b.device, 0, "", 50_000, tmp_path / "snapshot.bundle", chunk_records=4)
    assert snapshot.snapshot and snapshot.records > 3 * 4
    # ... then what changed after it: A's edits.
    edit_person(a, people[0].nik, nama="NAMA BARU SATU")
    edit_person(a, people[4].nik, alamat="JL. BARU NO. 2")
    usb_round(a, exchange_server)
    with exchange_server.unit_of_work().writing() as uow:
        after = build_download(
            uow, b.device, snapshot.seq_to, snapshot.hash, 50_000, tmp_path / "after.bundle"
        )
    assert after.records == 2
    answers = []
    for name in ("snapshot", "after"):
        answers.append(tmp_path / f"{name}.answer")
        write_answer_file(answers[-1], b"", (tmp_path / f"{name}.bundle").read_bytes())
    b.db.close()
    source = b.folder / "kantor-b.db"

    def opening(path: Path):
        return lambda: open_office_database(path)

    def import_both(db) -> None:
        for answer in answers:
            import_usb_answer(db, b.user, answer)
        sql(db, "SELECT count(*) FROM person")  # the panel reads the copy after: a kill here finds all in
        db.close()

    # The clean run, keeping the copy after every transaction: the only states a kill may leave.
    clean = open_office_database(copy_database(source, tmp_path / "clean.db"))
    stages = {down_stage(clean): office_state(clean)}

    def keep_stage(_done: int, _total: int) -> None:
        stages[down_stage(clean)] = office_state(clean)

    for answer in answers:
        import_usb_answer(clean, b.user, answer, progress=keep_stage)
    final = down_stage(clean)
    assert final[0] == after.seq_to and len(stages) >= 4  # the start, each group of chunks, the bundle after
    clean.close()

    dry = copy_database(source, tmp_path / "dry.db")
    total = count_points(import_both, opening(dry))
    points = spread(total, KILL_POINTS)
    assert len(points) >= KILL_POINTS
    seen_stages = set()
    for point in points:
        path = copy_database(source, tmp_path / f"killed-{point}.db")
        assert run_killed_at(point, import_both, opening(path))
        db = open_office_database(path)
        try:
            assert integrity(db) == "ok", f"point {point}"
            stage = down_stage(db)
            assert stage in stages, f"a cursor or progress no clean run passes through (point {point})"
            assert office_state(db) == stages[stage], f"the data is not the cursor's (point {point})"
            seen_stages.add(stage)
            assert list(scratch.iterdir()) == [], f"files left behind (point {point})"

            for answer, seq_to in zip(answers, (snapshot.seq_to, after.seq_to), strict=True):
                if down_stage(db)[0] <= seq_to:  # an answer behind the cursor is refused as a replay
                    import_usb_answer(db, b.user, answer)
            assert down_stage(db) == final
            assert office_state(db) == stages[final]
        finally:
            db.close()
        remove_database(path)
    assert len(seen_stages) >= 4  # kills before, between and after the chunks


def outbox_state(db) -> dict:
    """The outbox as a kill must leave it whole: each change's state and server number, the versions learnt,
    whether the bundle is answered, the up-stream hash."""
    return {
        "changes": sql(db, "SELECT seq, state, server_seq, bundle_id, answered_at IS NULL FROM sync_change"),
        "versions": sql(db, "SELECT entity, uid, server_seq FROM sync_version ORDER BY entity, uid"),
        "bundles": sql(db, "SELECT bundle_id, verdict, answered_at IS NULL FROM sync_outbox_bundle"),
        "up": sql(db, "SELECT up_last_hash FROM sync_state"),
        "records": copy_of(db),
    }


def test_a_kill_at_any_point_of_a_receipt_apply_marks_all_changes_answered_or_none(
    offices, exchange_server, tmp_path
):
    _a, b, _c = offices
    people = import_households(b, DESA_LIMBOTO, count=6)
    usb_round(b, exchange_server)
    edit_person(b, people[0].nik, nama="NAMA BARU")
    import_households(b, DESA_TELAGA, count=3, start=8)
    bundle = prepare_upload(b.db, b.user)
    with exchange_server.unit_of_work().writing() as uow:
        receipt = apply_upload(uow, bundle.data)
    b.db.close()
    source = b.folder / "kantor-b.db"

    def opening(path: Path):
        return lambda: open_office_database(path)

    def answer(db) -> None:
        apply_receipt(db, b.user, receipt)
        sql(db, "SELECT count(*) FROM sync_change")  # the panel reads the ledger after: a kill here finds all
        db.close()

    clean = open_office_database(copy_database(source, tmp_path / "clean.db"))
    before = outbox_state(clean)
    summary = apply_receipt(clean, b.user, receipt)
    answered = outbox_state(clean)
    clean.close()
    assert summary.applied == bundle.records
    assert {state for _seq, state, *_ in before["changes"] if _seq >= bundle.seq_from} == {"sent"}

    dry = copy_database(source, tmp_path / "dry.db")
    # A receipt's apply is a dozen statements (each executemany carries every change): the kills land inside
    # them too, every VM_STEPS steps of SQLite's machine.
    total = count_points(answer, opening(dry), vm_steps=VM_STEPS)
    points = spread(total, KILL_POINTS)
    assert len(points) >= KILL_POINTS
    outcomes = {"none": 0, "all": 0}
    for point in points:
        path = copy_database(source, tmp_path / f"killed-{point}.db")
        assert run_killed_at(point, answer, opening(path), vm_steps=VM_STEPS)
        db = open_office_database(path)
        try:
            assert integrity(db) == "ok", f"point {point}"
            state = outbox_state(db)
            if state == before:
                outcomes["none"] += 1
            else:
                assert state == answered, f"a receipt applied in part (point {point})"
                outcomes["all"] += 1
            again = apply_receipt(db, b.user, receipt)
            assert again.already_answered == (state == answered)
            assert outbox_state(db) == answered
            assert prepare_upload(db, b.user) is None  # nothing sent twice
        finally:
            db.close()
        remove_database(path)
    assert outcomes["none"] > 0 and outcomes["all"] > 0


def test_a_sync_killed_while_applying_resumes_the_bundle_it_received_at_its_next_chunk(
    offices, exchange_server, tmp_path, monkeypatch
):
    monkeypatch.setattr("sync.laptop.COMMIT_RECORDS", 4)  # a transaction a chunk
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=4)
    usb_round(a, exchange_server)
    outgoing = prepare_upload(b.db, b.user)  # B's own first changes go up first: later syncs send nothing
    if outgoing is not None:
        with exchange_server.unit_of_work().writing() as uow:
            apply_receipt(b.db, b.user, apply_upload(uow, outgoing.data))
    # What sync_now leaves when the laptop dies while applying: the bundle received whole, still encrypted, in
    # the download folder, and the chunks applied so far recorded.
    target = data_dir() / DOWNLOAD_FOLDER / f"{b.device}.bundle"
    target.parent.mkdir(parents=True, exist_ok=True)
    with exchange_server.unit_of_work().writing() as uow:
        snapshot = build_download(uow, b.device, 0, "", 50_000, target, chunk_records=4)
    received_whole = target.read_bytes()
    chunks = -(-snapshot.records // 4)
    assert chunks >= 3
    b.db.close()
    path = b.folder / "kantor-b.db"

    def apply(db) -> None:
        apply_download(db, b.user, target)

    total = count_points(apply, lambda: open_office_database(copy_database(path, tmp_path / "dry.db")))
    assert run_killed_at(total // 2, apply, lambda: open_office_database(path))
    b.db = open_office_database(path)
    done = down_stage(b.db)[2][1]
    assert 0 < done < chunks and target.exists()

    with serving(create_app(exchange_server)) as url:
        point_at(b, url)
        result = sync_now(b.db, b.user)
        assert result.received[0].bundle_id == snapshot.bundle_id  # the same bundle, not a new one from 0
        assert result.received[0].chunks_applied == chunks - done
        assert not target.exists()
        assert records(b.db, "7501") == records(exchange_server, "7501")

        # Killed after the last chunk, before the file was removed: the next sync removes it, applies nothing
        # twice and counts nothing received.
        target.write_bytes(received_whole)
        again = sync_now(b.db, b.user)
        assert again.received == () and not target.exists()
