"""`ejps sync --export|--import` on the laptop and `ejps server import FILE --answer OUT` on the server."""

from __future__ import annotations

import zipfile

import pytest

from cli import EXIT_ERROR, EXIT_OK, main
from tests.conftest import USER_PASSWORD
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import fingerprint, import_households, people


@pytest.fixture
def as_operator(monkeypatch):
    monkeypatch.setenv("EJPS_USER", "operator")
    monkeypatch.setenv("EJPS_PASSWORD", USER_PASSWORD)


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_usb_round_trip_from_the_command_line(offices, exchange_server, as_operator, tmp_path, capsys):
    a, _b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    url = exchange_server.engine.url.render_as_string(hide_password=False)
    office = str(a.db.path)
    sent, answer = tmp_path / "kantor-a.ejps", tmp_path / "jawaban.ejps"

    assert main(["sync", "--export", str(sent), "--db", office]) == EXIT_OK
    assert main(["server", "import", str(sent), "--db", url, "--answer", str(answer)]) == EXIT_OK
    assert main(["sync", "--import", str(answer), "--db", office]) == EXIT_OK

    assert {r.nik for r in records} <= set(people(exchange_server))
    out = capsys.readouterr().out
    assert "Tanda terima:" in out and "0 ditolak" in out


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_zip_given_to_the_server_is_refused_with_a_clear_message_and_changes_nothing(
    offices, exchange_server, tmp_path, capsys
):
    url = exchange_server.engine.url.render_as_string(hide_password=False)
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("data.csv", "nik,nama\n")
    before = fingerprint(exchange_server)

    code = main(["server", "import", str(archive), "--db", url, "--answer", str(tmp_path / "out")])

    assert code == EXIT_ERROR
    assert "bukan berkas kiriman kantor e-JPS" in capsys.readouterr().err
    assert fingerprint(exchange_server) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_an_office_imports_a_zip_as_answer_clearly_refused_and_nothing_changes(
    offices, as_operator, tmp_path, capsys
):
    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO)
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("data.csv", "nik,nama\n")
    before = fingerprint(a.db)

    assert main(["sync", "--import", str(archive), "--db", str(a.db.path)]) == EXIT_ERROR

    assert "bukan berkas jawaban server e-JPS" in capsys.readouterr().err
    after = fingerprint(a.db)
    # The command's login is recorded (the account's last login, its audit entry and that entry's change).
    logged_in = {"app_user", "audit_log", "sync_change"}
    assert {t: v for t, v in after.items() if t not in logged_in} == {
        t: v for t, v in before.items() if t not in logged_in
    }


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_sync_over_the_network_from_the_command_line(offices, exchange_server, as_operator, capsys):
    from sync.server.app import create_app
    from tests.sync.conftest import serving

    a, _b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    office = str(a.db.path)
    with serving(create_app(exchange_server)) as url:
        # No --server: the server the device enrolled with; here the address is given, as after a move.
        assert main(["sync", "--server", url, "--db", office]) == EXIT_OK
    assert {r.nik for r in records} <= set(people(exchange_server))
    assert "Sinkronisasi selesai" in capsys.readouterr().out
