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


def final_sk_through_services(db, user, program_id: int, people: list[dict], folder: Path, **fields) -> dict:
    """A final SK naming `people` (dicts with nik, nama, tgl_lahir, jenis_kelamin, alamat, kode_desa; already
    in the registry, alive), built as an operator builds it: the list imported, screened, drafted into an SK
    (`draft_sk`) and finalised. Returns the SK's id and each step's seconds."""
    import csv

    from app.documents.sk import draft_sk
    from app.documents.sk_final import finalise_sk
    from app.screening import service
    from app.screening.proposal_import import ProposalImport

    path = folder / "bench-usulan.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["No", "NIK", "Nama", "Tgl Lahir", "JK", "Alamat", "Kode Desa"])
        for number, p in enumerate(people, start=1):
            born = p["tgl_lahir"]
            writer.writerow(
                [number, p["nik"], p["nama"], f"{born[8:10]}-{born[5:7]}-{born[:4]}", p["jenis_kelamin"],
                 p.get("alamat", ""), p["kode_desa"]]
            )  # fmt: skip
    seconds, cpu = {}, {}
    started = time.perf_counter()
    job = ProposalImport(db, user, [path], program_id, "usulan bench")
    job.inspect()
    job.prepare()
    list_id = job.commit()
    seconds["import_list"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    service.screen_list(db, user, list_id)
    seconds["screen"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    signatory = {
        "penandatangan_nama": "Drs. HARIS TAMBIPI, M.Si",
        "penandatangan_nip": "197001151998031011",
        "penandatangan_jabatan": "Kepala Dinas Sosial Kabupaten Gorontalo",
        "tempat": "Limboto",
    }
    # This process's CPU time too: on a shared machine the wall clock also counts the others' work.
    started, cpu_started = time.perf_counter(), time.process_time()
    sk = draft_sk(db, user, program_id, [list_id], **(signatory | fields))
    seconds["draft"] = round(time.perf_counter() - started, 2)
    cpu["draft"] = round(time.process_time() - cpu_started, 2)
    started, cpu_started = time.perf_counter(), time.process_time()
    finalise_sk(db, user, sk.summary.id)
    seconds["finalise"] = round(time.perf_counter() - started, 2)
    cpu["finalise"] = round(time.process_time() - cpu_started, 2)
    return {"sk_id": sk.summary.id, "rows": sk.summary.penerima, "out_of_quota": sk.summary.di_luar_kuota} | {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load_average": round(os.getloadavg()[0], 1),
    }
