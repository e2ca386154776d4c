"""The realisasi page with real widgets: an SK chosen, a handover typed, a bank list imported through the
preview dialog, and the consistency tab listing the problems with their evidence."""

from __future__ import annotations

import os
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import func, select

from app.documents.realisasi import RealisasiInput, record_realisasi
from app.documents.realisasi_import import RealisasiImport
from app.documents.realisasi_list import PAGE_SIZE
from db.models import Realisasi
from tests.app.documents.conftest import (
    DEAD,
    HEADS,
    NOT_IN_SK,
    REGISTRY_AT_SK,
    import_people,
    make_final_sk,
    record_death,
    serve_many,
)
from tests.app.documents.test_realisasi_import import BANK_HEADERS, bank_row
from tests.app.screening.test_programs import make_program
from tests.factories import write_csv
from ui.documents.realisasi_dialogs import RealisasiEntryDialog, RealisasiImportDialog
from ui.documents.realisasi_koreksi_dialogs import RealisasiCancelDialog, RealisasiCorrectionDialog
from ui.documents.realisasi_page import RealisasiPage
from ui.main_window import MainWindow

SCREENSHOTS = os.environ.get("EJPS_SCREENSHOTS")  # a folder: the page is saved there to be looked at


@pytest.fixture
def realisasi_sk(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    program = make_program(office_db, operator, tahun=2026, nama="Bantuan Pangan Lansia Kabupaten Gorontalo")
    sk = make_final_sk(office_db, operator, program.id, HEADS)
    record_death(office_db, operator, tmp_path)
    return sk


def served(office_db, operator, sk, tmp_path) -> None:
    rows = [bank_row(HEADS[0]), bank_row(HEADS[0], tanggal="05-04-2026"), bank_row(DEAD, tanggal="20-03-2026"),
            bank_row(HEADS[2], "450.000"), bank_row(NOT_IN_SK)]  # fmt: skip
    job = RealisasiImport(
        office_db,
        operator,
        sk.id,
        [write_csv(tmp_path / "bank.csv", rows, BANK_HEADERS)],
        keep_outside_sk=True,
    )
    job.inspect()
    job.prepare()
    job.commit()


def rows_in(db) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Realisasi))


def test_the_page_lists_the_sks_rows_and_the_consistency_problems(
    qtbot, office_db, operator, realisasi_sk, tmp_path
):
    served(office_db, operator, realisasi_sk, tmp_path)
    page = RealisasiPage(office_db, operator)
    qtbot.addWidget(page)
    page.resize(1176, 700)
    page.show()
    page.ensure_loaded()
    assert page.sk_combo.currentText().startswith("400/DINSOS/12/2026 — Bantuan Pangan Lansia")
    assert page.rows_model.rowCount() == 5
    assert "5 baris realisasi, seluruhnya Rp 1.650.000." == page.summary.text()
    # The desa by name (its code in the tooltip), not as a 10-digit code.
    desa = page.rows_model.index(0, 2)
    assert not desa.data().isdigit() and desa.data(Qt.ItemDataRole.ToolTipRole).isdigit()
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.report is not None, timeout=10_000)
    kinds = [page.problems_table.item(r, 0).text() for r in range(page.problems_table.rowCount())]
    assert kinds[0] == "Menerima tetapi tidak ada di SK" and "Disalurkan setelah meninggal" in kinds
    dead_row = kinds.index("Disalurkan setelah meninggal")
    assert "Registri: meninggal 10-03-2026" in page.problems_table.item(dead_row, 3).text()
    if SCREENSHOTS:
        page.grab().save(os.path.join(SCREENSHOTS, "realisasi_konsistensi.png"))


def test_a_handover_typed_in_the_dialog_is_saved_and_a_bad_nik_is_said_inline(
    qtbot, office_db, operator, realisasi_sk
):
    dialog = RealisasiEntryDialog(office_db, operator, realisasi_sk.id, "400/DINSOS/12/2026")
    qtbot.addWidget(dialog)
    dialog.nik.setText(NOT_IN_SK.nik)
    dialog.nilai.setValue(300_000)
    dialog._try_accept()
    assert "tidak tercantum dalam SK" in dialog.error_label.text() and rows_in(office_db) == 0
    dialog.nik.setText(HEADS[0].nik)
    dialog._try_accept()
    assert dialog.result() == dialog.DialogCode.Accepted and rows_in(office_db) == 1


