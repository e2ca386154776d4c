from PySide6.QtCore import Qt

from app.registry.search import count_people
from tests.factories import DESA_TELAGA, people
from tests.ui.conftest import import_people
from ui.main_window import MainWindow
from ui.registry import people_model
from ui.registry.people_model import COLUMNS, PersonTableModel
from ui.registry.person_detail import household_row_ids
from ui.registry.registry_page import RegistryPage


def _column(name: str) -> int:
    return COLUMNS.index(name)


def test_model_row_count_is_count_people_and_rows_come_from_the_database(
    qtbot, office_db, operator, registry
):
    model = PersonTableModel(office_db, operator)
    model.show_all()
    assert model.rowCount() == count_people(office_db.unit_of_work(), operator) == len(registry)
    shown = {model.data(model.index(row, _column("nik"))) for row in range(model.rowCount())}
    assert shown == {r.nik for r in registry}
    first = next(r for r in registry if r.nik == model.data(model.index(0, _column("nik"))))
    assert model.data(model.index(0, _column("nama"))) == first.nama
    assert model.data(model.index(0, _column("status"))) == "Hidup"


def test_model_fetches_pages_on_demand_and_keeps_few(qtbot, office_db, operator, registry, monkeypatch):
    monkeypatch.setattr(people_model, "PAGE_SIZE", 5)
    monkeypatch.setattr(people_model, "CACHED_PAGES", 2)
    model = PersonTableModel(office_db, operator)
    model.show_all()
    assert model.fetches == 0  # counting reads no rows
    niks = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    assert len(set(niks)) == len(registry)
    assert model.fetches == -(-len(registry) // 5)
    assert len(model._pages) == 2
    assert model.data(model.index(len(registry) - 1, 0)) == niks[-1]  # a jump reads by offset
    assert model.data(model.index(0, 0)) == niks[0]


def test_typing_a_name_or_nik_filters_the_table(qtbot, office_db, operator, registry):
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    assert page.model.rowCount() == len(registry)
    assert "36 penduduk" in page.count_label.text()
    lasena = [r for r in registry if "LASENA" in r.nama]
    qtbot.keyClicks(page.search, "lasena")
    qtbot.waitUntil(lambda: page.model.rowCount() == len(lasena), timeout=2000)
    names = {page.model.data(page.model.index(row, _column("nama"))) for row in range(page.model.rowCount())}
    assert names == {r.nama for r in lasena}
    page.search.setText(registry[4].nik)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=2000)
    assert page.model.data(page.model.index(0, _column("nik"))) == registry[4].nik
    page.search.setText("tidak ada orang begini")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=2000)
    assert "Tidak ada yang cocok" in page.count_label.text()
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == len(registry), timeout=2000)


def test_selecting_a_row_fills_the_detail_pane_with_the_household(qtbot, office_db, operator, registry):
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    page.search.setText(registry[0].nik)
    page.run_search()
    page.table.selectRow(0)
    detail = page.detail.detail
    assert detail is not None and detail.person.nik == registry[0].nik
    assert page.detail.name.text() == registry[0].nama
    household = [r for r in registry if r.no_kk == registry[0].no_kk]
    niks = {page.detail.household.item(row, 0).text() for row in range(page.detail.household.rowCount())}
    assert niks == {r.nik for r in household}
    assert "Kec. Limboto" in page.detail.fields["wilayah"].text()
    assert "Tidak terdaftar di DTKS/DTSEN" in page.detail.dtks.text()


def test_clicking_a_household_member_opens_that_member(qtbot, office_db, operator, registry):
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    page.open_person(page.model.person_at(0).id)
    ids = household_row_ids(page.detail)
    other_row = next(i for i, pid in enumerate(ids) if pid != page.detail.detail.person.id)
    page.detail.household.cellClicked.emit(other_row, 1)
    assert page.detail.detail.person.id == ids[other_row]


