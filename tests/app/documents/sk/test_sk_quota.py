"""Quotas and the ranking that fills them (Pergub 52/2020 Pasal 1 angka 9: a program has a quota; Pergub 72/2018
A.4: under a quota, who drops out must be visible): desil first, then the older person, then the earlier row;
exceeding a quota needs an admin."""

from __future__ import annotations

import pytest

from app.documents import sk as sk_service
from app.documents import sk_final, sk_quota
from app.errors import DomainError, Forbidden
from db.models import KuotaWilayah, SkPenerima
from tests.app.documents.sk.conftest import SIGNED, audit, count, screened_list
from tests.app.screening.test_engine import LIMBOTO, TELAGA, proposal

# desil 8 (Kayubulan hh 4), none (hh 12), 3 (hh 1's wife, born 1973), 3 (hh 0's head, born 1970),
# 2 (Bulila hh 6, born 1976), 2 (Bulila hh 7, born 1977): rows in that order.
RANKED = [LIMBOTO[12], LIMBOTO[18], LIMBOTO[4], LIMBOTO[0], TELAGA[0], TELAGA[3]]


@pytest.fixture
def ranked_list(office_db, operator, program, tmp_path):
    return screened_list(
        office_db, operator, tmp_path, [proposal(p) for p in RANKED], program.id, "peringkat"
    )


def draft(db, user, program, list_id):
    return sk_service.draft_sk(db, user, program.id, [list_id]).summary.id


def test_the_ranking_puts_the_lowest_desil_first_then_the_older_then_the_earlier_row(
    office_db, operator, program, ranked_list
):
    assert LIMBOTO[0].tgl_lahir < LIMBOTO[4].tgl_lahir
    sk_id = draft(office_db, operator, program, ranked_list)
    ranking = sk_quota.sk_ranking(office_db, operator, sk_id)
    assert [(r.peringkat, r.nama, r.desil) for r in ranking] == [
        (1, TELAGA[0].nama, 2),
        (2, TELAGA[3].nama, 2),
        (3, LIMBOTO[0].nama, 3),
        (4, LIMBOTO[4].nama, 3),
        (5, LIMBOTO[12].nama, 8),
        (6, LIMBOTO[18].nama, None),  # outside DTKS/DTSEN: last
    ]
    assert all(r.masuk for r in ranking)  # no quota set
    assert (ranking[0].daftar, ranking[0].baris) == ("peringkat", 6)


def test_the_programs_quota_leaves_the_lowest_ranked_out_and_says_why(
    office_db, operator, admin, program, ranked_list
):
    sk_quota.set_program_quota(office_db, admin, program.id, 4)
    sk_id = draft(office_db, operator, program, ranked_list)
    ranking = sk_quota.sk_ranking(office_db, operator, sk_id)
    assert [r.masuk for r in ranking] == [True, True, True, True, False, False]
    assert ranking[4].alasan == (
        "Di luar kuota program: 4 tempat sudah terisi oleh peringkat yang lebih tinggi; peringkat 5."
    )
    detail = sk_service.sk_detail(office_db, operator, sk_id)
    assert (detail.summary.penerima, detail.summary.di_luar_kuota, detail.summary.total_nilai) == (
        4,
        2,
        4 * 300_000,
    )
    # The lampiran is numbered by desa, then rank: Kayubulan (7501011001) before Bulila (7501022011).
    assert [(r.urutan, r.nama) for r in ranking if r.masuk] == [
        (3, TELAGA[0].nama),
        (4, TELAGA[3].nama),
        (1, LIMBOTO[0].nama),
        (2, LIMBOTO[4].nama),
    ]


def test_a_kecamatan_quota_cuts_within_that_kecamatan_only(office_db, operator, admin, program, ranked_list):
    sk_quota.set_region_quota(office_db, admin, program.id, "750102", 1)  # Kec. Telaga
    sk_id = draft(office_db, operator, program, ranked_list)
    out = [r for r in sk_quota.sk_ranking(office_db, operator, sk_id) if not r.masuk]
    assert [(r.nama, r.alasan) for r in out] == [
        (
            TELAGA[3].nama,
            "Di luar kuota Kec. Telaga (750102): 1 tempat sudah terisi oleh peringkat yang lebih tinggi; "
            "peringkat 2.",
        )
    ]
    assert [q.nama_wilayah for q in sk_quota.list_region_quotas(office_db, operator, program.id)] == [
        "Kec. Telaga"
    ]


def test_requota_follows_a_changed_quota(office_db, operator, admin, program, ranked_list):
    sk_id = draft(office_db, operator, program, ranked_list)
    sk_quota.set_region_quota(office_db, admin, program.id, "7501011001", 2)  # Kel. Kayubulan
    ranking = sk_quota.requota_sk(office_db, operator, sk_id)
    assert [r.nama for r in ranking if not r.masuk] == [LIMBOTO[12].nama, LIMBOTO[18].nama]
    sk_quota.set_region_quota(office_db, admin, program.id, "7501011001", 0)  # removed
    assert all(r.masuk for r in sk_quota.requota_sk(office_db, operator, sk_id))
    assert count(office_db, KuotaWilayah, KuotaWilayah.deleted_at.is_(None)) == 0


