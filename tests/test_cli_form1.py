"""`ejps form1 list` and `ejps form1 pdf`: the desa's Form 1s listed and printed without a display."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.auth.roles import Role
from app.auth.users import create_user, login
from app.documents.form1 import create_form1
from app.office import open_office_database
from cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.app.documents.form1_data import HEAD, a_form1
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from tests.factories import DESA_TELAGA, household
from tests.test_cli_screen import office  # noqa: F401 (a fixture)

TELAGA_HEAD = household(5, DESA_TELAGA)[0]


@pytest.fixture
def forms(office):  # noqa: F811
    db = open_office_database(office)
    try:
        admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
        create_user(db.unit_of_work(), admin, "tamu", "Tamu", USER_PASSWORD, Role.GUEST, "7501")
        kayubulan = create_form1(db, admin, a_form1())
        bulila = create_form1(
            db,
            admin,
            a_form1(
                nik=TELAGA_HEAD.nik,
                no_kk=TELAGA_HEAD.no_kk,
                nama=TELAGA_HEAD.nama,
                tgl_lahir=TELAGA_HEAD.tgl_lahir,
                kode_desa=DESA_TELAGA,
                punya_ac=True,
            ),
        )
        return office, kayubulan.id, bulila.id
    finally:
        db.close()


def test_form1_list_shows_the_forms_of_a_desa(forms, capsys):
    path, _kayubulan, _bulila = forms
    assert main(["form1", "list", "--db", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert HEAD.nik in out and TELAGA_HEAD.nik in out and "tidak lolos" in out
    assert main(["form1", "list", "--db", str(path), "--desa", DESA_TELAGA]) == EXIT_OK
    out = capsys.readouterr().out
    assert TELAGA_HEAD.nik in out and HEAD.nik not in out and "Desa Bulila" in out


def test_form1_pdf_writes_a_filled_or_a_blank_form(forms, tmp_path, capsys):
    path, kayubulan, _bulila = forms
    filled, blank = tmp_path / "f1.pdf", tmp_path / "kosong.pdf"
    assert main(["form1", "pdf", "--db", str(path), "--id", str(kayubulan), str(filled)]) == EXIT_OK
    assert main(["form1", "pdf", "--db", str(path), "--blank", str(blank)]) == EXIT_OK
    assert f"Form 1 #{kayubulan} ditulis ke" in capsys.readouterr().out
    assert HEAD.nama in PdfReader(io.BytesIO(filled.read_bytes())).pages[0].extract_text()
    assert HEAD.nama not in PdfReader(io.BytesIO(blank.read_bytes())).pages[0].extract_text()


def test_form1_pdf_needs_an_id_or_blank_and_names_an_unknown_form(forms, tmp_path, capsys):
    path, *_ = forms
    with pytest.raises(SystemExit) as usage:
        main(["form1", "pdf", "--db", str(path), str(tmp_path / "x.pdf")])
    assert usage.value.code == EXIT_USAGE
    capsys.readouterr()
    assert main(["form1", "pdf", "--db", str(path), "--id", "99", str(tmp_path / "x.pdf")]) == EXIT_ERROR
    assert "Form 1 #99 tidak ditemukan" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_guest_is_refused_the_list(forms, monkeypatch, capsys):
    path, *_ = forms
    monkeypatch.setenv("EJPS_USER", "tamu")
    monkeypatch.setenv("EJPS_PASSWORD", USER_PASSWORD)
    assert main(["form1", "list", "--db", str(path)]) == EXIT_ERROR
    assert "tidak berhak" in capsys.readouterr().err
