"""kill -9 at any point while the server applies an office's bundle (PostgreSQL): afterwards the province's
database holds either none of the bundle or all of it — each (device, seq) once, the stream numbers dense, the
device's stream cursor and the stored receipt exactly when the data is there — and sending the same bundle
again ends as a run that was never killed."""

from __future__ import annotations

import uuid

import orjson
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from sync.laptop import prepare_upload
from sync.receipts import open_receipt
from sync.server.database import server_keys
from sync.server.exchange import SERVER_DEVICE, _snapshot_records, apply_upload
from tests.factories import DESA_TELAGA
from tests.sync.crash_points import count_points, run_killed_at, spread
from tests.sync.exchange_helpers import edit_person, import_households, usb_round

KILL_POINTS = 50


class _Clones:
    """Databases cloned from the test's server database: CREATE DATABASE … TEMPLATE is a file copy, far
    cheaper than building the state again for each kill."""

    def __init__(self, server_url: str) -> None:
        self.base, self.template = server_url.rsplit("/", 1)
        self.admin = create_engine(self.base + "/postgres", isolation_level="AUTOCOMMIT")

    def clone(self, name: str) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.template} STRATEGY FILE_COPY"))
        return f"{self.base}/{name}"

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))

    def close(self) -> None:
        self.admin.dispose()


def _apply(url: str | Engine, data: bytes) -> bytes:
    engine = create_engine(url) if isinstance(url, str) else url
    try:
        with Session(engine) as session:
            signed = apply_upload(session, data)
            # The answer goes back to the office after the commit: a kill here finds everything in.
            session.execute(text("SELECT count(*) FROM bundle_receipt")).scalar()
            return signed
    finally:
        if engine is not url:
            engine.dispose()


def _state(url: str | Engine, device: uuid.UUID, bundle_hash: str) -> dict:
    """What a kill must leave whole: the change log, the counter, the device's cursor, the receipt, and every
    record of the province in its travelling form (local ids and clocks left out: a killed transaction's
    sequence numbers are not given back, so the ids of a retry differ from a clean run's)."""
    engine = create_engine(url) if isinstance(url, str) else url
    try:
        with Session(engine) as session:
            rows = session.execute(
                text(
                    "SELECT stream_seq, device, seq, entity, uid, op, fields, base, region, region_before "
                    "FROM change_log ORDER BY stream_seq"
                )
            ).all()
            log = [
                (s, str(d), q, e, None if d == SERVER_DEVICE else str(u), o, f, b, r, rb)
                for s, d, q, e, u, o, f, b, r, rb in rows
            ]
            counter = session.execute(text("SELECT last_seq FROM change_stream_counter")).scalar()
            cursor = session.execute(
                text(
                    "SELECT s.up_seq, s.up_last_hash FROM device_stream s JOIN device d ON d.id = s.device_id "
                    "WHERE d.uuid = :device"
                ),
                {"device": device},
            ).one_or_none()
            receipts = session.execute(
                text("SELECT count(*) FROM bundle_receipt WHERE bundle_hash = :hash"), {"hash": bundle_hash}
            ).scalar()
            conflicts = session.execute(
                text(
                    "SELECT entity, uid, base, mine, theirs, kind, seq, state FROM sync_conflict ORDER BY seq"
                )
            ).all()
            records = {
                (r["entity"], r["uid"]): (r["fields"], r["base"], r["region"])
                for r in map(_as_dict, _snapshot_records(session, "75"))
            }
            return {
                "log": log,
                "counter": counter,
                "cursor": tuple(cursor) if cursor else None,
                "receipts": receipts,
                "conflicts": [tuple(c) for c in conflicts],
                "records": records,
            }
    finally:
        if engine is not url:
            engine.dispose()


