"""The SK penetapan PDF (issue 11, Pergub 52/2020 Pasal 6 ayat 2): its text as pypdf reads it."""

from __future__ import annotations

import os
import re

import pytest
from pypdf import PdfReader

from app.documents.letterhead import office_letterhead
from app.documents.sk_content import Letterhead
from app.documents.sk_pdf import render_sk_pdf, sk_pdf_bytes
from app.errors import DomainError
from tests.app.documents.pdf_fonts_check import unembedded_fonts
from tests.app.documents.sk_samples import HASH, LETTERHEAD, NOMOR, sk_document


def pages_text(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture
def long_final_sk(tmp_path):
    path = tmp_path / "sk.pdf"
    pages = render_sk_pdf(sk_document(count=150), LETTERHEAD, path)
    return path, pages


def test_the_decree_names_its_number_program_value_total_and_signatory(long_final_sk):
    path, _pages = long_final_sk
    first = " ".join(pages_text(path)[:2])
    for expected in (
        "KEPUTUSAN KEPALA DINAS SOSIAL KABUPATEN GORONTALO",
        f"NOMOR {NOMOR}",
        "DENGAN RAHMAT TUHAN YANG MAHA ESA",
        "Menimbang",
        "Mengingat",
        "MEMUTUSKAN:",
        "KESATU",
        "sebanyak 150 (seratus lima puluh) orang",
        "Rp1.500.000 (satu juta lima ratus ribu rupiah)",
        "Rp225.000.000 (dua ratus dua puluh lima juta rupiah)",
        "sebagaimana tercantum dalam Lampiran",
        "pada tanggal 5 Maret 2026",
        "Drs. HARIS TAMBIPI, M.Si",
        "NIP. 19700115 199803 1 011",
        "PEMERINTAH KABUPATEN GORONTALO",
    ):
        assert expected in re.sub(r"\s+", " ", first), expected


def test_every_page_says_its_number_of_all_pages_and_carries_the_hash_of_a_final_sk(long_final_sk):
    path, pages = long_final_sk
    texts = pages_text(path)
    assert len(texts) == pages and pages >= 5
    for number, text in enumerate(texts, start=1):
        assert f"Halaman {number} dari {pages}" in text
        assert HASH in text
        assert "DRAF" not in text


def test_the_lampiran_repeats_its_column_header_on_every_page_and_ends_with_the_total(long_final_sk):
    path, _pages = long_final_sk
    texts = pages_text(path)
    lampiran = [text for text in texts if "Nilai (Rp)" in text]
    assert "LAMPIRAN" in lampiran[0] and f": {NOMOR}" in lampiran[0]
    # every page from the lampiran's first to the last has the header
    assert len(lampiran) == len(texts) - texts.index(lampiran[0]) >= 3
    for text in lampiran:
        assert re.search(r"No\s+NIK\s+Nama\s+Alamat\s+Desa/Kel\.\s+Kecamatan\s+Nilai \(Rp\)", text)
    assert "SITI NURHAYATI LASENA" in lampiran[0] and "PENERIMA NOMOR 150" in lampiran[-1]
    assert "JUMLAH (150 orang)" in lampiran[-1] and "225.000.000" in lampiran[-1]


def test_indonesian_names_keep_every_letter_in_an_embedded_font(long_final_sk):
    path, _pages = long_final_sk
    reader = PdfReader(path)
    assert "NI'MA ŞÜKRÜ AKUBA" in " ".join(pages_text(path))
    for page in (reader.pages[0], reader.pages[-1]):
        fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
        assert {font["/Subtype"] for font in fonts} == {"/TrueType"}  # no Helvetica named but not embedded
        assert all("/FontFile2" in font["/FontDescriptor"] for font in fonts)  # embedded


def test_every_page_of_a_final_and_of_a_draft_sk_embeds_every_font_it_names(long_final_sk, tmp_path):
    draft = tmp_path / "draf.pdf"
    render_sk_pdf(sk_document(count=40, final=False, tanggal=None), LETTERHEAD, draft)
    assert unembedded_fonts(long_final_sk[0]) == set()
    assert unembedded_fonts(draft) == set()


def test_a_draft_is_marked_draf_on_every_page_and_has_no_hash(tmp_path):
    path = tmp_path / "draf.pdf"
    pages = render_sk_pdf(sk_document(count=80, final=False, tanggal=None), LETTERHEAD, path)
    for number, text in enumerate(pages_text(path), start=1):
        assert "DRAF — belum final, bukan untuk ditandatangani" in text  # the footer
        assert text.count("DRAF") >= 2  # and the large mark across the page
        assert f"Halaman {number} dari {pages}" in text
        assert "Hash isi" not in text
    assert "pada tanggal ...................." in pages_text(path)[0] + pages_text(path)[1]


def test_the_kop_surat_shows_the_logo_and_lines_centred_above_a_double_rule(tmp_path):
    path = tmp_path / "sk.pdf"
    render_sk_pdf(sk_document(), LETTERHEAD, path)
    first = PdfReader(path).pages[0]
    assert "DINAS SOSIAL" in first.extract_text()
    assert len(first.images) == 1
    # without a logo, no picture
    render_sk_pdf(sk_document(), Letterhead("PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL"), path)
    assert len(PdfReader(path).pages[0].images) == 0


def test_the_file_is_readable_by_its_owner_only_and_nothing_else_is_left_beside_it(tmp_path):
    folder = tmp_path / "keluar"
    folder.mkdir()
    path = folder / "sk.pdf"
    render_sk_pdf(sk_document(), LETTERHEAD, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in folder.iterdir()] == ["sk.pdf"]


def test_a_total_that_differs_from_the_lampiran_is_refused_and_no_file_is_written(tmp_path):
    path = tmp_path / "sk.pdf"
    with pytest.raises(DomainError, match="tidak sama dengan jumlah nilai lampirannya"):
        render_sk_pdf(sk_document(count=3, total_nilai=1_000), LETTERHEAD, path)
    assert not path.exists()


def test_an_sk_without_recipients_still_prints_its_lampiran(tmp_path):
    rendered = sk_pdf_bytes(sk_document(count=0), LETTERHEAD)
    path = tmp_path / "kosong.pdf"
    path.write_bytes(rendered.data)
    assert "(belum ada penerima)" in pages_text(path)[-1]


def test_the_default_letterhead_names_the_office_region(office_db):
    letterhead = office_letterhead(office_db)
    assert (letterhead.baris_1, letterhead.baris_2) == ("PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL")


def test_the_signature_follows_the_last_diktum_on_the_same_page_when_there_is_room(tmp_path):
    path = tmp_path / "sk.pdf"
    render_sk_pdf(sk_document(count=3), LETTERHEAD, path)
    texts = [re.sub(r"\s+", " ", text) for text in pages_text(path)]
    ketiga = next(n for n, text in enumerate(texts) if "KETIGA" in text)
    signed = next(n for n, text in enumerate(texts) if "Ditetapkan di" in text)
    # The signature block once began a page of its own, below a page left half empty.
    assert signed == ketiga
    assert "KEEMPAT" in texts[signed]
