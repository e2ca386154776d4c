"""What an import's problem rows and its last step say: the import's own field names, a sentence when there
is no problem row, and a result that is read as a message rather than a box stretched over the page."""

from __future__ import annotations

from app.registry.issues import RowIssue, Severity
from app.screening.programs import list_programs
from tests.factories import people, write_csv
from tests.ui.test_screening_results import make_program
from ui.registry.import_wizard import ImportWizard
from ui.screening.import_wizard import ProposalImportWizard


def test_a_proposal_problem_row_names_the_column_in_words_not_its_key(qtbot, office_db, operator):
    make_program(office_db, operator)
    program = list_programs(office_db.unit_of_work(), operator)[0]
    wizard = ProposalImportWizard(office_db, operator, program)
    qtbot.addWidget(wizard)
    issue = RowIssue("usulan.xlsx", 42, "desa", "Limba U I", "desa_tak_dikenal", Severity.FLAGGED, "…")
    wizard.preview_page.issues_panel.show_issues([issue])
    model = wizard.preview_page.issues_model
    assert model.data(model.index(0, 2)) == "Nama desa/kelurahan"


def test_no_problem_rows_is_said_in_a_sentence_instead_of_an_empty_table(
    qtbot, office_db, operator, tmp_path
):
    wizard = ImportWizard(office_db, operator, "dukcapil")
    qtbot.addWidget(wizard)
    wizard.resize(980, 660)
    wizard.show()
    wizard.files_page.add_files([write_csv(tmp_path / "d.csv", people(2))])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    panel = wizard.preview_page.issues_panel
    assert not wizard.preview.issues
    assert panel.none_label.isVisible() and not panel.table.isVisible()
    assert "Tidak ada baris bermasalah" in panel.none_label.text()
    assert panel.none_label.height() <= panel.none_label.sizeHint().height() + 4  # a line, not a box
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.busy, timeout=20000)
    message = wizard.commit_page.message
    assert "Tersimpan sebagai impor #" in message.text()
    # Its own height, at the top: not a green box over the whole page.
    assert message.height() <= message.sizeHint().height() + 4
    assert message.geometry().top() < 40
