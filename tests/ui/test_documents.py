"""The PDF preview and the letterhead settings, with real widgets (offscreen)."""

from __future__ import annotations

import os

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from app.documents.letterhead import letterhead_settings
from app.documents.sk_pdf import sk_pdf_bytes
from tests.app.documents.sk_samples import LETTERHEAD, NOMOR, logo_png, sk_document, stored_sk
from ui.documents.letterhead_dialog import LetterheadDialog
from ui.documents.pdf_preview import PdfPreviewDialog
from ui.documents.sk_preview import open_sk_preview, suggested_file_name
from ui.main_window import MainWindow


@pytest.fixture
def sk_pdf():
    return sk_pdf_bytes(sk_document(count=120), LETTERHEAD)


def test_the_preview_opens_the_pdf_and_moves_between_its_pages(qtbot, sk_pdf):
    dialog = PdfPreviewDialog(sk_pdf.data, "Pratinjau", "SK.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.page_count() == sk_pdf.pages >= 4
    assert dialog.page_count_label.text() == f"dari {sk_pdf.pages}"
    assert not dialog.previous_button.isEnabled()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.current_page() == 1)
    assert dialog.page_box.value() == 2 and dialog.previous_button.isEnabled()
    dialog.page_box.setValue(sk_pdf.pages)
    qtbot.waitUntil(lambda: dialog.current_page() == sk_pdf.pages - 1)
    assert not dialog.next_button.isEnabled()
    before = dialog.view.zoomFactor()
    dialog.zoom_in_button.click()
    assert dialog.view.zoomFactor() > before


def test_the_preview_saves_the_same_pdf_readable_by_its_owner_only(qtbot, sk_pdf, tmp_path):
    dialog = PdfPreviewDialog(sk_pdf.data, "Pratinjau", "SK.pdf")
    qtbot.addWidget(dialog)
    dialog.save_to(tmp_path / "sk.pdf")
    assert (tmp_path / "sk.pdf").read_bytes() == sk_pdf.data
    assert os.stat(tmp_path / "sk.pdf").st_mode & 0o777 == 0o600


def test_printing_sends_every_page_or_the_chosen_range(qtbot, tmp_path):
    rendered = sk_pdf_bytes(sk_document(count=40), LETTERHEAD)
    dialog = PdfPreviewDialog(rendered.data, "Pratinjau", "SK.pdf")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "cetak.pdf"))
    assert dialog.print_to(printer) == rendered.pages
    assert len(PdfReader(tmp_path / "cetak.pdf").pages) == rendered.pages
    printer.setOutputFileName(str(tmp_path / "halaman-2.pdf"))
    printer.setFromTo(2, 2)
    assert dialog.print_to(printer) == 1


def test_the_sk_preview_is_built_in_the_background_and_opened(qtbot, office_db, operator):
    sk_id = stored_sk(office_db)
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    job = open_sk_preview(window, office_db, operator, sk_id)
    qtbot.waitUntil(lambda: not job.running, timeout=20_000)
    preview = window.sk_preview
    qtbot.addWidget(preview)
    assert preview.isVisible() and preview.page_count() >= 2
    assert preview.windowTitle() == f"Pratinjau SK {NOMOR}"
    assert preview.file_name == "SK-400.9-DINSOS-123-2026.pdf"


def test_a_number_without_usable_characters_gives_the_sk_id_as_file_name():
    assert suggested_file_name("///", 12) == "SK-12.pdf"


def test_an_admin_sets_the_letterhead_from_the_settings_menu(qtbot, office_db, admin, tmp_path):
    window = MainWindow(office_db, admin)
    qtbot.addWidget(window)
    dialog = window.edit_letterhead()
    qtbot.addWidget(dialog)
    assert dialog.baris_1.placeholderText() == "PEMERINTAH KABUPATEN GORONTALO"
    dialog.baris_2.setText("DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT")
    logo = tmp_path / "logo.png"
    logo.write_bytes(logo_png())
    dialog.use_logo(logo)
    assert not dialog.logo_label.pixmap().isNull()
    dialog.nik_penuh.setChecked(True)
    dialog.ok_button.click()
    settings = letterhead_settings(office_db)
    assert settings.baris_2 == "DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT"
    assert settings.logo_png and settings.nik_penuh_di_dokumen


def test_a_wrong_logo_is_said_at_once_in_the_dialog(qtbot, office_db, admin, tmp_path):
    dialog = LetterheadDialog(office_db, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    bad = tmp_path / "logo.png"
    bad.write_text("bukan gambar")
    dialog.use_logo(bad)
    assert dialog.error_label.isVisible() and "logo.png" in dialog.error_label.text()
    assert dialog.logo_path is None


def test_the_letterhead_menu_item_is_for_admins_only(qtbot, office_db, operator):
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    assert not hasattr(window, "letterhead_action")
