"""The SK Penetapan page with real widgets: the program's SKs, the ranking with who falls outside the quota
highlighted and why, drafting from screened lists, finalising (refusals shown as the service words them)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.documents import sk as sk_service
from app.documents.sk_quota import set_program_quota
from tests.app.screening.test_engine import (
    LIMBOTO,
    REGISTRY,
    TELAGA,
    import_list,
    import_registry,
    proposal,
    registry_dtks,
    write_proposals,
)
from tests.app.screening.test_programs import make_program
from ui.documents.sk_page import OUTSIDE_QUOTA, SkPage

SIGNED = {
    "nomor": "400.9/DINSOS/12/2025",
    "tanggal": "15-03-2025",
    "penandatangan_nama": "Drs. HAMZAH LIHAWA, M.Si",
    "penandatangan_nip": "196805121994031007",
    "penandatangan_jabatan": "Kepala Dinas Sosial",
}


@pytest.fixture
def sk_data(office_db, operator, admin, tmp_path):
    """A program with a quota of 3 and two screened lists; the first is in a draft SK (4 eligible, 1 out)."""
    from app.screening import service

    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    program = make_program(office_db, operator, kuota=0)
    set_program_quota(office_db, admin, program.id, 3)
    people = [LIMBOTO[0], LIMBOTO[12], TELAGA[0], LIMBOTO[18]]
    lists = []
    for name, rows in (("usulan_kayubulan", people), ("usulan_susulan", [TELAGA[3]])):
        list_id = import_list(
            office_db,
            operator,
            write_proposals(tmp_path / f"{name}.csv", [proposal(p) for p in rows]),
            program.id,
            name,
        )
        service.screen_list(office_db, operator, list_id)
        lists.append(list_id)
    sk_id = sk_service.draft_sk(office_db, operator, program.id, [lists[0]]).summary.id
    return program, lists, sk_id


def page_for(qtbot, db, user) -> SkPage:
    page = SkPage(db, user)
    qtbot.addWidget(page)
    page.resize(1176, 700)
    page.show()
    page.ensure_loaded()
    return page


def cells(table, column):
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_the_page_shows_the_sk_and_highlights_who_falls_outside_the_quota(
    qtbot, office_db, operator, sk_data
):
    page = page_for(qtbot, office_db, operator)
    assert cells(page.sk_table, 2) == ["Draf"] and cells(page.sk_table, 4) == ["3"]
    assert cells(page.sk_table, 5) == ["1"]
    statuses = cells(page.ranking_table, 8)
    assert statuses == ["Masuk SK", "Masuk SK", "Masuk SK", "Di luar kuota"]
    last = page.ranking_table.rowCount() - 1
    assert page.ranking_table.item(last, 0).background().color() == OUTSIDE_QUOTA
    assert page.ranking_table.item(last, 9).text().startswith("Di luar kuota program: 3 tempat")
    assert "1 di luar kuota" in page.ranking_title.text()
    assert not page.force_button.isVisible()  # an operator cannot exceed a quota
    assert page.finalise_button.isEnabled() and not page.amend_button.isEnabled()


def test_finalising_an_incomplete_sk_shows_the_refusal_and_a_complete_one_is_frozen(
    qtbot, office_db, operator, sk_data, message_boxes
):
    page = page_for(qtbot, office_db, operator)
    page.finalise()  # in the background, with Batal: a province's SK writes 100,000 recipients
    qtbot.waitUntil(lambda: not page.background.running, timeout=20_000)
    assert any("Nomor SK belum diisi" in text for _kind, _title, text in message_boxes)
    assert cells(page.sk_table, 2) == ["Draf"]
    sk_service.update_sk(office_db, operator, sk_data[2], **SIGNED)
    page.refresh()
    page.finalise()
    qtbot.waitUntil(lambda: not page.background.running, timeout=20_000)
    assert cells(page.sk_table, 2) == ["Final"]
    assert any("final. Hash isi:" in text for _kind, _title, text in message_boxes)
    assert page.amend_button.isEnabled() and not page.edit_button.isEnabled()


def test_an_admin_lets_a_row_in_over_the_quota_from_the_page(qtbot, office_db, admin, sk_data, monkeypatch):
    page = page_for(qtbot, office_db, admin)
    assert page.force_button.isVisible()
    page.ranking_table.selectRow(3)
    monkeypatch.setattr(page, "_reason", lambda *_args: "lansia sebatang kara")
    page.force_row()
    assert cells(page.ranking_table, 8)[3] == "Melebihi kuota"
    assert cells(page.sk_table, 4) == ["4"]


def test_a_new_sk_is_drafted_from_the_checked_lists(qtbot, office_db, operator, sk_data, message_boxes):
    page = page_for(qtbot, office_db, operator)
    dialog = page.new_sk()
    assert dialog.lists.count() == 1  # the list already in the draft is not offered
    dialog.lists.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.fields["nomor"].setText("400.9/DINSOS/13/2025")
    dialog.fields["penandatangan_nip"].setText("1968")
    dialog._try_accept()  # drafted in the background, with Batal: a province's lists rank 100,000 rows
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=20_000)
    assert "NIP terdiri dari 18 angka" in dialog.error_label.text() and dialog.isVisible()
    assert not message_boxes  # the refusal is said in the dialog, not in a box as well
    dialog.fields["penandatangan_nip"].setText(SIGNED["penandatangan_nip"])
    dialog._try_accept()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=20_000)
    assert not dialog.isVisible()
    assert "400.9/DINSOS/13/2025" in cells(page.sk_table, 0)
    assert page.selected_sk().nomor == "400.9/DINSOS/13/2025"


def test_the_selected_sk_opens_in_the_pdf_preview_as_it_will_print(qtbot, office_db, operator, sk_data):
    page = page_for(qtbot, office_db, operator)
    assert page.preview_button.isEnabled()
    page.preview()
    qtbot.waitUntil(lambda: getattr(page, "sk_preview", None) is not None, timeout=20000)
    dialog = page.sk_preview
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() >= 2  # the decree and its lampiran
    dialog.close()


def test_a_new_sk_starts_from_the_signatory_of_the_offices_newest_sk(qtbot, office_db, operator, sk_data):
    _program, _lists, sk_id = sk_data
    sk_service.update_sk(office_db, operator, sk_id, tempat="Limboto", **SIGNED)
    page = page_for(qtbot, office_db, operator)
    dialog = page.new_sk()
    for name in ("penandatangan_nama", "penandatangan_nip", "penandatangan_jabatan"):
        assert dialog.fields[name].text() == SIGNED[name]
    assert dialog.fields["tempat"].text() == "Limboto"
    assert dialog.fields["nomor"].text() == ""  # a number is never reused


def test_the_new_sk_dialog_says_why_no_list_can_be_chosen(qtbot, office_db, operator, sk_data):
    program, lists, _sk_id = sk_data
    sk_service.draft_sk(office_db, operator, program.id, [lists[1]])
    page = page_for(qtbot, office_db, operator)
    dialog = page.new_sk()
    assert dialog.lists.count() == 1
    item = dialog.lists.item(0)
    assert "Belum ada daftar" in item.text() and not item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert dialog.chosen_lists() == []
