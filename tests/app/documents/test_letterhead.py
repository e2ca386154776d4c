"""The office's kop surat: set by an admin of the office's region only, the logo checked and kept as PNG."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from app.auth.roles import Role
from app.documents.letterhead import letterhead_settings, office_letterhead, update_letterhead
from app.errors import DomainError, Forbidden
from db.models import AuditEntry
from tests.app.documents.sk_samples import logo_png
from tests.conftest import make_user


def test_an_admin_sets_the_lines_the_logo_and_whole_niks_in_one_audited_change(office_db, admin, tmp_path):
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(logo_png(size=(1200, 1500), image_format="JPEG"))
    update_letterhead(
        office_db, admin, " Pemerintah Kabupaten Gorontalo ", "Dinas Sosial", "Jl. Sudirman No. 1", logo, True
    )
    letterhead = office_letterhead(office_db)
    assert (letterhead.baris_1, letterhead.baris_2, letterhead.alamat) == (
        "Pemerintah Kabupaten Gorontalo",
        "Dinas Sosial",
        "Jl. Sudirman No. 1",
    )
    picture = Image.open(io.BytesIO(letterhead.logo_png))
    assert picture.format == "PNG" and max(picture.size) <= 600  # a JPEG, converted and scaled down
    assert letterhead_settings(office_db).nik_penuh_di_dokumen is True
    with office_db.unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "office.letterhead")).one()
        assert entry.username == "admin" and entry.after["nik_penuh_di_dokumen"] is True
        assert entry.after["logo_png"].endswith("bytes")  # the size, not the picture


def test_without_a_new_logo_the_stored_one_stays_and_can_be_removed(office_db, admin, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(logo_png())
    update_letterhead(office_db, admin, "", "", "", logo, False)
    update_letterhead(office_db, admin, "", "", "Jl. Baru", None, False)
    assert office_letterhead(office_db).logo_png is not None
    update_letterhead(office_db, admin, "", "", "Jl. Baru", None, False, remove_logo=True)
    assert office_letterhead(office_db).logo_png is None


def test_empty_lines_print_the_office_region_defaults(office_db, admin):
    update_letterhead(office_db, admin, "", "", "", None, False)
    letterhead = office_letterhead(office_db)
    assert (letterhead.baris_1, letterhead.baris_2) == ("PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL")


@pytest.mark.parametrize("content", [b"GIF89a" + b"\0" * 64, b"bukan gambar", b""])
def test_a_logo_that_is_not_a_png_or_jpeg_is_refused_naming_the_file(office_db, admin, tmp_path, content):
    logo = tmp_path / "logo.gif"
    logo.write_bytes(content)
    with pytest.raises(DomainError, match="logo.gif") as refused:
        update_letterhead(office_db, admin, "A", "B", "", logo, False)
    assert "PNG atau JPEG" in str(refused.value)
    assert office_letterhead(office_db).baris_1 == "PEMERINTAH KABUPATEN GORONTALO"  # nothing changed


def test_a_real_gif_is_refused_as_a_gif(office_db, admin, tmp_path):
    logo = tmp_path / "logo.gif"
    Image.new("RGB", (10, 10)).save(logo, "GIF")
    with pytest.raises(DomainError, match="berformat GIF"):
        update_letterhead(office_db, admin, "A", "B", "", logo, False)


def test_a_missing_logo_file_and_an_overlong_line_are_refused(office_db, admin, tmp_path):
    with pytest.raises(DomainError, match="tidak ditemukan"):
        update_letterhead(office_db, admin, "A", "B", "", tmp_path / "tidak-ada.png", False)
    with pytest.raises(DomainError, match="Alamat: 301 karakter, paling banyak 300"):
        update_letterhead(office_db, admin, "A", "B", "x" * 301, None, False)


def test_an_operator_and_a_guest_cannot_change_the_letterhead(office_db, operator, guest):
    for user in (operator, guest):
        with pytest.raises(Forbidden):
            update_letterhead(office_db, user, "A", "B", "", None, True)
    assert letterhead_settings(office_db).nik_penuh_di_dokumen is False


def test_an_admin_of_one_kecamatan_cannot_change_the_kabupaten_letterhead(office_db, admin):
    kecamatan_admin = make_user(office_db, admin, "admin_limboto", Role.ADMIN, "750101")
    with pytest.raises(Forbidden, match="7501"):
        update_letterhead(office_db, kecamatan_admin, "A", "B", "", None, True)
