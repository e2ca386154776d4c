"""Benchmark: the semester report over a 1.2M-person province (target ≤ 30 s), PDF and XLSX, and the dashboard's
figures by kecamatan.

Over a copy of the 1.2M registry (common.registry_database), it adds a year of programs as other offices would
have them: four province programs, an SK per kabupaten/kota each (40,000 recipients a program, 160,000 in all,
drawn from the registry, dead and moved people included as they happen), and the realisasi of the first half
year — 95 % served, 1 % served twice, some above the SK's value, 2,000 people served who are not in the SK.

    python tests/bench/semester_report.py          → one JSON object
    python tests/bench/semester_report.py --reuse  → the same, over the programs the last run added

Set EJPS_BENCH_SCRATCH to keep its files apart from other benchmarks running at the same time.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SCRATCH, open_database, peak_rss_mb, registry_database  # noqa: E402

PROGRAMS = 4
RECIPIENTS = 40_000  # per program
OUTSIDE_SK = 2_000  # per program: served, not in the SK
KABUPATEN = ("7501", "7502", "7503", "7504", "7505", "7571")
SEED = 52


def add_program_year(db, user) -> dict:
    """Programs, final SKs and realisasi written straight into the tables (their own use cases are measured by
    their own benchmarks); returns what was added."""
    from sqlalchemy import insert, text

    from app.screening.programs import create_program
    from db.models import Realisasi, SkPenerima, SkPenetapan

    rng = random.Random(SEED)
    program_ids = [
        create_program(
            db.unit_of_work(),
            user,
            nama=f"Program Bantuan {n + 1}",
            sumber_dana=("APBN", "APBD_PROVINSI", "APBD_KABKOTA", "DANA_DESA")[n],
            tahun=2026,
            nilai_per_penerima=300_000,
            kuota=RECIPIENTS,
            kode_wilayah="75",
        ).id
        for n in range(PROGRAMS)
    ]
    with db.unit_of_work().writing() as uow:
        session = uow.session
        people = session.execute(text("SELECT id, nik, kode_desa FROM person WHERE deleted_at IS NULL")).all()
        counts = {"sk_penerima": 0, "realisasi": 0}
        for program_id in program_ids:
            chosen = rng.sample(people, RECIPIENTS + OUTSIDE_SK)
            in_sk, outside = chosen[:RECIPIENTS], chosen[RECIPIENTS:]
            sk_ids = {}
            for kabupaten in KABUPATEN:
                sk = SkPenetapan(
                    program_id=program_id,
                    nomor=f"400/{program_id}/{kabupaten}/2026",
                    tahun=2026,
                    tanggal=date(2026, 1, 15),
                    status="final",
                    kode_wilayah=kabupaten,
                    nilai_per_penerima=300_000,
                )
                session.add(sk)
                session.flush()
                sk_ids[kabupaten] = sk.id
            session.execute(
                insert(SkPenerima),
                [
                    {
                        "uid": uuid.uuid4(),
                        "sk_id": sk_ids[kode_desa[:4]],
                        "urutan": number,
                        "person_id": person_id,
                        "nik": nik,
                        "nama": "",
                        "kode_desa": kode_desa,
                        "nilai": 300_000,
                        "masuk": True,
                    }
                    for number, (person_id, nik, kode_desa) in enumerate(in_sk, start=1)
                ],
            )
            served = [p for p in in_sk if rng.random() < 0.95]
            served += [p for p in served if rng.random() < 0.01]  # twice
            served += outside
            rows = []
            for person_id, nik, kode_desa in served:
                rows.append(
                    {
                        "uid": uuid.uuid4(),
                        "program_id": program_id,
                        "person_id": person_id,
                        "nik": nik,
                        "kode_desa": kode_desa,
                        "tanggal": date(2026, 1, 20) + timedelta(days=rng.randrange(160)),
                        "jumlah_fisik": 1,
                        "nilai": 300_000 if rng.random() < 0.99 else 450_000,
                        "saluran": "bank",
                    }
                )
            session.execute(insert(Realisasi), rows)
            counts["sk_penerima"] += len(in_sk)
            counts["realisasi"] += len(rows)
        uow.commit()
    return counts


def main() -> None:
    from app.documents.monitoring import monitoring_figures
    from app.documents.semester_report import write_semester_report

    path = SCRATCH / "semester-report.db"
    if "--reuse" in sys.argv[1:] and path.exists():
        db, user = open_database(path)
        added, generated = {}, 0.0
    else:
        source = registry_database()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(
            source, path
        )  # the key's salt is in the file's header: the copy opens as the original
        db, user = open_database(path)
        started = time.perf_counter()
        added = add_program_year(db, user)
        generated = time.perf_counter() - started

    timings = {}
    for name, target in (("pdf", SCRATCH / "laporan-2026-1.pdf"), ("xlsx", SCRATCH / "laporan-2026-1.xlsx")):
        started = time.perf_counter()
        result = write_semester_report(db, user, "2026-1", target)
        timings[f"report_{name}_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    by_kecamatan = monitoring_figures(db, user, "2026-1", group_length=6)
    timings["dashboard_by_kecamatan_seconds"] = round(time.perf_counter() - started, 2)
    total = by_kecamatan.total
    db.close()
    print(
        json.dumps(
            {
                "people": 1_200_000,
                "programs": PROGRAMS,
                **added,
                "generate_seconds": round(generated, 1),
                **timings,
                "report_rows": result.rows,
                "kecamatan_rows": len(by_kecamatan.rows),
                "target": total.target_penerima,
                "served": total.tersalur_penerima,
                "inconsistent": total.konsistensi.jumlah,
                "within_30_s": max(timings["report_pdf_seconds"], timings["report_xlsx_seconds"]) <= 30,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
