"""`ejps import realisasi FILE --sk ID` and `ejps realisasi check --sk ID`: a preview with the problem rows,
then the rows saved and the consistency summary printed; a file naming people outside the SK or an SK that
does not exist refused with a message, nothing saved."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.auth.users import login
from app.office import open_office_database
from cli import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, main
from db.models import Realisasi
from tests.app.documents.conftest import DEAD, HEADS, NOT_IN_SK, REGISTRY_AT_SK, make_final_sk, record_death
from tests.app.documents.test_realisasi_import import BANK_HEADERS, bank_row
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD
from tests.factories import write_csv


@pytest.fixture
def office(tmp_path, monkeypatch, capsys):
    path = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("EJPS_USER", "admin")
    assert main(["init", "--db", str(path), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    extract = write_csv(tmp_path / "dukcapil.csv", REGISTRY_AT_SK)
    assert main(["import", "--db", str(path), "dukcapil", str(extract), "--yes"]) == EXIT_OK
    db = open_office_database(path)
    admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
    program = make_program(db, admin, tahun=2026)
    sk = make_final_sk(db, admin, program.id, HEADS)
    record_death(db, admin, tmp_path)
    db.close()
    capsys.readouterr()
    return path, sk


def realisasi_count(path) -> int:
    db = open_office_database(path)
    try:
        with db.sessions() as session:
            return session.scalar(select(func.count()).select_from(Realisasi))
    finally:
        db.close()


def test_import_previews_saves_and_prints_the_consistency_summary(office, tmp_path, capsys):
    path, sk = office
    rows = [bank_row(HEADS[0], "Rp 300.000,00"), bank_row(HEADS[0], tanggal="05-04-2026"), bank_row(DEAD, tanggal="20-03-2026"), bank_row(HEADS[2]) | {"NIK": "123"}]  # fmt: skip
    bank = write_csv(tmp_path / "bank.csv", rows, BANK_HEADERS)
    code = main(["import", "--db", str(path), "realisasi", str(bank), "--sk", str(sk.id), "--yes"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "Diimpor          : 3 (Rp 900.000)" in out
    assert "Ditolak          : 1" in out
    assert 'bank.csv baris 5, nik: NIK "123" bukan 16 digit angka' in out
    assert "Tersimpan: 3 baris realisasi" in out
    assert "Konsistensi SK 400/DINSOS/12/2026: 2 dari 6 penerima SK sudah menerima" in out
    assert "Disalurkan setelah meninggal" in out and "Menerima lebih dari sekali" in out
    assert realisasi_count(path) == 3


def test_without_yes_and_without_a_terminal_nothing_is_saved(office, tmp_path, capsys):
    path, sk = office
    bank = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0])], BANK_HEADERS)
    assert main(["import", "--db", str(path), "realisasi", str(bank), "--sk", str(sk.id)]) == EXIT_NOTHING
    assert realisasi_count(path) == 0


def test_a_file_naming_a_person_outside_the_sk_is_refused_whole(office, tmp_path, capsys):
    path, sk = office
    bank = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0]), bank_row(NOT_IN_SK)], BANK_HEADERS)
    code = main(["import", "--db", str(path), "realisasi", str(bank), "--sk", str(sk.id), "--yes"])
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert "bank.csv baris 3, nik: NIK" in captured.out
    assert "tidak tercantum dalam SK" in captured.err and "Tidak ada yang disimpan" in captured.err
    assert realisasi_count(path) == 0
    code = main(
        [
            "import",
            "--db",
            str(path),
            "realisasi",
            str(bank),
            "--sk",
            str(sk.id),
            "--keep-outside-sk",
            "--yes",
        ]
    )
    assert code == EXIT_OK and realisasi_count(path) == 2
    assert "Menerima tetapi tidak ada di SK" in capsys.readouterr().out


def test_an_sk_that_does_not_exist_is_refused(office, tmp_path, capsys):
    path, _sk = office
    bank = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0])], BANK_HEADERS)
    assert main(["import", "--db", str(path), "realisasi", str(bank), "--sk", "77", "--yes"]) == EXIT_ERROR
    assert "SK #77 tidak ditemukan" in capsys.readouterr().err
    assert main(["import", "--db", str(path), "realisasi", str(bank), "--yes"]) == EXIT_ERROR
    assert "--sk" in capsys.readouterr().err


def test_check_prints_problems_with_evidence_and_exports_them(office, tmp_path, capsys):
    path, sk = office
    bank = write_csv(tmp_path / "bank.csv", [bank_row(DEAD, tanggal="20-03-2026")], BANK_HEADERS)
    assert main(["import", "--db", str(path), "realisasi", str(bank), "--sk", str(sk.id), "--yes"]) == EXIT_OK
    capsys.readouterr()
    assert main(["realisasi", "check", "--db", str(path), "--sk", str(sk.id)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "tercatat meninggal pada 10-03-2026, tetapi disalurkan pada 20-03-2026" in out
    assert "Registri: meninggal 10-03-2026" in out
    export = tmp_path / "konsistensi.xlsx"
    code = main(["realisasi", "check", "--db", str(path), "--sk", str(sk.id), "--export", str(export)])
    assert code == EXIT_OK
    assert "6 masalah beserta buktinya ditulis" in capsys.readouterr().out
    assert load_workbook(export).active.max_row == 7


def test_help_shows_examples_in_both_languages(capsys):
    with pytest.raises(SystemExit):
        main(["realisasi", "check", "--help"])
    assert "ejps realisasi check --sk 4 --export konsistensi.xlsx" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--lang", "en", "import", "--help"])
    assert "ejps import realisasi bank_bri.xlsx --sk 4" in capsys.readouterr().out
