"""`ejps sk list`, `ejps sk finalise ID`, `ejps import sk FILE --program ID`: the SK use cases without a display,
with honest exit statuses and the refusals in words."""

from __future__ import annotations

import pytest

from app.documents import sk as sk_service
from cli import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, main
from tests.app.documents.sk.conftest import LIST_A, SIGNED, screened_list
from tests.app.screening.test_engine import (
    LIMBOTO,
    REGISTRY,
    TELAGA,
    import_registry,
    proposal,
    registry_dtks,
    write_proposals,
)
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture(autouse=True)
def as_admin(monkeypatch):
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)


def ejps(office_db, *args) -> int:
    command, rest = args[0], args[1:]
    return main([command, "--db", str(office_db.path), *map(str, rest)])


@pytest.fixture
def program(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    return make_program(office_db, operator, kuota=0)


@pytest.fixture
def draft(office_db, operator, program, tmp_path):
    list_id = screened_list(office_db, operator, tmp_path, LIST_A, program.id, "usulan")
    return sk_service.draft_sk(office_db, operator, program.id, [list_id]).summary.id


def test_sk_finalise_freezes_a_complete_draft_and_prints_its_hash(office_db, operator, draft, capsys):
    sk_service.update_sk(office_db, operator, draft, **SIGNED)
    assert ejps(office_db, "sk", "finalise", draft, "--yes") == EXIT_OK
    out = capsys.readouterr().out
    detail = sk_service.sk_detail(office_db, operator, draft)
    assert detail.summary.status == "final" and detail.summary.hash_isi in out
    assert "4 penerima, total Rp 1.200.000" in out


def test_sk_finalise_says_why_it_refuses_and_changes_nothing(office_db, operator, draft, capsys):
    sk_service.update_sk(office_db, operator, draft, **SIGNED | {"penandatangan_nip": ""})
    assert ejps(office_db, "sk", "finalise", draft, "--yes") == EXIT_ERROR
    assert "belum memiliki NIP" in capsys.readouterr().err
    assert sk_service.sk_detail(office_db, operator, draft).summary.status == "draft"


def test_sk_finalise_without_yes_and_without_a_terminal_changes_nothing(office_db, operator, draft, capsys):
    sk_service.update_sk(office_db, operator, draft, **SIGNED)
    assert ejps(office_db, "sk", "finalise", draft) == EXIT_NOTHING
    assert sk_service.sk_detail(office_db, operator, draft).summary.status == "draft"


def test_import_sk_makes_a_final_sk_that_sk_list_shows(office_db, operator, program, tmp_path, capsys):
    path = write_proposals(tmp_path / "sk_kemensos.csv", [proposal(LIMBOTO[0]), proposal(TELAGA[0])])
    code = ejps(
        office_db,
        "import",
        "sk",
        path,
        "--program",
        program.id,
        "--nomor",
        "01/KEP/2025",
        "--tanggal",
        "02-01-2025",
    )
    assert code == EXIT_OK
    assert "SK 01/KEP/2025 diimpor sebagai SK #1 (final): 2 baris, 2 dipadankan" in capsys.readouterr().out
    assert ejps(office_db, "sk", "list", "--program", program.id) == EXIT_OK
    listed = capsys.readouterr().out
    assert "01/KEP/2025" in listed and "Final" in listed and "Diimpor" in listed and "600.000" in listed


def test_import_sk_without_a_program_is_wrong_usage(office_db, program, tmp_path, capsys):
    path = write_proposals(tmp_path / "sk.csv", [proposal(LIMBOTO[0])])
    assert ejps(office_db, "import", "sk", path, "--nomor", "1", "--tanggal", "02-01-2025") == EXIT_USAGE
    assert "--program" in capsys.readouterr().out


def test_sk_list_without_sks_says_so(office_db, capsys):
    assert ejps(office_db, "sk", "list") == EXIT_OK
    assert "Belum ada SK penetapan" in capsys.readouterr().out
