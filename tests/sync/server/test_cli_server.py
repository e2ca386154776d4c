"""The headless commands of enrollment: `ejps server init`, `ejps device enroll|status` on the laptop,
`ejps device approve|list|revoke` on the server, and `ejps serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli import EXIT_ERROR, EXIT_OK, main
from sync.server.app import create_app
from sync.server.database import open_server_database
from tests.conftest import ADMIN_PASSWORD
from tests.sync.conftest import _free_port, serving


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request, monkeypatch):
    fixture = "sqlite_server_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(fixture)
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)
    assert main(["server", "init", "--db", url, "--admin", "admin"]) == EXIT_OK
    return url


def test_enroll_approve_status_revoke_from_the_command_line(server_url, office_db, capsys):
    office = str(office_db.path)
    database = open_server_database(server_url)
    try:
        with serving(create_app(database)) as http:
            assert main(["device", "enroll", "--server", http, "--db", office]) == EXIT_OK
            code = re.search(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})\b", capsys.readouterr().out).group(1)

            assert main(["device", "status", "--server", http, "--db", office]) == EXIT_OK
            assert "menunggu persetujuan" in capsys.readouterr().out

            assert main(["device", "approve", code, "--db", server_url, "--region", "750101"]) == EXIT_OK
            assert "disetujui untuk wilayah 750101" in capsys.readouterr().out
            assert main(["device", "status", "--server", http, "--db", office]) == EXIT_OK
            assert "disetujui; wilayah 750101" in capsys.readouterr().out

            assert main(["device", "list", "--db", server_url]) == EXIT_OK
            listed = capsys.readouterr().out
            assert str(office_db.office.device_id) in listed and "approved" in listed

            device = str(office_db.office.device_id)
            assert (
                main(["device", "revoke", device, "--reason", "laptop hilang", "--db", server_url]) == EXIT_OK
            )
            capsys.readouterr()
            assert main(["device", "status", "--server", http, "--db", office]) == EXIT_ERROR
            assert "dicabut" in capsys.readouterr().err
    finally:
        database.close()


def test_approving_a_wrong_code_fails_with_a_message(server_url, capsys):
    assert main(["device", "approve", "AAAA-BBBB-CCCC-DDDD", "--db", server_url]) == EXIT_ERROR
    assert "Kode pendaftaran AAAA-BBBB-CCCC-DDDD tidak dikenal" in capsys.readouterr().err


def test_a_second_server_init_is_refused(server_url, capsys):
    assert main(["server", "init", "--db", server_url, "--admin", "lain"]) == EXIT_ERROR
    assert "sudah memiliki akun admin" in capsys.readouterr().err


def test_an_unknown_database_url_is_refused_in_indonesian(capsys):
    assert main(["device", "list", "--db", "mysql://x@y/z"]) == EXIT_ERROR
    assert "Alamat basis data server mysql://x@y/z tidak dikenal" in capsys.readouterr().err


def test_serve_answers_openapi_on_its_port(tmp_path):
    port = _free_port()
    database = tmp_path / "server.db"
    process = subprocess.Popen(
        [sys.executable, "cli.py", "serve", "--db", str(database), "--port", str(port)],
        cwd=Path(__file__).resolve().parents[3],
        env=os.environ | {"EJPS_DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "ejps serve did not answer within 30 s"
                time.sleep(0.2)
        assert "/v1/devices" in answer.json()["paths"]
        assert httpx.get(f"http://127.0.0.1:{port}/v1/server").json()["province"] == "75"
    finally:
        process.terminate()
        process.wait(timeout=15)