def test_a_bank_list_is_previewed_then_saved_through_the_import_dialog(
    qtbot, office_db, operator, realisasi_sk, tmp_path
):
    bank = write_csv(
        tmp_path / "bank.csv", [bank_row(HEADS[0]), bank_row(HEADS[1]) | {"NIK": "123"}], BANK_HEADERS
    )
    dialog = RealisasiImportDialog(office_db, operator, realisasi_sk.id, "400/DINSOS/12/2026")
    qtbot.addWidget(dialog)
    dialog.file.setText(str(bank))
    assert not dialog.save_button.isEnabled()
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert "2 baris dibaca: 1 dapat diimpor (Rp 300.000), 1 ditolak" in dialog.counts.text()
    assert dialog.issues_panel.model.rowCount() == 1 and rows_in(office_db) == 0
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        dialog.save_button.click()
    assert rows_in(office_db) == 1


def test_a_list_naming_people_outside_the_sk_cannot_be_saved_without_keeping_them(
    qtbot, office_db, operator, realisasi_sk, tmp_path
):
    bank = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0]), bank_row(NOT_IN_SK)], BANK_HEADERS)
    dialog = RealisasiImportDialog(office_db, operator, realisasi_sk.id, "400/DINSOS/12/2026")
    qtbot.addWidget(dialog)
    dialog.file.setText(str(bank))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert not dialog.save_button.isEnabled() and "tidak ada di SK" in dialog.counts.text()
    dialog.keep_outside.setChecked(True)
    assert dialog.preview is None
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.save_button.isEnabled()


def test_the_main_window_shows_realisasi_to_an_operator_and_not_to_a_guest(qtbot, office_db, operator, guest):
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    assert "Realisasi" in window.page_titles()
    page = window.show_page("realisasi")
    assert page.empty_label.isVisibleTo(page) and not page.import_button.isEnabled()
    guest_window = MainWindow(office_db, guest)
    qtbot.addWidget(guest_window)
    assert "Realisasi" not in guest_window.page_titles()


def loaded_page(qtbot, office_db, user) -> RealisasiPage:
    page = RealisasiPage(office_db, user)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.ensure_loaded()
    return page


def select_nik(page: RealisasiPage, nik: str) -> None:
    model = page.rows_model
    number = next(n for n in range(model.rowCount()) if model.row_at(n).nik == nik)
    page.rows_view.selectRow(number)


def test_a_row_is_corrected_through_the_dialog_and_the_old_one_shown_only_on_request(
    qtbot, office_db, operator, realisasi_sk
):
    record_realisasi(
        office_db, operator, realisasi_sk.id, RealisasiInput(HEADS[2].nik, date(2026, 3, 5), 450_000, "bank")
    )
    page = loaded_page(qtbot, office_db, operator)
    assert not page.correct_button.isEnabled()
    select_nik(page, HEADS[2].nik)
    assert page.correct_button.isEnabled() and page.cancel_button.isEnabled()
    if SCREENSHOTS:
        page.grab().save(os.path.join(SCREENSHOTS, "realisasi_baris.png"))
    page.correct_button.click()
    dialog = page.findChild(RealisasiCorrectionDialog)
    assert dialog is not None and dialog.fields.nilai.value() == 450_000
    if SCREENSHOTS:
        dialog.grab().save(os.path.join(SCREENSHOTS, "realisasi_koreksi.png"))
    dialog.fields.nilai.setValue(300_000)
    dialog._try_accept()
    assert "alasan wajib diisi" in dialog.error_label.text() and rows_in(office_db) == 1
    dialog.reason.setPlainText("nilai salah ketik dari daftar bank")
    dialog._try_accept()
    assert rows_in(office_db) == 2
    qtbot.waitUntil(lambda: page.rows_model.rowCount() == 1)
    assert page.rows_model.row_at(0).nilai == 300_000
    assert page.summary.text() == "1 baris realisasi, seluruhnya Rp 300.000."
    page.show_replaced.setChecked(True)
    texts = [page.rows_model.index(n, 7).data() for n in range(page.rows_model.rowCount())]
    assert sorted(texts) == sorted(
        ["Digantikan koreksi", f"Koreksi atas #{dialog.row.id}: nilai salah ketik dari daftar bank"]
    )
    assert "1 baris digantikan atau dibatalkan ikut ditampilkan, tidak dihitung." in page.summary.text()
    if SCREENSHOTS:
        page.grab().save(os.path.join(SCREENSHOTS, "realisasi_digantikan.png"))
    select_nik(page, HEADS[2].nik)
    replaced = next(n for n in range(2) if not page.rows_model.row_at(n).current)
    page.rows_view.selectRow(replaced)
    assert not page.correct_button.isEnabled()  # a superseded row is not changed again


