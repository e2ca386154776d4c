"""Form 1 printed: filled for signature, blank for a home visit; one A4 page where it fits."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from app.documents.form1 import create_form1
from app.documents.form1_checks import AnggotaInput
from app.documents.form1_pdf import write_form1_pdf
from app.errors import Forbidden
from tests.app.documents.form1_data import CHILD, HEAD, WIFE, a_form1
from tests.app.documents.pdf_fonts_check import unembedded_fonts
from tests.app.screening.test_programs import make_outsider

PRINTED = date(2026, 3, 2)


def text_of(path) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    # Words of a wrapped cell come out on separate lines: compared as one spaced text.
    return len(reader.pages), " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_filled_form_shows_the_registrant_the_members_and_the_skrining_on_one_page(
    office_db, operator, tmp_path
):
    form = create_form1(office_db, operator, a_form1())
    pages, text = text_of(write_form1_pdf(office_db, operator, tmp_path / "f1.pdf", form.id, today=PRINTED))
    assert pages == 1
    flat = text.replace(" ", "").replace("\n", "")
    assert HEAD.nik in flat and HEAD.no_kk in flat  # one digit per box
    for expected in (HEAD.nama, WIFE.nama, CHILD.nama, WIFE.nik, "Kel. Kayubulan, Kec. Limboto"):
        assert expected in text, expected
    assert "FORMULIR REGISTRASI STANDAR (FORM 1)" in text
    assert "KABUPATEN GORONTALO" in text  # no letterhead set: the office's name
    assert "Lolos skrining awal: 2 dari 5" in text
    assert "Mengetahui," in text and "Kepala Desa/Lurah" in text and "Rahmat Hulopi" in text
    assert "halaman 1 dari 1" in text


def test_a_blank_form_has_every_label_and_no_personal_data(office_db, operator, tmp_path):
    create_form1(office_db, operator, a_form1())
    pages, text = text_of(write_form1_pdf(office_db, operator, tmp_path / "kosong.pdf", today=PRINTED))
    assert pages == 1
    for label in (
        "NIK",
        "No. KK",
        "Nama lengkap",
        "Tempat, tanggal lahir",
        "Jenis kelamin",
        "RT / RW",
        "Nomor telepon/HP",
        "Pasif (kunjungan rumah)",
        "Pemohon SKTM",
        "surat pernyataan domisili",
        "Rumah tangga memiliki tabung gas lebih dari 5,5 kg",
        "Hubungan dengan KRT",
        "Pendaftar / Kepala Rumah Tangga",
        "Petugas Pendaftar",
        "formulir kosong",
    ):
        assert label in text, label
    assert HEAD.nama not in text and HEAD.nik not in text.replace(" ", "").replace("\n", "")
    assert "skrining awal menurut isian" not in text


def test_filled_and_blank_forms_embed_every_font_they_name(office_db, operator, tmp_path):
    form = create_form1(office_db, operator, a_form1())
    filled = write_form1_pdf(office_db, operator, tmp_path / "f1.pdf", form.id, today=PRINTED)
    blank = write_form1_pdf(office_db, operator, tmp_path / "kosong.pdf", today=PRINTED)
    assert unembedded_fonts(filled) == set()
    assert unembedded_fonts(blank) == set()


def test_a_household_of_many_members_continues_on_a_second_page_with_the_header_again(
    office_db, operator, tmp_path
):
    many = tuple(AnggotaInput(f"ANGGOTA KE {n}", hubungan="ANAK", pendidikan="SD") for n in range(1, 31))
    form = create_form1(office_db, operator, a_form1(anggota=many))
    pages, text = text_of(write_form1_pdf(office_db, operator, tmp_path / "f1.pdf", form.id, today=PRINTED))
    assert pages == 2 and "ANGGOTA KE 30" in text and "halaman 2 dari 2" in text
    assert text.count("Hubungan dengan KRT") == 2


def test_the_office_letterhead_heads_the_form_when_set(office_db, operator, tmp_path):
    from db.models import Office

    with office_db.sessions() as session, session.begin():
        office = session.query(Office).one()
        office.kop_baris_1 = "PEMERINTAH KABUPATEN GORONTALO"
        office.kop_baris_2 = "DINAS SOSIAL"
        office.kop_alamat = "Jl. Jenderal Sudirman, Limboto"
    _pages, text = text_of(write_form1_pdf(office_db, operator, tmp_path / "kosong.pdf", today=PRINTED))
    assert "PEMERINTAH KABUPATEN GORONTALO" in text and "DINAS SOSIAL" in text


def test_printing_is_refused_to_a_guest_and_to_an_operator_of_another_region(
    office_db, admin, operator, guest, tmp_path
):
    form = create_form1(office_db, operator, a_form1())
    for user in (guest, make_outsider(office_db, admin)):
        with pytest.raises(Forbidden):
            write_form1_pdf(office_db, user, tmp_path / "f1.pdf", form.id)
    with pytest.raises(Forbidden):
        write_form1_pdf(office_db, guest, tmp_path / "kosong.pdf")
    assert not list(tmp_path.glob("*.pdf"))
