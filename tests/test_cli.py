"""The `ejps` command: same rules as the GUI, non-interactive for scripts, honest exit statuses."""

from __future__ import annotations

import pytest

from app.office import open_office_database
from app.screening.registry_index import read_saved_index, registry_state
from cli import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, main
from tests.factories import people, write_csv


@pytest.fixture
def office(tmp_path, monkeypatch):
    path = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    monkeypatch.setenv("EJPS_USER", "admin")
    assert main(["init", "--db", str(path), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    return path


def test_init_refuses_a_region_outside_gorontalo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    assert (
        main(["init", "--db", str(tmp_path / "x.db"), "--region", "3201", "--admin", "admin"]) == EXIT_ERROR
    )
    assert "bukan wilayah Provinsi Gorontalo" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_import_with_yes_commits_and_second_run_imports_nothing(office, tmp_path, capsys):
    records = people(3)
    records[2] = records[2].but(nik="12345")
    path = write_csv(tmp_path / "dukcapil.csv", records)
    report = tmp_path / "masalah.xlsx"
    assert (
        main(["import", "--db", str(office), "dukcapil", str(path), "--yes", "--issues-xlsx", str(report)])
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert "Baru             : 8" in out and "Ditolak          : 1" in out
    assert "dukcapil.csv baris 4, nik: NIK harus 16 digit" in out
    assert report.exists()
    # The next `ejps screen` finds the matching index of the new registry already saved.
    assert "Indeks pemadanan untuk penyaringan sudah disiapkan." in out
    db = open_office_database(office)
    try:
        with db.engine.connect() as connection:
            assert read_saved_index(db.engine, registry_state(connection)).size == 8
    finally:
        db.close()
    assert main(["import", "--db", str(office), "dukcapil", str(path), "--yes"]) == EXIT_NOTHING
    assert "Tidak ada yang diimpor" in capsys.readouterr().out
    assert main(["search", "--db", str(office), records[0].nik]) == EXIT_OK
    assert records[0].nama in capsys.readouterr().out


def test_import_without_yes_and_without_a_terminal_commits_nothing(office, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    path = write_csv(tmp_path / "d.csv", people(2))
    assert main(["import", "--db", str(office), "dukcapil", str(path)]) == EXIT_NOTHING
    assert main(["search", "--db", str(office), "LASENA"]) == EXIT_ERROR


def test_wrong_password_is_refused(office, monkeypatch, capsys):
    monkeypatch.setenv("EJPS_PASSWORD", "salah-sandi")
    assert main(["search", "--db", str(office), "SITI"]) == EXIT_ERROR
    assert "Nama pengguna atau kata sandi salah" in capsys.readouterr().err


def test_file_with_wrong_headers_exits_non_zero_with_the_reason(office, tmp_path, capsys):
    path = tmp_path / "salah.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["import", "--db", str(office), "dukcapil", str(path), "--yes"]) == EXIT_ERROR
    assert "Kolom wajib belum dipetakan" in capsys.readouterr().err


def test_user_add_and_list(office, capsys, monkeypatch):
    monkeypatch.setenv("EJPS_NEW_PASSWORD", "rahasia-baru-1")
    assert (
        main(["user", "add", "--db", str(office), "walidata", "--role", "operator", "--region", "750101"])
        == EXIT_OK
    )
    assert main(["user", "list", "--db", str(office)]) == EXIT_OK
    assert "walidata" in capsys.readouterr().out


def test_english_texts_come_from_the_catalog(office, capsys):
    assert main(["--lang", "en", "search", "--db", str(office), "ZZZZ"]) == EXIT_ERROR
    assert (
        main(["--lang", "en", "import", "--db", str(office), "dukcapil", "/nonexistent.csv", "--yes"])
        == EXIT_ERROR
    )
    assert "File /nonexistent.csv not found." in capsys.readouterr().err


def test_a_wrong_passphrase_prints_only_the_message(office, monkeypatch, capfd):
    capfd.readouterr()
    monkeypatch.setenv("EJPS_DB_PASSPHRASE", "bukan-frasa-yang-benar")
    assert main(["search", "--db", str(office), "SITI"]) == EXIT_ERROR
    out, err = capfd.readouterr()  # the file descriptors: SQLCipher's own log lines are written by C code
    assert out == ""
    assert err.splitlines() == [
        f"Galat: Basis data {office} tidak dapat dibuka: kuncinya salah atau berkas bukan basis data e-JPS. "
        "Periksa frasa sandi (EJPS_DB_PASSPHRASE) atau pilih berkas lain."
    ]


def test_a_database_busy_for_too_long_is_said_so_not_an_unexpected_error(office, monkeypatch, capsys):
    import db.engine
    from app.office import open_office_database
    from tests.app.test_uow import hold_write_lock

    other_process = open_office_database(office)
    monkeypatch.setattr(db.engine, "BUSY_TIMEOUT_SECONDS", 1)
    writer = hold_write_lock(other_process, 3)
    try:
        assert main(["search", "--db", str(office), "SITI"]) == EXIT_ERROR  # login writes its audit entry
    finally:
        writer.join()
        other_process.close()
    assert capsys.readouterr().err.strip() == "Galat: Basis data sedang dipakai proses lain; coba lagi."
