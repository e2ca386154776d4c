"""Programs and proposal lists in the GUI: a program made through its dialog, a proposal file imported through
the wizard (refused rows shown before anything is saved) and screened in a worker, a list typed NIK first, and
no screening page for a guest (Pergub 52/2020 Lampiran I–II)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.screening.programs import list_programs, list_proposal_lists
from app.screening.results import list_results
from db.models import AuditEntry
from tests.factories import write_csv
from tests.ui.test_screening_results import HEADERS, NOT_REGISTERED, make_program, mark_dead, proposal_rows
from ui.main_window import MainWindow
from ui.screening.dialogs import NewListDialog, ProgramDialog
from ui.screening.programs_page import ProgramsPage


def test_a_program_is_created_through_its_dialog(qtbot, office_db, operator, monkeypatch):
    page = ProgramsPage(office_db, operator)
    qtbot.addWidget(page)
    page.refresh()
    assert page.program_table.rowCount() == 0 and "Belum ada program" in page.hint.text()

    def fill(dialog):
        dialog.nama.setText("Bantuan Sembako Lansia 2026")
        dialog.opd.setText("Dinas Sosial Kab. Gorontalo")
        dialog.sumber_dana.setCurrentIndex(dialog.sumber_dana.findData("APBD_KABKOTA"))
        dialog.tahun.setValue(2026)
        dialog.jenis_bantuan.setText("Paket sembako")
        dialog.nilai.setText("300.000")
        dialog.kuota.setValue(250)
        dialog.region.set_region_code("750101")
        dialog.desil_min.setValue(1)
        dialog.desil_max.setValue(5)
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(ProgramDialog, "exec", fill)
    page.new_program_button.click()
    (program,) = list_programs(office_db.unit_of_work(), operator)
    assert (program.nama, program.sumber_dana, program.tahun, program.nilai_per_penerima, program.kuota) == (
        "Bantuan Sembako Lansia 2026",
        "APBD_KABKOTA",
        2026,
        300_000,
        250,
    )
    assert (program.kode_wilayah, program.desil_min, program.desil_max, program.hanya_dtks) == (
        "750101",
        1,
        5,
        False,
    )
    assert page.program_table.rowCount() == 1 and page.selected_program().id == program.id
    assert page.program_table.item(0, 4).text() == "Paket sembako · Rp 300.000"
    assert page.program_table.item(0, 7).text() == "desil 1–5"
    assert page.program_table.item(0, 3).text() == "APBD Kabupaten/Kota"

    def change(dialog):
        assert dialog.desil_acuan.currentData() == "nasional"
        dialog.nilai.setText("350.000")
        dialog.desil_acuan.setCurrentIndex(dialog.desil_acuan.findData("kabupaten_kota"))
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(ProgramDialog, "exec", change)
    page.edit_program_button.click()
    changed = list_programs(office_db.unit_of_work(), operator)[0]
    assert (changed.nilai_per_penerima, changed.desil_acuan) == (350_000, "kabupaten_kota")
    assert page.program_table.item(0, 7).text() == "desil 1–5 (kabupaten/kota)"
    with office_db.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("program.create") == 1 and actions.count("program.update") == 1


def test_an_operator_sees_an_existing_programs_quota_read_only_with_the_reason(qtbot, office_db, operator):
    new = ProgramDialog(office_db, operator)
    qtbot.addWidget(new)
    assert not new.kuota.isReadOnly() and new.kuota_note.isHidden()  # a new program may bring its quota
    program = make_program(office_db, operator)
    dialog = ProgramDialog(office_db, operator, program)
    qtbot.addWidget(dialog)
    assert dialog.kuota.isReadOnly() and dialog.kuota.value() == program.kuota
    assert not dialog.kuota_note.isHidden()
    assert dialog.kuota_note.text() == "Kuota program yang sudah ada hanya dapat diubah oleh admin."


def test_an_admin_changes_a_programs_quota_in_its_dialog(qtbot, office_db, admin, operator):
    program = make_program(office_db, operator)
    dialog = ProgramDialog(office_db, admin, program)
    qtbot.addWidget(dialog)
    assert not dialog.kuota.isReadOnly() and dialog.kuota_note.isHidden()
    dialog.kuota.setValue(program.kuota + 5)
    dialog.ok_button.click()
    assert dialog.saved.kuota == program.kuota + 5 == list_programs(office_db.unit_of_work(), admin)[0].kuota


def test_the_program_dialog_shows_a_refusal_inline(qtbot, office_db, operator):
    dialog = ProgramDialog(office_db, operator)
    qtbot.addWidget(dialog)
    dialog.ok_button.click()  # no name
    assert dialog.error_label.isVisibleTo(dialog) and "Nama program wajib diisi" in dialog.error_label.text()
    assert list_programs(office_db.unit_of_work(), operator) == []


def test_a_proposal_file_is_imported_through_the_wizard_and_screened(
    qtbot, office_db, operator, registry, tmp_path, message_boxes
):
    mark_dead(office_db, operator, tmp_path, registry)
    program = make_program(office_db, operator)
    rows = proposal_rows(registry) + [{"No": "8", "Alamat": "Dusun III", "Keterangan": "tanpa NIK dan nama"}]
    path = write_csv(tmp_path / "usulan_kayubulan.csv", rows, HEADERS)
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    page = window.show_page("programs")
    assert page.selected_program().id == program.id
    wizard = page.import_file()
    wizard.files_page.add_files([path])
    assert wizard.files_page.list_fields.nama.text() == "usulan kayubulan"
    wizard.files_page.list_fields.sumber.setText("Pemerintah Desa Kayubulan")
    wizard.files_page.list_fields.region.set_region_code("7501011001")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    mapping = wizard.mapping_page.mapping()
    assert (mapping["nik"], mapping["nama"], mapping["kode_desa"]) == ("NIK", "Nama", "Kode Desa")
    assert wizard.mapping_page.isComplete()
    wizard.mapping_page.set_column("nik", "")
    wizard.mapping_page.set_column("nama", "")
    assert not wizard.mapping_page.isComplete() and "NIK atau nama" in wizard.mapping_page.missing.text()
    wizard.mapping_page.set_column("nik", "NIK")
    wizard.mapping_page.set_column("nama", "Nama")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    preview_page = wizard.preview_page
    assert preview_page.stats["rows_read"].value.text() == "8"
    assert preview_page.stats["rows_refused"].value.text() == "1"
    assert preview_page.issues_model.rowCount() == 1
    assert list_proposal_lists(office_db.unit_of_work(), operator) == []  # nothing saved before the commit
    wizard.next()
    qtbot.waitUntil(lambda: wizard.list_id is not None and not wizard.busy, timeout=10000)
    assert "Tersimpan sebagai daftar usulan" in wizard.commit_page.message.text()
    assert wizard.commit_page.screen_now.isChecked()
    wizard.accept()
    qtbot.waitUntil(lambda: page.job is not None and not page.job.running, timeout=20000)
    results = window.pages["results"]
    assert window.stack.currentWidget() is results
    assert results.proposal_list.id == wizard.list_id and results.model.rowCount() == 7
    assert {r.hasil for r in list_results(office_db, operator, wizard.list_id)} == {
        "LOLOS",
        "TIDAK_LOLOS",
        "PERLU_CEK",
    }
    (listed,) = list_proposal_lists(office_db.unit_of_work(), operator, program.id)
    assert (listed.sumber, listed.kode_wilayah_sumber, listed.status) == (
        "Pemerintah Desa Kayubulan",
        "7501011001",
        "screened",
    )
    row = next(
        r for r in range(page.list_table.rowCount()) if page.list_table.item(r, 0).text() == listed.nama
    )
    assert page.list_table.item(row, 6).text() == str(listed.tidak_lolos)
    assert not [m for m in message_boxes if m[0] in ("warning", "critical")]


def test_a_list_is_typed_nik_first_and_enter_adds_the_row(qtbot, office_db, operator, registry, monkeypatch):
    program = make_program(office_db, operator)
    page = ProgramsPage(office_db, operator)
    qtbot.addWidget(page)
    page.refresh()

    def fill(dialog):
        dialog.fields.nama.setText("Usulan diketik")
        dialog.fields.sumber.setText("Kelurahan Kayubulan")
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(NewListDialog, "exec", fill)
    entry = page.new_typed_list()
    qtbot.addWidget(entry)
    qtbot.waitExposed(entry)
    person = registry[4]
    qtbot.keyClicks(entry.nik, person.nik)
    assert entry.nama.text() == person.nama  # filled from the registry as soon as 16 digits are typed
    assert entry.tgl_lahir.text() == "-".join(reversed(person.tgl_lahir.split("-")))
    assert entry.jenis_kelamin.currentData() == person.jenis_kelamin
    assert entry.desa.code() == person.kode_desa
    assert "Ada di registri" in entry.lookup_note.text()
    qtbot.keyClick(entry.nik, Qt.Key.Key_Return)
    assert entry.table.rowCount() == 1 and entry.table.item(0, 1).text() == person.nik
    assert entry.nik.text() == "" and entry.nama.text() == ""

    # Someone the registry does not know: typed by hand.
    qtbot.keyClicks(entry.nik, NOT_REGISTERED["NIK"])
    assert "tidak ada di registri" in entry.lookup_note.text() and entry.nama.text() == ""
    qtbot.keyClicks(entry.nama, NOT_REGISTERED["Nama"])
    qtbot.keyClicks(entry.tgl_lahir, "14-02-1990")
    entry.jenis_kelamin.setCurrentIndex(entry.jenis_kelamin.findData("P"))
    qtbot.keyClick(entry.nama, Qt.Key.Key_Return)
    assert entry.table.rowCount() == 2

    # An impossible date is refused on the spot, the row not added.
    qtbot.keyClicks(entry.nama, "Siti Tanpa Tanggal")
    qtbot.keyClicks(entry.tgl_lahir, "31-02-1950")
    qtbot.keyClick(entry.tgl_lahir, Qt.Key.Key_Return)
    assert entry.table.rowCount() == 2 and entry.error_label.isVisibleTo(entry)
    assert "Tgl lahir" in entry.error_label.text() or "Tanggal lahir" in entry.error_label.text()

    rows = list_results(office_db, operator, entry.proposal_list.id)
    assert [(r.baris, r.nik, r.nama) for r in rows] == [
        (1, person.nik, person.nama),
        (2, NOT_REGISTERED["NIK"], NOT_REGISTERED["Nama"]),
    ]
    entry.screen_button.click()
    qtbot.waitUntil(lambda: page.job is not None and not page.job.running, timeout=20000)
    verdicts = {r.baris: r.hasil for r in list_results(office_db, operator, entry.proposal_list.id)}
    assert verdicts == {1: "LOLOS", 2: "TIDAK_LOLOS"}
    assert page.selected_list().status == "screened" and page.list_table.item(0, 5).text() == "1"
    assert program.id == page.selected_program().id


def test_a_guest_gets_no_screening_page(qtbot, office_db, guest, operator, admin):
    window = MainWindow(office_db, guest)
    qtbot.addWidget(window)
    assert window.page_titles() == ["Ringkasan", "Monitoring", "Sinkronisasi"]
    assert "programs" not in window.pages and "results" not in window.pages
    admin_window = MainWindow(office_db, admin)
    qtbot.addWidget(admin_window)
    assert {"programs", "results"} <= set(admin_window.pages)


def test_batal_stops_a_screening_and_leaves_the_list_unscreened(
    qtbot, office_db, operator, registry, tmp_path, message_boxes, monkeypatch
):
    import time

    from PySide6.QtWidgets import QPushButton

    from app.screening import service
    from tests.ui.test_screening_results import import_list, write_proposals
    from ui.screening import programs_page

    program = make_program(office_db, operator)
    list_id = import_list(office_db, operator, write_proposals(tmp_path / "usulan.csv", registry), program.id)

    def slow_screen(db, user, chosen, progress=service.NO_PROGRESS, scope="list"):
        deadline = time.monotonic() + 5  # hold the worker (not the GUI thread) until Batal is pressed
        while not progress.cancelled() and time.monotonic() < deadline:
            progress.report(1, 10, "Menyaring…")
            time.sleep(0.01)
        return service.screen_list(db, user, chosen, progress, scope)

    monkeypatch.setattr(programs_page, "screen_list", slow_screen)
    page = ProgramsPage(office_db, operator)
    qtbot.addWidget(page)
    page.refresh(select_list=list_id)
    page.screen_button.click()
    assert page.job.running
    batal = page.job.dialog.findChild(QPushButton)
    assert batal.text() == "Batal"
    batal.click()
    qtbot.waitUntil(lambda: not page.job.running, timeout=10000)
    assert message_boxes and "Dibatalkan" in message_boxes[-1][2]
    (listed,) = list_proposal_lists(office_db.unit_of_work(), operator, program.id)
    assert listed.status == "draft" and listed.last_run_id is None
