"""`ejps screen FILE --export OUT`: a proposal file imported, screened and exported without a display, with
honest exit statuses and messages that say which file and what to do."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.users import login
from app.office import open_office_database
from app.screening.headless import screen_file
from app.screening.results import RESULT_COLUMNS
from app.uow import UnitOfWork
from cli import EXIT_ERROR, EXIT_OK, main
from db.models import ProposalList, ScreeningRun
from tests.app.screening.test_engine import (
    LIMBOTO,
    NOT_REGISTERED,
    PROPOSAL_HEADERS,
    REGISTRY,
    TELAGA,
    proposal,
    write_proposals,
)
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD
from tests.factories import write_csv

ROWS = [proposal(LIMBOTO[0]), NOT_REGISTERED, proposal(TELAGA[0]), proposal(TELAGA[0])]


@pytest.fixture
def office(tmp_path, monkeypatch):
    path = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("EJPS_USER", "admin")
    assert main(["init", "--db", str(path), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    return path


@pytest.fixture
def registry(office, tmp_path, capsys):
    extract = write_csv(tmp_path / "dukcapil.csv", REGISTRY)
    assert main(["import", "--db", str(office), "dukcapil", str(extract), "--yes"]) == EXIT_OK
    capsys.readouterr()
    return office


@pytest.fixture
def usulan(tmp_path):
    return write_proposals(tmp_path / "usulan_kayubulan.csv", ROWS)


def screen(office, *args) -> int:
    return main(["screen", "--db", str(office), *map(str, args)])


def lists_and_runs(office) -> tuple[int, int]:
    db = open_office_database(office)
    try:
        with db.sessions() as session:
            return (
                session.scalar(select(func.count()).select_from(ProposalList)),
                session.scalar(select(func.count()).select_from(ScreeningRun)),
            )
    finally:
        db.close()


def test_screen_to_csv_exports_the_file_with_the_results(registry, usulan, tmp_path, capsys):
    out = tmp_path / "hasil.csv"
    assert screen(registry, usulan, "--export", out) == EXIT_OK
    printed = capsys.readouterr().out
    assert "Usulan dibaca: 4, diimpor: 4, ditolak: 0" in printed
    assert "Hasil: 2 lolos, 2 tidak lolos, 0 perlu cek; 3 dipadankan" in printed
    assert f"Hasil ditulis ke {out} (4 baris)" in printed
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == PROPOSAL_HEADERS + list(RESULT_COLUMNS)
    assert [r[header.index("NIK")] for r in rows] == [row["NIK"] for row in ROWS]
    assert [r[header.index("hasil")] for r in rows] == ["LOLOS", "TIDAK_LOLOS", "LOLOS", "TIDAK_LOLOS"]
    assert [r[header.index("duplikat_dari")] for r in rows] == ["", "", "", "4"]


def test_screen_to_xlsx_with_a_program(registry, usulan, tmp_path):
    db = open_office_database(registry)
    try:
        program = make_program(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD), kode_wilayah="750101")
    finally:
        db.close()
    out = tmp_path / "hasil.xlsx"
    assert screen(registry, usulan, "--program", program.id, "--export", out) == EXIT_OK
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == PROPOSAL_HEADERS + list(RESULT_COLUMNS)
    assert rows[0][header.index("NIK")] == LIMBOTO[0].nik
    assert rows[0][header.index("nik_padan")] == LIMBOTO[0].nik
    # Bulila (Kec. Telaga) lies outside the program's Kec. Limboto.
    assert "LUAR_WILAYAH" in rows[2][header.index("tanda")]


def test_a_file_without_nik_or_name_column_exits_1_naming_the_file(registry, tmp_path, capsys):
    path = write_csv(tmp_path / "tanpa_identitas.csv", [{"No": "1", "Alamat": "Dusun II"}], ["No", "Alamat"])
    assert screen(registry, path, "--export", tmp_path / "hasil.csv") == EXIT_ERROR
    err = capsys.readouterr().err
    assert "tanpa_identitas.csv" in err and "tidak memiliki kolom NIK maupun kolom nama" in err
    assert "Traceback" not in err
    assert not (tmp_path / "hasil.csv").exists()
    assert lists_and_runs(registry) == (0, 0)


def test_an_unknown_program_exits_1_with_a_clear_message(registry, usulan, tmp_path, capsys):
    assert screen(registry, usulan, "--program", 999, "--export", tmp_path / "hasil.csv") == EXIT_ERROR
    err = capsys.readouterr().err
    assert "Program #999 tidak ditemukan" in err and "Traceback" not in err
    assert lists_and_runs(registry) == (0, 0)


def test_a_missing_file_exits_1_naming_it(registry, tmp_path, capsys):
    missing = tmp_path / "tidak_ada.csv"
    assert screen(registry, missing, "--export", tmp_path / "hasil.csv") == EXIT_ERROR
    assert f"Berkas {missing} tidak ditemukan" in capsys.readouterr().err


def test_screening_before_the_registry_is_imported_exits_1_saying_what_to_do(
    office, usulan, tmp_path, capsys
):
    assert screen(office, usulan, "--export", tmp_path / "hasil.csv") == EXIT_ERROR
    assert "Registri Dukcapil masih kosong" in capsys.readouterr().err
    assert not (tmp_path / "hasil.csv").exists()
    assert lists_and_runs(office)[1] == 0


def test_after_importing_the_registry_the_same_screen_command_succeeds(office, usulan, tmp_path, capsys):
    db = open_office_database(office)
    try:
        program = make_program(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD))
    finally:
        db.close()
    command = [usulan, "--program", program.id, "--export", tmp_path / "hasil.csv"]
    assert screen(office, *command) == EXIT_ERROR  # "impor data Dukcapil dulu"
    extract = write_csv(tmp_path / "dukcapil.csv", REGISTRY)
    assert main(["import", "--db", str(office), "dukcapil", str(extract), "--yes"]) == EXIT_OK
    capsys.readouterr()
    assert screen(office, *command) == EXIT_OK, capsys.readouterr().err


def test_a_wrong_export_extension_is_refused_before_anything_is_imported(registry, usulan, tmp_path, capsys):
    db = open_office_database(registry)
    try:
        program = make_program(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD))
    finally:
        db.close()
    assert screen(registry, usulan, "--program", program.id, "--export", tmp_path / "hasil.pdf") == EXIT_ERROR
    assert ".csv atau .xlsx" in capsys.readouterr().err
    assert lists_and_runs(registry) == (0, 0)
    assert screen(registry, usulan, "--program", program.id, "--export", tmp_path / "hasil.xlsx") == EXIT_OK


# Killed at any step (SIGKILL): nothing left behind, and the same command simply runs again ------------------
# Runs `ejps` with one function replaced by one that says "here" (touches a file) and waits to be killed.
STOPPED_AT = """
import pathlib, sys, time
import {module} as target

