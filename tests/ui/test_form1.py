"""Form 1 entered by keyboard alone, checked as it is typed, listed per desa and printed (real widgets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.auth.roles import Role
from app.documents.form1 import create_form1, list_form1
from tests.app.documents.form1_data import CHILD, HEAD, HOUSEHOLD, a_form1
from tests.conftest import make_user
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, household
from tests.ui.conftest import import_people
from ui.documents.form1_dialog import Form1Dialog
from ui.documents.form1_page import Form1Page


@pytest.fixture
def kayubulan(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path / "dukcapil.csv", HOUSEHOLD)


def type_into(qtbot, widget, text: str) -> None:
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_form1_is_entered_by_keyboard_alone(qtbot, office_db, operator, kayubulan):
    dialog = Form1Dialog(office_db, operator)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    assert dialog.focusWidget() is dialog.nik
    type_into(qtbot, dialog.nik, HEAD.nik)
    # The registry's record shows at once and fills what is still empty.
    assert HEAD.nama in dialog.registry_note.text() and dialog.registry_note.isVisible()
    assert dialog.nama.text() == HEAD.nama and dialog.no_kk.text() == HEAD.no_kk
    assert dialog.tgl_lahir.text() == "01-01-1970" and dialog.desa.code() == DESA_LIMBOTO
    assert dialog.focusWidget() is dialog.no_kk  # Enter went on
    dialog.tanggal.setFocus()
    dialog.tanggal.selectAll()  # as Tab leaves it: today's date, selected, is typed over
    type_into(qtbot, dialog.tanggal, "02-03-2026")
    assert dialog.focusWidget() is dialog.petugas
    dialog.criteria["atap_beton_genteng"].setFocus()
    qtbot.keyClick(dialog.criteria["atap_beton_genteng"], Qt.Key.Key_Space)
    assert dialog.criteria["atap_beton_genteng"].isChecked()

    qtbot.keyClick(
        dialog.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
    )  # a member, edited in place
    assert dialog.members.rowCount() == 1
    for text in (CHILD.nama, CHILD.nik, "ANAK", "03-03-2002", "P", "SD"):
        editor = dialog.focusWidget()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.members, Qt.Key.Key_Space)  # "masih sekolah"
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert not dialog.error_label.isVisible(), dialog.error_label.text()
    (saved,) = list_form1(office_db, operator)
    assert (saved.nik, saved.nama, saved.tanggal.isoformat(), saved.jumlah_anggota) == (
        HEAD.nik,
        HEAD.nama,
        "2026-03-02",
        1,
    )
    assert dialog.form_id == saved.id and dialog.print_button.isEnabled()
    assert dialog.member_inputs()[0].masih_sekolah


def test_a_nik_contradicting_the_birth_date_and_sex_is_shown_next_to_the_field(qtbot, office_db, operator):
    dialog = Form1Dialog(office_db, operator)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.tgl_lahir, "02-01-1970")
    dialog.jenis_kelamin.setCurrentIndex(dialog.jenis_kelamin.findData("P"))
    qtbot.keyClicks(dialog.nik, HEAD.nik)
    note = dialog.nik_note.text()
    assert dialog.nik_note.isVisible()
    assert "Tanggal lahir 02-01-1970 tidak cocok" in note and "Jenis kelamin perempuan tidak cocok" in note
    # Not in the registry of this database: said so, nothing filled in.
    assert "tidak ada di registri" in dialog.registry_note.text()
    dialog.nama.setText(HEAD.nama)
    dialog.desa.set_code(DESA_LIMBOTO)
    dialog.save()
    assert dialog.error_label.text().startswith("Form 1, kolom Tanggal lahir:")
    assert list_form1(office_db, operator) == []
    dialog.tgl_lahir.setText("01-01-1970")
    dialog.jenis_kelamin.setCurrentIndex(dialog.jenis_kelamin.findData("L"))
    assert not dialog.nik_note.isVisible()


def test_the_skrining_result_follows_the_answers(qtbot, office_db, operator):
    dialog = Form1Dialog(office_db, operator)
    qtbot.addWidget(dialog)
    assert dialog.skrining_label.text().startswith("Lolos skrining awal: 0 dari 5")
    for name in ("atap_beton_genteng", "punya_ac"):
        dialog.criteria[name].setChecked(True)
    assert dialog.skrining_label.text().startswith("Lolos skrining awal: 2 dari 5")
    dialog.add_member(["SITI", "", "ANAK", "", "P", "D4/S1"], focus=False)
    assert dialog.skrining_label.text().startswith("Tidak lolos skrining awal: 3 dari 5")
    dialog.members.item(0, 6).setCheckState(Qt.CheckState.Checked)  # still studying: does not count
    assert dialog.skrining_label.text().startswith("Lolos skrining awal: 2 dari 5")


def test_the_page_lists_the_forms_of_the_desa_and_searches(qtbot, office_db, admin, operator):
    create_form1(office_db, operator, a_form1())
    telaga = household(5, DESA_TELAGA)[0]
    create_form1(
        office_db,
        operator,
        a_form1(
            nik=telaga.nik,
            no_kk=telaga.no_kk,
            nama=telaga.nama,
            tgl_lahir=telaga.tgl_lahir,
            kode_desa=DESA_TELAGA,
        ),
    )
    page = Form1Page(office_db, operator)
    qtbot.addWidget(page)
    page.ensure_loaded()
    assert page.table.rowCount() == 2
    page.desa_filter.setCurrentIndex(page.desa_filter.findData(DESA_TELAGA))
    assert [page.table.item(r, 3).text() for r in range(page.table.rowCount())] == [telaga.nama]
    page.desa_filter.setCurrentIndex(0)
    type_into(qtbot, page.search, "lasena")
    assert [page.table.item(r, 3).text() for r in range(page.table.rowCount())] == [HEAD.nama]
    petugas = make_user(office_db, admin, "petugas_kayubulan", Role.OPERATOR, DESA_LIMBOTO)
    own = Form1Page(office_db, petugas)
    qtbot.addWidget(own)
    own.ensure_loaded()
    assert own.table.rowCount() == 1 and own.desa_filter.count() == 2  # "all" and their own desa


def test_a_blank_form_is_printed_from_the_page(qtbot, office_db, operator, tmp_path, monkeypatch):
    target = tmp_path / "kosong.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    page = Form1Page(office_db, operator)
    qtbot.addWidget(page)
    job = page._print(None, "form1-kosong.pdf")
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert target.exists() and Path(target).read_bytes().startswith(b"%PDF")


def test_a_new_form_is_dated_today_and_an_opened_one_keeps_its_date(qtbot, office_db, operator):
    from datetime import date

    dialog = Form1Dialog(office_db, operator)
    qtbot.addWidget(dialog)
    assert dialog.tanggal.text() == f"{date.today():%d-%m-%Y}"
