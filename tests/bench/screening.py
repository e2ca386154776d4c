"""Screening benchmark: quality and speed of `ejps screen` on the development set.

Imports the 1.2M-person registry and the DTKS extract once (kept in the scratch folder), then screens the
10,000 development proposals through the same code path as `ejps screen` (import the file as a list, screen
it, export CSV), each time in a fresh process: once as the first screening after the import (the matching index
is built and saved on the way) and once as any later session (the saved index is read). It scores the export
with the set's own `score.py` and prints one JSON object: the score, the time of each step, and the peak
memory.

    python tests/bench/screening.py [--proposals FILE --truth FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH_DATA, SCRATCH, in_subprocess, open_database, peak_rss_mb, registry_database


def cold_command(phase: str, proposals: str) -> None:
    """One `ejps screen` in a fresh process (nothing in memory). Phase "first" is the first screening after a
    Dukcapil import: no saved matching index yet, so it is built (and saved) on the way."""
    from app.screening.headless import screen_file
    from app.screening.service import screen_list

    path = registry_database()
    if phase == "first":
        db, _ = open_database(path)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM registry_match_index")
        db.close()
    export = SCRATCH / f"screening-export-{phase}.csv"
    started = time.perf_counter()
    db, user = open_database(path)
    opened = time.perf_counter()
    result = screen_file(db, user, Path(proposals), export)  # what `ejps screen FILE --export OUT` runs
    finished = time.perf_counter()
    measured = {
        "export": str(export),
        "rows": result.run.rows,
        "screen_command_seconds": round(finished - started, 2),
        "open_seconds": round(opened - started, 2),
        "import_and_screen_and_export_seconds": round(finished - opened, 2),
        "screening_seconds": round(result.run.seconds, 2),
    }
    if phase == "steady":
        # The GUI keeps the registry in memory: a second run (a correction, a decision) starts warm.
        warm_started = time.perf_counter()
        screen_list(db, user, result.list_id, scope="row")
        measured["rescreen_warm_seconds"] = round(time.perf_counter() - warm_started, 2)
    db.close()
    measured["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(measured))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", default=str(BENCH_DATA / "dev_proposals.csv"))
    parser.add_argument("--truth", default=str(BENCH_DATA / "dev_truth.csv"))
    parser.add_argument("--phase", choices=["first", "steady"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        cold_command(args.phase, args.proposals)
        return
    registry_database()
    script = Path(__file__)
    first = in_subprocess(script, "--phase", "first", "--proposals", args.proposals)
    steady = in_subprocess(script, "--phase", "steady", "--proposals", args.proposals)
    score = json.loads(
        subprocess.run(
            [
                sys.executable,
                str(BENCH_DATA / "score.py"),
                "--truth",
                args.truth,
                "--export",
                steady["export"],
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    per_category = {k: v["accuracy"] for k, v in score["per_category"].items()}
    print(
        json.dumps(
            {
                "benchmark": "screening",
                "rows": steady["rows"],
                "targets": {
                    "link_f1": 0.99,
                    "not_in_registry_unlinked": 0.98,
                    "nik_missing_linked": 0.95,
                    "nik_typo_linked": 0.995,
                    "duplicates_found": 0.98,
                    "seconds": 10,
                    "peak_rss_mb": 1024,
                },
                "measured": {
                    "link_f1": score["link"]["f1"],
                    "precision": score["link"]["precision"],
                    "recall": score["link"]["recall"],
                    "not_in_registry_unlinked": per_category.get("not_in_registry"),
                    "nik_missing_linked": per_category.get("nik_missing"),
                    "nik_typo_linked": per_category.get("nik_typo"),
                    "exact_nik_linked": per_category.get("exact_nik"),
                    "duplicates_found": score["duplicates"]["row_recall"],
                    "duplicate_pairs_f1": score["duplicates"]["f1"],
                    "nik_hits_other": score["nik_hits_other"],
                    # A new session on a registry screened before: the saved matching index is read.
                    "screen_command_seconds": steady["screen_command_seconds"],
                    "open_seconds": steady["open_seconds"],
                    "import_and_screen_and_export_seconds": steady["import_and_screen_and_export_seconds"],
                    "screening_seconds": steady["screening_seconds"],
                    "rescreen_warm_seconds": steady["rescreen_warm_seconds"],
                    # The first screening after a Dukcapil import builds the index and saves it.
                    "first_after_import_command_seconds": first["screen_command_seconds"],
                    "first_after_import_screening_seconds": first["screening_seconds"],
                    "peak_rss_mb": max(first["peak_rss_mb"], steady["peak_rss_mb"]),
                },
                "hasil": score["hasil"],
                "best_threshold": score["best_threshold"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
