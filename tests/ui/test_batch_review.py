"""Batch review on the results page: many rows selected (shift/ctrl, or every row of the filter) get one decision
with one reason, and the registered NIK is taken for the confident NIK slips after a preview of every change."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.screening.batch_review import NikToTake
from app.screening.flags import Verdict
from db.models import AuditEntry
from tests.ui import test_screening_results as results_page_tests
from tests.ui.test_screening_results import mistyped, position_of_baris, wait_for_job
from ui.screening.dialogs import ReasonDialog, TakeNiksDialog

# The results page's own fixtures: a screened list of seven rows, and the page showing it.
screened = results_page_tests.screened
page = results_page_tests.page


def click_row(qtbot, page, baris: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    index = page.model.index(position_of_baris(page, baris), 1)
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def answer_reason(monkeypatch, reason: str, seen: list) -> None:
    def answer(dialog):
        seen.append(dialog)
        dialog.text.setPlainText(reason)
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(ReasonDialog, "exec", answer)


def audit_count(db, action: str) -> int:
    with db.sessions() as session:
        return len(list(session.scalars(select(AuditEntry.id).where(AuditEntry.action == action))))


def rows_by_baris(page):
    return {row.baris: row for row in page.model.rows}


def test_shift_and_ctrl_clicked_rows_are_rejected_at_once_each_with_the_reason(
    qtbot, page, office_db, monkeypatch, message_boxes
):
    click_row(qtbot, page, 2)
    click_row(qtbot, page, 4, Qt.KeyboardModifier.ShiftModifier)
    click_row(qtbot, page, 7, Qt.KeyboardModifier.ControlModifier)
    assert page.selected_label.text() == "4 baris dipilih"
    chosen = sorted(rows_by_baris(page)[b].proposal_id for b in (2, 3, 4, 7))
    assert sorted(page.selected_proposal_ids()) == chosen
    seen: list = []
    answer_reason(monkeypatch, "Tidak dikenal di desa menurut kepala dusun.", seen)
    page.batch_buttons["rejected"].click()
    assert any("4 baris terpilih" in label.text() for label in seen[0].findChildren(QLabel))
    wait_for_job(qtbot, page)
    rows = rows_by_baris(page)
    assert [rows[b].keputusan for b in (2, 3, 4, 5, 7, 8)] == [
        "rejected",
        "rejected",
        "rejected",
        None,
        "rejected",
        None,
    ]
    assert audit_count(office_db, "penyaringan.keputusan.rejected") == 4
    assert not [m for m in message_boxes if m[0] in ("warning", "critical")]


def test_every_row_of_the_filter_is_sent_for_a_field_check_at_once(qtbot, page, office_db, monkeypatch):
    page.verdict_filter.setCurrentIndex(page.verdict_filter.findData(Verdict.PASS.value))
    shown = page.model.rowCount()
    assert shown >= 2
    page.select_all_button.click()
    assert page.selected_label.text() == f"{shown} baris dipilih"
    answer_reason(monkeypatch, "Alamat diragukan, cek ke desa.", [])
    page.batch_buttons["field_check"].click()
    wait_for_job(qtbot, page)
    assert audit_count(office_db, "penyaringan.keputusan.field_check") == shown
    assert page.cards[Verdict.PASS.value].value.text() == "0"


def test_the_batch_buttons_wait_for_a_selection_and_are_hidden_from_a_guest(
    qtbot, office_db, guest, screened
):
    from ui.screening.results_page import ResultsPage

    view = ResultsPage(office_db, guest)
    qtbot.addWidget(view)
    view.open_list(screened)
    view.select_all_shown()
    assert not view.batch_buttons["accepted"].isEnabled() and not view.take_niks_button.isEnabled()


def test_the_nik_slip_preview_lists_the_changes_then_takes_the_registered_nik(
    qtbot, page, office_db, registry, monkeypatch, message_boxes
):
    previews = []

    def take(dialog):
        previews.append(
            [
                [dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
                for r in range(dialog.table.rowCount())
            ]
        )
        dialog.resize(1366 // 2, 768 // 2)
        dialog.grab().save("/tmp/review-nik-slips-dialog.png")
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(TakeNiksDialog, "exec", take)
    page.take_niks_button.click()
    [[row]] = previews
    assert row[:5] == ["3", "NIK salah ketik", mistyped(registry[3].nik), registry[3].nik, registry[3].nama]
    wait_for_job(qtbot, page)
    taken = rows_by_baris(page)[3]
    assert (taken.nik, taken.nik_tertulis, taken.hasil) == (
        registry[3].nik,
        mistyped(registry[3].nik),
        "LOLOS",
    )
    assert audit_count(office_db, "penyaringan.nik_terdaftar") == 1
    page.select_position(position_of_baris(page, 3))
    assert "NIK terdaftar diambil" in page.detail.history.text()
    assert mistyped(registry[3].nik) in page.detail.history.text()
    # Nothing left to take: said so, nothing asked.
    page.take_niks_button.click()
    assert len(previews) == 1 and message_boxes[-1][0] == "information"


def test_the_nik_slip_preview_never_shows_a_likely_match_as_certain(qtbot):
    slip = NikToTake(
        proposal_id=1,
        baris=12,
        kind="NIK_SALAH_KETIK",
        nik_tertulis="7501046201500010",
        nik_terdaftar="7501046201500001",
        nama="SRI ASNI PULUHULAWA",
        probability=0.9997,
        person_id=1,
    )
    dialog = TakeNiksDialog([slip], 0.99)
    qtbot.addWidget(dialog)
    confidence = dialog.table.item(0, len(TakeNiksDialog.COLUMNS) - 1).text()
    assert confidence == "99,97\u00a0%"
