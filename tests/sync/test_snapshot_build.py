"""The server's build of a region's snapshot: each record's values in their wire form (sync/values.py
`encode_value`), on PostgreSQL (UUIDs and moments formatted by the database) as on SQLite (by Python); a build
that fails midway leaves nothing open on its connection."""

from __future__ import annotations

import gc
import json
import math

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.sync_models import ChangeLog
from sync.bundle import _pack
from sync.entities import entities
from sync.server.exchange import _snapshot_records, build_download
from sync.values import encode_value
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import enrolled_office, import_households, usb_round
from tests.sync.test_capture import run_office_work
from tests.sync.test_values import EVERY_COLUMN_TYPE

COMPARED = ("device", "uid", "fields", "base", "server_seq")


@pytest.fixture
def kantor_a(tmp_path, exchange_server, exchange_admin, office_templates):
    """Office A of Kab. Gorontalo alone, enrolled on `exchange_server` (its first pull is the snapshot)."""
    office = enrolled_office(
        office_templates["kantor-a"],
        tmp_path / "kantor-a",
        exchange_server,
        exchange_admin,
        "kantor-a",
        "7501",
    )
    yield office
    office.db.close()


def _expected(session) -> dict[tuple[str, str], dict]:
    """Every live record of the server's database as its snapshot record, built value by value with
    `encode_value`, a reference's uid by a lookup of its own."""
    uids = {
        name: dict(session.execute(select(entity.table.c.id, entity.table.c.uid)).all())
        for name, entity in entities().items()
    }
    versions = {
        (entity, str(uid)): version
        for entity, uid, version in session.execute(
            select(ChangeLog.entity, ChangeLog.uid, func.max(ChangeLog.stream_seq)).group_by(
                ChangeLog.entity, ChangeLog.uid
            )
        )
    }
    found = {}
    for name, entity in entities().items():
        table = entity.table
        for row in session.execute(select(table).where(table.c.deleted_at.is_(None))).mappings():
            fields = {f: encode_value(table.c[f].type, row[f]) for f in entity.fields}
            for reference in entity.references:
                target = row[reference.by] if reference.by else reference.target
                uid = uids[target].get(row[reference.column])
                fields[reference.field] = str(uid) if uid is not None else None
            version = versions.get((name, str(row["uid"])), 0)
            device = row["origin_device"]
            found[name, str(row["uid"])] = {
                "device": str(device) if device else "server",
                "uid": str(row["uid"]),
                "fields": fields,
                "base": version,
                "server_seq": version,
            }
    return found


def test_every_snapshot_record_carries_the_wire_form_of_each_stored_value(kantor_a, exchange_server):
    a = kantor_a
    run_office_work(a.db, a.user, a.folder)
    usb_round(a, exchange_server)

    with exchange_server.unit_of_work() as uow:
        lines = list(_snapshot_records(uow.session, "75"))
        expected = _expected(uow.session)
    whole = {}
    for line in lines:
        record = orjson.loads(line) if isinstance(line, bytes) else line
        if record["op"] == "upsert" and record["entity"] in entities():
            # A forward reference comes again later, alone: the first record of a uid is the whole one.
            whole.setdefault((record["entity"], record["uid"]), {k: record[k] for k in COMPARED})

    # Compared as JSON text: 1 and true, 1 and 1.0 are equal in Python, not on the wire.
    assert _text(whole) == _text(expected)
    covered = {name for name, _ in whole}
    assert EVERY_COLUMN_TYPE <= covered


def _text(records: dict) -> str:
    return json.dumps(sorted((list(key), value) for key, value in records.items()), sort_keys=True)


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
def test_a_float_that_is_not_a_number_comes_in_the_snapshot_as_it_is_stored(kantor_a, exchange_server):
    # orjson would write NaN as null; the record goes to the standard encoder instead. (SQLite stores no NaN.)
    a = kantor_a
    run_office_work(a.db, a.user, a.folder)
    usb_round(a, exchange_server)
    with exchange_server.unit_of_work() as uow:
        uow.session.execute(text("UPDATE screening_result SET skor_padan = 'NaN'"))
        lines = list(_snapshot_records(uow.session, "75"))
    results = [line for line in lines if isinstance(line, dict) and line["entity"] == "screening_result"]
    assert results and all(math.isnan(r["fields"]["skor_padan"]) for r in results)
    assert all(b'"screening_result"' not in line for line in lines if isinstance(line, bytes))


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
def test_a_snapshot_that_fails_midway_leaves_no_cursor_to_break_the_connection_s_next_transaction(
    kantor_a, exchange_server, tmp_path, monkeypatch
):
    a = kantor_a
    import_households(a, DESA_LIMBOTO, count=3)
    usb_round(a, exchange_server)
    packed = []

    def disk_full(text: bytes):
        packed.append(text)
        if len(packed) == 2:
            raise OSError("disk full")
        return _pack(text)

    monkeypatch.setattr("sync.bundle._pack", disk_full)
    monkeypatch.setattr("sync.server.exchange._SNAPSHOT_BATCH", 1)  # the households' cursor still open then
    with exchange_server.engine.connect() as connection:  # the build's connection, then the next user's
        with pytest.raises(OSError) as failed:
            build_download(
                Session(bind=connection), a.device, 0, "", 50_000, tmp_path / "down.ejps", chunk_records=1
            )

        assert connection.execute(text("SELECT 1")).scalar() == 1
        del failed  # the error and the frames it holds go: whatever they kept open closes now
        gc.collect()
        assert connection.execute(text("SELECT 2")).scalar() == 2
