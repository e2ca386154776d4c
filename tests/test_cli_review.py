"""`ejps program list`, `ejps list show|delete` and `ejps review nik-slips`: a screened list read, removed and
reviewed without a display, through the same services the GUI uses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.users import login
from app.office import open_office_database
from cli import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, main
from db.models import AuditEntry, Proposal, ProposalList
from tests.app.screening.test_engine import LIMBOTO, NOT_REGISTERED, proposal, write_proposals
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD
from tests.test_cli_screen import office, registry  # noqa: F401 (fixtures)

WRITTEN = LIMBOTO[10].nik[:-1] + "3"  # one digit off the registered NIK


@pytest.fixture
def screened(registry, tmp_path, capsys):  # noqa: F811
    db = open_office_database(registry)
    try:
        make_program(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD))
    finally:
        db.close()
    usulan = write_proposals(
        tmp_path / "usulan_kayubulan.csv",
        [proposal(LIMBOTO[0]), proposal(LIMBOTO[10], NIK=WRITTEN), NOT_REGISTERED],
    )
    assert (
        main(
            [
                "screen",
                "--db",
                str(registry),
                str(usulan),
                "--program",
                "1",
                "--export",
                str(tmp_path / "h.csv"),
            ]
        )
        == EXIT_OK
    )
    capsys.readouterr()
    return registry


def run(office_path, *args) -> int:  # noqa: F811
    return main([*args[:2], "--db", str(office_path), *map(str, args[2:])])


def database_rows(path, query):
    db = open_office_database(path)
    try:
        with db.sessions() as session:
            return list(session.execute(query).all())
    finally:
        db.close()


def test_program_list_prints_the_programs_of_the_region(screened, capsys):
    assert run(screened, "program", "list") == EXIT_OK
    printed = capsys.readouterr().out
    assert "Nama program" in printed and "Bantuan" in printed
    assert run(screened, "program", "list", "--year", 1999) == EXIT_OK
    assert "Belum ada program" in capsys.readouterr().out


def test_list_show_prints_the_lists_then_one_list_with_its_rows(screened, capsys):
    assert run(screened, "list", "show") == EXIT_OK
    assert "usulan_kayubulan" in capsys.readouterr().out
    assert run(screened, "list", "show", 1) == EXIT_OK
    printed = capsys.readouterr().out
    assert "Daftar usulan #1: usulan_kayubulan" in printed
    assert "3 (1 lolos, 1 tidak lolos, 1 perlu cek)" in printed
    assert f"{WRITTEN} {LIMBOTO[10].nik}" in printed and "NIK_SALAH_KETIK" in printed
    assert run(screened, "list", "show", 1, "--hasil", "LOLOS") == EXIT_OK
    printed = capsys.readouterr().out
    assert LIMBOTO[0].nik in printed and WRITTEN not in printed


def test_review_nik_slips_prints_what_it_changes_and_takes_the_registered_nik(screened, capsys):
    assert run(screened, "review", "nik-slips", 1, "--yes") == EXIT_OK
    printed = capsys.readouterr().out
    assert f"{WRITTEN} {LIMBOTO[10].nik}" in printed and LIMBOTO[10].nama in printed
    assert "NIK salah ketik  " + WRITTEN in printed and "(1 salah ketik, 0 tidak sah)" in printed
    assert "NIK terdaftar diambil untuk 1 baris." in printed
    assert database_rows(
        screened, select(Proposal.nik, Proposal.nik_tertulis).where(Proposal.baris == 3)
    ) == [(LIMBOTO[10].nik, WRITTEN)]
    assert run(screened, "list", "show", 1) == EXIT_OK
    assert f"[NIK tertulis {WRITTEN}]" in capsys.readouterr().out
    # Nothing left to take: exit status 3, nothing changed.
    assert run(screened, "review", "nik-slips", 1, "--yes") == EXIT_NOTHING


def test_review_nik_slips_without_yes_and_no_terminal_changes_nothing(screened, capsys):
    assert run(screened, "review", "nik-slips", 1) == EXIT_NOTHING
    assert "--yes" in capsys.readouterr().out
    assert database_rows(screened, select(Proposal.nik).where(Proposal.baris == 3)) == [(WRITTEN,)]


def test_review_nik_slips_refuses_a_probability_outside_0_and_1(screened, capsys):
    assert run(screened, "review", "nik-slips", 1, "--min-probability", 2, "--yes") == EXIT_ERROR
    assert "antara 0 dan 1" in capsys.readouterr().err


def test_list_delete_removes_the_list_and_audits_it(screened, capsys):
    assert run(screened, "list", "delete", 1, "--reason", "dikirim ulang oleh desa", "--yes") == EXIT_OK
    assert "Daftar usulan #1 dihapus." in capsys.readouterr().out
    [(deleted_at,)] = database_rows(screened, select(ProposalList.deleted_at))
    assert deleted_at is not None
    [(after,)] = database_rows(
        screened, select(AuditEntry.after).where(AuditEntry.action == "proposal_list.delete")
    )
    assert after == {"reason": "dikirim ulang oleh desa"}
    assert run(screened, "list", "show", 1) == EXIT_ERROR
    assert "tidak ditemukan" in capsys.readouterr().err


def test_list_delete_refuses_a_list_in_an_sk(screened, capsys):
    db = open_office_database(screened)
    try:
        with db.sessions() as session, session.begin():
            session.get(ProposalList, 1).status = "in_sk"
    finally:
        db.close()
    assert run(screened, "list", "delete", 1, "--yes") == EXIT_ERROR
    assert "sudah masuk SK penetapan" in capsys.readouterr().err
    [(deleted_at,)] = database_rows(screened, select(ProposalList.deleted_at))
    assert deleted_at is None
