import time

from PySide6.QtWidgets import QFileDialog, QPushButton

from app.registry import importer
from app.registry.batches import list_batches
from app.registry.fields import ExtractKind
from app.registry.search import count_people, search_people
from app.screening.registry_index import read_saved_index, registry_state
from tests.factories import DTKS_HEADERS, dtks_rows, people, write_csv
from ui.main_window import MainWindow
from ui.registry.import_wizard import ImportWizard


def _wizard(qtbot, db, user, kind=ExtractKind.DUKCAPIL):
    wizard = ImportWizard(db, user, kind)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _to_preview(qtbot, wizard, path):
    wizard.files_page.add_files([path])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    assert wizard.currentPage() is wizard.preview_page


def test_wizard_imports_a_csv_end_to_end_and_people_appear(
    qtbot, office_db, operator, tmp_path, message_boxes
):
    records = people(5)
    bad = records[0].but(nik="75010112")  # refused: 8 digits
    path = write_csv(tmp_path / "dukcapil.csv", [*records, bad])
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
    wizard = window.start_import(ExtractKind.DUKCAPIL)
    wizard.files_page.add_files([path])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    assert wizard.mapping_page.mapping()["nik"] == "nik"
    assert wizard.mapping_page.isComplete()
    assert "dukcapil.csv" in wizard.mapping_page.info.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    page = wizard.preview_page
    assert page.stats["added"].value.text() == "15"
    assert page.stats["refused_rows"].value.text() == "1"
    assert page.issues_model.rowCount() == len(wizard.preview.issues) >= 1
    assert count_people(office_db.unit_of_work(), operator) == 0  # nothing written before commit
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.busy, timeout=10000)
    assert "Tersimpan sebagai impor #" in wizard.commit_page.message.text()
    wizard.accept()
    assert count_people(office_db.unit_of_work(), operator) == 15
    assert search_people(office_db.unit_of_work(), operator, records[1].nik).ids
    assert window.pages["registry"].model.rowCount() == 15  # refreshed after the import
    assert window.pages["import"].table.rowCount() == 1
    assert not [m for m in message_boxes if m[0] in ("warning", "critical")]
    # The matching index of the new registry was built and saved with the import, not left to the first
    # screening.
    with office_db.engine.connect() as connection:
        assert read_saved_index(office_db.engine, registry_state(connection)).size == 15


def test_cancelling_the_wizard_after_the_preview_changes_nothing(qtbot, office_db, operator, tmp_path):
    wizard = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, wizard, write_csv(tmp_path / "dukcapil.csv", people(3)))
    closed = []
    original_close = wizard.job.close
    wizard.job.close = lambda: (closed.append(True), original_close())
    wizard.reject()
    assert closed
    assert count_people(office_db.unit_of_work(), operator) == 0
    assert list_batches(office_db.unit_of_work(), operator) == []


def test_batal_during_preparation_stops_and_changes_nothing(
    qtbot, office_db, operator, tmp_path, message_boxes, monkeypatch
):
    wizard = _wizard(qtbot, office_db, operator)
    path = write_csv(tmp_path / "dukcapil.csv", people(3))
    wizard.files_page.add_files([path])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    original = importer.RegistryImport.prepare

    def slow_prepare(job, mapping=None, progress=importer.NO_PROGRESS, mark_missing=True):
        deadline = time.monotonic() + 5  # hold the worker (not the GUI thread) until Batal is pressed
        while not progress.cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return original(job, mapping, progress, mark_missing)

    monkeypatch.setattr(importer.RegistryImport, "prepare", slow_prepare)
    wizard.next()
    assert wizard.busy
    batal = wizard.background.dialog.findChild(QPushButton)
    assert batal.text() == "Batal"
    batal.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=5000)
    assert wizard.currentPage() is wizard.mapping_page
    assert message_boxes and "Dibatalkan" in message_boxes[-1][2]
    wizard.reject()
    assert count_people(office_db.unit_of_work(), operator) == 0


def test_missing_required_column_blocks_the_mapping_page(qtbot, office_db, operator, tmp_path):
    headers = ["NOMOR INDUK", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "kode_desa"]
    records = [{"NOMOR INDUK": r.nik, **{h: getattr(r, h) for h in headers[1:]}} for r in people(2)]
    wizard = _wizard(qtbot, office_db, operator)
    wizard.files_page.add_files([write_csv(tmp_path / "lain.csv", records, headers)])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    page = wizard.mapping_page
    assert not page.isComplete() and "NIK" in page.missing.text()
    page.set_column("nik", "NOMOR INDUK")
    assert page.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    assert wizard.preview.added == 6
    wizard.reject()


def test_second_import_of_same_file_remembers_mapping_and_says_so(qtbot, office_db, operator, tmp_path):
    path = write_csv(tmp_path / "dukcapil.csv", people(2))
    first = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, first, path)
    first.next()
    qtbot.waitUntil(lambda: first.result is not None and not first.busy, timeout=10000)
    first.accept()
    again = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, again, path)
    assert again.plan.remembered and "diingat" in again.mapping_page.info.text()
    assert "sudah pernah diimpor" in again.preview_page.note.text()
    assert "Tidak ada yang perlu disimpan" in again.preview_page.note.text()
    again.reject()


