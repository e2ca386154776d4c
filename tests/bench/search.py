"""Benchmark: search by NIK and by name prefix in the 1.2M-person registry (target p95 ≤ 50 ms), measured as
the registry page does it: the search, then the first page of rows it shows.

    python tests/bench/search.py          → one JSON object
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import open_database, registry_database  # noqa: E402

QUERIES = 400
PAGE = 50


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)


def measure(db, user, queries: list[str]) -> dict:
    from app.registry.search import people_by_ids, search_people

    timings, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        result = search_people(db.unit_of_work(), user, query)
        people_by_ids(db.unit_of_work(), user, list(result.ids[:PAGE]))
        timings.append(time.perf_counter() - started)
        hits += bool(result.ids)
    return {
        "queries": len(queries),
        "found": hits,
        "p50_ms": percentile(timings, 0.5),
        "p95_ms": percentile(timings, 0.95),
        "max_ms": percentile(timings, 1.0),
        "mean_ms": round(statistics.mean(timings) * 1000, 2),
    }


def main() -> None:
    path = registry_database()
    db, user = open_database(path)
    rng = random.Random(7571)
    with db.engine.connect() as connection:
        sample = connection.exec_driver_sql("SELECT nik, no_kk, nama FROM person WHERE id % 1000 = 7").all()
    rows = rng.sample(sample, min(QUERIES, len(sample)))
    names = [r[2] for r in rows]
    report = {
        "people": len(sample) * 1000,
        "nik_full": measure(db, user, [r[0] for r in rows]),
        "nik_prefix_10": measure(db, user, [r[0][:10] for r in rows]),
        "no_kk": measure(db, user, [r[1] for r in rows]),
        "name_prefix": measure(db, user, [n[: rng.randint(3, 8)].lower() for n in names]),
        "name_two_words": measure(db, user, [" ".join(w[:4] for w in n.split()[:2]).lower() for n in names]),
        "name_without_spaces": measure(db, user, [n.replace(" ", "")[:10].lower() for n in names]),
        "target_p95_ms": 50,
    }
    db.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
