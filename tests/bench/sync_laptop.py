"""Benchmark: the laptop's side of a sync of 100,000 changes, on real office databases (SQLCipher); target
≤ 5 s each way (issue 12: "Build, sign, encrypt and apply a bundle of 100,000 changes on the laptop").

- up: ~100,000 changes waiting in an office's outbox (a registry import of the development registry, as an
  office makes them) → `prepare_upload`: read from the outbox, signed, encrypted, stored, marked sent;
- down: the down bundle of those changes for another office of the region (households and people, mostly
  new, some updates of people it already holds, their history) → `apply_download`: verified, applied, the
  cursor advanced.

Made once per run in SCRATCH, not timed: two registry imports on office A (a first small one that office B
already holds, then the bigger one with changed addresses) and the down bundle of the second for B. Each timed
phase runs in its own process on a fresh copy of the databases, so that its peak memory is its own.

    python tests/bench/sync_laptop.py [RUNS] [--again]          → one JSON object
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import shutil
import statistics
import sys
import time
from dataclasses import replace
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    BENCH_DATA,
    SCRATCH,
    fresh_database,
    in_subprocess,
    open_database,
    peak_rss_mb,
    timed_import,
)

from db.sync_models import SyncState  # noqa: E402
from sync import laptop  # noqa: E402
from sync.bundle import write_bundle  # noqa: E402
from sync.changes import outbox  # noqa: E402
from sync.keys import DeviceKeys, device_keys  # noqa: E402
from sync.streams import down_stream  # noqa: E402

REGION = "7501"
FIRST_PEOPLE = 10_000  # people the receiving office holds already (the first import)
PEOPLE = 80_000  # the second import: these people and their families, ~100,000 changes in all
CHANGED = 5_000  # people of the first import whose address the second import changes
TARGET_S = 5
RUNS = 3
FOLDER = SCRATCH / "sync-laptop"


def registry_rows(count: int) -> tuple[list[str], list[list[str]]]:
    with gzip.open(BENCH_DATA / "dev_registry.csv.gz", "rt", encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        desa = header.index("kode_desa")
        return header, list(islice((row for row in reader if row[desa].startswith(REGION)), count))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def copy_database(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


def down_bundle(path: Path, changes, first_seq: int, device: str, prev_hash: str, server, recipient_key):
    return write_bundle(
        path,
        (replace(c, server_seq=n).to_dict() for n, c in enumerate(changes, first_seq)),
        sender="server",
        recipient=device,
        region=REGION,
        stream=down_stream(device),
        seq_from=first_seq,
        seq_to=first_seq + len(changes) - 1,
        prev_hash=prev_hash,
        signing_key=server.signing,
        recipient_key=recipient_key,
    )


def prepare() -> dict:
    """Office A with the second import's changes waiting, office B holding the first import's, and the down
    bundle of the second import for B."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    server = DeviceKeys.generate()
    header, rows = registry_rows(PEOPLE)
    first = write_csv(FOLDER / "import-1.csv", header, rows[:FIRST_PEOPLE])
    address = header.index("alamat")
    for row in random.Random(12).sample(rows[:FIRST_PEOPLE], CHANGED):
        row[address] = f"{row[address]} (PINDAH)"
    second = write_csv(FOLDER / "import-2.csv", header, rows)

    a, a_user = fresh_database(FOLDER / "office-a.db", REGION)
    b, b_user = fresh_database(FOLDER / "office-b.db", REGION)
    for db in (a, b):
        laptop.remember_server(db, server.public(), REGION)
    with b.unit_of_work().writing() as uow:
        b_key = device_keys(uow.session).public().encryption
        uow.commit()
    b_device = str(b.office.device_id)

    timed_import(a, a_user, "dukcapil", [first])
    with a.engine.begin() as connection:
        held = outbox(connection, a.office.device_id)
        connection.exec_driver_sql("UPDATE sync_change SET state = 'applied'")  # sent and answered before
    bundle = down_bundle(FOLDER / "down-1.ejps", held, 1, b_device, "", server, b_key)
    laptop.apply_download(b, b_user, FOLDER / "down-1.ejps")
    with b.unit_of_work() as uow:
        state = uow.session.get(SyncState, 1)
        assert state.pulled_upto == len(held) and state.down_last_hash == bundle.hash
    b.close()

    imported = timed_import(a, a_user, "dukcapil", [second])
    with a.engine.connect() as connection:
        waiting = outbox(connection, a.office.device_id)
    down_bundle(FOLDER / "down-2.ejps", waiting, len(held) + 1, b_device, bundle.hash, server, b_key)
    kinds: dict[str, int] = {}
    for change in waiting:
        kinds[change.entity] = kinds.get(change.entity, 0) + 1
    a.close()
    made = {"changes": len(waiting), "by_entity": kinds, "import_changed": imported["changed"]}
    (FOLDER / "made.json").write_text(json.dumps(made))
    return made


