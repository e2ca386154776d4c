"""Shared pieces of the benchmark scripts: the development data, a scratch folder, timing and memory."""

from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = Path(os.environ.get("EJPS_BENCH_DATA", ROOT.parent / "shared" / "bench" / "screening"))
SCRATCH = Path(os.environ.get("EJPS_BENCH_SCRATCH", "/tmp/ejps-bench"))
PASSPHRASE = "bench-passphrase"
ADMIN, PASSWORD = "admin", "bench-password-1"

sys.path.insert(0, str(ROOT))
os.environ.setdefault("EJPS_DB_PASSPHRASE", PASSPHRASE)
os.environ.setdefault("EJPS_DATA_DIR", str(SCRATCH / "data"))


def registry_csv() -> Path:
    """The 1.2M-row development registry as a plain CSV (the benchmark reads what an office would get)."""
    target = SCRATCH / "dev_registry.csv"
    if not target.exists():
        SCRATCH.mkdir(parents=True, exist_ok=True)
        with gzip.open(BENCH_DATA / "dev_registry.csv.gz", "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return target


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def fresh_database(path: Path, region: str = "75"):
    from app.auth.users import login
    from app.office import create_office_database

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = create_office_database(path, region, ADMIN, PASSWORD)
    return db, login(db.unit_of_work(), ADMIN, PASSWORD)


def open_database(path: Path):
    from app.auth.users import login
    from app.office import open_office_database

    db = open_office_database(path)
    return db, login(db.unit_of_work(), ADMIN, PASSWORD)


def timed_import(db, user, kind: str, files: list[Path]) -> dict:
    from app.registry.importer import RegistryImport

    started = time.perf_counter()
    job = RegistryImport(db, user, kind, files)
    job.inspect()
    preview = job.prepare()
    prepared = time.perf_counter()
    result = job.commit()
    finished = time.perf_counter()
    index_seconds = None
    if result.imported and job.changes_matching:
        # As `ejps import` and the import wizard do once the import's result is shown: the matching index
        # of the new registry, so that the first screening after the import does not build it.
        from app.screening.service import prepare_matching_index

        prepare_matching_index(db)
        index_seconds = round(time.perf_counter() - finished, 2)
    return {
        "seconds": round(finished - started, 2),
        "prepare_seconds": round(prepared - started, 2),
        "commit_seconds": round(finished - prepared, 2),
        "index_seconds": index_seconds,
        "rows_read": preview.rows_read,
        "added": preview.added,
        "changed": preview.changed,
        "gone": preview.gone,
        "refused": preview.refused_rows,
        "flagged": preview.flagged_rows,
        "imported": result.imported,
    }


def in_subprocess(script: Path, *args: str) -> dict:
    """Runs one phase in its own process, so its peak memory is its own."""
    output = subprocess.run([sys.executable, str(script), *args], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def registry_database() -> Path:
    """A database holding the 1.2M-person registry and the DTKS extract, built once and kept in SCRATCH."""
    path = SCRATCH / "registry-1.2m.db"
    if not path.exists():
        db, user = fresh_database(path)
        timed_import(db, user, "dukcapil", [registry_csv()])
        timed_import(db, user, "dtks", [BENCH_DATA / "dev_dtks.csv.gz"])
        db.close()
    return path
