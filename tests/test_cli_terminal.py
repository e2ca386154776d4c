"""What a person at a terminal meets in `ejps`: the progress bar and Ctrl-C, help texts, the demo, search."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.auth.users import login
from app.office import open_office_database
from app.registry.search import count_people
from cli import EXIT_CANCELLED, EXIT_ERROR, EXIT_OK, TerminalProgress, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def big_extract(tmp_path_factory) -> Path:
    """A Dukcapil extract of the whole province, large enough that reading and saving it take seconds."""
    from app.demo.generator import DUKCAPIL_COLUMNS, generate_population, write_csv

    path = tmp_path_factory.mktemp("extract") / "dukcapil_provinsi.csv"
    return write_csv(generate_population(40_000, 11), DUKCAPIL_COLUMNS, path)


@pytest.fixture
def province_office(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "provinsi.db"
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    assert main(["init", "--db", str(path), "--region", "75", "--admin", "admin"]) == EXIT_OK
    return path


class RunningCommand:
    """`ejps` in its own process, its stderr collected as it comes (the bar is drawn there)."""

    def __init__(self, args: list[str]) -> None:
        # FORCE_COLOR: rich draws the bar although stderr is a pipe, so the test can see which step runs.
        env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "160"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.err = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while chunk := os.read(self.process.stderr.fileno(), 65536):
            self.err += chunk

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.err:
            assert self.process.poll() is None, f"ended before {text!r}: {self.err.decode(errors='replace')}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s"
            time.sleep(0.02)

    def finish(self) -> tuple[int, str, str]:
        out = self.process.stdout.read()
        self.process.wait(timeout=120)
        self.reader.join(timeout=10)
        return self.process.returncode, out.decode(), self.err.decode(errors="replace")


def _people_and_imports(path: Path) -> tuple[int, int]:
    db = open_office_database(path)
    try:
        admin = login(db.unit_of_work(), "admin", "rahasia-admin-1")
        with db.engine.connect() as connection:
            batches = connection.exec_driver_sql("SELECT count(*) FROM import_batch").scalar_one()
        return count_people(db.unit_of_work(), admin), batches
    finally:
        db.close()


@pytest.mark.parametrize(
    "step", ["Membaca dan memeriksa", "Menyimpan ke registri"], ids=["while reading", "while saving"]
)
def test_ctrl_c_during_an_import_cancels_it_and_changes_nothing(big_extract, province_office, step):
    command = RunningCommand(["--db", str(province_office), "import", "dukcapil", str(big_extract), "--yes"])
    command.wait_for(step)
    command.process.send_signal(signal.SIGINT)
    status, out, err = command.finish()
    assert status == EXIT_CANCELLED, err
    assert "Dibatalkan. Tidak ada yang berubah." in err
    assert "Traceback" not in err and "Tersimpan" not in out
    assert _people_and_imports(province_office) == (0, 0)


def test_the_progress_bar_is_drawn_on_stderr_only(tmp_path, province_office):
    from tests.factories import people, write_csv

    extract = write_csv(tmp_path / "d.csv", people(30))
    command = RunningCommand(["--db", str(province_office), "import", "dukcapil", str(extract), "--yes"])
    status, out, err = command.finish()
    assert status == EXIT_OK, err
    assert "Tersimpan sebagai impor #1." in out
    assert "━" in err and "100%" in err  # rich's bar, drawn on stderr, never on stdout
    assert "━" not in out


def test_the_bar_shows_percentage_rate_and_time_left(monkeypatch, capsys):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal; capsys holds what it drew
    monkeypatch.setenv("COLUMNS", "160")
    terminal = TerminalProgress()
    with terminal as progress:
        for done in range(0, 1001, 100):
            progress.report(done, 2000, "Membaca dan memeriksa ekstrak.csv")
            time.sleep(0.03)
        terminal.bar.refresh()
    err = capsys.readouterr().err
    assert "Membaca dan memeriksa ekstrak.csv" in err and "50%" in err
    assert "/dtk" in err  # rate, in the job's units per second
    assert "0:00:0" in err  # time left


def test_without_a_terminal_no_bar_is_drawn(monkeypatch, capsys):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    with TerminalProgress() as progress:
        progress.report(500, 1000, "Membaca dan memeriksa ekstrak.csv")
    assert capsys.readouterr().err == ""


def test_help_is_indonesian_with_examples_and_the_environment_variables(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("pemakaian: ejps")
    assert "opsi:" in out and "tampilkan bantuan ini lalu keluar" in out
    assert "usage:" not in out and "options:" not in out and "show this help" not in out
    assert "contoh:" in out and 'ejps search "siti lasena"' in out
    for variable in ("EJPS_USER", "EJPS_PASSWORD", "EJPS_DB_PASSPHRASE", "EJPS_DATA_DIR"):
        assert variable in out


def test_each_command_has_examples(capsys):
    for command in (["init"], ["import"], ["search"], ["screen"], ["demo"], ["user", "add"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        out = capsys.readouterr().out
        assert "contoh:\n  " in out and f"ejps {' '.join(command)} " in out, command


def test_usage_errors_are_indonesian(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["search"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "ejps search: galat: argumen berikut wajib diisi: TEKS" in err
    with pytest.raises(SystemExit):
        main(["import", "ktp", "a.csv"])
    assert (
        "pilihan tidak sah: 'ktp' (pilih salah satu: 'dukcapil', 'dtks', 'sk', 'realisasi')"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(["demo", "--people", "banyak"])
    assert "argumen --people: nilai int tidak sah: 'banyak'" in capsys.readouterr().err


def test_argparse_texts_are_english_under_lang_en_and_argparse_is_left_as_it_was(capsys):
    import argparse
    import gettext

    with pytest.raises(SystemExit):
        main(["--lang", "en", "search", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ejps search") and "show this help message and exit" in out
    assert "examples:" in out
    with pytest.raises(SystemExit):
        main(["--lang", "en", "search"])
    assert "ejps search: error: the following arguments are required: TEXT" in capsys.readouterr().err
    assert argparse._ is gettext.gettext


def test_search_prints_a_readable_table(office_with_people, capsys):
    path, records = office_with_people
    person = records[0]
    assert main(["search", "--db", str(path), person.nik]) == EXIT_OK
    out = capsys.readouterr().out
    header, rule, row = out.splitlines()[:3]
    assert header.split() == ["NIK", "No.", "KK", "Nama", "JK", "Tgl", "lahir", "Desa/Kel.", "Status"]
    assert set(rule) == {"─"}
    assert row.startswith(person.nik)
    assert person.nama in row
    assert "Laki-laki" in row  # the head of the household
    year, month, day = person.tgl_lahir.split("-")
    assert f"{day}-{month}-{year}" in row
    assert "<10" not in out and person.kode_desa not in row
    assert "Kel. Kayubulan" in row and "Hidup" in row  # 7501011001 by its name; the status in words


def test_search_finding_nobody_says_so(office_with_people, capsys):
    path, _records = office_with_people
    assert main(["search", "--db", str(path), "ZZZZ"]) == EXIT_ERROR
    assert 'Tidak ada penduduk yang cocok dengan "ZZZZ".' in capsys.readouterr().err


@pytest.fixture
def office_with_people(tmp_path, monkeypatch):
    from tests.factories import people, write_csv

    path = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    assert main(["init", "--db", str(path), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    records = people(2)
    extract = write_csv(tmp_path / "d.csv", records)
    assert main(["import", "--db", str(path), "dukcapil", str(extract), "--yes"]) == EXIT_OK
    return path, records


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """`ejps demo` run once, as on a computer without a credential store and without EJPS_DB_PASSPHRASE."""
    import contextlib
    import io

    import db.keys

    data = tmp_path_factory.mktemp("demo-data")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJPS_DATA_DIR", str(data))
        patch.delenv("EJPS_DB_PASSPHRASE", raising=False)
        patch.setattr(db.keys, "keyring_available", lambda: False)
        patch.setattr(db.keys, "_session_passphrase", None)
        with contextlib.redirect_stdout(out):
            assert main(["demo", "--people", "150"]) == EXIT_OK
    return data, out.getvalue()


@pytest.fixture
def without_credential_store(demo_folder, monkeypatch):
    """A later command in a new process: no passphrase in memory, none in the environment, no keyring."""
    import db.keys

    monkeypatch.setenv("EJPS_DATA_DIR", str(demo_folder[0]))
    monkeypatch.delenv("EJPS_DB_PASSPHRASE", raising=False)
    monkeypatch.setattr(db.keys, "keyring_available", lambda: False)
    monkeypatch.setattr(db.keys, "_session_passphrase", None)
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", "demo12345")


def test_ejps_demo_shows_its_passphrase_and_the_samples_readme_holds_it(demo_folder):
    from app.demo import DEMO_PASSPHRASE

    data, out = demo_folder
    assert f"dikunci dengan frasa sandi {DEMO_PASSPHRASE}" in out
    assert 'Perintah lain memakai wilayah demo ini, mis.: ejps search "siti"' in out
    readme = (data / "demo" / "contoh_ekstrak" / "BACA_SAYA.txt").read_text(encoding="utf-8")
    assert f"EJPS_DB_PASSPHRASE={DEMO_PASSPHRASE}" in readme


def test_after_ejps_demo_commands_without_db_open_the_demo(without_credential_store, capsys):
    assert main(["search", "siti"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "Memakai wilayah demo" in captured.err and "demo.db" in captured.err
    assert "SITI" in captured.out


def test_init_after_demo_makes_the_office_database_which_commands_then_use(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    (data / "demo").mkdir(parents=True)
    (data / "demo" / "demo.db").write_bytes(b"")  # only its presence matters here
    monkeypatch.setenv("EJPS_DATA_DIR", str(data))
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    assert main(["init", "--region", "7501", "--admin", "admin"]) == EXIT_OK
    assert (data / "ejps.db").exists()
    capsys.readouterr()
    assert main(["search", "SITI"]) == EXIT_ERROR  # an empty office registry, not the demo
    assert "wilayah demo" not in capsys.readouterr().err


def test_search_on_a_narrow_terminal_leaves_out_the_kk_and_keeps_every_other_column(
    office_with_people, monkeypatch, capsys
):
    path, records = office_with_people
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["search", "--db", str(path), records[0].nik]) == EXIT_OK
    out = capsys.readouterr().out
    assert "No. KK" not in out and records[0].no_kk not in out
    assert records[0].nik in out and "Kayubulan" in out and "Hidup" in out
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["search", "--db", str(path), records[0].nik]) == EXIT_OK
    assert "No. KK" in capsys.readouterr().out
