"""Batch review: one decision for many rows, the registered NIK taken for confident NIK slips, and a decision or a
correction written with its re-screen in one transaction (Pergub 52/2020 Pasal 6: verification of proposals;
Lampiran II: an operator works within their own region)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError, Forbidden
from app.screening import batch_review, service
from app.screening.programs import create_proposal_list
from app.screening.proposal_entry import add_proposal
from app.screening.results import result_detail
from app.screening.visibility import masked_nik
from db.models import Proposal, ProposalDecision, ProposalList, ScreeningRun
from tests.app.screening.test_engine import LIMBOTO, NOT_REGISTERED, TELAGA, TWIN, by_baris, proposal
from tests.app.screening.test_service import audit, count, new_list, registry  # noqa: F401 (fixture)


def slip(nik: str) -> str:
    """The NIK with its last two digits swapped: a slip the matcher recognises."""
    return nik[:-2] + nik[-1] + nik[-2]


SHORT = TELAGA[12].nik[:15]  # a NIK that lost its last digit
EXCEL = "7.50101E+15"  # a NIK Excel turned into a number

# Rows 2–6: an exact NIK, two slips, a person not registered, and a slip on a person of Bulila (Kec. Telaga).
# Row 4's slip is not its only doubt: LIMBOTO[1] is of row 2's KK (SATU_KK). Rows 7–8: malformed NIKs, the
# person found by name, birth date and desa; row 8 again of row 2's KK.
ROWS = [
    proposal(LIMBOTO[0]),
    proposal(LIMBOTO[10], NIK=LIMBOTO[10].nik[:-1] + "3"),
    proposal(LIMBOTO[1], NIK=slip(LIMBOTO[1].nik)),
    NOT_REGISTERED,
    proposal(TELAGA[0], NIK=slip(TELAGA[0].nik)),
    proposal(TELAGA[12], NIK=SHORT),
    proposal(LIMBOTO[2], NIK=EXCEL),
]


@pytest.fixture
def screened(office_db, operator, registry, tmp_path):  # noqa: F811
    list_id = new_list(office_db, operator, tmp_path, ROWS)
    service.screen_list(office_db, operator, list_id)
    return list_id


def ids(db, user, list_id, *barises):
    rows = by_baris(db, user, list_id)
    return [rows[b].proposal_id for b in barises]


def decisions(db):
    with db.sessions() as session:
        return [(d.proposal_id, d.action, d.reason) for d in session.scalars(select(ProposalDecision))]


def fail_rescreen(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("re-screen failed")

    monkeypatch.setattr(service, "screen", broken)


# One transaction ---------------------------------------------------------------------------------------------
def test_a_decision_whose_rescreen_fails_leaves_nothing(office_db, operator, screened, monkeypatch):
    [row_id] = ids(office_db, operator, screened, 2)
    runs = count(office_db, ScreeningRun)
    fail_rescreen(monkeypatch)
    with pytest.raises(RuntimeError):
        service.decide(office_db, operator, row_id, "rejected", "Bukan orangnya")
    assert decisions(office_db) == [] and audit(office_db, "penyaringan.keputusan.rejected") == []
    assert by_baris(office_db, operator, screened)[2].keputusan is None
    assert count(office_db, ScreeningRun) == runs


def test_a_correction_whose_rescreen_fails_leaves_the_row_as_it_was(
    office_db, operator, screened, monkeypatch
):
    [row_id] = ids(office_db, operator, screened, 3)
    fail_rescreen(monkeypatch)
    with pytest.raises(RuntimeError):
        service.correct(office_db, operator, row_id, {"nik": LIMBOTO[10].nik}, "NIK sesuai KTP")
    assert by_baris(office_db, operator, screened)[3].nik == LIMBOTO[10].nik[:-1] + "3"
    assert decisions(office_db) == [] and audit(office_db, "proposal.correct") == []


def test_a_correction_is_saved_and_rescreened_together(office_db, operator, screened):
    [row_id] = ids(office_db, operator, screened, 3)
    corrected = service.correct(office_db, operator, row_id, {"nik": LIMBOTO[10].nik}, "NIK sesuai KTP")
    assert corrected.run is not None and corrected.row.nik == LIMBOTO[10].nik
    row = by_baris(office_db, operator, screened)[3]
    assert "NIK_SALAH_KETIK" not in row.tanda and row.hasil == "LOLOS"
    assert [d[1:] for d in decisions(office_db)] == [("corrected", "NIK sesuai KTP")]


def test_a_correction_that_changes_nothing_records_and_rescreens_nothing(office_db, operator, screened):
    [row_id] = ids(office_db, operator, screened, 2)
    runs = count(office_db, ScreeningRun)
    assert service.correct(office_db, operator, row_id, {"nik": LIMBOTO[0].nik}).run is None
    assert count(office_db, ScreeningRun) == runs and decisions(office_db) == []


# Many rows, one decision -------------------------------------------------------------------------------------
def test_many_rows_rejected_at_once_get_a_decision_and_an_audit_entry_each_and_one_rescreen(
    office_db, operator, screened
):
    chosen = ids(office_db, operator, screened, 3, 4, 6)
    runs = count(office_db, ScreeningRun)
    result = batch_review.decide_many(office_db, operator, chosen, "rejected", "Tidak dikenal di desa")
    assert (result.action, result.rows) == ("rejected", 3)
    assert count(office_db, ScreeningRun) == runs + 1
    rows = by_baris(office_db, operator, screened)
    assert [rows[b].keputusan for b in (2, 3, 4, 5, 6)] == [None, "rejected", "rejected", None, "rejected"]
    assert all(rows[b].nik_padan == "" for b in (3, 4, 6))
    assert sorted(d[0] for d in decisions(office_db)) == sorted(chosen)
    assert len(audit(office_db, "penyaringan.keputusan.rejected")) == 3


def test_many_rows_marked_for_a_field_check_are_all_sent_for_a_check(office_db, operator, screened):
    batch_review.decide_many(
        office_db, operator, ids(office_db, operator, screened, 2, 3), "field_check", "Cek KK ke desa"
    )
    rows = by_baris(office_db, operator, screened)
    assert rows[2].hasil == rows[3].hasil == "PERLU_CEK"
    assert len(audit(office_db, "penyaringan.keputusan.field_check")) == 2


def test_accepting_many_rows_refuses_them_all_when_one_has_nothing_to_accept(office_db, operator, screened):
    chosen = ids(office_db, operator, screened, 2, 5)  # row 5: nobody in the registry
    with pytest.raises(DomainError, match="Baris 5 tidak memiliki padanan"):
        batch_review.decide_many(office_db, operator, chosen, "accepted", "Sudah dicek")
    assert decisions(office_db) == []


def test_choosing_a_candidate_is_refused_for_many_rows_at_once(office_db, operator, screened):
    with pytest.raises(DomainError, match="satu baris demi satu baris"):
        batch_review.decide_many(office_db, operator, ids(office_db, operator, screened, 2), "chosen", "ini")


def test_a_batch_decision_without_a_reason_or_rows_is_refused(office_db, operator, screened):
    with pytest.raises(DomainError, match="alasan"):
        batch_review.decide_many(office_db, operator, ids(office_db, operator, screened, 2), "rejected", " ")
    with pytest.raises(DomainError, match="Pilih dulu"):
        batch_review.decide_many(office_db, operator, [], "rejected", "bukan orangnya")


def test_a_guest_cannot_decide_many_rows(office_db, operator, guest, screened):
    with pytest.raises(Forbidden):
        batch_review.decide_many(office_db, guest, ids(office_db, operator, screened, 2), "rejected", "x")
    assert decisions(office_db) == []


def test_a_kecamatan_operator_cannot_accept_at_once_a_row_linked_to_a_person_elsewhere(
    office_db,
    kecamatan_operator,
    registry,  # noqa: F811
):
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    near = add_proposal(
        office_db, kecamatan_operator, own, {"nik": LIMBOTO[0].nik, "nama": "Muhammad Lasena"}
    )
    far = add_proposal(office_db, kecamatan_operator, own, {"nik": TWIN.nik, "nama": "Yusuf Baderan"})
    service.screen_list(office_db, kecamatan_operator, own)
    # Linked to the namesake elsewhere, whom this operator sees masked.
    assert by_baris(office_db, kecamatan_operator, own)[far.baris].nik_padan == masked_nik(TWIN.nik)
    with pytest.raises(Forbidden, match=f"baris {far.baris} tinggal di luar wilayah kerja Anda"):
        batch_review.decide_many(office_db, kecamatan_operator, [near.id, far.id], "accepted", "Sudah dicek")
    assert decisions(office_db) == []
    batch_review.decide_many(office_db, kecamatan_operator, [near.id], "accepted", "Sudah dicek")
    assert by_baris(office_db, kecamatan_operator, own)[near.baris].keputusan == "accepted"


def test_rows_of_a_list_in_an_sk_are_not_decided_at_once(office_db, operator, screened):
    with office_db.sessions() as session, session.begin():
        session.get(ProposalList, screened).status = "in_sk"
    with pytest.raises(DomainError, match="SK penetapan"):
        batch_review.decide_many(office_db, operator, ids(office_db, operator, screened, 2), "rejected", "x")
    with pytest.raises(DomainError, match="SK penetapan"):
        batch_review.take_registered_niks(office_db, operator, screened)


# The registered NIK for NIK slips and malformed NIKs -----------------------------------------------------------
def test_the_preview_lists_the_confident_slips_and_malformed_niks_with_their_kind(
    office_db, operator, screened
):
    rows = batch_review.find_niks_to_take(office_db, operator, screened)
    assert [(r.baris, r.kind, r.nik_tertulis, r.nik_terdaftar) for r in rows] == [
        (3, "NIK_SALAH_KETIK", LIMBOTO[10].nik[:-1] + "3", LIMBOTO[10].nik),
        (6, "NIK_SALAH_KETIK", slip(TELAGA[0].nik), TELAGA[0].nik),
        (7, "NIK_TIDAK_SAH", SHORT, TELAGA[12].nik),
    ]
    assert rows[0].nama == LIMBOTO[10].nama and all(r.probability >= 0.999 for r in rows)
    assert decisions(office_db) == []  # a preview changes nothing


def test_a_row_whose_nik_is_not_its_only_doubt_is_left_for_review(office_db, operator, screened):
    rows = by_baris(office_db, operator, screened)
    # Rows 4 (a slip) and 8 (malformed) are confident but share row 2's KK: the operator decides them whole.
    assert "SATU_KK" in rows[4].tanda and "SATU_KK" in rows[8].tanda and rows[8].skor_padan >= 0.999
    with office_db.sessions() as session, session.begin():
        row = session.scalar(select(Proposal).where(Proposal.list_id == screened, Proposal.baris == 7))
        row.tanda = "NIK_TIDAK_SAH;PADAN_RAGU;BUKAN_DTKS"  # as a run that doubted the match would leave it
    assert [r.baris for r in batch_review.find_niks_to_take(office_db, operator, screened)] == [3, 6]
    batch_review.take_registered_niks(office_db, operator, screened)
    rows = by_baris(office_db, operator, screened)
    assert (rows[4].nik, rows[8].nik, rows[7].nik) == (slip(LIMBOTO[1].nik), EXCEL, SHORT)
    assert rows[4].nik_tertulis == rows[8].nik_tertulis == ""


def test_taking_the_registered_nik_for_a_malformed_nik_keeps_it_and_passes_the_row(
    office_db, operator, screened
):
    [row_id] = ids(office_db, operator, screened, 7)
    taken = batch_review.take_registered_niks(office_db, operator, screened, [row_id])
    assert [(r.baris, r.kind) for r in taken.taken] == [(7, "NIK_TIDAK_SAH")]
    row = by_baris(office_db, operator, screened)[7]
    assert (row.nik, row.nik_tertulis, row.nik_padan) == (TELAGA[12].nik, SHORT, TELAGA[12].nik)
    assert "NIK_TIDAK_SAH" not in row.tanda and row.hasil == "LOLOS"
    [entry] = audit(office_db, "penyaringan.nik_terdaftar")
    assert entry.before == {"nik": SHORT} and entry.after["jenis"] == "NIK_TIDAK_SAH"


def test_taking_the_registered_nik_keeps_the_written_one_and_clears_the_slip(office_db, operator, screened):
    preview = batch_review.find_niks_to_take(office_db, operator, screened)
    taken = batch_review.take_registered_niks(office_db, operator, screened, [s.proposal_id for s in preview])
    assert [s.baris for s in taken.taken] == [3, 6, 7] and taken.skipped == 0
    rows = by_baris(office_db, operator, screened)
    assert (rows[3].nik, rows[3].nik_tertulis) == (LIMBOTO[10].nik, LIMBOTO[10].nik[:-1] + "3")
    assert all("NIK_SALAH_KETIK" not in rows[b].tanda for b in (3, 6))
    assert rows[3].hasil == rows[6].hasil == "LOLOS" and rows[2].nik_tertulis == ""
    assert sorted(d[1] for d in decisions(office_db)) == ["nik_taken"] * 3
    entries = audit(office_db, "penyaringan.nik_terdaftar")
    assert len(entries) == 3
    assert entries[0].before == {"nik": LIMBOTO[10].nik[:-1] + "3"}
    assert entries[0].after["nik"] == LIMBOTO[10].nik
    assert [d["action"] for d in result_detail(office_db, operator, rows[3].proposal_id).decisions] == [
        "nik_taken"
    ]


def test_a_slip_below_the_threshold_is_left_for_review(office_db, operator, screened, monkeypatch):
    with office_db.sessions() as session, session.begin():
        row = session.scalar(select(Proposal).where(Proposal.list_id == screened, Proposal.baris == 6))
        row.skor_padan = 0.95
    assert [s.baris for s in batch_review.find_niks_to_take(office_db, operator, screened)] == [3, 7]
    assert [s.baris for s in batch_review.find_niks_to_take(office_db, operator, screened, 0.9)] == [3, 6, 7]
    with pytest.raises(DomainError, match="antara 0 dan 1"):
        batch_review.find_niks_to_take(office_db, operator, screened, 1.5)


def test_only_the_previewed_rows_are_taken_and_a_row_changed_meanwhile_is_skipped(
    office_db, operator, screened
):
    preview = batch_review.find_niks_to_take(office_db, operator, screened)
    service.decide(office_db, operator, preview[1].proposal_id, "field_check", "KK dibawa ke kantor")
    taken = batch_review.take_registered_niks(
        office_db, operator, screened, [preview[0].proposal_id, preview[1].proposal_id]
    )
    assert [s.baris for s in taken.taken] == [3] and taken.skipped == 1
    assert by_baris(office_db, operator, screened)[7].nik == SHORT  # not previewed: untouched


def test_a_later_rejection_gives_the_row_back_its_written_nik(office_db, operator, screened):
    batch_review.take_registered_niks(office_db, operator, screened)
    row = by_baris(office_db, operator, screened)[3]
    service.decide(office_db, operator, row.proposal_id, "rejected", "Orang lain, cek KTP")
    row = by_baris(office_db, operator, screened)[3]
    assert (row.nik, row.nik_tertulis, row.nik_padan) == (LIMBOTO[10].nik[:-1] + "3", "", "")
    [entry] = audit(office_db, "penyaringan.keputusan.rejected")
    assert entry.before["nik"] == LIMBOTO[10].nik and entry.after["nik"] == LIMBOTO[10].nik[:-1] + "3"
    # A malformed NIK likewise: a field check gives the row back the NIK the list wrote.
    service.decide(office_db, operator, ids(office_db, operator, screened, 7)[0], "field_check", "Cek KTP")
    assert by_baris(office_db, operator, screened)[7].nik == SHORT


def test_accepting_after_taking_keeps_the_registered_nik(office_db, operator, screened):
    batch_review.take_registered_niks(office_db, operator, screened)
    row = by_baris(office_db, operator, screened)[3]
    service.decide(office_db, operator, row.proposal_id, "accepted", "Sesuai KTP")
    assert by_baris(office_db, operator, screened)[3].nik == LIMBOTO[10].nik


def test_a_kecamatan_operator_takes_no_nik_of_a_person_living_elsewhere(
    office_db,
    kecamatan_operator,
    registry,  # noqa: F811
):
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    near = add_proposal(
        office_db, kecamatan_operator, own, {"nik": slip(LIMBOTO[1].nik), "nama": LIMBOTO[1].nama}
    )
    add_proposal(office_db, kecamatan_operator, own, {"nik": slip(TELAGA[0].nik), "nama": TELAGA[0].nama})
    service.screen_list(office_db, kecamatan_operator, own)
    assert [s.proposal_id for s in batch_review.find_niks_to_take(office_db, kecamatan_operator, own)] == [
        near.id
    ]
    taken = batch_review.take_registered_niks(office_db, kecamatan_operator, own)
    assert [s.proposal_id for s in taken.taken] == [near.id]


def test_nothing_to_take_changes_nothing(office_db, operator, screened):
    batch_review.take_registered_niks(office_db, operator, screened)
    runs = count(office_db, ScreeningRun)
    again = batch_review.take_registered_niks(office_db, operator, screened)
    assert again.taken == [] and again.run is None and count(office_db, ScreeningRun) == runs
