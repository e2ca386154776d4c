"""First screening right after an import: the 1.2M-person Dukcapil extract is imported into a fresh database
(timed: the import until its result, then the matching index it prepares for screening, as `ejps import` and
the import wizard do), then `ejps screen` of the 10,000 development proposals runs cold in a new process — the
first screening after the import. Both are repeated; the machine may be shared, so the minimum and the median
are printed with the load average, as one JSON object.

    python tests/bench/first_screening.py [--imports 1] [--screenings 3] [--proposals FILE] [--unprepared]

`--imports 0` screens the database an earlier run imported (no import timing). `--unprepared` removes the
saved index before each screening: an import stopped before its index was ready, whose first screening builds
the index itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from common import (
    BENCH_DATA,
    SCRATCH,
    fresh_database,
    in_subprocess,
    open_database,
    peak_rss_mb,
    registry_csv,
    timed_import,
)

DATABASE = SCRATCH / "first-screening-1.2m.db"


def import_phase() -> None:
    db, user = fresh_database(DATABASE)
    measured = timed_import(db, user, "dukcapil", [registry_csv()])
    db.close()
    measured["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(measured))


def screen_phase(proposals: str, unprepared: bool) -> None:
    """`ejps screen FILE --export OUT` in this fresh process, timed from opening the database."""
    from app.screening.headless import screen_file
    from app.screening.registry_index import CACHE

    if unprepared:
        db, _user = open_database(DATABASE)
        with db.engine.begin() as connection:  # an import stopped before its index was ready
            connection.exec_driver_sql("DELETE FROM registry_match_index")
        db.close()
    export = SCRATCH / "first-screening-export.csv"
    started = time.perf_counter()
    db, user = open_database(DATABASE)
    # As `ejps screen` does: the result is printed, then the index built by this first screening is saved.
    result = screen_file(db, user, Path(proposals), export, save_index=False)
    shown = time.perf_counter()
    CACHE.save_pending()
    db.close()
    finished = time.perf_counter()
    db, _user = open_database(DATABASE)
    with db.engine.connect() as connection:
        saved = connection.exec_driver_sql("SELECT count(*) FROM registry_match_index").scalar_one()
    db.close()
    print(
        json.dumps(
            {
                "seconds": round(finished - started, 2),
                "result_seconds": round(shown - started, 2),
                "screening_seconds": round(result.run.seconds, 2),
                "rows": result.run.rows,
                "index_saved": saved > 0,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": min(values), "median": round(statistics.median(values), 2), "all": values}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--imports", type=int, default=1)
    parser.add_argument("--screenings", type=int, default=3)
    parser.add_argument("--proposals", default=str(BENCH_DATA / "dev_proposals.csv"))
    parser.add_argument("--unprepared", action="store_true")
    parser.add_argument("--phase", choices=["import", "screen"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    script = Path(__file__)
    if args.phase == "import":
        import_phase()
        return
    if args.phase == "screen":
        screen_phase(args.proposals, args.unprepared)
        return
    registry_csv()
    load_before = os.getloadavg()
    if not DATABASE.exists():
        args.imports = max(args.imports, 1)
    imports = [in_subprocess(script, "--phase", "import") for _ in range(args.imports)]
    screenings = [
        in_subprocess(
            script, "--phase", "screen", "--proposals", args.proposals, *(["--unprepared"] * args.unprepared)
        )
        for _ in range(args.screenings)
    ]
    print(
        json.dumps(
            {
                "benchmark": "first_screening",
                "targets": {"import_seconds": 30, "first_screen_command_seconds": 10},
                "measured": {
                    "import_seconds": summary([m["seconds"] for m in imports]),
                    "index_after_import_seconds": summary([m["index_seconds"] for m in imports]),
                    "unprepared": args.unprepared,
                    "first_screen_command_seconds": summary([m["seconds"] for m in screenings]),
                    "first_screen_result_shown_seconds": summary([m["result_seconds"] for m in screenings]),
                    "first_screening_seconds": summary([m["screening_seconds"] for m in screenings]),
                    "rows": screenings[0]["rows"] if screenings else 0,
                    "index_saved": all(m["index_saved"] for m in screenings),
                    "import_peak_rss_mb": max((m["peak_rss_mb"] for m in imports), default=None),
                    "screening_peak_rss_mb": max((m["peak_rss_mb"] for m in screenings), default=None),
                },
                "load_average": {
                    "before": [round(x, 2) for x in load_before],
                    "after": list(os.getloadavg()),
                },
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