def stop_here(*args, **kwargs):
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(600)

target.{name} = stop_here
from cli import main
sys.exit(main(sys.argv[2:]))
"""


needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX SIGKILL")


def kill_inside(module: str, name: str, arguments: list, tmp_path, monkeypatch) -> None:
    """Starts `ejps ARGUMENTS` in a real process, waits until it reaches `module.name`, kills it (SIGKILL)."""
    system_temp = tmp_path / "systemp"
    system_temp.mkdir(exist_ok=True)
    monkeypatch.setenv("TMPDIR", str(system_temp))
    reached = tmp_path / "reached"
    reached.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            STOPPED_AT.format(module=module, name=name),
            str(reached),
            *map(str, arguments),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    try:
        while not reached.exists():
            if process.poll() is not None:
                pytest.fail(f"ended before {module}.{name}: {process.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{module}.{name} not reached")
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    monkeypatch.delenv("TMPDIR")


def program_in(path) -> int:
    db = open_office_database(path)
    try:
        return make_program(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD), kode_wilayah="750101").id
    finally:
        db.close()


@needs_sigkill
@pytest.mark.parametrize("with_program", [True, False], ids=["program", "registry-only"])
def test_a_screen_killed_while_screening_leaves_no_list_and_runs_again(
    registry, usulan, tmp_path, monkeypatch, capsys, with_program
):
    out = tmp_path / "hasil.xlsx"
    command = [usulan, "--export", out, *(["--program", program_in(registry)] if with_program else [])]
    kill_inside(
        "app.screening.service", "screen", ["screen", "--db", registry, *command], tmp_path, monkeypatch
    )
    assert lists_and_runs(registry) == (0, 0)
    assert not out.exists()
    assert screen(registry, *command) == EXIT_OK, capsys.readouterr().err
    assert lists_and_runs(registry) == (1, 1)


@needs_sigkill
def test_a_screen_killed_while_exporting_leaves_no_personal_data_after_the_next_start(
    registry, usulan, tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "ekspor"
    folder.mkdir()
    out = folder / "hasil.xlsx"
    command = [usulan, "--program", program_in(registry), "--export", out]
    # os.fsync: the export is written whole under its hidden name, not yet renamed, nothing committed.
    kill_inside("os", "fsync", ["screen", "--db", registry, *command], tmp_path, monkeypatch)
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".hasil.xlsx.")] == []
    assert list((tmp_path / "systemp").iterdir()) == []  # xlsxwriter wrote no temporary file
    assert lists_and_runs(registry) == (0, 0)
    assert screen(registry, *command) == EXIT_OK, capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["hasil.xlsx"]  # the half file went at the start
    assert lists_and_runs(registry) == (1, 1)


def test_a_screen_whose_commit_fails_leaves_no_export_and_no_list(registry, usulan, tmp_path, monkeypatch):
    out = tmp_path / "hasil.xlsx"
    db = open_office_database(registry)
    try:
        user = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)

        def failing_commit(self) -> None:
            raise RuntimeError("disk I/O error")

        monkeypatch.setattr(UnitOfWork, "commit", failing_commit)
        with pytest.raises(RuntimeError):
            screen_file(db, user, usulan, out)
    finally:
        db.close()
    assert not out.exists()  # the results of a screening that was not recorded
    assert lists_and_runs(registry) == (0, 0)


def test_the_result_is_printed_before_the_new_matching_index_is_saved_and_the_index_is_saved(
    registry, usulan, tmp_path, capsys, monkeypatch
):
    import app.screening.registry_index as registry_index

    # An import stopped before it had prepared the index: the first screening after it builds the index.
    db = open_office_database(registry)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM registry_match_index")
    db.close()
    registry_index.CACHE.clear()
    printed_before_saving: list[str] = []
    save = registry_index.save_registry_index

    def saving(engine, index):
        printed_before_saving.append(capsys.readouterr().out)
        save(engine, index)

    monkeypatch.setattr(registry_index, "save_registry_index", saving)
    assert screen(registry, usulan, "--export", tmp_path / "hasil.csv") == EXIT_OK
    assert len(printed_before_saving) == 1
    assert "Hasil ditulis ke" in printed_before_saving[0]
    db = open_office_database(registry)
    try:
        with db.engine.connect() as connection:
            state = registry_index.registry_state(connection)
        assert registry_index.read_saved_index(db.engine, state) is not None  # the next session reads it
    finally:
        db.close()
