"""Reviewing a screened proposal list: verdict colours, filters with counts, the row beside its registry record
with the rule of each flag, decisions that need a reason and are audited, a correction that re-screens at once,
and the export for the desa (Pergub 52/2020 Pasal 6: filterisasi and pemadanan with Dukcapil)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from app.auth.roles import Role
from app.screening.flags import Verdict
from app.screening.programs import create_program, create_proposal_list
from app.screening.proposal_entry import add_proposal
from app.screening.proposal_import import ProposalImport
from app.screening.results import RESULT_COLUMNS
from app.screening.service import screen_list
from db.models import AuditEntry, ProposalDecision
from tests.conftest import make_user
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, PersonRecord, write_csv
from tests.ui.conftest import import_people
from ui.main_window import MainWindow
from ui.screening.dialogs import CorrectionDialog, ReasonDialog
from ui.screening.look import LEVEL_BACKGROUNDS, VERDICT_BACKGROUNDS, VERDICT_COLOURS
from ui.screening.results_model import COLUMNS
from ui.screening.results_page import ResultsPage
from ui.style import REFUSED_COLOUR

HEADERS = ["No", "NIK", "Nama", "Tgl Lahir", "JK", "Alamat", "Kode Desa", "Keterangan"]
NOT_REGISTERED = {
    "NIK": "7501015402900099",
    "Nama": "Humaira Polapa",
    "Tgl Lahir": "14-02-1990",
    "JK": "P",
    "Alamat": "Dusun II",
    "Kode Desa": DESA_LIMBOTO,
}


def proposal(person: PersonRecord, **cells: str) -> dict[str, str]:
    """A registered person as a desa types them: title case, dd-mm-yyyy, RT/RW in the address."""
    row = {
        "NIK": person.nik,
        "Nama": person.nama.title(),
        "Tgl Lahir": f"{date.fromisoformat(person.tgl_lahir):%d-%m-%Y}",
        "JK": person.jenis_kelamin,
        "Alamat": f"{person.alamat.title()} RT {int(person.rt)}/RW {int(person.rw)}",
        "Kode Desa": person.kode_desa,
    }
    return row | cells


def mistyped(nik: str) -> str:
    """The NIK with its last digit changed: one slip of the finger."""
    return nik[:-1] + str((int(nik[-1]) + 1) % 10)


def proposal_rows(registry: list[PersonRecord]) -> list[dict[str, str]]:
    rows = [
        proposal(registry[0], Keterangan="lansia"),  # 2: exact
        proposal(registry[3], NIK=mistyped(registry[3].nik)),  # 3: NIK one digit off
        proposal(registry[6], NIK=""),  # 4: no NIK
        proposal(registry[9]),  # 5: dead since the last extract
        proposal(registry[0], Keterangan="diusulkan ulang"),  # 6: the same person as row 2
        NOT_REGISTERED,  # 7: not in the registry
        proposal(registry[12]),  # 8: exact
    ]
    return [{"No": str(n)} | row for n, row in enumerate(rows, start=1)]


def write_proposals(path, registry) -> object:
    return write_csv(path, proposal_rows(registry), HEADERS)


def mark_dead(db, user, folder, registry) -> None:
    """A newer Dukcapil extract in which registry[9] died."""
    changed = [
        p.but(status="meninggal", tgl_status="2025-01-10") if i == 9 else p for i, p in enumerate(registry)
    ]
    import_people(db, user, folder / "dukcapil_baru.csv", changed)


def make_program(db, user):
    return create_program(
        db.unit_of_work(),
        user,
        nama="Bantuan Sembako Lansia",
        sumber_dana="APBD_KABKOTA",
        tahun=2026,
        opd="Dinas Sosial Kab. Gorontalo",
        kode_wilayah="7501",
    )


def import_list(db, user, path, program_id) -> int:
    job = ProposalImport(db, user, [path], program_id, "Usulan Kayubulan", "Desa Kayubulan", "")
    job.inspect()
    job.prepare()
    return job.commit()


@pytest.fixture
def screened(office_db, operator, registry, tmp_path):
    mark_dead(office_db, operator, tmp_path, registry)
    program = make_program(office_db, operator)
    list_id = import_list(office_db, operator, write_proposals(tmp_path / "usulan.csv", registry), program.id)
    screen_list(office_db, operator, list_id)
    return list_id


@pytest.fixture
def page(qtbot, office_db, operator, screened):
    page = ResultsPage(office_db, operator)
    qtbot.addWidget(page)
    page.resize(1400, 850)
    page.show()
    page.open_list(screened)
    return page


def position_of_baris(page, baris: int) -> int:
    return next(p for p in range(page.model.rowCount()) if page.model.row_at(p).baris == baris)


def select_baris(page, baris: int) -> None:
    page.select_position(position_of_baris(page, baris))


def wait_for_job(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=15000)


def audit_actions(db) -> list[str]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_rows_are_coloured_by_verdict_and_counted(page):
    model = page.model
    assert model.rowCount() == 7
    verdicts = {model.row_at(p).baris: model.row_at(p).hasil for p in range(7)}
    assert verdicts[2] == verdicts[8] == Verdict.PASS
    assert verdicts[3] == Verdict.CHECK
    assert verdicts[5] == verdicts[6] == verdicts[7] == Verdict.FAIL
    dead = position_of_baris(page, 5)
    hasil = COLUMNS.index("hasil")
    assert (
        model.data(model.index(dead, 0), Qt.ItemDataRole.BackgroundRole) == VERDICT_BACKGROUNDS[Verdict.FAIL]
    )
    assert (
        model.data(model.index(dead, hasil), Qt.ItemDataRole.ForegroundRole) == VERDICT_COLOURS[Verdict.FAIL]
    )
    assert model.data(model.index(dead, hasil)) == "TIDAK LOLOS"
    exact = position_of_baris(page, 2)
    assert (
        model.data(model.index(exact, 0), Qt.ItemDataRole.BackgroundRole) == VERDICT_BACKGROUNDS[Verdict.PASS]
    )
    assert page.cards["rows"].value.text() == "7"
    assert page.cards[Verdict.FAIL.value].value.text() == "3"
    assert "Meninggal (1)" in page.flag_strip.text()


def test_filtering_by_flag_verdict_and_desa_narrows_the_rows(page):
    labels = [page.flag_filter.itemText(i) for i in range(page.flag_filter.count())]
    assert "Meninggal (1)" in labels and "Ganda dalam daftar (1)" in labels
    page.flag_filter.setCurrentIndex(page.flag_filter.findData("MENINGGAL"))
    assert page.model.rowCount() == 1 and page.model.row_at(0).baris == 5
    assert page.shown_label.text() == "1 dari 7 baris"
    assert page.detail.detail.row.baris == 5  # the only row shown is the one reviewed
    page.clear_filters()
    page.verdict_filter.setCurrentIndex(page.verdict_filter.findData(Verdict.FAIL.value))
    assert {page.model.row_at(p).baris for p in range(page.model.rowCount())} == {5, 6, 7}
    page.clear_filters()
    assert page.desa_filter.itemText(1).startswith("Kel. Kayubulan, Kec. Limboto (7)")
    page.desa_filter.setCurrentIndex(1)
    assert page.model.rowCount() == 7
    page.filter_by_flag("TIDAK_DITEMUKAN")  # a link of the flag strip
    assert [page.model.row_at(p).baris for p in range(page.model.rowCount())] == [7]


def test_the_detail_pane_shows_both_sides_the_differing_nik_and_the_rule(page, registry):
    select_baris(page, 3)
    pane = page.detail
    assert pane.title.text() == registry[3].nama.title()
    assert pane.badge.text() == "PERLU CEK"
    compare = pane.compare
    assert compare.horizontalHeaderItem(2).text() == "Registri Dukcapil"
    assert compare.item(0, 1).text() == mistyped(registry[3].nik)  # what the desa wrote
    assert compare.item(0, 2).text() == registry[3].nik  # what Dukcapil holds
    assert compare.item(0, 1).background().color().name() in (
        LEVEL_BACKGROUNDS["mirip"],
        LEVEL_BACKGROUNDS["beda"],
    )
    assert compare.item(1, 2).text() == registry[3].nama
    flags = pane.flags.text()
    assert "NIK salah ketik" in flags and "Pergub Gorontalo 52/2020 Pasal 6 ayat (1)" in flags
    assert "NIK berbeda satu angka" in pane.evidence.text()
    assert "lansia" not in pane.input.text() and "Kayubulan" not in pane.title.text()

    select_baris(page, 5)
    assert "Meninggal" in pane.flags.text() and "Pasal 1 angka 14" in pane.flags.text()
    assert "Meninggal sejak 10-01-2025" in pane.compare.item(7, 2).text()


def test_a_decision_needs_a_reason_and_is_audited_and_keeps_the_selection(
    qtbot, page, office_db, message_boxes, monkeypatch
):
    select_baris(page, 3)
    proposal_id = page.detail.detail.row.proposal_id
    answers = iter(["", "Sudah dicek ke kantor desa: NIK di usulan salah ketik satu angka."])
    seen = []

    def answer(dialog):
        dialog.text.setPlainText(next(answers))
        dialog.ok_button.click()
        seen.append((dialog.error_label.isVisibleTo(dialog), dialog.error_label.text()))
        return dialog.result()

    monkeypatch.setattr(ReasonDialog, "exec", answer)
    page.detail.accept_button.click()
    assert seen[-1] == (True, "Tuliskan alasan keputusan ini.")
    assert not page.busy
    with office_db.sessions() as session:
        assert session.scalars(select(ProposalDecision)).first() is None

    page.detail.accept_button.click()
    assert seen[-1][0] is False
    wait_for_job(qtbot, page)
    assert page.current_proposal_id() == proposal_id
    row = page.detail.detail.row
    assert row.keputusan == "accepted"
    assert "Diterima" in page.detail.decision_note.text()
    assert "salah ketik satu angka" in page.detail.history.text()
    assert "penyaringan.keputusan.accepted" in audit_actions(office_db)
    assert page.cards["decided"].value.text() == "1"
    assert not [m for m in message_boxes if m[0] in ("warning", "critical")]


def test_choosing_another_candidate_without_picking_one_says_what_to_do(page, message_boxes):
    select_baris(page, 7)
    page.request_decision("chosen", 0)
    assert message_boxes and "Pilih calon ini" in message_boxes[-1][2]
    assert not page.busy


def test_correcting_a_mistyped_nik_rescreens_the_row_at_once(qtbot, page, office_db, registry, monkeypatch):
    page.verdict_filter.setCurrentIndex(page.verdict_filter.findData(Verdict.CHECK.value))
    select_baris(page, 3)

    def fix(dialog):
        assert dialog.nik.text() == mistyped(registry[3].nik)
        dialog.nik.setText(registry[3].nik)
        dialog.reason.setText("NIK dicocokkan dengan KK yang dibawa pengusul.")
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(CorrectionDialog, "exec", fix)
    page.detail.correct_button.click()
    wait_for_job(qtbot, page)
    row = page.detail.detail.row
    assert (row.baris, row.nik, row.hasil) == (3, registry[3].nik, Verdict.PASS)
    # No longer "perlu cek", yet still in view: the row being reviewed stays selected.
    assert page.model.rowCount() == 1 and page.current_proposal_id() == row.proposal_id
    assert "proposal.correct" in audit_actions(office_db)
    assert "Diperbaiki" in page.detail.history.text()


def test_export_writes_the_input_columns_then_the_results(qtbot, page, tmp_path, message_boxes, monkeypatch):
    out = tmp_path / "hasil.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "CSV (*.csv)"))
    page.export_csv_button.click()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=10000)
    assert message_boxes[-1][1] == "Ekspor selesai"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADERS + list(RESULT_COLUMNS)
    assert len(rows) == 8
    by_baris = {r[len(HEADERS)]: r for r in rows[1:]}
    assert by_baris["2"][HEADERS.index("Keterangan")] == "lansia"
    assert by_baris["5"][len(HEADERS) + 1] == "TIDAK_LOLOS" and "MENINGGAL" in by_baris["5"][len(HEADERS) + 4]
    assert by_baris["6"][len(HEADERS) + 5] == "2"  # duplikat_dari


def test_the_main_window_opens_a_list_on_the_results_page(qtbot, office_db, operator, screened):
    window = MainWindow(office_db, operator)
    qtbot.addWidget(window)
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
        "Sinkronisasi",
    ]
    page = window.open_results(screened)
    assert window.stack.currentWidget() is page
    assert page.proposal_list.id == screened and page.model.rowCount() == 7


def test_the_english_screen_speaks_english(qtbot, office_db, operator, screened):
    from app.i18n import set_language

    set_language("en")
    page = ResultsPage(office_db, operator)
    qtbot.addWidget(page)
    page.open_list(screened)
    select_baris(page, 5)
    assert page.model.headerData(1, Qt.Orientation.Horizontal) == "Result"
    assert page.detail.badge.text() == "FAIL"
    assert "Deceased" in page.detail.flags.text()


def test_picking_another_candidate_links_the_row_to_that_person(
    qtbot, page, office_db, operator, screened, registry, monkeypatch
):
    from app.screening.proposal_entry import add_proposal

    # Only a name, and two registered MUHAMMAD LASENA (households 0 and 8): screening cannot tell them apart.
    namesakes = [p for p in registry if p.nama == registry[0].nama]
    assert len(namesakes) == 2
    added = add_proposal(office_db.unit_of_work(), operator, screened, {"nama": registry[0].nama.title()})
    screen_list(office_db, operator, screened, scope="row")
    page.open_list(screened)
    page.select_proposal(added.id)
    pane = page.detail
    assert pane.badge.text() == "PERLU CEK" and pane.choose_buttons
    person_id, button = next(iter(pane.choose_buttons.items()))
    chosen_nik = next(c["nik"] for c in pane.detail.detail["candidates"] if c["person_id"] == person_id)

    def answer(dialog):
        dialog.text.setPlainText("Tanggal lahir dicek di KK: yang dimaksud orang ini.")
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(ReasonDialog, "exec", answer)
    button.click()
    wait_for_job(qtbot, page)
    row = page.detail.detail.row
    assert (row.proposal_id, row.keputusan, row.nik_padan) == (added.id, "chosen", chosen_nik)
    assert "penyaringan.keputusan.chosen" in audit_actions(office_db)


def test_a_person_outside_the_operators_region_is_shown_withheld_and_cannot_be_accepted(
    qtbot, office_db, operator, kecamatan_operator, tmp_path
):
    from app.screening.programs import create_proposal_list
    from app.screening.proposal_entry import add_proposal
    from app.screening.results import result_detail
    from tests.app.screening.test_engine import REGISTRY, TELAGA, import_registry, registry_dtks
    from ui.screening.result_detail import ResultDetailPane

    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    list_id = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    person = TELAGA[0]
    row = add_proposal(
        office_db,
        kecamatan_operator,
        list_id,
        {"nama": person.nama.title(), "tgl_lahir": f"{date.fromisoformat(person.tgl_lahir):%d-%m-%Y}"},
    )
    screen_list(office_db, kecamatan_operator, list_id)
    pane = ResultDetailPane()
    qtbot.addWidget(pane)
    pane.resize(620, 760)
    pane.show()
    pane.set_editable(True)
    pane.show_detail(result_detail(office_db, kecamatan_operator, row.id))
    registered = {
        pane.compare.item(r, 0).text(): pane.compare.item(r, 2).text() for r in range(pane.compare.rowCount())
    }
    assert registered["NIK"] == person.nik[:6] + "******" + person.nik[-4:]
    assert registered["Nama"] == person.nama
    for label in ("Tgl lahir", "Alamat", "No. KK", "Status", "DTKS/DTSEN"):
        assert registered[label] == "tidak ditampilkan", label
    assert "di luar wilayah Anda" in pane.compare.horizontalHeaderItem(2).text()
    assert "Di luar wilayah kerja Anda" in pane.flags.text()
    assert not pane.accept_button.isEnabled() and pane.reject_button.isEnabled()
    pane.grab().save("/tmp/access-detail-outside.png")


def test_a_masked_registered_nik_is_not_painted_as_differing_from_the_nik_written(
    qtbot, office_db, admin, registry
):
    """An operator of Kec. Telaga proposes people registered in Kec. Limboto: their registered NIK is shown
    masked, and the proposal's NIK, written right, is not red for it; a NIK slip still is."""
    outsider = make_user(office_db, admin, "op_telaga", Role.OPERATOR, DESA_TELAGA[:6])
    list_id = create_proposal_list(office_db, outsider, None, "Usulan Bulila", "Desa Bulila", DESA_TELAGA)
    add_proposal(office_db, outsider, list_id, {"nik": registry[0].nik, "nama": registry[0].nama.title()})
    slip = mistyped(registry[3].nik)
    add_proposal(office_db, outsider, list_id, {"nik": slip, "nama": registry[3].nama.title()})
    screen_list(office_db, outsider, list_id)
    view = ResultsPage(office_db, outsider)
    qtbot.addWidget(view)
    view.open_list(list_id)
    nik_column = COLUMNS.index("nik")
    shown = {}
    for position in range(view.model.rowCount()):
        row = view.model.row_at(position)
        colour = view.model.index(position, nik_column).data(Qt.ItemDataRole.ForegroundRole)
        shown[row.nik] = (row.nik_padan, colour)
    assert shown[registry[0].nik] == (registry[0].nik[:6] + "******" + registry[0].nik[-4:], None)
    assert "*" in shown[slip][0] and shown[slip][1] == REFUSED_COLOUR


def test_a_computed_match_is_never_shown_as_certain(page, registry):
    """The matcher leaves a share of the odds to "nobody here": even an exact match reads below 100 %; only an
    operator's decision is certain."""
    exact = next(row for row in page.model.rows if row.baris == 2)
    assert exact.nik_padan == registry[0].nik and 0.999 <= exact.skor_padan < 1
    shown = page.model.text_of(exact, "skor")
    assert shown.startswith("99,") and shown.endswith("\u00a0%")
