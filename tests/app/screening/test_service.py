"""Screening use cases: a run is recorded with what it rested on, a correction or a decision re-screens the list,
and what may not be screened or seen is refused without leaving anything behind (Pergub 52/2020 Pasal 6;
Lampiran II: an operator works within their own region; a guest sees no personal record)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, Forbidden, NotFound
from app.jobs import Cancelled, Progress
from app.screening import service
from app.screening.engine import ENGINE_VERSION
from app.screening.programs import create_proposal_list
from app.screening.proposal_entry import add_proposal, delete_proposal, update_proposal
from app.screening.results import export_results, list_results, result_detail
from db.models import (
    AuditEntry,
    Person,
    Proposal,
    ProposalDecision,
    ProposalList,
    ScreeningResult,
    ScreeningRun,
)
from tests.app.screening.test_engine import (
    LIMBOTO,
    NOT_REGISTERED,
    REGISTRY,
    TELAGA,
    TWIN,
    by_baris,
    import_list,
    import_registry,
    proposal,
    registry_dtks,
    write_proposals,
)
from tests.app.screening.test_programs import make_outsider, make_program

MISTYPED_NIK = LIMBOTO[10].nik[:-1] + "3"


@pytest.fixture
def registry(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())


@pytest.fixture
def program(office_db, operator):
    return make_program(office_db, operator)


def new_list(db, user, tmp_path, rows, program_id=None, name="usulan"):
    return import_list(db, user, write_proposals(tmp_path / f"{name}.csv", rows), program_id, name)


def count(db, model, *where) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def audit(db, action):
    with db.sessions() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


def proposal_state(db, list_id):
    with db.sessions() as session:
        return [
            (p.baris, p.hasil, p.person_id, p.nik_padan, p.tanda, p.duplikat_dari, p.alasan, p.result_id)
            for p in session.scalars(
                select(Proposal).where(Proposal.list_id == list_id).order_by(Proposal.baris)
            )
        ]


# A run is recorded -------------------------------------------------------------------------------------------
def test_a_run_is_recorded_with_who_which_engine_settings_and_registry(
    office_db, operator, registry, program, tmp_path
):
    rows = [proposal(LIMBOTO[0]), proposal(LIMBOTO[10], NIK=MISTYPED_NIK), NOT_REGISTERED]
    list_id = new_list(office_db, operator, tmp_path, rows, program.id)
    summary = service.screen_list(office_db, operator, list_id)
    assert (summary.rows, summary.lolos, summary.tidak_lolos, summary.perlu_cek, summary.linked) == (
        3,
        1,
        1,
        1,
        2,
    )
    with office_db.sessions() as session:
        run = session.get(ScreeningRun, summary.run_id)
        assert (run.list_id, run.username, run.engine_version, run.scope) == (
            list_id,
            "operator",
            ENGINE_VERSION,
            "list",
        )
        assert {"link_probability", "sure_probability", "suggest_probability"} <= set(run.settings)
        assert run.registry_state["people"] == len(REGISTRY)
        assert set(run.registry_state["batches"]) == {"dukcapil", "dtks"}
        assert run.counts == {"LOLOS": 1, "TIDAK_LOLOS": 1, "PERLU_CEK": 1}
        assert run.finished_at is not None
        results = {
            r.proposal_id: r
            for r in session.scalars(select(ScreeningResult).where(ScreeningResult.run_id == run.id))
        }
        proposals = {p.baris: p for p in session.scalars(select(Proposal).where(Proposal.list_id == list_id))}
        listed = session.get(ProposalList, list_id)
        assert (listed.status, listed.last_run_id) == ("screened", run.id)
    assert len(results) == 3
    for p in proposals.values():
        assert p.result_id == results[p.id].id
        assert (p.hasil, p.tanda, p.nik_padan) == (
            results[p.id].hasil,
            results[p.id].tanda,
            results[p.id].nik_padan,
        )

    linked = results[proposals[3].id].detail
    assert [f["code"] for f in linked["flags"]] == ["NIK_SALAH_KETIK", "DTKS"]
    for flag in linked["flags"]:
        assert flag["rule"].startswith("Pergub Gorontalo 52/2020") and flag["message"]
    assert "NIK" in linked["flags"][0]["message"] and MISTYPED_NIK in linked["flags"][0]["message"]
    person = linked["person"]
    assert (person["nik"], person["nama"], person["status"], person["no_kk"]) == (
        LIMBOTO[10].nik,
        LIMBOTO[10].nama,
        "hidup",
        LIMBOTO[10].no_kk,
    )
    assert person["dtks"]["desil"] == 3
    assert {e["field"] for e in linked["evidence"]} >= {"nik", "nama", "tgl_lahir", "desa"}
    assert linked["candidates"][0]["nik"] == LIMBOTO[10].nik

    unlinked = results[proposals[4].id].detail
    assert unlinked["person"] is None and unlinked["evidence"] == []
    assert [f["code"] for f in unlinked["flags"]] == ["TIDAK_DITEMUKAN"]

    [entry] = audit(office_db, "penyaringan.jalankan")
    assert (entry.username, entry.entity, entry.entity_ref) == ("operator", "proposal_list", str(list_id))
    assert entry.after["run"] == run.id and entry.after["engine"] == ENGINE_VERSION
    assert (entry.after["LOLOS"], entry.after["TIDAK_LOLOS"], entry.after["PERLU_CEK"]) == (1, 1, 1)


def test_every_run_keeps_its_own_results_and_the_rows_show_the_latest(
    office_db, operator, registry, tmp_path
):
    list_id = new_list(office_db, operator, tmp_path, [proposal(LIMBOTO[0]), NOT_REGISTERED])
    first = service.screen_list(office_db, operator, list_id)
    second = service.screen_list(office_db, operator, list_id)
    assert second.run_id != first.run_id
    assert count(office_db, ScreeningRun) == 2
    assert count(office_db, ScreeningResult, ScreeningResult.run_id == first.run_id) == 2
    assert count(office_db, ScreeningResult, ScreeningResult.run_id == second.run_id) == 2
    with office_db.sessions() as session:
        latest = set(
            session.scalars(select(ScreeningResult.id).where(ScreeningResult.run_id == second.run_id))
        )
        assert {p[-1] for p in proposal_state(office_db, list_id)} == latest
    assert len(audit(office_db, "penyaringan.jalankan")) == 2


def test_a_list_without_a_program_is_screened_against_the_registry_alone(
    office_db, operator, registry, tmp_path
):
    list_id = new_list(office_db, operator, tmp_path, [proposal(LIMBOTO[0]), proposal(TELAGA[0])])
    rows = by_baris(office_db, operator, list_id)
    assert {r.hasil for r in rows.values()} == {""}  # not screened yet
    service.screen_list(office_db, operator, list_id)
    rows = by_baris(office_db, operator, list_id)
    assert (rows[2].hasil, rows[2].nik_padan) == ("LOLOS", LIMBOTO[0].nik)
    assert (rows[3].hasil, rows[3].nik_padan) == ("LOLOS", TELAGA[0].nik)


# Re-screening after a correction ------------------------------------------------------------------------------
def test_correcting_a_mistyped_nik_removes_the_flag_on_rescreen(
    office_db, operator, registry, program, tmp_path
):
    list_id = new_list(
        office_db,
        operator,
        tmp_path,
        [proposal(LIMBOTO[0]), proposal(LIMBOTO[10], NIK=MISTYPED_NIK)],
        program.id,
    )
    first = service.screen_list(office_db, operator, list_id)
    row = by_baris(office_db, operator, list_id)[3]
    assert "NIK_SALAH_KETIK" in row.tanda
    update_proposal(office_db, operator, row.proposal_id, {"nik": LIMBOTO[10].nik}, "NIK sesuai KTP")
    again = service.screen_list(office_db, operator, list_id, scope="row")
    row = by_baris(office_db, operator, list_id)[3]
    assert "NIK_SALAH_KETIK" not in row.tanda
    assert (row.hasil, row.nik, row.nik_padan) == ("LOLOS", LIMBOTO[10].nik, LIMBOTO[10].nik)
    with office_db.sessions() as session:
        assert session.get(ScreeningRun, again.run_id).scope == "row"
        # The first run still explains what was flagged then.
        earlier = session.scalars(
            select(ScreeningResult).where(
                ScreeningResult.run_id == first.run_id, ScreeningResult.proposal_id == row.proposal_id
            )
        ).one()
        assert "NIK_SALAH_KETIK" in earlier.tanda


def test_deleting_the_earlier_of_two_duplicate_rows_clears_the_duplicate_flag(
    office_db, operator, registry, tmp_path
):
    list_id = new_list(office_db, operator, tmp_path, [proposal(TELAGA[0]), proposal(TELAGA[0])])
    service.screen_list(office_db, operator, list_id)
    rows = by_baris(office_db, operator, list_id)
    assert rows[3].duplikat_dari == 2 and "GANDA_DAFTAR" in rows[3].tanda
    delete_proposal(office_db, operator, rows[2].proposal_id, "dobel")
    service.screen_list(office_db, operator, list_id, scope="row")
    rows = by_baris(office_db, operator, list_id)
    assert list(rows) == [3]
    assert rows[3].duplikat_dari is None and "GANDA_DAFTAR" not in rows[3].tanda
    assert rows[3].hasil == "LOLOS"


# Decisions on a row's match ---------------------------------------------------------------------------------------
@pytest.fixture
def twin_list(office_db, operator, registry, tmp_path):
    """A list whose row 2 (YUSUF BADERAN, no NIK, no desa) has two equally good candidates, and whose row 3
    is an exact NIK."""
    rows = [proposal(TWIN, NIK="", **{"Kode Desa": "", "Alamat": ""}), proposal(LIMBOTO[0])]
    list_id = new_list(office_db, operator, tmp_path, rows)
    service.screen_list(office_db, operator, list_id)
    return list_id


def candidates_of(db, user, proposal_id):
    return result_detail(db, user, proposal_id).detail["candidates"]


def decisions(db):
    with db.sessions() as session:
        return [
            (d.action, d.person_id, d.reason, d.username) for d in session.scalars(select(ProposalDecision))
        ]


def test_a_decision_without_a_reason_is_refused(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[3]
    for reason in ("", "   ", None):
        with pytest.raises(DomainError, match="alasan"):
            service.decide(office_db, operator, row.proposal_id, "rejected", reason)
    assert decisions(office_db) == [] and audit(office_db, "penyaringan.keputusan.rejected") == []
    assert by_baris(office_db, operator, twin_list)[3].nik_padan == LIMBOTO[0].nik


def test_an_unknown_decision_is_refused(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[3]
    with pytest.raises(DomainError):
        service.decide(office_db, operator, row.proposal_id, "hapus", "salah orang")
    assert decisions(office_db) == []


def test_rejecting_a_match_unlinks_the_row(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[3]
    service.decide(office_db, operator, row.proposal_id, "rejected", "Orangnya lain, cek lapangan 3 Mei")
    row = by_baris(office_db, operator, twin_list)[3]
    assert (row.nik_padan, row.keputusan) == ("", "rejected")
    assert row.hasil == "TIDAK_LOLOS" and "DTKS" not in row.tanda
    assert decisions(office_db) == [("rejected", None, "Orangnya lain, cek lapangan 3 Mei", "operator")]
    [entry] = audit(office_db, "penyaringan.keputusan.rejected")
    assert entry.after["alasan"] == "Orangnya lain, cek lapangan 3 Mei"
    assert entry.before["person_id"] is not None and entry.after["person_id"] is None
    detail = result_detail(office_db, operator, row.proposal_id)
    assert detail.keputusan_alasan == "Orangnya lain, cek lapangan 3 Mei"
    assert [d["action"] for d in detail.decisions] == ["rejected"]


def test_choosing_a_person_who_is_not_a_candidate_is_refused(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[2]
    offered = {c["person_id"] for c in candidates_of(office_db, operator, row.proposal_id)}
    with office_db.sessions() as session:
        stranger = session.scalar(select(Person.id).where(Person.nik == TELAGA[0].nik))
    assert stranger not in offered
    with pytest.raises(DomainError, match="bukan salah satu calon"):
        service.decide(office_db, operator, row.proposal_id, "chosen", "yang ini", person_id=stranger)
    assert decisions(office_db) == []
    assert audit(office_db, "penyaringan.keputusan.chosen") == []


def test_choosing_the_runner_up_links_the_row_to_that_person(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[2]
    assert row.nik_padan == ""  # two namesakes: not linked by the engine
    first, second = candidates_of(office_db, operator, row.proposal_id)[:2]
    assert {first["nik"], second["nik"]} == {LIMBOTO[15].nik, TWIN.nik}
    service.decide(office_db, operator, row.proposal_id, "chosen", "Sesuai KK dari desa", second["person_id"])
    row = by_baris(office_db, operator, twin_list)[2]
    assert (row.nik_padan, row.skor_padan, row.keputusan) == (second["nik"], 1.0, "chosen")
    assert "KANDIDAT_RAGU" not in row.tanda and "PADAN_RAGU" not in row.tanda
    assert decisions(office_db) == [("chosen", second["person_id"], "Sesuai KK dari desa", "operator")]
    [entry] = audit(office_db, "penyaringan.keputusan.chosen")
    assert entry.after["person_id"] == second["person_id"]
    # The decision stands when the list is screened again.
    service.screen_list(office_db, operator, twin_list)
    assert by_baris(office_db, operator, twin_list)[2].nik_padan == second["nik"]


def test_accepting_the_suggestion_links_the_best_candidate(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[2]
    best = candidates_of(office_db, operator, row.proposal_id)[0]
    service.decide(office_db, operator, row.proposal_id, "accepted", "Dicek di lapangan")
    row = by_baris(office_db, operator, twin_list)[2]
    assert (row.nik_padan, row.skor_padan) == (best["nik"], 1.0)
    assert len(audit(office_db, "penyaringan.keputusan.accepted")) == 1


def test_marking_a_row_for_a_field_check_sends_it_for_a_check(office_db, operator, twin_list):
    row = by_baris(office_db, operator, twin_list)[3]
    assert row.hasil == "LOLOS"
    service.decide(office_db, operator, row.proposal_id, "field_check", "Alamat diragukan")
    row = by_baris(office_db, operator, twin_list)[3]
    assert row.hasil == "PERLU_CEK" and "PADAN_RAGU" in row.tanda


# Refusals ------------------------------------------------------------------------------------------------------
def test_screening_with_an_empty_registry_is_refused_and_records_nothing(office_db, operator, tmp_path):
    list_id = new_list(office_db, operator, tmp_path, [proposal(LIMBOTO[0])])
    with pytest.raises(DomainError) as refused:
        service.screen_list(office_db, operator, list_id)
    assert "Registri Dukcapil masih kosong" in str(refused.value)
    assert "impor data Dukcapil" in str(refused.value)
    assert count(office_db, ScreeningRun) == 0
    assert audit(office_db, "penyaringan.jalankan") == []
    assert [p[1] for p in proposal_state(office_db, list_id)] == [""]


def test_a_list_without_rows_is_refused(office_db, operator, registry, tmp_path):
    list_id = new_list(office_db, operator, tmp_path, [proposal(LIMBOTO[0])])
    row = by_baris(office_db, operator, list_id)[2]
    delete_proposal(office_db, operator, row.proposal_id)
    with pytest.raises(DomainError, match="belum berisi baris"):
        service.screen_list(office_db, operator, list_id)
    assert count(office_db, ScreeningRun) == 0


def test_an_unknown_list_is_not_found(office_db, operator, registry):
    with pytest.raises(NotFound):
        service.screen_list(office_db, operator, 999)


def _refused_everything(db, user, list_id, proposal_id, tmp_path):
    with pytest.raises(Forbidden):
        service.screen_list(db, user, list_id)
    with pytest.raises(Forbidden):
        service.decide(db, user, proposal_id, "rejected", "bukan orangnya")
    with pytest.raises(Forbidden):
        list_results(db, user, list_id)
    with pytest.raises(Forbidden):
        result_detail(db, user, proposal_id)
    with pytest.raises(Forbidden):
        export_results(db, user, list_id, tmp_path / "hasil.csv")
    assert not (tmp_path / "hasil.csv").exists()


def test_a_guest_can_neither_screen_nor_see_the_results(office_db, operator, guest, twin_list, tmp_path):
    row = by_baris(office_db, operator, twin_list)[3]
    before = proposal_state(office_db, twin_list)
    _refused_everything(office_db, guest, twin_list, row.proposal_id, tmp_path)
    assert count(office_db, ScreeningRun) == 1 and decisions(office_db) == []
    assert proposal_state(office_db, twin_list) == before


def test_an_operator_of_another_kabupaten_can_neither_screen_nor_see_the_results(
    office_db, admin, operator, twin_list, tmp_path
):
    outsider = make_outsider(office_db, admin)
    row = by_baris(office_db, operator, twin_list)[3]
    before = proposal_state(office_db, twin_list)
    _refused_everything(office_db, outsider, twin_list, row.proposal_id, tmp_path)
    assert count(office_db, ScreeningRun) == 1 and decisions(office_db) == []
    assert proposal_state(office_db, twin_list) == before


def test_an_operator_of_one_kecamatan_screens_the_lists_of_that_kecamatan_only(
    office_db, operator, kecamatan_operator, twin_list, tmp_path
):
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    add_proposal(office_db, kecamatan_operator, own, {"nik": LIMBOTO[0].nik, "nama": "Muhammad Lasena"})
    assert service.screen_list(office_db, kecamatan_operator, own).lolos == 1
    with pytest.raises(Forbidden):  # the kabupaten's list
        service.screen_list(office_db, kecamatan_operator, twin_list)


@pytest.fixture
def kecamatan_twin(office_db, kecamatan_operator, registry):
    """The kecamatan operator's row YUSUF BADERAN (name and birth date only): its candidates are the man of
    Kayubulan and his namesake of Bulila (Kec. Telaga), born the same day."""
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    row = add_proposal(
        office_db, kecamatan_operator, own, {"nama": "Yusuf Baderan", "tgl_lahir": "06-06-1975"}
    )
    service.screen_list(office_db, kecamatan_operator, own)
    with office_db.sessions() as session:
        by_nik = dict(session.execute(select(Person.nik, Person.id)).all())
        stored = session.get(ScreeningResult, session.get(Proposal, row.id).result_id).detail
    offered = [c["person_id"] for c in stored["candidates"]]
    assert by_nik[TWIN.nik] in offered and by_nik[LIMBOTO[15].nik] in offered
    return own, row, by_nik


def test_an_operator_of_one_kecamatan_cannot_choose_a_person_living_elsewhere(
    office_db, kecamatan_operator, kecamatan_twin
):
    own, row, by_nik = kecamatan_twin
    # The namesake of Bulila is offered as a candidate, and refused because he lives outside the region.
    with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
        service.decide(office_db, kecamatan_operator, row.id, "chosen", "KK di Telaga", by_nik[TWIN.nik])
    assert decisions(office_db) == []
    service.decide(
        office_db, kecamatan_operator, row.id, "chosen", "KK di Kayubulan", by_nik[LIMBOTO[15].nik]
    )
    assert by_baris(office_db, kecamatan_operator, own)[1].nik_padan == LIMBOTO[15].nik


def test_an_operator_of_one_kecamatan_cannot_accept_a_person_living_elsewhere(
    office_db, kecamatan_operator, registry
):
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    linked = add_proposal(
        office_db,
        kecamatan_operator,
        own,
        {"nama": TELAGA[0].nama, "tgl_lahir": proposal(TELAGA[0])["Tgl Lahir"]},
    )
    suggested = add_proposal(
        office_db, kecamatan_operator, own, {"nama": "Yusuf Baderan", "tgl_lahir": "06-06-1975"}
    )
    service.screen_list(office_db, kecamatan_operator, own)
    with office_db.sessions() as session:
        by_nik = dict(session.execute(select(Person.nik, Person.id)).all())
        assert session.get(Proposal, linked.id).person_id == by_nik[TELAGA[0].nik]
        # Whichever namesake the engine ranks first, the suggestion is made the Bulila one here.
        result = session.get(ScreeningResult, session.get(Proposal, suggested.id).result_id)
        result.detail = {
            **result.detail,
            "candidates": sorted(
                result.detail["candidates"], key=lambda c: c["person_id"] != by_nik[TWIN.nik]
            ),
        }
        session.commit()
    for row in (linked, suggested):
        with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
            service.decide(office_db, kecamatan_operator, row.id, "accepted", "Sesuai KTP")
    assert decisions(office_db) == []


def test_a_list_in_an_sk_is_neither_screened_nor_decided_again(office_db, operator, twin_list):
    with office_db.sessions() as session, session.begin():
        session.get(ProposalList, twin_list).status = "in_sk"
    row = by_baris(office_db, operator, twin_list)[3]
    before = proposal_state(office_db, twin_list)
    with pytest.raises(DomainError, match="SK penetapan"):
        service.screen_list(office_db, operator, twin_list)
    with pytest.raises(DomainError, match="SK penetapan"):
        service.decide(office_db, operator, row.proposal_id, "rejected", "bukan orangnya")
    assert count(office_db, ScreeningRun) == 1 and decisions(office_db) == []
    assert proposal_state(office_db, twin_list) == before


def cancel_after_first_report() -> Progress:
    reported: list[str] = []
    return Progress(report=lambda done, total, what: reported.append(what), cancelled=lambda: bool(reported))


def test_a_screening_cancelled_while_reading_the_registry_leaves_nothing(
    office_db, operator, registry, tmp_path
):
    list_id = new_list(office_db, operator, tmp_path, [proposal(LIMBOTO[0]), proposal(LIMBOTO[10])])
    before = proposal_state(office_db, list_id)
    with pytest.raises(Cancelled):
        service.screen_list(office_db, operator, list_id, cancel_after_first_report())
    assert count(office_db, ScreeningRun) == 0 and count(office_db, ScreeningResult) == 0
    assert proposal_state(office_db, list_id) == before
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).status == "draft"
    # Nothing is left half done: the next screening runs normally.
    assert service.screen_list(office_db, operator, list_id).rows == 2


def test_a_screening_cancelled_while_matching_changes_no_row(office_db, operator, registry, tmp_path):
    list_id = new_list(
        office_db, operator, tmp_path, [proposal(LIMBOTO[0]), proposal(LIMBOTO[10], NIK=MISTYPED_NIK)]
    )
    first = service.screen_list(office_db, operator, list_id)  # the registry is now held in memory
    row = by_baris(office_db, operator, list_id)[3]
    update_proposal(office_db, operator, row.proposal_id, {"nik": LIMBOTO[10].nik})
    before = proposal_state(office_db, list_id)
    with pytest.raises(Cancelled):
        service.screen_list(office_db, operator, list_id, cancel_after_first_report(), scope="row")
    assert count(office_db, ScreeningRun) == 1
    assert count(office_db, ScreeningResult, ScreeningResult.run_id != first.run_id) == 0
    assert proposal_state(office_db, list_id) == before
    assert "NIK_SALAH_KETIK" in by_baris(office_db, operator, list_id)[3].tanda  # still the first run's