def peak_memory_mb() -> float:
    """This process's peak resident memory since it started (VmHWM): getrusage's would carry over the peak
    of the parent that made the data, from before the exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return peak_rss_mb()


def up() -> dict:
    db, user = open_database(copy_database(FOLDER / "office-a.db", FOLDER / "run-a.db"))
    laptop.UPLOAD_LIMIT = 1_000_000  # the one bundle of the whole outbox (the use case cuts at 50,000)
    started, cpu = time.perf_counter(), time.process_time()
    bundle = laptop.prepare_upload(db, user)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    return {"seconds": seconds, "cpu": cpu, "records": bundle.records, "mb": len(bundle.data) / 1e6} | {
        "rss": peak_memory_mb()
    }


def down() -> dict:
    db, user = open_database(copy_database(FOLDER / "office-b.db", FOLDER / "run-b.db"))
    started, cpu = time.perf_counter(), time.process_time()
    summary = laptop.apply_download(db, user, FOLDER / "down-2.ejps")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    assert summary.verdict == "applied", summary
    counts = summary.counts
    return {
        "seconds": seconds,
        "cpu": cpu,
        "records": summary.records,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "incomplete": counts.incomplete,
        "rss": peak_memory_mb(),
    }


def main() -> None:
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    runs = numbers[0] if numbers else RUNS
    # --again: the data of the last run, kept in SCRATCH (making it takes a minute or two).
    again = "--again" in sys.argv
    made = json.loads((FOLDER / "made.json").read_text()) if again else prepare()
    ups = [in_subprocess(Path(__file__), "--phase", "up") for _ in range(runs)]
    downs = [in_subprocess(Path(__file__), "--phase", "down") for _ in range(runs)]
    # Logging in to office A (the up phase) is audited: one change more.
    assert all(u["records"] == made["changes"] + 1 for u in ups), (made, ups)
    assert all(d["records"] == made["changes"] and not d["incomplete"] for d in downs), downs
    print(
        json.dumps(
            {
                "records": made["changes"],
                "by_entity": made["by_entity"],
                "runs": runs,
                "up_s": round(statistics.median(u["seconds"] for u in ups), 2),
                "down_s": round(statistics.median(d["seconds"] for d in downs), 2),
                "up_s_all": [round(u["seconds"], 2) for u in ups],
                "down_s_all": [round(d["seconds"], 2) for d in downs],
                # CPU time of the process (both threads): on a busy shared machine the wall clock counts the
                # others' work too.
                "up_cpu_s_all": [round(u["cpu"], 2) for u in ups],
                "down_cpu_s_all": [round(d["cpu"], 2) for d in downs],
                "up_peak_rss_mb": max(u["rss"] for u in ups),
                "down_peak_rss_mb": max(d["rss"] for d in downs),
                "upload_mb": round(ups[0]["mb"], 1),
                "down_inserted": downs[0]["inserted"],
                "down_updated": downs[0]["updated"],
                "load_average": round(os.getloadavg()[0], 1),
                "target_s": TARGET_S,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        print(json.dumps(up() if sys.argv[2] == "up" else down()))
    else:
        main()
