"""Drafting an SK penetapan from screened lists (Pergub 52/2020 Pasal 6 ayat 2: the result of filterisasi/pemadanan
is the basis of the decree): who may enter, what each row carries, the lists it locks, and who may do it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.documents import sk as sk_service
from app.errors import DomainError, Forbidden
from app.screening import service
from app.screening.programs import delete_proposal_list, get_proposal_list
from app.screening.results import result_detail
from db.models import ProposalList, SkPenerima, SkPenetapan
from tests.app.documents.sk.conftest import DEAD, LIST_A, SAME_KK, SIGNED, audit, count, row_of, screened_list
from tests.app.screening.test_engine import LIMBOTO, TELAGA, TWIN
from tests.app.screening.test_programs import make_outsider


def rows_of(db, sk_id):
    with db.sessions() as session:
        return list(
            session.scalars(
                select(SkPenerima).where(SkPenerima.sk_id == sk_id, SkPenerima.deleted_at.is_(None))
            )
        )


def test_a_draft_takes_the_lolos_rows_and_not_failed_or_unsure_ones(office_db, operator, program, lists):
    same_kk = row_of(office_db, operator, lists[0], 8)
    assert (same_kk.hasil, same_kk.nik_padan) == ("PERLU_CEK", SAME_KK.nik)  # linked, but not cleared
    detail = sk_service.draft_sk(office_db, operator, program.id, [lists[0]])
    niks = {r.nik for r in rows_of(office_db, detail.summary.id)}
    assert niks == {LIMBOTO[0].nik, LIMBOTO[12].nik, TELAGA[0].nik, LIMBOTO[18].nik}
    # TIDAK LOLOS, PERLU CEK not decided (linked or not)
    assert {DEAD.nik, TWIN.nik, SAME_KK.nik}.isdisjoint(niks)
    assert detail.summary.status == "draft" and detail.summary.penerima == 4
    assert detail.summary.total_nilai == 4 * 300_000


def test_a_perlu_cek_row_the_operator_cleared_enters(office_db, operator, program, lists):
    """Pergub 52/2020 Pasal 6 ayat 2: the check is the operator's; a row they cleared is eligible although
    its verdict stays PERLU CEK (here: one KK with another proposal, confirmed as the right person)."""
    same_kk = row_of(office_db, operator, lists[0], 8)
    service.decide(office_db, operator, same_kk.proposal_id, "accepted", "Istri, rumah tangga terpisah")
    assert row_of(office_db, operator, lists[0], 8).hasil == "PERLU_CEK"
    unsure = row_of(office_db, operator, lists[0], 4)
    candidates = result_detail(office_db, operator, unsure.proposal_id).detail["candidates"]
    chosen = next(c for c in candidates if c["nik"] == TWIN.nik)
    service.decide(office_db, operator, unsure.proposal_id, "chosen", "KK dari desa", chosen["person_id"])
    detail = sk_service.draft_sk(office_db, operator, program.id, [lists[0]])
    niks = {r.nik for r in rows_of(office_db, detail.summary.id)}
    assert {TWIN.nik, SAME_KK.nik} <= niks


def test_rows_carry_the_registered_nik_the_persons_desil_and_the_programs_value(
    office_db, operator, program, tmp_path
):
    mistyped = LIMBOTO[0].nik[:-1] + ("3" if LIMBOTO[0].nik[-1] != "3" else "4")
    from tests.app.screening.test_engine import proposal

    list_id = screened_list(
        office_db,
        operator,
        tmp_path,
        [proposal(LIMBOTO[0], NIK=mistyped), proposal(TELAGA[0])],
        program.id,
        "u",
    )
    row = row_of(office_db, operator, list_id, 2)
    if row.hasil == "PERLU_CEK":
        service.decide(office_db, operator, row.proposal_id, "accepted", "NIK salah ketik, dicek di KK")
    detail = sk_service.draft_sk(office_db, operator, program.id, [list_id])
    rows = {r.nama: r for r in rows_of(office_db, detail.summary.id)}
    first = rows[LIMBOTO[0].nama]
    assert (first.nik, first.desil, first.nilai, first.kode_desa) == (
        LIMBOTO[0].nik,
        3,
        300_000,
        LIMBOTO[0].kode_desa,
    )
    assert rows[TELAGA[0].nama].desil == 2
    assert first.person_id is not None and first.proposal_id is not None


def test_the_default_text_cites_pergub_52_2020_and_the_program(office_db, operator, program, lists):
    detail = sk_service.draft_sk(office_db, operator, program.id, list(lists))
    assert "Bantuan Pangan Lansia" in detail.judul and "2025" in detail.judul
    assert any("Pasal 6 ayat (2)" in line and "Nomor 52 Tahun 2020" in line for line in detail.menimbang)
    assert all(line.startswith("bahwa") for line in detail.menimbang)
    assert any("Peraturan Gubernur Gorontalo Nomor 52 Tahun 2020" in line for line in detail.mengingat)
    assert detail.sumber_dana == "APBD_KABKOTA" and detail.nilai_per_penerima == 300_000
    assert detail.summary.kode_wilayah == "7501"  # Kayubulan (Limboto) and Bulila (Telaga)
    assert detail.list_ids == tuple(sorted(lists))
    assert len(audit(office_db, "sk.draft")) == 1


def test_the_lists_become_in_sk_and_can_no_longer_be_changed(office_db, operator, program, lists):
    detail = sk_service.draft_sk(office_db, operator, program.id, [lists[0]])
    listed = get_proposal_list(office_db, operator, lists[0])
    assert listed.status == "in_sk"
    with office_db.sessions() as session:
        assert session.get(ProposalList, lists[0]).sk_id == detail.summary.id
    row = row_of(office_db, operator, lists[0], 4)
    with pytest.raises(DomainError, match="sudah masuk SK"):
        service.decide(office_db, operator, row.proposal_id, "rejected", "bukan dia")
    with pytest.raises(DomainError, match="sudah masuk SK"):
        delete_proposal_list(office_db, operator, lists[0])
    with pytest.raises(DomainError, match="sudah masuk SK penetapan lain"):
        sk_service.draft_sk(office_db, operator, program.id, [lists[0]])


def test_a_list_not_yet_screened_cannot_enter(office_db, operator, program, tmp_path):
    from tests.app.screening.test_engine import import_list, write_proposals

    list_id = import_list(office_db, operator, write_proposals(tmp_path / "baru.csv", LIST_A), program.id)
    with pytest.raises(DomainError, match="belum disaring"):
        sk_service.draft_sk(office_db, operator, program.id, [list_id])
    assert count(office_db, SkPenetapan) == 0


def test_deleting_a_draft_gives_its_lists_back(office_db, operator, program, lists):
    detail = sk_service.draft_sk(office_db, operator, program.id, list(lists))
    sk_service.delete_sk(office_db, operator, detail.summary.id, "salah program")
    assert [get_proposal_list(office_db, operator, i).status for i in lists] == ["screened", "screened"]
    assert sk_service.list_sks(office_db, operator, program.id) == []
    again = sk_service.draft_sk(office_db, operator, program.id, list(lists))
    assert again.summary.penerima == 6


def test_updating_a_draft_checks_its_fields(office_db, operator, program, lists):
    sk_id = sk_service.draft_sk(office_db, operator, program.id, [lists[0]]).summary.id
    detail = sk_service.update_sk(office_db, operator, sk_id, **SIGNED, nilai_per_penerima="Rp 250.000")
    assert (detail.summary.nomor, detail.summary.tanggal.isoformat(), detail.summary.tahun) == (
        "400.9/DINSOS/12/2025",
        "2025-03-15",
        2025,
    )
    assert detail.summary.total_nilai == 4 * 250_000
    assert {r.nilai for r in rows_of(office_db, sk_id)} == {250_000}
    with pytest.raises(DomainError, match="NIP penandatangan: 1968 bukan NIP; NIP terdiri dari 18 angka"):
        sk_service.update_sk(office_db, operator, sk_id, penandatangan_nip="1968")
    with pytest.raises(DomainError, match="Tanggal SK: 31-02-2025 bukan tanggal"):
        sk_service.update_sk(office_db, operator, sk_id, tanggal="31-02-2025")
    with pytest.raises(DomainError, match="tidak dikenal: nomer"):
        sk_service.update_sk(office_db, operator, sk_id, nomer="1")
    assert sk_service.sk_detail(office_db, operator, sk_id).penandatangan_nip == SIGNED["penandatangan_nip"]


def test_a_guest_and_an_operator_of_another_region_are_refused(
    office_db, operator, admin, guest, kecamatan_operator, program, lists
):
    outsider = make_outsider(office_db, admin)
    for user in (guest, outsider, kecamatan_operator):
        with pytest.raises(Forbidden):
            sk_service.draft_sk(office_db, user, program.id, list(lists))
    sk_id = sk_service.draft_sk(office_db, operator, program.id, list(lists)).summary.id
    for user in (guest, outsider, kecamatan_operator):
        with pytest.raises(Forbidden):
            sk_service.sk_detail(office_db, user, sk_id)
        with pytest.raises(Forbidden):
            sk_service.update_sk(office_db, user, sk_id, nomor="1")
        with pytest.raises(Forbidden):
            sk_service.delete_sk(office_db, user, sk_id)
    with pytest.raises(Forbidden):
        sk_service.list_sks(office_db, guest)
    assert sk_service.list_sks(office_db, kecamatan_operator) == []  # a kabupaten SK names people elsewhere
    assert sk_service.sk_detail(office_db, operator, sk_id).summary.nomor == ""
