"""Benchmark: a bank's realisasi list of 100,000 rows imported against an SK of 100,000 recipients, then the
consistency check with the SK (target ≤ 20 s for both).

A fresh database gets a registry of 100,000 people (a Dukcapil import; some dead), a program and a final SK
naming all of them, built through the use cases (the list screened, drafted, finalised; the deaths reach the
registry after the SK). The bank file has realistic problems: 1 %
of the recipients never served, 0.5 % served twice, 0.3 % above the SK's value, 0.2 % after death, 0.3 %
people outside the SK (kept for checking), 0.1 % refused rows (a cut NIK, an impossible date), and amounts
written every way banks write them.

    python tests/bench/realisasi_import.py [--xlsx]     → one JSON object
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SCRATCH, final_sk_through_services, fresh_database, peak_rss_mb, timed_import  # noqa: E402

DB = SCRATCH / "realisasi-bench.db"
RECIPIENTS = int(os.environ.get("EJPS_BENCH_RECIPIENTS", 100_000))  # fewer for a quick run
OUTSIDE = 300  # registry people the SK does not name
SK_VALUE = 600_000
AMOUNTS = ("600.000", "Rp 600.000,00", "600000", "600,000.00", "Rp. 600.000,-")


def people(desa: list[str]) -> list[dict]:
    rows, rng = [], random.Random(7501)
    for i in range(RECIPIENTS + OUTSIDE):
        kode_desa = desa[i % len(desa)]
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        sex = "L" if i % 2 else "P"
        day = born.day + (40 if sex == "P" else 0)
        nik = f"{kode_desa[:6]}{day:02d}{born.month:02d}{born.year % 100:02d}{i % 10_000:04d}"
        rows.append(
            {
                "nik": nik,
                "no_kk": f"{kode_desa[:6]}0101{i:06d}",
                "nama": f"PENERIMA {i}",
                "tgl_lahir": born.isoformat(),
                "jenis_kelamin": sex,
                "kode_desa": kode_desa,
                "status": "meninggal" if i % 500 == 7 else "hidup",
                "tgl_status": "2026-02-15" if i % 500 == 7 else "",
            }
        )
    unique = {r["nik"]: r for r in rows}  # a rare repeated NIK is dropped, not imported twice
    return list(unique.values())


def make_sk(db, user, program_id: int, recipients: list[dict]) -> dict:
    """The final SK built as an office builds it (`common.final_sk_through_services`)."""
    return final_sk_through_services(
        db, user, program_id, recipients, SCRATCH, nomor="400/BENCH/2026", tanggal=date(2026, 2, 1),
        nilai_per_penerima=SK_VALUE,
    )  # fmt: skip


def bank_rows(recipients: list[dict], outside: list[dict]) -> tuple[list[list[str]], dict]:
    rng = random.Random(52)
    rows, expected = [], {"never": 0, "twice": 0, "above": 0, "outside": len(outside), "refused": 0}
    for i, person in enumerate(recipients):
        if i % 100 == 3:
            expected["never"] += 1
            continue
        day = date(2026, 3, 1) + timedelta(days=rng.randrange(0, 60))
        amount = AMOUNTS[i % len(AMOUNTS)]
        if i % 1000 in (11, 12, 13):
            amount, expected["above"] = "900.000", expected["above"] + 1
        nik, written = person["nik"], day.strftime("%d-%m-%Y")
        if i % 1000 == 17:
            nik, expected["refused"] = nik[:15], expected["refused"] + 1
        rows.append([str(len(rows) + 1), nik, person["nama"], written, amount, "SUKSES"])
        if i % 200 == 5:
            expected["twice"] += 1
            rows.append([str(len(rows) + 1), nik, person["nama"], (day + timedelta(days=30)).strftime("%d-%m-%Y"),
                         amount, "SUKSES"])  # fmt: skip
    for person in outside:
        rows.append([str(len(rows) + 1), person["nik"], person["nama"], "10-03-2026", "600.000", "SUKSES"])
    rng.shuffle(rows)
    return rows, expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xlsx", action="store_true", help="the bank's list as XLSX instead of CSV")
    args = parser.parse_args()
    from sqlalchemy import select

    from app.documents.consistency import check_consistency
    from app.documents.realisasi_import import RealisasiImport
    from app.screening.programs import create_program
    from db.models import Region

    setup_started = time.perf_counter()
    db, user = fresh_database(DB, region="7501")
    with db.sessions() as session:
        desa = list(
            session.scalars(select(Region.code).where(Region.level == 4, Region.code.startswith("7501")))
        )
    registry = people(desa)
    headers = ["nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "kode_desa", "status", "tgl_status"]
    extract = SCRATCH / "realisasi-bench-dukcapil.csv"

    def import_registry(rows: list[dict]) -> None:
        with extract.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, headers)
            writer.writeheader()
            writer.writerows(rows)
        timed_import(db, user, "dukcapil", [extract])

    # Everyone alive when the SK is drafted (a dead person fails screening and never enters an SK); the deaths
    # reach the registry by the next Dukcapil extract, after the SK.
    import_registry([r | {"status": "hidup", "tgl_status": ""} for r in registry])
    recipients, outside = registry[:RECIPIENTS], registry[RECIPIENTS:]
    program = create_program(db, user, nama="Bantuan Bench", sumber_dana="APBD_KABKOTA", tahun=2026,
                             nilai_per_penerima=SK_VALUE, kuota=RECIPIENTS)  # fmt: skip
    built = make_sk(db, user, program.id, recipients)
    sk_id = built["sk_id"]
    import_registry(registry)
    rows, expected = bank_rows(recipients, outside)
    bank_headers = ["NO", "NIK", "NAMA PENERIMA", "TANGGAL SALUR", "NOMINAL", "KETERANGAN"]
    if args.xlsx:
        import xlsxwriter

        bank = SCRATCH / "realisasi-bench-bank.xlsx"
        workbook = xlsxwriter.Workbook(str(bank), {"constant_memory": True})
        sheet = workbook.add_worksheet("Salur")
        sheet.write_row(0, 0, bank_headers)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
        workbook.close()
    else:
        bank = SCRATCH / "realisasi-bench-bank.csv"
        with bank.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(bank_headers)
            writer.writerows(rows)
    setup_seconds = time.perf_counter() - setup_started

    started, cpu_started = time.perf_counter(), time.process_time()
    job = RealisasiImport(db, user, sk_id, [bank], keep_outside_sk=True)
    job.inspect()
    preview = job.prepare()
    prepared = time.perf_counter()
    result = job.commit()
    committed = time.perf_counter()
    report = check_consistency(db, user, sk_id=sk_id)
    finished, cpu_finished = time.perf_counter(), time.process_time()
    db.close()
    print(
        json.dumps(
            {
                "file": bank.name,
                "rows_in_file": len(rows),
                "sk_recipients": RECIPIENTS,
                "import_and_check_seconds": round(finished - started, 2),
                "target_seconds": 20,
                # This process's own CPU time: on a shared machine the wall clock also counts the others.
                "import_and_check_cpu_seconds": round(cpu_finished - cpu_started, 2),
                "load_average": round(os.getloadavg()[0], 1),
                "prepare_seconds": round(prepared - started, 2),
                "commit_seconds": round(committed - prepared, 2),
                "check_seconds": round(finished - committed, 2),
                "rows_imported": result.rows,
                "rows_refused": preview.rows_refused,
                "rows_flagged": preview.rows_flagged,
                "problems": {kind.value: n for kind, n in report.counts().items()},
                "expected": expected,
                "setup_seconds": round(setup_seconds, 1),
                "sk_steps_seconds": built["seconds"],
                "sk_steps_cpu_seconds": built["cpu_seconds"],
                "sk_steps_load_average": built["load_average"],
                "sk_recipients_built": built["rows"],
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
