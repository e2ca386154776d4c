"""The monitoring page with real widgets: filters, charts, the numbers table, and the semester report saved."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCharts import QBarSeries

from app.auth.users import login
from app.documents.monitoring import Semester
from tests.conftest import USER_PASSWORD
from ui.documents.monitoring_page import MonitoringPage
from ui.main_window import MainWindow


@pytest.fixture
def office_db(monitoring_copy):
    return monitoring_copy[0]


@pytest.fixture
def operator(office_db):
    return login(office_db.unit_of_work(), "operator", USER_PASSWORD)


@pytest.fixture
def data(monitoring_copy):
    return monitoring_copy[1]


def open_page(qtbot, office_db, user, semester="2026-1") -> MonitoringPage:
    page = MonitoringPage(office_db, user, load_now=False)
    qtbot.addWidget(page)
    page.resize(1166, 700)
    page.show()
    page.semester_filter.setCurrentIndex(page.semester_filter.findData(semester))
    page.refresh()
    counted(qtbot, page)
    return page


def counted(qtbot, page) -> None:
    """The figures are counted in the background: wait until the last change is shown."""
    qtbot.waitUntil(lambda: not page.busy and not page.stale, timeout=20_000)


def table_rows(page) -> dict[str, list[str]]:
    table = page.table
    return {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, table.columnCount())]
        for r in range(table.rowCount())
    }


def bar_values(view) -> dict[str, list[float]]:
    series = next(s for s in view.chart().series() if isinstance(s, QBarSeries))
    return {bar.label(): [bar.at(i) for i in range(bar.count())] for bar in series.barSets()}


def test_dashboard_shows_figures_per_kecamatan_and_charts(qtbot, office_db, operator, data):
    page = open_page(qtbot, office_db, operator)
    rows = table_rows(page)
    assert list(rows) == ["Kec. Limboto", "Kec. Telaga", "Jumlah"]
    assert rows["Kec. Limboto"][:4] == ["6", "5", "3", "60\u00a0%"]
    assert rows["Jumlah"][8:13] == ["1", "3", "2", "1", "1"]  # consistency, as the report counts it
    assert page.cards["target"].value.text() == "7"
    # All programs: target against achievement per program; accuracy by desil of everyone.
    assert bar_values(page.achievement_chart) == {"Penerima SK": [1.0, 6.0], "Tersalur": [0.0, 5.0]}
    accuracy = bar_values(page.accuracy_chart)
    assert accuracy["Penerima SK"][:3] == [1.0, 2.0, 1.0] and accuracy["Penerima realisasi"][-1] == 1.0


def test_filters_narrow_to_one_program_region_and_source(qtbot, office_db, operator, data):
    page = open_page(qtbot, office_db, operator)
    page.program_filter.setCurrentIndex(page.program_filter.findData(data.sembako))
    counted(qtbot, page)
    assert bar_values(page.achievement_chart) == {"Penerima SK": [4.0, 2.0], "Tersalur": [3.0, 2.0]}
    page.region_filter.setCurrentIndex(page.region_filter.findData("750102"))
    counted(qtbot, page)
    assert list(table_rows(page)) == ["Desa Bulila", "Jumlah"]
    page.region_filter.setCurrentIndex(0)
    page.source_filter.setCurrentIndex(page.source_filter.findData("APBN"))
    counted(qtbot, page)
    assert [page.program_filter.itemText(i) for i in range(page.program_filter.count())] == [
        "Semua program",
        "PKH Daerah",
    ]
    assert page.cards["target"].value.text() == "1"


def test_other_semester_and_a_year_without_programs(qtbot, office_db, operator, data):
    page = open_page(qtbot, office_db, operator, "2026-2")
    assert table_rows(page)["Kec. Telaga"][2] == "3"
    page.semester_filter.setCurrentIndex(page.semester_filter.findData(Semester(2025, 1).code))
    counted(qtbot, page)
    assert "Program Lama" in [page.program_filter.itemText(i) for i in range(page.program_filter.count())]


def test_kecamatan_operator_sees_their_desa_only(qtbot, office_db, kecamatan_operator, data):
    page = open_page(qtbot, office_db, kecamatan_operator)
    assert list(table_rows(page)) == ["Kel. Kayubulan", "Jumlah"]


def test_guest_sees_the_dashboard_without_the_print_button(qtbot, office_db, guest, data):
    page = open_page(qtbot, office_db, guest)
    assert page.cards["target"].value.text() == "7"
    assert not page.print_button.isVisibleTo(page)
    window = MainWindow(office_db, guest)
    qtbot.addWidget(window)
    assert "monitoring" in window.pages


def test_semester_report_is_saved_in_the_background(
    qtbot, office_db, operator, data, tmp_path, message_boxes
):
    page = open_page(qtbot, office_db, operator)
    job = page.save_report(tmp_path / "laporan.xlsx")
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    assert message_boxes[-1][0] == "information" and "laporan.xlsx" in message_boxes[-1][2]
    assert "Capaian" in openpyxl.load_workbook(tmp_path / "laporan.xlsx").sheetnames