def _as_dict(record: bytes | dict) -> dict:
    return orjson.loads(record) if isinstance(record, bytes) else record


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
def test_a_kill_at_any_point_of_a_server_apply_leaves_all_or_nothing_and_the_retry_ends_as_a_clean_run(
    offices, exchange_server
):
    a, b, _c = offices
    records = import_households(a, "7501011001", count=2)
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)
    edit_person(a, records[0].nik, nama="NAMA DARI KANTOR A")
    usb_round(a, exchange_server)
    # B's bundle: its own new households (households, people, their registry rows) and an edit of a person A
    # changed meanwhile (a conflict: identity fields are never overwritten silently).
    edit_person(b, records[0].nik, nama="NAMA DARI KANTOR B")
    # Edits of A's people no one else changed, each of other fields: each set of fields is its own statement.
    edit_person(b, records[1].nik, alamat="JL. NANI WARTABONE 7")
    edit_person(b, records[2].nik, rt="004", rw="002")
    edit_person(b, records[3].nik, tempat_lahir="TELAGA")
    edit_person(b, records[4].nik, rt="009")
    edit_person(b, records[5].nik, alamat="DUSUN II", rw="003")
    import_households(b, DESA_TELAGA, count=6, start=4)
    bundle = prepare_upload(b.db, b.user)
    with exchange_server.unit_of_work() as uow:
        signing = server_keys(uow.session).public().signing
    exchange_server.close()  # a template may have no connection open
    clones = _Clones(exchange_server.engine.url.render_as_string(hide_password=False))

    before = _state(clones.clone("kill_before"), b.device, bundle.hash)
    clean_url = clones.clone("kill_clean")
    clean_receipt = open_receipt(_apply(clean_url, bundle.data), server_key=signing, device=str(b.device))
    clean = _state(clean_url, b.device, bundle.hash)
    assert clean_receipt.verdict == "applied"
    assert {answer.outcome for answer in clean_receipt.answers} == {"applied", "conflict"}
    assert len(clean_receipt.answers) >= 20

    def carried(state: dict) -> list[tuple]:
        """The change log's rows of the bundle's changes."""
        return [
            row
            for row in state["log"]
            if row[1] == str(b.device) and bundle.seq_from <= row[2] <= bundle.seq_to
        ]

    own = carried(clean)

    dry_url = clones.clone("kill_dry")
    # The bulk apply runs few statements, each doing much: kills land before and just after each of them.
    total = count_points(lambda: _apply(dry_url, bundle.data), after=True)
    points = spread(total, KILL_POINTS)
    assert len(points) >= KILL_POINTS
    outcomes = {"none": 0, "all": 0}
    for point in points:
        name = f"kill_at_{point}"
        url = clones.clone(name)
        assert run_killed_at(point, lambda url=url: _apply(url, bundle.data), after=True)
        engine = create_engine(url)
        after = _state(engine, b.device, bundle.hash)
        mine = carried(after)
        assert len({row[2] for row in mine}) == len(mine), f"a change logged twice (point {point})"
        numbers = [row[0] for row in after["log"]]
        assert numbers == list(range(1, after["counter"] + 1)), f"stream numbers not dense (point {point})"
        if not mine:
            assert after == before, f"a part of the bundle without the rest (point {point})"
            outcomes["none"] += 1
        else:
            assert after == clean, f"the bundle's data without its cursor or receipt (point {point})"
            assert after["receipts"] == 1 and after["cursor"] == (bundle.seq_to, bundle.hash)
            assert len(mine) == len(own)
            outcomes["all"] += 1

        again = open_receipt(_apply(engine, bundle.data), server_key=signing, device=str(b.device))
        assert again.verdict == "applied"
        assert again.answers == clean_receipt.answers
        assert _state(engine, b.device, bundle.hash) == clean
        engine.dispose()
        clones.drop(name)
    for name in ("kill_before", "kill_clean", "kill_dry"):
        clones.drop(name)
    clones.close()
    assert outcomes["none"] > 0 and outcomes["all"] > 0
