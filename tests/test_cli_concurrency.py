"""Several `ejps` processes on one office database at once: writers wait for each other, readers never wait
for a writer, and nobody fails with "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import EXIT_NOTHING, EXIT_OK, main
from tests.app.screening.test_engine import LIMBOTO, REGISTRY, TELAGA, proposal, write_proposals
from tests.conftest import ADMIN_PASSWORD
from tests.factories import write_csv

ROOT = Path(__file__).resolve().parents[1]
# Each process runs its command a few times in a row (one interpreter: the start-up is paid once), so that the
# writes of the four overlap many times over.
WORKER = """
import json, sys
from cli import main
commands, rounds = json.loads(sys.argv[1]), int(sys.argv[2])
codes = []
for round in range(rounds):
    for command in commands:
        codes.append(main([arg.replace("{round}", str(round)) for arg in command]))
print(json.dumps(codes))
"""


@pytest.fixture
def office(tmp_path, monkeypatch):
    path = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("EJPS_USER", "admin")
    assert main(["init", "--db", str(path), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    assert main(
        ["import", "--db", str(path), "dukcapil", str(write_csv(tmp_path / "d.csv", REGISTRY)), "--yes"]
    ) in (
        EXIT_OK,
        EXIT_NOTHING,
    )
    return path


def _start(office: Path, commands: list[list[str]], rounds: int) -> subprocess.Popen:
    commands = [[command[0], "--db", str(office), *command[1:]] for command in commands]
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(commands), str(rounds)],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_importing_screening_and_searching_at_once_never_fails(office, tmp_path):
    # Two extracts that each change the registry: importing them in turn writes every time.
    everyone = write_csv(tmp_path / "semua.csv", REGISTRY)
    fewer = write_csv(tmp_path / "sebagian.csv", [p for p in REGISTRY if p not in LIMBOTO[:3]])
    usulan = write_proposals(tmp_path / "usulan.csv", [proposal(LIMBOTO[0]), proposal(TELAGA[0])])
    workers = {
        "import": _start(
            office,
            [["import", "dukcapil", str(fewer), "--yes"], ["import", "dukcapil", str(everyone), "--yes"]],
            2,
        ),
        "screen": _start(
            office, [["screen", str(usulan), "--export", str(tmp_path / "hasil-{round}.csv")]], 3
        ),
        "search": _start(office, [["search", "LASENA"]], 6),
        "search again": _start(office, [["search", TELAGA[0].nik]], 6),
    }
    failures = {}
    for name, process in workers.items():
        out, err = process.communicate(timeout=300)
        codes = json.loads(out.strip().splitlines()[-1]) if process.returncode == 0 and out.strip() else None
        allowed = (EXIT_OK, EXIT_NOTHING) if name == "import" else (EXIT_OK,)
        if codes is None or any(code not in allowed for code in codes) or err.strip():
            failures[name] = (codes, err.strip()[-500:])
    assert failures == {}
