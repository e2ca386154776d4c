"""The six-monthly report (Pergub 52/2020 Pasal 7 ayat 4) as PDF and XLSX, read back."""

from __future__ import annotations

import openpyxl
import pytest
from pypdf import PdfReader

from app.auth.users import login
from app.documents.semester_report import write_semester_report
from app.errors import DomainError, Forbidden
from db.models import Office
from tests.app.documents.pdf_fonts_check import unembedded_fonts
from tests.app.screening.test_programs import make_outsider
from tests.conftest import USER_PASSWORD


@pytest.fixture
def office_db(monitoring_copy):
    return monitoring_copy[0]


@pytest.fixture
def operator(office_db):
    return login(office_db.unit_of_work(), "operator", USER_PASSWORD)


@pytest.fixture
def data(office_db, monitoring_copy):
    with office_db.unit_of_work().writing() as uow:
        office = uow.session.query(Office).one()
        office.kop_baris_1, office.kop_baris_2 = "PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL"
        office.kop_alamat = "Jl. Ahmad A. Wahab No. 1, Limboto"
        uow.commit()
    return monitoring_copy[1]


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_has_letterhead_title_tables_totals_and_page_numbers(office_db, operator, data, tmp_path):
    path = tmp_path / "laporan.pdf"
    result = write_semester_report(office_db, operator, "2026-1", path)
    assert (result.format, result.programs) == ("pdf", 2)
    text = pdf_text(path)
    pages = len(PdfReader(path).pages)
    for expected in (
        "PEMERINTAH KABUPATEN GORONTALO",
        "DINAS SOSIAL",
        "LAPORAN MONITORING DAN EVALUASI SEMESTER I TAHUN 2026",
        "1 Januari – 30 Juni 2026",
        "Sembako Lansia — APBD Kabupaten/Kota — tahun 2026",
        "PKH Daerah — APBN",
        "A. Ketercapaian pelaksanaan kegiatan sesuai target",
        "B. Ketepatan sasaran penerima manfaat",
        "C. Konsistensi nama penerima dengan SK penetapan",
        "Kec. Limboto",
        "1.200.000",  # Limboto's SK value
        "2.000.000",  # everything served
        f"Halaman 1 dari {pages}",
    ):
        assert expected in text, expected
    assert "Program Lama" not in text  # a 2025 program


def test_pdf_embeds_every_font_it_names(office_db, operator, data, tmp_path):
    path = tmp_path / "laporan.pdf"
    write_semester_report(office_db, operator, "2026-1", path)
    assert unembedded_fonts(path) == set()


def test_pdf_of_second_semester_says_so(office_db, operator, data, tmp_path):
    path = tmp_path / "laporan.pdf"
    write_semester_report(office_db, operator, "2026-2", path)
    assert "SEMESTER II TAHUN 2026" in pdf_text(path)


def test_xlsx_has_a_sheet_per_section_with_numbers_as_numbers(office_db, operator, data, tmp_path):
    path = tmp_path / "laporan.xlsx"
    result = write_semester_report(office_db, operator, "2026-1", path)
    assert result.format == "xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Capaian",
        "Per wilayah",
        "Ketepatan SK",
        "Ketepatan realisasi",
        "Konsistensi",
    ]
    rows = [row for row in workbook["Capaian"].iter_rows(values_only=True) if row[0] == "Sembako Lansia"]
    limboto = next(row for row in rows if row[1] == "Kec. Limboto")
    # Program, region, kuota, SK, served, served this semester, %, SK value, served value, %, physical
    assert limboto[:10] == ("Sembako Lansia", "Kec. Limboto", 6, 4, 3, 3, 75, 1_200_000, 1_100_000, 91.7)
    total = next(row for row in rows if row[1] == "Jumlah")
    assert total[2:5] == (10, 6, 5)
    consistency = {
        row[1]: row[2:]
        for row in workbook["Konsistensi"].iter_rows(values_only=True)
        if row[0] == "Sembako Lansia"
    }
    assert consistency["Kec. Telaga"] == (1, 1, 1, 1, 0)
    accuracy = next(
        row
        for row in workbook["Ketepatan SK"].iter_rows(values_only=True)
        if row[:2] == ("Sembako Lansia", "Kec. Limboto")
    )
    assert accuracy[2:14] == (4, 75, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)


def test_report_is_scoped_to_the_kecamatan_operator(office_db, kecamatan_operator, data, tmp_path):
    path = tmp_path / "limboto.xlsx"
    write_semester_report(office_db, kecamatan_operator, "2026-1", path)
    regions = {
        row[1] for row in openpyxl.load_workbook(path)["Capaian"].iter_rows(min_row=6, values_only=True)
    }
    assert "Kec. Telaga" not in regions and "Kel. Kayubulan" in regions


def test_guest_and_operator_of_another_kabupaten_get_no_report_of_this_one(
    office_db, admin, guest, data, tmp_path
):
    with pytest.raises(Forbidden):
        write_semester_report(office_db, guest, "2026-1", tmp_path / "x.pdf")
    outsider = make_outsider(office_db, admin)
    write_semester_report(office_db, outsider, "2026-1", tmp_path / "boalemo.xlsx")
    text = [
        row
        for row in openpyxl.load_workbook(tmp_path / "boalemo.xlsx")["Capaian"].iter_rows(values_only=True)
    ]
    assert not any(row[0] == "Sembako Lansia" for row in text)
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("name", ["laporan.docx", "laporan"])
def test_other_file_kinds_are_refused_naming_the_file(office_db, operator, data, tmp_path, name):
    with pytest.raises(DomainError, match=name):
        write_semester_report(office_db, operator, "2026-1", tmp_path / name)


def test_a_heading_goes_over_to_the_next_page_with_what_it_heads():
    from app.documents.semester_report_pdf import PROGRAM, SECTION

    # "Penerima menurut realisasi" once ended a page of the demo's report, its table on the next.
    assert SECTION.keepWithNext and PROGRAM.keepWithNext
