"""Every window, page and dialog fits an office laptop's 1366×768 screen, in both languages.

The work area is 1366×728 (768 less Windows' 40-px taskbar) and a window's title bar takes 32 px of it: a
widget whose minimum size, or whose opening size, is larger would be cut off or pushed off the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QWidget

from app.auth.users import login
from app.documents.form1 import create_form1, get_form1
from app.documents.form1_checks import AnggotaInput
from app.documents.sk_pdf import sk_pdf_bytes
from app.i18n import set_language
from app.registry.fields import ExtractKind
from app.screening.programs import create_proposal_list, list_programs, list_proposal_lists
from app.screening.proposal_entry import get_proposal
from app.screening.results import list_results
from tests.app.documents.form1_data import a_form1
from tests.app.documents.sk_samples import LETTERHEAD, sk_document
from tests.conftest import ADMIN_PASSWORD
from tests.ui.test_screening_results import screened  # noqa: F401  (a fixture)
from ui.auth.dialogs import ChangePasswordDialog, FirstRunDialog, LoginDialog, PassphraseDialog
from ui.auth.users_page import UserDialog
from ui.documents.form1_dialog import Form1Dialog
from ui.documents.letterhead_dialog import LetterheadDialog
from ui.documents.pdf_preview import PdfPreviewDialog
from ui.documents.sk_dialog import SkDialog
from ui.main_window import MainWindow
from ui.registry.import_wizard import ImportWizard
from ui.screening.dialogs import CorrectionDialog, NewListDialog, ProgramDialog, ReasonDialog
from ui.screening.entry_dialog import ProposalEntryDialog
from ui.screening.import_wizard import ProposalImportWizard
from ui.style import apply_style
from ui.widgets.screen import SMALL_SCREEN, TITLE_BAR

ROOM = QSize(SMALL_SCREEN.width(), SMALL_SCREEN.height() - TITLE_BAR)


def needed(widget: QWidget) -> QSize:
    """The least size the widget can be shown at: its minimum size hint (a wizard has none: its layout's),
    or its set minimum size, whichever is larger."""
    widget.show()
    hint = widget.minimumSizeHint()
    if not hint.isValid() and widget.layout() is not None:
        hint = widget.layout().totalMinimumSize()
    return hint.expandedTo(widget.minimumSize())


def assert_fits(widget: QWidget, name: str, opening: bool = True) -> None:
    least = needed(widget)
    assert least.width() <= ROOM.width() and least.height() <= ROOM.height(), (
        f"{name} needs at least {least.width()}×{least.height()}, more than {ROOM.width()}×{ROOM.height()}"
    )
    if not opening:  # the main window opens at the size of the screen in use (ui/widgets/screen.py)
        return
    size = widget.size()
    assert size.width() <= ROOM.width() and size.height() <= ROOM.height(), (
        f"{name} opens at {size.width()}×{size.height()}, more than {ROOM.width()}×{ROOM.height()}"
    )


@pytest.fixture(params=["id", "en"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("id")


LONG_DESA = "Kelurahan Tenilo, Kecamatan Limboto Barat, Kabupaten Gorontalo (12)"
LONG_LIST_NAME = "Usulan Sembako Lansia tahap 1 Desa Kayubulan dan Desa Hutabohu, Kecamatan Limboto"


def test_the_main_window_with_every_page_fits(qtbot, office_db, admin, operator, screened, language):  # noqa: F811
    program = list_programs(office_db.unit_of_work(), operator)[0]
    create_proposal_list(office_db.unit_of_work(), operator, program.id, LONG_LIST_NAME)
    for user in (admin, operator):
        window = MainWindow(office_db, user)
        qtbot.addWidget(window)
        window.show()
        if "results" in window.pages:
            results = window.pages["results"]
            results.open_list(screened)
            # Filters filled before the page is first shown, with a name as long as Gorontalo's longest
            # desa labels: a combo must not size the page by its longest item.
            results.desa_filter.addItem(LONG_DESA, "7501000000")
            results.flag_filter.addItem(LONG_DESA, "X")
        for key in window.pages:
            window.show_page(key)
            assert_fits(window, f"main window on page {key} ({language})", opening=False)


def test_the_monitoring_page_fits_with_long_program_names(qtbot, office_db, operator, language):
    from app.screening.programs import create_program
    from tests.app.documents.monitoring_data import build_monitoring_data
    from ui.documents.monitoring_page import MonitoringPage

    build_monitoring_data(office_db, operator)
    create_program(
        office_db.unit_of_work(),
        operator,
        nama=LONG_LIST_NAME,
        sumber_dana="APBD_KABKOTA",
        tahun=2026,
        kuota=9,
    )
    page = MonitoringPage(office_db, operator, load_now=False)
    qtbot.addWidget(page)
    page.semester_filter.setCurrentIndex(page.semester_filter.findData("2026-1"))
    page.refresh()
    qtbot.waitUntil(lambda: not page.busy and not page.stale, timeout=20_000)
    # The page sits beside the 190-px navigation of the main window.
    assert_fits(page, f"monitoring page ({language})", opening=False)
    assert page.minimumSizeHint().width() <= ROOM.width() - 190


def test_every_dialog_fits(qtbot, office_db, admin, operator, screened, tmp_path, language):  # noqa: F811
    program = list_programs(office_db.unit_of_work(), operator)[0]
    (proposal_list,) = list_proposal_lists(office_db.unit_of_work(), operator)
    row = get_proposal(office_db, operator, list_results(office_db, operator, screened)[0].proposal_id)
    many = tuple(AnggotaInput(f"ANGGOTA {n}", hubungan="ANAK") for n in range(12))
    form1 = create_form1(office_db, operator, a_form1(anggota=many, karakteristik_lain={"lantai": "tanah"}))
    dialogs = {
        "login": LoginDialog(office_db),
        "passphrase": PassphraseDialog(Path(office_db.path), False),
        "first run": FirstRunDialog(tmp_path / "baru.db"),
        "change password": ChangePasswordDialog(office_db, operator),
        "user": UserDialog(office_db, admin),
        "new program": ProgramDialog(office_db, operator, None),
        "edit program": ProgramDialog(office_db, operator, program),
        "new list": NewListDialog(office_db, operator, program),
        "reason": ReasonDialog("Tolak", "Mengapa?"),
        "correction": CorrectionDialog(office_db, operator, row, "7501"),
        "entry": ProposalEntryDialog(office_db, operator, proposal_list),
        "dukcapil import": ImportWizard(office_db, operator, ExtractKind.DUKCAPIL),
        "dtks import": ImportWizard(office_db, operator, ExtractKind.DTKS),
        "proposal import": ProposalImportWizard(office_db, operator, program),
        "letterhead": LetterheadDialog(office_db, admin),
        "pdf preview": PdfPreviewDialog(sk_pdf_bytes(sk_document(count=30), LETTERHEAD).data, "SK", "SK.pdf"),
        "new sk": SkDialog(office_db, operator, program),
        "new form 1": Form1Dialog(office_db, operator),
        "form 1": Form1Dialog(office_db, operator, get_form1(office_db, operator, form1.id)),
    }
    for name, dialog in dialogs.items():
        qtbot.addWidget(dialog)
        assert_fits(dialog, f"{name} dialog ({language})")
        if hasattr(dialog, "pageIds"):  # a wizard: every step
            for _step in dialog.pageIds()[1:]:
                page = dialog.page(_step)
                hint = page.minimumSizeHint()
                assert hint.width() <= ROOM.width() and hint.height() <= ROOM.height(), (
                    f"{name} step {_step} needs {hint.width()}×{hint.height()} ({language})"
                )


def test_the_list_status_and_flag_counts_never_break_inside(qtbot, office_db, operator, screened):  # noqa: F811
    """ "Status: Sudah / disaring" and "Satu KK dengan usulan lain / (4)" were broken across lines: the line
    wraps between parts, never inside one."""
    from ui.screening.results_page import ResultsPage

    page = ResultsPage(office_db, operator)
    qtbot.addWidget(page)
    page.open_list(screened)
    assert "Status:\u00a0Sudah\u00a0disaring" in page.info.text()
    assert page.flag_strip.text().count("white-space:nowrap") == page.flag_strip.text().count("<a ")


def test_the_registry_comparison_of_the_detail_pane_fits(qtbot, office_db, operator, screened, language):  # noqa: F811
    """In the pane beside the results, the four columns of "Usulan dan registri Dukcapil" (field, proposal,
    registry, mark) are all inside the table, and a NIK — the digits the officer compares — is never cut.
    With the application's own font and style sheet, as the officer sees it."""
    app = QApplication.instance()
    font, sheet = app.font(), app.styleSheet()
    apply_style(app)
    try:
        _check_registry_comparison(qtbot, office_db, operator, screened, language)
    finally:
        app.setFont(font)
        app.setStyleSheet(sheet)


def _check_registry_comparison(qtbot, office_db, operator, screened, language) -> None:  # noqa: F811
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    window.resize(ROOM)
    window.show()
    results = window.open_results(screened)
    slip = next(row for row in list_results(office_db, operator, screened) if "NIK_SALAH_KETIK" in row.tanda)
    results.select_proposal(slip.proposal_id)
    qtbot.wait(50)
    table = results.detail.compare
    last = table.columnCount() - 1
    assert table.columnViewportPosition(last) + table.columnWidth(last) <= table.viewport().width()
    for row in range(table.rowCount()):
        for column in (1, 2):
            item = table.item(row, column)
            if " " in item.text() or not item.text():
                continue  # words wrap onto the next line
            room = table.columnWidth(column) - 8  # the cell's own margins
            font = table.font()  # the pane's font, bold where the cell is
            font.setBold(item.font().bold())
            width = QFontMetrics(font).horizontalAdvance(item.text())
            assert width <= room, f"{item.text()!r} needs {width} px in a {room}-px column ({language})"


def test_the_realisasi_page_and_dialogs_fit(qtbot, office_db, operator, tmp_path, language):
    from tests.app.documents.conftest import HEADS, REGISTRY_AT_SK, import_people, make_final_sk
    from tests.app.screening.test_programs import make_program
    from ui.documents.realisasi_dialogs import RealisasiEntryDialog, RealisasiImportDialog
    from ui.documents.realisasi_page import RealisasiPage

    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    program = make_program(office_db, operator, tahun=2026, nama=LONG_LIST_NAME)
    sk = make_final_sk(office_db, operator, program.id, HEADS, nomor="400/1234/DINSOS-KAB.GTO/XII/2026")
    page = RealisasiPage(office_db, operator)
    qtbot.addWidget(page)
    page.ensure_loaded()
    assert_fits(page, f"realisasi page ({language})", opening=False)
    # In the window, beside the navigation, with the program's stylesheet (its padding widens every control),
    # for an admin, who also sees the correction buttons.
    apply_style(QApplication.instance())
    for user in (operator, login(office_db.unit_of_work(), "admin", ADMIN_PASSWORD)):
        window = MainWindow(office_db, user)
        qtbot.addWidget(window)
        window.show()
        window.show_page("realisasi")
        assert_fits(
            window, f"main window on the realisasi page as {user.username} ({language})", opening=False
        )
    for name, dialog in {
        "realisasi entry": RealisasiEntryDialog(
            office_db, operator, sk.id, "400/1234/DINSOS-KAB.GTO/XII/2026"
        ),
        "realisasi import": RealisasiImportDialog(
            office_db, operator, sk.id, "400/1234/DINSOS-KAB.GTO/XII/2026"
        ),
    }.items():
        qtbot.addWidget(dialog)
        assert_fits(dialog, f"{name} dialog ({language})")