def test_places_taken_by_an_earlier_final_sk_count(
    office_db, operator, admin, program, ranked_list, tmp_path
):
    sk_quota.set_program_quota(office_db, admin, program.id, 7)
    first = draft(office_db, operator, program, ranked_list)
    sk_service.update_sk(office_db, operator, first, **SIGNED)
    sk_final.finalise_sk(office_db, operator, first)
    later = screened_list(
        office_db, operator, tmp_path, [proposal(LIMBOTO[9]), proposal(TELAGA[6])], program.id, "susulan"
    )
    ranking = sk_quota.sk_ranking(office_db, operator, draft(office_db, operator, program, later))
    assert [r.masuk for r in ranking] == [True, False]
    assert "(6 oleh SK final sebelumnya)" in ranking[1].alasan


def test_only_an_admin_sets_quotas(office_db, operator, guest, program):
    for user in (operator, guest):
        with pytest.raises(Forbidden):
            sk_quota.set_program_quota(office_db, user, program.id, 10)
        with pytest.raises(Forbidden):
            sk_quota.set_region_quota(office_db, user, program.id, "750102", 10)
    assert count(office_db, KuotaWilayah) == 0 and audit(office_db, "kuota.program") == []


def test_a_region_quota_outside_the_program_or_unknown_is_refused(office_db, admin, program):
    with pytest.raises(DomainError, match="bukan kode kecamatan"):
        sk_quota.set_region_quota(office_db, admin, program.id, "75010", 1)
    with pytest.raises(DomainError, match="di luar wilayah program"):
        sk_quota.set_region_quota(office_db, admin, program.id, "750201", 1)  # Kab. Boalemo
    with pytest.raises(DomainError, match="bukan bilangan bulat"):
        sk_quota.set_region_quota(office_db, admin, program.id, "750102", "lima")


def test_exceeding_a_quota_without_an_admin_is_refused_and_changes_nothing(
    office_db, operator, admin, program, ranked_list
):
    sk_quota.set_program_quota(office_db, admin, program.id, 5)
    sk_id = draft(office_db, operator, program, ranked_list)
    out = next(r for r in sk_quota.sk_ranking(office_db, operator, sk_id) if not r.masuk)
    with pytest.raises(DomainError, match="melebihi kuota memerlukan persetujuan admin"):
        sk_quota.force_into_sk(office_db, operator, sk_id, out.id, "lansia sebatang kara")
    assert not next(r for r in sk_quota.sk_ranking(office_db, operator, sk_id) if r.id == out.id).masuk
    assert audit(office_db, "sk.melebihi_kuota") == []


def test_an_admin_lets_a_row_in_over_the_quota_with_a_reason_audited(
    office_db, operator, admin, program, ranked_list
):
    sk_quota.set_program_quota(office_db, admin, program.id, 5)
    sk_id = draft(office_db, operator, program, ranked_list)
    out = next(r for r in sk_quota.sk_ranking(office_db, operator, sk_id) if not r.masuk)
    with pytest.raises(DomainError, match="Tuliskan alasan"):
        sk_quota.force_into_sk(office_db, admin, sk_id, out.id, " ")
    ranking = sk_quota.force_into_sk(office_db, admin, sk_id, out.id, "lansia sebatang kara")
    forced = next(r for r in ranking if r.id == out.id)
    assert forced.masuk and forced.dipaksa_oleh == "admin"
    assert forced.alasan == "Dimasukkan melebihi kuota oleh admin: lansia sebatang kara"
    assert all(r.masuk for r in ranking)  # the forced row takes no place: the SK exceeds the quota by one
    assert sk_quota.requota_sk(office_db, operator, sk_id) == ranking  # and stays in when ranked again
    (entry,) = audit(office_db, "sk.melebihi_kuota")
    assert entry.username == "admin" and entry.after["alasan"] == "lansia sebatang kara"


def test_a_row_taken_out_gives_its_place_to_the_next(office_db, operator, admin, program, ranked_list):
    sk_quota.set_program_quota(office_db, admin, program.id, 5)
    sk_id = draft(office_db, operator, program, ranked_list)
    first = sk_quota.sk_ranking(office_db, operator, sk_id)[0]
    ranking = sk_quota.remove_from_sk(office_db, operator, sk_id, first.id, "pindah domisili, cek lapangan")
    assert first.nama == TELAGA[0].nama and TELAGA[0].nama not in [r.nama for r in ranking]
    assert [r.peringkat for r in ranking] == [1, 2, 3, 4, 5] and all(r.masuk for r in ranking)
    assert count(office_db, SkPenerima, SkPenerima.deleted_at.is_not(None)) == 1
