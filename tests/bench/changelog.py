"""Benchmark: the laptop's change log with 100,000 changes — captured from a bulk write, captured from ORM
writes (the flush with capture minus the same flush without), read back from the outbox, and applied to a
fresh office copy (target: each comfortably under 3 s; issue 12 allows 5 s for build + sign + encrypt + apply).

    python tests/bench/changelog.py          → one JSON object
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SCRATCH, fresh_database  # noqa: E402
from sqlalchemy import select  # noqa: E402

from db.bulk_insert import insert_many  # noqa: E402
from db.models import Person  # noqa: E402
from sync.changes import capture_suspended, outbox, record_rows  # noqa: E402
from sync.local_apply import apply_changes  # noqa: E402

RECORDS = 100_000
REGION = "7501"


def _people(count: int) -> list[dict]:
    from datetime import date

    from db.models import utcnow

    now = utcnow()
    return [
        {
            "uid": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "nik": f"750101{n:010d}",
            "no_kk": f"750101{n // 4:010d}",
            "nama": f"PENDUDUK {n:06d}",
            "nama_key": f"PENDUDUK{n:06d}",
            "tempat_lahir": "LIMBOTO",
            "tgl_lahir": date(1970 + n % 40, 1 + n % 12, 1 + n % 28),
            "jenis_kelamin": "LP"[n % 2],
            "alamat": f"JL. RAJIMAN NO. {n % 500}",
            "rt": "001",
            "rw": "002",
            "kode_desa": f"750101100{1 + n % 9}",
            "hubungan_keluarga": "ANAK",
            "status": "hidup",
            "flags": "",
        }
        for n in range(count)
    ]


def main() -> None:
    report: dict = {"records": RECORDS}
    db, _user = fresh_database(SCRATCH / "changelog-a.db", REGION)
    with db.unit_of_work().writing() as uow:
        connection = uow.session.connection()
        started = time.perf_counter()
        with capture_suspended(connection):
            insert_many(connection, Person.__table__, _people(RECORDS))
        # SQLite's own cost of 100,000 new people (7 indexes, the name search's trigger): apply's floor.
        report["plain_insert_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        captured = record_rows(connection, "person", "1")
        report["capture_bulk_seconds"] = round(time.perf_counter() - started, 2)
        uow.commit()
    assert captured == RECORDS

    timings = {}
    for capture in (False, True):
        with db.unit_of_work().writing() as uow:
            connection = uow.session.connection()
            people = list(uow.session.scalars(select(Person)))
            for person in people:
                person.alamat = f"{person.alamat} {capture}"
            started = time.perf_counter()
            if capture:
                uow.session.flush()
            else:
                with capture_suspended(connection):
                    uow.session.flush()
            timings[capture] = time.perf_counter() - started
            uow.commit()
    report["orm_flush_without_capture_seconds"] = round(timings[False], 2)
    report["capture_orm_seconds"] = round(timings[True] - timings[False], 2)

    with db.engine.connect() as connection:
        started = time.perf_counter()
        changes = outbox(connection, db.office.device_id, limit=RECORDS)
        report["read_outbox_seconds"] = round(time.perf_counter() - started, 2)
    db.close()

    copy, _user = fresh_database(SCRATCH / "changelog-b.db", REGION)
    with copy.unit_of_work().writing() as uow:
        started = time.perf_counter()
        counts = apply_changes(uow.session, changes, office_region=REGION)
        report["apply_seconds"] = round(time.perf_counter() - started, 2)
        uow.commit()
    assert counts.inserted == RECORDS, counts
    copy.close()
    report["targets"] = {"seconds": 3}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
