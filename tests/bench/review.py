"""Batch review benchmark: how much of the development list is left for one-by-one review after taking the
registered NIK for the confident NIK slips and malformed NIKs, and whether any row was given a wrong person's NIK.

Screens the 10,000 development proposals (as `ejps screen` does), counts PERLU CEK, runs the batch step
(`find_niks_to_take` + `take_registered_niks`, as `ejps review nik-slips LIST --yes` does) at the default
probability, counts PERLU CEK again, and scores both exports with the set's `score.py`. A taken NIK is wrong
when it is not the truth's `nik_benar` for the row. Per kind of written NIK (`NIK_SALAH_KETIK`, a slip;
`NIK_TIDAK_SAH`, malformed) it also prints how many rows would be taken and how many of those would be wrong
at a few other thresholds, and the highest probability of a wrong one: the margin the default keeps; and how
many taken rows are still PERLU CEK after the re-screen (the NIK was their only doubt: expected 0).

    python tests/bench/review.py [--proposals FILE --truth FILE --min-probability P]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from common import BENCH_DATA, SCRATCH, open_database, registry_database

THRESHOLDS = (0.5, 0.7, 0.9, 0.95, 0.99, 0.999)


def score(truth: str, export: Path) -> dict:
    output = subprocess.run(
        [sys.executable, str(BENCH_DATA / "score.py"), "--truth", truth, "--export", str(export)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def read_truth(path: str) -> dict[int, dict]:
    with open(path, encoding="utf-8", newline="") as source:
        return {int(row["no"]) + 1: row for row in csv.DictReader(source)}  # by baris (header = row 1)


def check_rows(db, user, list_id: int) -> tuple[int, Counter]:
    from app.screening.results import list_results

    rows = [r for r in list_results(db, user, list_id) if r.hasil == "PERLU_CEK"]
    return len(rows), Counter(code for r in rows for code in r.tanda)


def still_perlu_cek(db, user, list_id: int, barises: set[int]) -> int:
    from app.screening.results import list_results

    return sum(1 for r in list_results(db, user, list_id) if r.baris in barises and r.hasil == "PERLU_CEK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", default=str(BENCH_DATA / "dev_proposals.csv"))
    parser.add_argument("--truth", default=str(BENCH_DATA / "dev_truth.csv"))
    parser.add_argument("--min-probability", type=float)
    args = parser.parse_args()

    from app.screening.batch_review import (
        DEFAULT_MIN_PROBABILITY,
        NIK_KINDS,
        find_niks_to_take,
        take_registered_niks,
    )
    from app.screening.headless import screen_file
    from app.screening.results import export_results

    threshold = args.min_probability or DEFAULT_MIN_PROBABILITY
    truth = read_truth(args.truth)
    db, user = open_database(registry_database())
    before_export = SCRATCH / "review-before.csv"
    result = screen_file(db, user, Path(args.proposals), before_export)
    rows = result.run.rows
    check_before, flags_before = check_rows(db, user, result.list_id)

    every_row = find_niks_to_take(db, user, result.list_id, min_probability=1e-9)

    def is_wrong(row) -> bool:
        return truth[row.baris]["nik_benar"] != row.nik_terdaftar

    by_threshold = {
        kind: {
            str(t): {
                "taken": sum(1 for r in every_row if r.kind == kind and r.probability >= t),
                "wrong": sum(1 for r in every_row if r.kind == kind and r.probability >= t and is_wrong(r)),
            }
            for t in THRESHOLDS
        }
        for kind in NIK_KINDS
    }
    highest_wrong = {
        kind: max((r.probability for r in every_row if r.kind == kind and is_wrong(r)), default=None)
        for kind in NIK_KINDS
    }

    started = time.perf_counter()
    preview = find_niks_to_take(db, user, result.list_id, threshold)
    taken = take_registered_niks(db, user, result.list_id, [s.proposal_id for s in preview], threshold)
    batch_seconds = time.perf_counter() - started
    wrong = [r.baris for r in taken.taken if is_wrong(r)]
    check_after, flags_after = check_rows(db, user, result.list_id)
    still_checked = still_perlu_cek(db, user, result.list_id, {r.baris for r in taken.taken})
    after_export = SCRATCH / "review-after.csv"
    export_results(db, user, result.list_id, after_export)
    db.close()
    scored_before, scored_after = score(args.truth, before_export), score(args.truth, after_export)
    print(
        json.dumps(
            {
                "benchmark": "batch_review",
                "rows": rows,
                "min_probability": threshold,
                "targets": {"perlu_cek_after_share": 0.05, "wrong_nik_taken": 0},
                "measured": {
                    "perlu_cek_before": check_before,
                    "perlu_cek_before_share": round(check_before / rows, 4),
                    "nik_slip_rows_before": flags_before.get("NIK_SALAH_KETIK", 0),
                    "nik_malformed_rows_before": flags_before.get("NIK_TIDAK_SAH", 0),
                    "nik_taken": len(taken.taken),
                    "nik_taken_by_kind": {
                        kind: sum(1 for r in taken.taken if r.kind == kind) for kind in NIK_KINDS
                    },
                    "wrong_nik_taken": len(wrong),
                    "wrong_nik_taken_by_kind": {
                        kind: sum(1 for r in taken.taken if r.kind == kind and is_wrong(r))
                        for kind in NIK_KINDS
                    },
                    "wrong_nik_rows": wrong[:20],
                    "taken_rows_still_perlu_cek": still_checked,
                    "perlu_cek_after": check_after,
                    "perlu_cek_after_share": round(check_after / rows, 4),
                    "screening_seconds": round(result.run.seconds, 2),
                    "batch_seconds": round(batch_seconds, 2),
                    "batch_rescreen_seconds": round(taken.run.seconds, 2) if taken.run else None,
                    "link_f1_before": scored_before["link"]["f1"],
                    "link_f1_after": scored_after["link"]["f1"],
                },
                "perlu_cek_flags_before": dict(flags_before.most_common()),
                "perlu_cek_flags_after": dict(flags_after.most_common()),
                "nik_taken_by_threshold": by_threshold,
                "highest_probability_of_a_wrong_link": highest_wrong,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