def test_missing_and_dead_people_are_marked(qtbot, office_db, operator, registry, tmp_path):
    changed = [registry[0].but(status="meninggal", tgl_status="2024-05-01"), *registry[1:-1]]  # last one gone
    import_people(office_db, operator, tmp_path / "baru.csv", changed)
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    page.search.setText(registry[-1].nik)
    page.run_search()
    status = page.model.index(0, _column("status"))
    assert "tidak ada di ekstrak terbaru" in page.model.data(status)
    assert page.model.data(status, Qt.ItemDataRole.BackgroundRole) is not None
    page.search.setText(registry[0].nik)
    page.run_search()
    assert page.model.data(page.model.index(0, _column("status"))) == "Meninggal"
    page.table.selectRow(0)
    assert "Meninggal sejak 01-05-2024" in page.detail.fields["status"].text()
    assert "Diubah" in page.detail.history.text()


def test_operator_of_one_kecamatan_sees_only_that_kecamatan(
    qtbot, office_db, operator, kecamatan_operator, tmp_path
):
    import_people(office_db, operator, tmp_path / "dua.csv", people(2) + people(2, kode_desa=DESA_TELAGA))
    page = RegistryPage(office_db, kecamatan_operator)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 6 and count_people(office_db.unit_of_work(), operator) == 12
    assert all(page.model.person_at(row).kode_desa.startswith("750101") for row in range(6))


def test_main_window_shows_pages_by_role(qtbot, office_db, admin, operator, guest):
    window = MainWindow(office_db, admin)
    qtbot.addWidget(window)
    assert window.windowTitle() == f"e-JPS Desktop — {office_db.office.name}"
    assert window.page_titles() == [
        "Registri",
        "Impor",
        "Program & usulan",
        "Hasil penyaringan",
        "SK Penetapan",
        "Realisasi",
        "Form 1",
        "Ringkasan",
        "Monitoring",
        "Pengguna",
        "Audit",
        "Sinkronisasi",
    ]
    assert "Admin" in window.status_text() and "Kabupaten Gorontalo (7501)" in window.status_text()
    operator_window = MainWindow(office_db, operator)
    qtbot.addWidget(operator_window)
    assert operator_window.page_titles() == [
        "Registri",
        "Impor",
        "Program & usulan",
        "Hasil penyaringan",
        "SK Penetapan",
        "Realisasi",
        "Form 1",
        "Ringkasan",
        "Monitoring",
        "Sinkronisasi",
    ]


def test_guest_main_window_shows_only_the_published_figures(qtbot, office_db, guest, registry):
    window = MainWindow(office_db, guest)
    qtbot.addWidget(window)
    # Pergub 52/2020 Lampiran I-II: a guest monitors published figures (counts, no names).
    assert window.page_titles() == ["Ringkasan", "Monitoring", "Sinkronisasi"]
    assert not window.import_dukcapil_action.isEnabled()
    assert "Tamu" in window.status_text()
    summary = window.pages["summary"]
    assert summary.cards["people"].value.text() == "36"


def test_choosing_a_language_is_stored_for_the_next_start(qtbot, office_db, admin, message_boxes):
    from ui.settings import stored_language

    window = MainWindow(office_db, admin)
    qtbot.addWidget(window)
    window.language_actions["en"].trigger()
    assert stored_language() == "en"
    assert message_boxes and "dibuka kembali" in message_boxes[-1][2]


def test_a_far_jump_is_read_in_the_background_without_blocking(
    qtbot, office_db, operator, registry, monkeypatch
):
    monkeypatch.setattr(people_model, "PAGE_SIZE", 5)
    model = PersonTableModel(office_db, operator)
    model.show_all()
    expected = model.person_at(len(registry) - 1)  # the answer, read directly
    model = PersonTableModel(office_db, operator)
    model.show_all()
    last = model.index(len(registry) - 1, 0)
    assert model.data(last) == "…"  # not there yet: asked for in the background
    with qtbot.waitSignal(model.dataChanged, timeout=3000):
        pass
    assert model.data(last) == expected.nik


def test_a_new_search_that_does_not_find_the_shown_person_clears_the_pane(
    qtbot, office_db, operator, registry
):
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    shown = next(r for r in registry if "LASENA" not in r.nama)
    page.search.setText(shown.nik)
    page.run_search()
    assert page.detail.detail.person.nik == shown.nik
    assert len([r for r in registry if "LASENA" in r.nama]) > 1
    page.search.setText("lasena")
    page.run_search()
    assert page.detail.detail is None and not page.detail.body.isVisibleTo(page.detail)
