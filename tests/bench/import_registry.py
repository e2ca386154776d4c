"""Benchmark: import of the 1.2M-row Dukcapil CSV (target ≤ 30 s, peak RSS ≤ 1.5 GB), re-import of the same
file (changes nothing), and re-import with 1 % of rows changed (target ≤ 30 s; exactly those rows change).

    python tests/bench/import_registry.py          → one JSON object
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    SCRATCH,
    fresh_database,
    in_subprocess,
    open_database,
    peak_rss_mb,
    registry_csv,
    timed_import,
)

DB = SCRATCH / "import-bench.db"
CHANGED_EVERY = 100  # 1 %


def changed_copy(source: Path) -> tuple[Path, int]:
    target = SCRATCH / "dev_registry_1pct.csv"
    changed = 0
    with (
        source.open(newline="", encoding="utf-8") as handle,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(handle), csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        alamat = header.index("alamat")
        for number, row in enumerate(reader):
            if number % CHANGED_EVERY == 0:
                row[alamat] = row[alamat] + " (PINDAH RUMAH)"
                changed += 1
            writer.writerow(row)
    return target, changed


def with_bad_rows(source: Path) -> tuple[Path, int]:
    """The registry with 10,000 bad rows spread through it: NIKs of 15 digits, future birth dates, a desa
    outside Gorontalo, in turn."""
    target = SCRATCH / "dev_registry_10k_bad.csv"
    bad = 0
    with (
        source.open(newline="", encoding="utf-8") as handle,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(handle), csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        nik, tgl_lahir, kode_desa = header.index("nik"), header.index("tgl_lahir"), header.index("kode_desa")
        for number, row in enumerate(reader):
            if number % 120 == 7 and bad < BAD_ROWS:
                kind = bad % 3
                if kind == 0:
                    row[nik] = row[nik][:15]
                elif kind == 1:
                    row[tgl_lahir] = "2099-01-01"
                else:
                    row[kode_desa] = "7371011001"
                bad += 1
            writer.writerow(row)
    return target, bad


BAD_ROWS = 10_000


def phase(name: str) -> dict:
    if name == "ten_thousand_bad":
        db, user = fresh_database(SCRATCH / "bad-rows-bench.db")
        result = timed_import(db, user, "dukcapil", [SCRATCH / "dev_registry_10k_bad.csv"])
    elif name == "first":
        db, user = fresh_database(DB)
        result = timed_import(db, user, "dukcapil", [registry_csv()])
    else:
        db, user = open_database(DB)
        files = [registry_csv()] if name == "same" else [SCRATCH / "dev_registry_1pct.csv"]
        result = timed_import(db, user, "dukcapil", files)
        if name == "one_percent":
            with db.engine.connect() as connection:
                result["history_rows"] = connection.exec_driver_sql(
                    "SELECT count(*) FROM record_history WHERE change = 'ubah'"
                ).scalar()
    db.close()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(phase(sys.argv[1])))
        return
    source = registry_csv()
    _path, expected_changes = changed_copy(source)
    _bad_path, bad_rows = with_bad_rows(source)
    script = Path(__file__)
    report = {
        "file": source.name,
        "file_mb": round(source.stat().st_size / 1e6, 1),
        "first_import": in_subprocess(script, "first"),
        "same_file_again": in_subprocess(script, "same"),
        "one_percent_changed": in_subprocess(script, "one_percent"),
        "with_10000_bad_rows": in_subprocess(script, "ten_thousand_bad"),
        "expected_changed_rows": expected_changes,
        "targets": {"import_seconds": 30, "reimport_seconds": 30, "peak_rss_mb": 1536},
    }
    report["one_percent_changed"]["exactly_those_changed"] = (
        report["one_percent_changed"]["changed"]
        == expected_changes
        == report["one_percent_changed"].get("history_rows")
    )
    bad = report["with_10000_bad_rows"]
    bad["bad_rows_written"] = bad_rows
    bad["all_bad_rows_listed_and_good_rows_imported"] = (
        bad["refused"] == bad_rows and bad["added"] == bad["rows_read"] - bad_rows
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
