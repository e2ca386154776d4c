"""The registry's matching index: built from the people at the first screening, saved in the office
database, read back in a new session, and rebuilt when (and only when) the people changed."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from app.screening import registry_index
from app.screening.registry_index import (
    SAVED_ARRAYS,
    RegistryIndexCache,
    read_saved_index,
    registry_state,
)
from tests.app.screening.test_engine import REGISTRY, import_registry, registry_dtks
from tests.factories import DESA_LIMBOTO, household


@pytest.fixture
def registry(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    return office_db


def current_state(db) -> dict:
    with db.engine.connect() as connection:
        return registry_state(connection)


def first_session(db):
    cache = RegistryIndexCache()
    index = cache.get(str(db.path), db.engine)
    cache.save_pending()
    return index


def test_the_first_screening_saves_the_index_and_it_reads_back_equal(registry):
    assert read_saved_index(registry.engine, current_state(registry)) is None  # nothing screened yet
    built = first_session(registry)
    saved = read_saved_index(registry.engine, current_state(registry))
    for name in SAVED_ARRAYS + ("nik_sorted", "dob_key", "token_key"):
        assert np.array_equal(getattr(saved, name), getattr(built, name)), name
    assert saved.unique_names == built.unique_names
    assert saved.token_codes == built.token_codes
    assert (saved.desa_counts, saved.kec_counts, saved.dob_counts) == (
        built.desa_counts,
        built.kec_counts,
        built.dob_counts,
    )
    assert saved.size == len(REGISTRY)


def test_the_saved_index_keeps_positions_in_four_bytes_and_reads_them_back_the_same(registry):
    built = first_session(registry)
    saved = read_saved_index(registry.engine, current_state(registry))
    for name in ("nik_order", "dob_order", "token_people"):
        assert getattr(built, name).dtype == np.int32, name  # a quarter less to save after an import
        assert np.array_equal(getattr(saved, name), getattr(built, name)), name
    assert [int(p) for p in saved.position_of_nik(built.nik[:2])] == [0, 1]


def test_a_new_session_reads_the_saved_index_instead_of_rebuilding(registry, monkeypatch):
    first_session(registry)

    def no_rebuild(*args, **kwargs):
        raise AssertionError("rebuilt although a current saved index exists")

    monkeypatch.setattr(registry_index, "load_registry_index", no_rebuild)
    index = RegistryIndexCache().get(str(registry.path), registry.engine)
    assert index.size == len(REGISTRY) and index.state == current_state(registry)


def other_desil() -> list:
    return [(person, desil % 10 + 1) for person, desil in registry_dtks()]


def test_a_new_dtks_extract_keeps_the_index_new_people_make_it_stale(registry, operator, tmp_path):
    first_session(registry)
    dtks_before = current_state(registry)["batches"]["dtks"]
    (tmp_path / "dtks-lagi").mkdir()
    import_registry(registry, operator, tmp_path / "dtks-lagi", REGISTRY, other_desil())
    assert current_state(registry)["batches"]["dtks"] > dtks_before  # a real new extract
    assert read_saved_index(registry.engine, current_state(registry)) is not None
    (tmp_path / "lagi").mkdir()
    newcomers = household(20, DESA_LIMBOTO)
    import_registry(registry, operator, tmp_path / "lagi", REGISTRY + newcomers)
    assert read_saved_index(registry.engine, current_state(registry)) is None
    index = first_session(registry)
    assert index.size == len(REGISTRY) + len(newcomers)
    assert index.position_of_nik(np.array([int(newcomers[0].nik)]))[0] >= 0
    assert read_saved_index(registry.engine, current_state(registry)).size == index.size


def test_in_a_session_a_new_dtks_extract_gives_the_same_arrays_under_the_new_state(
    registry, operator, tmp_path
):
    cache = RegistryIndexCache()
    before = cache.get(str(registry.path), registry.engine)
    state_before = dict(before.state)
    (tmp_path / "dtks-lagi").mkdir()
    import_registry(registry, operator, tmp_path / "dtks-lagi", REGISTRY, other_desil())
    after = cache.get(str(registry.path), registry.engine)
    assert after.state == current_state(registry) != state_before
    assert after.ids is before.ids and after.token_people is before.token_people  # nothing rebuilt
    assert before.state == state_before  # a run still holding the old one keeps what it read
    assert cache.get(str(registry.path), registry.engine) is after


def test_a_saved_index_that_cannot_be_read_whole_is_rebuilt(registry):
    first_session(registry)
    with registry.engine.begin() as connection:
        connection.execute(text("DELETE FROM registry_match_index WHERE name = 'nik'"))
    assert read_saved_index(registry.engine, current_state(registry)) is None
    assert first_session(registry).size == len(REGISTRY)
    assert read_saved_index(registry.engine, current_state(registry)) is not None


def test_an_index_built_before_an_import_never_replaces_the_newer_saved_one(registry, operator, tmp_path):
    older = RegistryIndexCache()
    older.get(str(registry.path), registry.engine)  # built, not yet saved
    (tmp_path / "lagi").mkdir()
    import_registry(registry, operator, tmp_path / "lagi", REGISTRY + household(20, DESA_LIMBOTO))
    newer = first_session(registry)  # another session: builds and saves the index of the new registry
    older.save_pending()
    saved = read_saved_index(registry.engine, current_state(registry))
    assert saved is not None and saved.size == newer.size


def test_an_index_saved_by_another_version_of_the_program_is_not_read(registry):
    first_session(registry)
    with registry.engine.begin() as connection:
        header = connection.execute(
            text("SELECT data FROM registry_match_index WHERE name = 'header'")
        ).scalar_one()
        connection.execute(
            text("UPDATE registry_match_index SET data = :data WHERE name = 'header'"),
            {"data": header.replace(b'"format": 1', b'"format": 0')},
        )
    assert read_saved_index(registry.engine, current_state(registry)) is None


def test_an_index_that_cannot_be_saved_still_serves_the_session(registry, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(engine, index):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(registry_index, "save_registry_index", locked)
    assert first_session(registry).size == len(REGISTRY)
    assert read_saved_index(registry.engine, current_state(registry)) is None


def test_preparing_the_index_after_an_import_saves_what_the_first_screening_reads(registry, monkeypatch):
    from app.screening.service import prepare_matching_index

    assert prepare_matching_index(registry) is True
    monkeypatch.setattr(registry_index, "load_registry_index", lambda *a, **k: pytest.fail("rebuilt"))
    index = RegistryIndexCache().get(str(registry.path), registry.engine)  # a new session's first screening
    assert index.size == len(REGISTRY) and index.state == current_state(registry)


def test_a_cancelled_preparation_saves_nothing_and_leaves_the_build_to_the_first_screening(registry):
    from app.jobs import Progress
    from app.screening.service import prepare_matching_index

    assert prepare_matching_index(registry, Progress(cancelled=lambda: True)) is False
    assert read_saved_index(registry.engine, current_state(registry)) is None
    assert first_session(registry).size == len(REGISTRY)
