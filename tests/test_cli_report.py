"""`ejps report semester`: the six-monthly report headless."""

from __future__ import annotations

import openpyxl
import pytest
from pypdf import PdfReader

from cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.app.documents.monitoring_data import build_monitoring_data
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD


@pytest.fixture
def office(office_db, operator, guest, monkeypatch):
    data = build_monitoring_data(office_db, operator)
    path = office_db.path
    office_db.close()
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)
    return path, data


def test_semester_report_to_pdf_and_xlsx(office, tmp_path, capsys):
    path, data = office
    pdf, xlsx = tmp_path / "laporan.pdf", tmp_path / "laporan.xlsx"
    assert main(["--db", str(path), "report", "semester", "2026-1", str(pdf)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Laporan Monitoring dan Evaluasi Semester I Tahun 2026 ditulis ke" in out and "2 program" in out
    assert "Sembako Lansia" in PdfReader(pdf).pages[0].extract_text()
    assert (
        main(["report", "semester", "--db", str(path), "2026-2", str(xlsx), "--program", str(data.pkh)]) == 0
    )
    programs = {
        row[0] for row in openpyxl.load_workbook(xlsx)["Capaian"].iter_rows(min_row=6, values_only=True)
    }
    assert programs == {"PKH Daerah", "Semua program"}


def test_bad_semester_and_file_kind_exit_1_with_the_reason_and_write_nothing(office, tmp_path, capsys):
    path, _data = office
    assert main(["--db", str(path), "report", "semester", "2026-3", str(tmp_path / "a.pdf")]) == EXIT_ERROR
    assert "2026-3" in capsys.readouterr().err
    assert main(["--db", str(path), "report", "semester", "2026-1", str(tmp_path / "a.docx")]) == EXIT_ERROR
    assert "a.docx" in capsys.readouterr().err
    assert list(tmp_path.glob("a.*")) == []


def test_guest_is_refused_the_report(office, tmp_path, capsys, monkeypatch):
    path, _data = office
    monkeypatch.setenv("EJPS_USER", "tamu")
    monkeypatch.setenv("EJPS_PASSWORD", USER_PASSWORD)
    assert main(["--db", str(path), "report", "semester", "2026-1", str(tmp_path / "a.pdf")]) == EXIT_ERROR
    assert "tidak berhak" in capsys.readouterr().err


def test_missing_output_is_wrong_usage(office):
    with pytest.raises(SystemExit) as stop:
        main(["report", "semester", "2026-1"])
    assert stop.value.code == EXIT_USAGE
