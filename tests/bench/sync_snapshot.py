"""Benchmark: a first install of an office whose region holds 1,200,000 people (issue 12: built on the server
and applied on a fresh laptop in ≤ 2 minutes, resumable after a kill at 50 %).

A throwaway PostgreSQL (the test fixture's cluster) holds one kabupaten of PEOPLE people in households of four,
loaded by COPY straight into the entity tables (the registry as the province holds it, not through change
capture). The server builds the office's first down bundle — the region's snapshot — streamed to a file
(`build_download`); a fresh office database applies it chunk by chunk (`apply_download`). Each side runs in a
process of its own so that its peak memory is its own. Then the same snapshot is applied to a second fresh
copy whose process is killed (SIGKILL) once half of the chunks are in, and applied again: the run resumes at
the next chunk and ends with the same people as the first copy.

    python tests/bench/sync_snapshot.py [PEOPLE]          → one JSON object
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (the repository on sys.path, scratch folders, the office's passphrase)

PEOPLE = 1_200_000
REGION = "7501"
HOUSEHOLD = 4
SCRATCH = common.SCRATCH / "sync_snapshot"


# ------------------------------------------------------------------------------------------ the server side
def load_region(url: str, people: int) -> None:
    """PEOPLE people of REGION (and their households) written by COPY into the server's entity tables."""
    from datetime import UTC, datetime

    from db.bulk_copy import insert_rows
    from db.models import Base
    from sync.server.database import open_server_database

    database = open_server_database(url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    households = Base.metadata.tables["household"]
    persons = Base.metadata.tables["person"]
    batch = 100_000
    try:
        with database.engine.begin() as connection:
            for start in range(0, people, batch):
                rows, kks = [], []
                for n in range(start, min(people, start + batch)):
                    desa = f"{REGION}{1 + n % 19:02d}{2001 + n % 30:04d}"
                    family, member = divmod(n, HOUSEHOLD)
                    no_kk = f"{desa[:6]}01{family:08d}"
                    if member == 0:
                        kks.append(
                            {"uid": uuid.UUID(int=(1 << 64) + family), "no_kk": no_kk, "kode_desa": desa,
                             "alamat": f"JL. MERDEKA NO. {family % 200 + 1}", "rt": "001", "rw": "002",
                             "created_at": now, "updated_at": now}
                        )  # fmt: skip
                    rows.append(
                        {"uid": uuid.UUID(int=(2 << 64) + n), "nik": f"{desa[:6]}{n:010d}", "no_kk": no_kk,
                         "nama": f"WARGA {n}", "nama_key": f"warga {n}", "tempat_lahir": "GORONTALO",
                         "tgl_lahir": datetime(1950 + n % 60, 1 + n % 12, 1 + n % 28).date(),
                         "jenis_kelamin": "LP"[n % 2], "alamat": f"JL. MERDEKA NO. {family % 200 + 1}",
                         "rt": "001", "rw": "002", "kode_desa": desa,
                         "hubungan_keluarga": "KEPALA KELUARGA" if member == 0 else "ANAK",
                         "status": "hidup", "flags": "", "created_at": now, "updated_at": now}
                    )  # fmt: skip
                insert_rows(connection, households, kks)
                insert_rows(connection, persons, rows)
            # The stream has moved on since (a real province's registry came through offices' uploads): a first
            # pull from an empty stream would have nothing to start from.
            connection.exec_driver_sql("UPDATE change_stream_counter SET last_seq = 1")
            connection.exec_driver_sql("ANALYZE household")
            connection.exec_driver_sql("ANALYZE person")
    finally:
        database.close()


def build(url: str, device: str, out: str) -> dict:
    from sync.server.database import open_server_database
    from sync.server.exchange import build_download

    database = open_server_database(url)
    try:
        began, cpu = time.perf_counter(), time.process_time()
        with database.unit_of_work().writing() as uow:
            info = build_download(uow, uuid.UUID(device), 0, "", 50_000, out)
        return {
            "seconds": round(time.perf_counter() - began, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),  # this process's (PostgreSQL's is its own)
            "records": info.records,
            "bytes": info.size,
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        database.close()


# ------------------------------------------------------------------------------------------ the laptop side
def new_office(path: Path, url: str) -> str:
    """A fresh office database of REGION, enrolled on the server; returns its device id."""
    from app.auth.users import login
    from sync.keys import device_keys
    from sync.laptop import remember_server
    from sync.server.database import open_server_database, server_keys
    from sync.server.devices import approve_device, request_enrollment
    from sync.server.setup import create_first_admin

    db, _user = common.fresh_database(path, REGION)
    server = open_server_database(url)
    try:
        with db.unit_of_work().writing() as uow:
            keys = device_keys(uow.session)
            uow.commit()
        create_first_admin(server.unit_of_work(), "admin", common.PASSWORD, "Admin Provinsi")
        admin = login(server.unit_of_work(), "admin", common.PASSWORD)
        ticket = request_enrollment(
            server.unit_of_work(), db.office.device_id, "Kantor", REGION, keys.public()
        )
        approve_device(server.unit_of_work(), admin, ticket.code)
        with server.unit_of_work() as uow:
            public = server_keys(uow.session).public()
        remember_server(db, public, REGION)
        return str(db.office.device_id)
    finally:
        db.close()
        server.close()


def apply(office: str, bundle: str, kill_at_half: bool) -> dict:
    from sync.laptop import apply_download

    db, user = common.open_database(Path(office))

    def progress(done: int, total: int) -> None:
        if kill_at_half and done >= total // 2:
            os.kill(os.getpid(), signal.SIGKILL)  # the process dies: `done` chunks committed, nothing after

    try:
        began = time.perf_counter()
        summary = apply_download(db, user, bundle, progress=progress)
        return {
            "seconds": round(time.perf_counter() - began, 2),
            "chunks_applied": summary.chunks_applied,
            "inserted": summary.counts.inserted,
            "pulled_upto": summary.pulled_upto,
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        db.close()


def people_digest(office: Path) -> tuple[int, str]:
    from sqlalchemy import text

    db, _user = common.open_database(office)
    try:
        with db.engine.connect() as connection:
            digest, count = hashlib.sha256(), 0
            for row in connection.execute(text("SELECT uid, nik, nama, kode_desa FROM person ORDER BY uid")):
                digest.update(repr(tuple(row)).encode())
                count += 1
        return count, digest.hexdigest()
    finally:
        db.close()


def peak_rss_mb() -> float:
    """This process's peak memory since it started (VmHWM: unlike ru_maxrss, not carried over from the
    parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return common.peak_rss_mb()


def chunks_done(office: Path) -> int:
    """The chunks a killed apply left committed (its resume point)."""
    from sqlalchemy import text

    db, _user = common.open_database(office)
    try:
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT chunks_done FROM sync_download_progress")).scalar() or 0
    finally:
        db.close()


def _step(*arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, cwd=common.ROOT, check=False
    )
    if done.returncode == -signal.SIGKILL:
        return {"killed": True}
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def main(people: int) -> dict:
    from tests.sync.conftest import _start_cluster, _stop_cluster

    cluster = _start_cluster()
    if cluster is None:
        raise SystemExit("PostgreSQL tidak terpasang (initdb/pg_ctl tidak ditemukan)")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    try:
        url = cluster.new_database(template=None)
        fresh = SCRATCH / "fresh.db"
        device = new_office(fresh, url)
        began = time.perf_counter()
        load_region(url, people)
        load_s = time.perf_counter() - began
        bundle = SCRATCH / "snapshot.ejps"
        built = _step("build", url, device, str(bundle))
        first, second = SCRATCH / "office-1.db", SCRATCH / "office-2.db"
        _copy(fresh, first)
        _copy(fresh, second)
        applied = _step("apply", str(first), str(bundle))
        killed = _step("apply", str(second), str(bundle), "--kill-at-half")
        committed = chunks_done(second)
        resumed = _step("apply", str(second), str(bundle))
        chunks = applied["chunks_applied"]
        equal = people_digest(first) == people_digest(second)
        total = built["seconds"] + applied["seconds"]
        return {
            "benchmark": "sync_snapshot",
            "people": people,
            "households": (people + HOUSEHOLD - 1) // HOUSEHOLD,
            "records": built["records"],
            "bundle_bytes": built["bytes"],
            "chunks": chunks,
            "load_s (COPY, not measured)": round(load_s, 1),
            "build_s": built["seconds"],
            "build_cpu_s": built["cpu_seconds"],
            "apply_s": applied["seconds"],
            "total_s": round(total, 2),
            "resumed_s": resumed["seconds"],
            "killed": killed.get("killed", False),
            "resumed_chunks": resumed["chunks_applied"],
            "killed_after_chunk": committed,
            "resume_continued": committed >= chunks // 2 and resumed["chunks_applied"] == chunks - committed,
            "resumed_equal": equal,
            "peak_rss_mb": {
                "server_build": built["peak_rss_mb"],
                "laptop_apply": applied["peak_rss_mb"],
                "laptop_resume": resumed["peak_rss_mb"],
            },  # fmt: skip
            "target": "build + apply <= 120 s; resumed after a kill at 50 %, equal",
            "met": total <= 120
            and equal
            and committed >= chunks // 2
            and resumed["chunks_applied"] == chunks - committed,
        }
    finally:
        _stop_cluster(cluster)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "build":
        print(json.dumps(build(sys.argv[2], sys.argv[3], sys.argv[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "apply":
        print(json.dumps(apply(sys.argv[2], sys.argv[3], "--kill-at-half" in sys.argv)))
    else:
        print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else PEOPLE), indent=2))
