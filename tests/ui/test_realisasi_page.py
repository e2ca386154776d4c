"""The realisasi page with real widgets: an SK chosen, a handover typed, a bank list imported through the
preview dialog, and the consistency tab listing the problems with their evidence."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from app.documents.realisasi_import import RealisasiImport
from db.models import Realisasi
from tests.app.documents.conftest import (
    DEAD,
    HEADS,
    NOT_IN_SK,
    REGISTRY_AT_SK,
    import_people,
    make_final_sk,
    record_death,
)
from tests.app.documents.test_realisasi_import import BANK_HEADERS, bank_row
from tests.app.screening.test_programs import make_program
from tests.factories import write_csv
from ui.documents.realisasi_dialogs import RealisasiEntryDialog, RealisasiImportDialog
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
    assert page.rows_table.rowCount() == 5
    assert "5 baris realisasi, seluruhnya Rp 1.650.000." == page.summary.text()
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
