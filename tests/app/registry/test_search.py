"""Finding people by NIK, No. KK or name: partial, case- and spacing-insensitive, within the user's region."""

from __future__ import annotations

import pytest

from app.registry.importer import RegistryImport
from app.registry.search import count_people, page_people, people_at, people_by_ids, search_people
from tests.factories import people, write_csv


@pytest.fixture
def registry(office_db, operator, tmp_path):
    records = people(8)
    records[0] = records[0].but(nama="MOHAMAD LUKMAN RAHMAT LASENA")
    records[1] = records[1].but(nama="SITI MARYAM LIHAWA")
    job = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", records)])
    job.inspect()
    job.prepare()
    job.commit()
    return records


def names(db, user, query):
    result = search_people(db.unit_of_work(), user, query)
    return [p.nama for p in people_by_ids(db.unit_of_work(), user, list(result.ids))]


def test_search_by_full_and_partial_nik(office_db, operator, registry):
    assert names(office_db, operator, registry[0].nik) == [registry[0].nama]
    partial = names(office_db, operator, registry[0].nik[:12])
    assert registry[0].nama in partial
    assert names(office_db, operator, "7501 0123") == names(office_db, operator, "75010123")


def test_search_by_no_kk_lists_the_household(office_db, operator, registry):
    found = names(office_db, operator, registry[0].no_kk)
    assert sorted(found) == sorted(r.nama for r in registry if r.no_kk == registry[0].no_kk)


@pytest.mark.parametrize(
    "query", ["mohamad luk", "MOHAMADLUKMAN", "  Mohamad   Lukman ", "lasena", "rahmat las"]
)
def test_name_search_is_partial_and_case_and_spacing_insensitive(office_db, operator, registry, query):
    assert "MOHAMAD LUKMAN RAHMAT LASENA" in names(office_db, operator, query)


def test_name_search_results_start_with_prefix_matches(office_db, operator, registry):
    found = names(office_db, operator, "siti mar")
    assert found[0] == "SITI MARYAM LIHAWA"


def test_no_match_and_punctuation_do_not_break_the_search(office_db, operator, registry):
    assert names(office_db, operator, "zzzz") == []
    assert names(office_db, operator, '"; DROP TABLE person; --') == []
    assert names(office_db, operator, "h.") is not None


def test_browsing_pages_cover_everyone_once(office_db, operator, registry):
    total = count_people(office_db.unit_of_work(), operator)
    assert total == len(registry)
    first = page_people(office_db.unit_of_work(), operator, 0, 10)
    rest = page_people(office_db.unit_of_work(), operator, first[-1].id, 100)
    assert len(first) + len(rest) == total
    assert [p.id for p in people_at(office_db.unit_of_work(), operator, 10, 5)] == [p.id for p in rest[:5]]


def test_result_limit_is_reported(office_db, operator, registry):
    result = search_people(office_db.unit_of_work(), operator, "7501", limit=5)
    assert len(result.ids) == 5 and result.truncated


def test_jumping_to_a_position_agrees_with_paging_for_wide_and_narrow_accounts(
    office_db, operator, kecamatan_operator, tmp_path
):
    from tests.factories import DESA_TELAGA

    job = RegistryImport(
        office_db, operator, "dukcapil", [write_csv(tmp_path / "t.csv", people(6) + people(4, DESA_TELAGA))]
    )
    job.inspect()
    job.prepare()
    job.commit()
    for user in (operator, kecamatan_operator):
        everyone = page_people(office_db.unit_of_work(), user, 0, 1000)
        assert len(everyone) == count_people(office_db.unit_of_work(), user)
        for offset in (0, 3, len(everyone) - 2):
            got = people_at(office_db.unit_of_work(), user, offset, 2)
            assert [p.id for p in got] == [p.id for p in everyone[offset : offset + 2]]
