"""Benchmark: cold start of the GUI on the 1.2M-person database to a usable main window (target ≤ 3 s):
from the process start (interpreter, Qt, opening the encrypted database, login) until the main window is
shown with the registry page's first rows loaded. The login dialog is answered programmatically.

    python tests/bench/cold_start.py          → one JSON object
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RUNS = 5


def child(database: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from common import ADMIN, PASSWORD  # noqa: F401  (sets the passphrase and data folder)

    from app.auth.users import login
    from app.office import open_office_database
    from ui.application import application
    from ui.main_window import MainWindow

    app = application()
    db = open_office_database(Path(database))
    user = login(db.unit_of_work(), ADMIN, PASSWORD)
    window = MainWindow(db, user)
    window.show()
    from PySide6.QtWidgets import QTableView

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        app.processEvents()
        tables = [t for t in window.findChildren(QTableView) if t.isVisible() and t.model() is not None]
        if tables and tables[0].model().rowCount() > 0 and tables[0].model().index(0, 0).data():
            print(
                json.dumps(
                    {"rows": tables[0].model().rowCount(), "first": tables[0].model().index(0, 2).data()}
                )
            )
            sys.stdout.flush()
            os._exit(0)
    os._exit(1)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(sys.argv[2])
        return
    from common import registry_database

    database = str(registry_database())
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    timings, shown = [], None
    for _run in range(RUNS):
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, __file__, "child", database], capture_output=True, text=True, env=env, check=True
        )
        timings.append(time.perf_counter() - started)
        shown = json.loads(output.stdout.strip().splitlines()[-1])
    print(
        json.dumps(
            {
                "runs": RUNS,
                "median_seconds": round(statistics.median(timings), 2),
                "max_seconds": round(max(timings), 2),
                "registry_rows_shown": shown["rows"],
                "target_seconds": 3,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