def test_dtks_import_records_source_and_exports_issues(
    qtbot, office_db, operator, tmp_path, monkeypatch, message_boxes
):
    records = people(3)
    rows = dtks_rows(records, desil=2)
    rows[0]["desil"] = "12"  # refused
    path = write_csv(tmp_path / "dtsen.csv", rows, DTKS_HEADERS)
    wizard = _wizard(qtbot, office_db, operator, ExtractKind.DTKS)
    assert wizard.files_page.source_box.isVisibleTo(wizard)
    wizard.files_page.findChild(type(wizard.files_page.source_group.buttons()[0]), "source_DTSEN").setChecked(
        True
    )
    _to_preview(qtbot, wizard, path)
    assert wizard.mapping_page.mapping()["program:pkh"] == "pkh"
    out = tmp_path / "masalah.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "Excel (*.xlsx)"))
    wizard.preview_page.export_button.click()
    assert out.exists() and message_boxes[-1][1] == "Ekspor selesai"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.busy, timeout=10000)
    wizard.accept()
    batch = list_batches(office_db.unit_of_work(), operator)[0]
    assert batch.source_label == "DTSEN" and batch.added == len(rows) - 1 and batch.refused == 1


def test_a_file_of_additions_marks_nobody_missing_when_the_box_is_ticked(
    qtbot, office_db, operator, tmp_path
):
    first = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, first, write_csv(tmp_path / "lengkap.csv", people(3)))
    first.next()
    qtbot.waitUntil(lambda: first.result is not None and not first.busy, timeout=10000)
    first.accept()
    newcomers = write_csv(tmp_path / "baru.csv", people(4)[-3:])
    complete = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, complete, newcomers)
    assert complete.preview_page.stats["gone"].value.text() == "9"
    assert "akan ditandai hilang" in complete.preview_page.note.text()
    complete.reject()
    additions = _wizard(qtbot, office_db, operator)
    additions.files_page.additions_only.setChecked(True)
    _to_preview(qtbot, additions, newcomers)
    assert additions.preview_page.stats["gone"].value.text() == "0"
    assert additions.preview_page.stats["added"].value.text() == "3"
    additions.reject()


def test_the_preview_speaks_in_words_wraps_reasons_and_offers_no_save_when_nothing_changes(
    qtbot, office_db, operator, tmp_path
):
    records = people(2)
    records[0] = records[0].but(tgl_lahir="1950-01-01")  # differs from the NIK: flagged
    path = write_csv(tmp_path / "d.csv", records)
    wizard = _wizard(qtbot, office_db, operator)
    wizard.files_page.add_files([path])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=5000)
    mapping = wizard.mapping_page.table
    shown = {
        mapping.item(r, c).text()
        for r in range(mapping.rowCount())
        for c in range(mapping.columnCount())
        if mapping.item(r, c)
    }
    assert "hubungan_keluarga" not in shown and "Hubungan keluarga" in {t.rstrip(" *") for t in shown}
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.busy, timeout=10000)
    page = wizard.preview_page
    assert page.issues.wordWrap()
    model = page.issues_model
    assert model.data(model.index(0, 2)) == "Tanggal lahir" and model.data(model.index(0, 3)) == "01-01-1950"
    assert page.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=10000)
    wizard.close()

    again = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, again, path)
    assert again.preview.nothing_to_do
    assert not again.preview_page.isComplete()  # "Simpan ke registri" stays disabled


def test_the_last_step_has_a_subtitle_and_the_problem_rows_to_export(qtbot, office_db, operator, tmp_path):
    records = people(2)
    records[0] = records[0].but(tgl_lahir="1950-01-01")  # flagged
    wizard = _wizard(qtbot, office_db, operator)
    _to_preview(qtbot, wizard, write_csv(tmp_path / "d.csv", records))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=10000)
    page = wizard.commit_page
    assert page.subTitle()
    assert page.issues_panel.isVisibleTo(page) and page.issues_panel.model.rowCount() == 1
    assert page.issues_panel.export_button.isEnabled()


def test_a_dtsen_family_file_is_recognised_by_its_headers_and_imported(qtbot, office_db, operator, tmp_path):
    records = people(2)
    dukcapil = importer.RegistryImport(
        office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", records)]
    )
    dukcapil.inspect()
    dukcapil.prepare()
    dukcapil.commit()
    headers = ["nomor_kartu_keluarga", "desil_nasional", "desil_provinsi", "desil_kabupaten_kota"]
    path = write_csv(
        tmp_path / "dtsen_keluarga.csv",
        [dict(zip(headers, (records[0].no_kk, "2", "3", "4"), strict=True))],
        headers,
        delimiter="|",
    )
    wizard = _wizard(qtbot, office_db, operator, ExtractKind.DTKS)
    _to_preview(qtbot, wizard, path)
    assert "berkas keluarga DTSEN" in wizard.mapping_page.info.text()
    assert wizard.mapping_page.mapping() == {
        "no_kk": "nomor_kartu_keluarga",
        "desil": "desil_nasional",
        "desil_provinsi": "desil_provinsi",
        "desil_kabupaten_kota": "desil_kabupaten_kota",
    }
    assert wizard.preview.added == 3  # the KK's three members
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None and not wizard.busy, timeout=10000)
    wizard.accept()
    batch = list_batches(office_db.unit_of_work(), operator)[0]
    assert (batch.source_label, batch.added) == ("DTSEN", 3)