def test_a_row_is_cancelled_through_the_dialog_with_a_reason(qtbot, office_db, operator, realisasi_sk):
    for day in (5, 6):
        record_realisasi(
            office_db,
            operator,
            realisasi_sk.id,
            RealisasiInput(HEADS[0].nik, date(2026, 3, day), 300_000, "bank"),
        )
    page = loaded_page(qtbot, office_db, operator)
    page.rows_view.selectRow(1)
    page.cancel_button.click()
    dialog = page.findChild(RealisasiCancelDialog)
    assert dialog is not None
    assert any(HEADS[0].nik in label.text() for label in dialog.findChildren(QLabel))
    if SCREENSHOTS:
        dialog.grab().save(os.path.join(SCREENSHOTS, "realisasi_batal.png"))
    dialog.reason.setPlainText("tercatat dua kali")
    dialog._try_accept()
    qtbot.waitUntil(lambda: page.rows_model.rowCount() == 1)
    assert page.summary.text() == "1 baris realisasi, seluruhnya Rp 300.000."
    page.show_replaced.setChecked(True)
    cancelled = next(
        page.rows_model.index(n, 7).data() for n in range(2) if not page.rows_model.row_at(n).current
    )
    assert cancelled.startswith("Dibatalkan oleh operator") and cancelled.endswith("tercatat dua kali")


def test_a_guest_sees_no_correction_buttons(qtbot, office_db, operator, guest, realisasi_sk):
    page = RealisasiPage(office_db, operator)
    qtbot.addWidget(page)
    assert not page.correct_button.isHidden()
    guest_page = RealisasiPage(office_db, guest)
    qtbot.addWidget(guest_page)
    assert guest_page.correct_button.isHidden() and guest_page.cancel_button.isHidden()


def test_every_row_of_a_large_sk_is_reached_by_scrolling_and_the_filter_goes_to_the_query(
    qtbot, office_db, operator, realisasi_sk
):
    serve_many(office_db, operator, realisasi_sk.id, 5_200)
    page = loaded_page(qtbot, office_db, operator)
    model = page.rows_model
    assert model.rowCount() == PAGE_SIZE  # not 5,200 rows in the widgets at once
    assert page.summary.text().startswith("5.200 baris realisasi")
    while model.canFetchMore():
        page.rows_view.scrollToBottom()
        model.fetchMore()  # what the view does when scrolled to the end
    assert model.rowCount() == 5_200
    assert model.index(5_100, 1).data() == "PENERIMA 05100"
    page.search.setText("penerima 0510")
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5_000)
    assert model.chosen.text == "penerima 0510" and model.count.rows == 10
    assert page.summary.text().startswith("10 baris realisasi")
    page.search.setText("7501011000005199")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5_000)
    assert model.index(0, 1).data() == "PENERIMA 05199"
    page.search.clear()
    page.problems_only.setChecked(True)  # none of them is named by the SK: all are problems
    qtbot.waitUntil(lambda: model.count.rows == 5_200, timeout=5_000)


def test_the_search_box_shows_a_whole_nik_at_the_laptops_width(qtbot, office_db, admin, realisasi_sk):
    from PySide6.QtWidgets import QApplication

    from ui.style import apply_style

    app = QApplication.instance()
    previous = app.styleSheet(), app.font()
    apply_style(app)  # the program's padding and font, which the squeeze depended on
    try:
        page = RealisasiPage(office_db, admin)
        qtbot.addWidget(page)
        page.resize(1176, 700)  # 1366 px less the navigation
        page.show()
        page.ensure_loaded()
        qtbot.wait(50)
        # The filters once squeezed it to "Cari NI…".
        assert page.search.width() >= page.search.fontMetrics().horizontalAdvance("7501011001000000") + 12
    finally:
        app.setStyleSheet(previous[0])
        app.setFont(previous[1])
