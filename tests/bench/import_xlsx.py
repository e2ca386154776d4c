"""Benchmark: import of a 1,000,000-row XLSX sheet (target ≤ 90 s, peak RSS ≤ 1.5 GB). The sheet is made
once from the development registry with xlsxwriter (about a minute) and kept in the scratch folder.

    python tests/bench/import_xlsx.py          → one JSON object
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SCRATCH, fresh_database, in_subprocess, peak_rss_mb, registry_csv, timed_import  # noqa: E402

ROWS = 1_000_000
SHEET = SCRATCH / "dev_registry_1m.xlsx"


def make_sheet() -> float:
    import xlsxwriter

    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(SHEET), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Dukcapil")
    with registry_csv().open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        sheet.write_row(0, 0, next(reader))
        for number, row in enumerate(reader, start=1):
            if number > ROWS:
                break
            sheet.write_row(number, 0, row)
    workbook.close()
    return round(time.perf_counter() - started, 1)


def main() -> None:
    if sys.argv[1:] == ["import"]:
        db, user = fresh_database(SCRATCH / "xlsx-bench.db")
        result = timed_import(db, user, "dukcapil", [SHEET])
        db.close()
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    made = None if SHEET.exists() else make_sheet()
    report = {
        "sheet_rows": ROWS,
        "sheet_mb": round(SHEET.stat().st_size / 1e6, 1),
        "sheet_written_seconds": made,
        "import": in_subprocess(Path(__file__), "import"),
        "targets": {"seconds": 90, "peak_rss_mb": 1536},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
