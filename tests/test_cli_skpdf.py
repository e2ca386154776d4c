"""`ejps sk pdf ID OUT.pdf`: the SK penetapan printed headless, with the office's letterhead."""

from __future__ import annotations

import os

from pypdf import PdfReader

from app.auth.roles import Role
from app.auth.users import login
from app.office import open_office_database
from cli import EXIT_ERROR, EXIT_OK, main
from tests.app.documents.sk_samples import NOMOR, stored_sk
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, make_user
from tests.test_cli_screen import office  # noqa: F401 (a fixture)


def test_sk_pdf_writes_the_decree_and_its_lampiran(office, tmp_path, capsys):  # noqa: F811
    db = open_office_database(office)
    sk_id = stored_sk(db)
    db.close()
    out = tmp_path / "sk.pdf"
    assert main(["sk", "pdf", "--db", str(office), str(sk_id), str(out)]) == EXIT_OK
    said = capsys.readouterr().out
    assert f"SK {NOMOR} (2 penerima, draf) ditulis ke {out}" in said
    reader = PdfReader(out)
    assert f"{len(reader.pages)} halaman" in said
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "PEMERINTAH KABUPATEN GORONTALO" in text and "SITI LASENA" in text
    assert "7501xxxxxxxx0001" in text and "7501015207600001" not in text
    assert os.stat(out).st_mode & 0o777 == 0o600


def test_sk_pdf_of_an_unknown_sk_or_for_a_guest_fails_with_a_message(office, tmp_path, capsys, monkeypatch):  # noqa: F811
    db = open_office_database(office)
    sk_id = stored_sk(db)
    make_user(db, login(db.unit_of_work(), "admin", ADMIN_PASSWORD), "tamu", Role.GUEST, "7501")
    db.close()
    out = tmp_path / "sk.pdf"
    assert main(["sk", "pdf", "--db", str(office), "999", str(out)]) == EXIT_ERROR
    assert "SK penetapan #999 tidak ditemukan" in capsys.readouterr().err
    monkeypatch.setenv("EJPS_USER", "tamu")
    monkeypatch.setenv("EJPS_PASSWORD", USER_PASSWORD)
    assert main(["sk", "pdf", "--db", str(office), str(sk_id), str(out)]) == EXIT_ERROR
    assert "Peran guest tidak berhak" in capsys.readouterr().err
    assert not out.exists()
