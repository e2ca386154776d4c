"""Quotas and the ranking that fills them (Pergub 52/2020 Pasal 1 angka 9: a program has a quota; Pergub 72/2018
A.4: under a quota, who drops out must be visible): desil first, then the older person, then the earlier row;
exceeding a quota needs an admin."""

from __future__ import annotations

import gettext

import pytest
from sqlalchemy import select

from app import i18n
from app.documents import sk as sk_service
from app.documents import sk_final, sk_quota
from app.errors import DomainError, Forbidden
from app.i18n import set_language, translations
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


# The English catalog is regenerated from every part's texts at once; until then these stand in for it.
ENGLISH = {
    sk_quota.OUTSIDE_PROGRAM_QUOTA: "Outside the program's quota: {batas} places taken by higher ranks; rank "
    "{peringkat}.",
    sk_quota.OUTSIDE_REGION_QUOTA: "Outside the quota of {wilayah} ({kode}): {batas} places taken by higher "
    "ranks; rank {peringkat}.",
    sk_quota.FORCED_OVER_QUOTA: "Let in over the quota by {admin}: {alasan}",
}


class _English(gettext.NullTranslations):
    def gettext(self, message):
        return ENGLISH.get(message) or translations("en").gettext(message)


@pytest.fixture
def english(monkeypatch):
    translations("en")  # the real catalog, loaded before it is wrapped
    monkeypatch.setitem(i18n._translations, "en", _English())
    set_language("en")
    yield
    set_language("id")


def quota_cut(db, operator, admin, program, list_id):
    """Kec. Telaga's quota of 1 leaves its second row out; the program's 4 then leaves the last row out."""
    sk_quota.set_program_quota(db, admin, program.id, 4)
    sk_quota.set_region_quota(db, admin, program.id, "750102", 1)
    sk_id = draft(db, operator, program, list_id)
    telaga, last = (r for r in sk_quota.sk_ranking(db, operator, sk_id) if not r.masuk)
    sk_quota.force_into_sk(db, admin, sk_id, last.id, "lansia sebatang kara")
    return sk_id, telaga.id, last.id


def stored_reasons(db, sk_id) -> list[str]:
    with db.sessions() as session:
        rows = session.scalars(select(SkPenerima).where(SkPenerima.sk_id == sk_id, SkPenerima.alasan != ""))
        return sorted(row.alasan for row in rows)


INDONESIAN = [
    "Di luar kuota Kec. Telaga (750102): 1 tempat sudah terisi oleh peringkat yang lebih tinggi; peringkat 2.",
    "Dimasukkan melebihi kuota oleh admin: lansia sebatang kara",
]


def test_ranking_reasons_are_shown_in_indonesian(office_db, operator, admin, program, ranked_list):
    sk_id, telaga, last = quota_cut(office_db, operator, admin, program, ranked_list)
    reasons = {r.id: r.alasan for r in sk_quota.sk_ranking(office_db, operator, sk_id)}
    assert sorted((reasons[telaga], reasons[last])) == INDONESIAN
    assert stored_reasons(office_db, sk_id) == INDONESIAN


def test_ranking_reasons_are_shown_in_english_and_stored_in_the_decrees_indonesian(
    office_db, operator, admin, program, ranked_list, english
):
    sk_id, telaga, last = quota_cut(office_db, operator, admin, program, ranked_list)
    reasons = {r.id: r.alasan for r in sk_quota.sk_ranking(office_db, operator, sk_id)}
    assert (
        reasons[telaga]
        == "Outside the quota of Kec. Telaga (750102): 1 places taken by higher ranks; rank 2."
    )
    assert reasons[last] == "Let in over the quota by admin: lansia sebatang kara"
    assert stored_reasons(office_db, sk_id) == INDONESIAN  # the record keeps the decree's language
    sk_quota.set_region_quota(office_db, admin, program.id, "750102", 0)
    sk_quota.set_program_quota(office_db, admin, program.id, 3)
    out = [r.alasan for r in sk_quota.requota_sk(office_db, operator, sk_id) if not r.masuk]
    assert out == [f"Outside the program's quota: 3 places taken by higher ranks; rank {n}." for n in (4, 5)]
