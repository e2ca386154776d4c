"""The registry of what travels: which tables, which columns, which references, which region."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from db.models import Base, Person, SyncedMixin
from sync.entities import (
    LOCAL_COLUMNS,
    PERSON_IDENTITY_FIELDS,
    ConflictClass,
    entities,
    region_overlaps,
    region_sql,
)
from tests.conftest import OFFICE_REGION
from tests.factories import DESA_LIMBOTO, DESA_TELAGA
from tests.sync.test_capture import outbox_rows, run_office_work


def test_every_synced_table_travels_except_the_offices_own_accounts():
    synced = {m.local_table.name for m in Base.registry.mappers if issubclass(m.class_, SyncedMixin)}
    assert set(entities()) == synced - {"app_user"}
    assert "screening_result" in entities()


def test_local_columns_never_travel_and_every_reference_travels_as_a_uid():
    for name, entity in entities().items():
        assert not LOCAL_COLUMNS & set(entity.fields), name
        declared = {c.name for c in entity.table.columns if c.foreign_keys}
        references = {r.column: r for r in entity.references}
        assert declared <= set(references), name
        assert not set(references) & set(entity.fields), name
        for reference in references.values():
            assert reference.field == reference.column.removesuffix("_id") + "_uid"


@pytest.mark.parametrize(
    ("table", "column", "target"),
    [
        ("proposal_list", "last_run_id", "screening_run"),
        ("proposal", "result_id", "screening_result"),
        ("screening_result", "person_id", "person"),
        ("proposal_decision", "person_id", "person"),
    ],
)
def test_integer_columns_pointing_at_rows_without_a_foreign_key_are_references(table, column, target):
    assert entities()[table].reference(column).target == target


def test_a_history_entry_points_at_a_person_or_a_dtks_record():
    reference = entities()["record_history"].reference("entity_id")
    assert (reference.by, reference.targets, reference.field) == (
        "entity",
        ("person", "dtks_record"),
        "entity_uid",
    )


def test_each_record_type_has_its_conflict_class():
    classes = {name: entity.conflict_class for name, entity in entities().items()}
    assert classes["person"] is ConflictClass.IDENTITY
    assert entities()["person"].identity_fields == PERSON_IDENTITY_FIELDS
    assert {n for n, c in classes.items() if c is ConflictClass.APPEND_ONLY} == {
        "screening_result",
        "realisasi",
        "audit_log",
        "record_history",
        "proposal_decision",
    }
    assert classes["sk_penetapan"] is ConflictClass.STATE_MACHINE


@pytest.mark.parametrize(
    ("record", "office", "belongs"),
    [
        (DESA_LIMBOTO, "7501", True),
        (DESA_LIMBOTO, "750102", False),
        ("75", "7501", True),  # a province-wide program serves the kabupaten's people too
        ("7502012004", "7501", False),
        ("7501", "7501", True),
    ],
)
def test_a_record_belongs_to_an_office_when_their_regions_overlap(record, office, belongs):
    assert region_overlaps(record, office) is belongs


def _regions(db) -> dict[tuple[str, uuid.UUID], str]:
    with db.engine.connect() as connection:
        return {
            (name, uuid.UUID(uid)): region
            for name in entities()
            for uid, region in connection.exec_driver_sql(f"SELECT t.uid, {region_sql(name)} FROM {name} t")
        }


def test_the_region_of_each_record_follows_its_own_code_or_what_it_belongs_to(office_db, operator, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    regions = _regions(office_db)
    with office_db.sessions() as session:
        people = {p.uid: p.kode_desa for p in session.scalars(select(Person))}
    for (name, uid), region in regions.items():
        if name == "person":
            assert region == people[uid]
        if name in ("audit_log", "import_batch", "program", "proposal_list", "screening_run", "sk_penetapan"):
            assert region == OFFICE_REGION, name  # none of their own: the office's
        if name in (
            "screening_result",
            "proposal_decision",
            "aid_recipient",
            "sk_penerima",
            "realisasi",
            "form1",
        ):
            assert region in (DESA_LIMBOTO, DESA_TELAGA), name  # their proposal's, person's or row's desa
    # The region captured with each change is the one the record has now (nothing moved in this work).
    last = {(c.entity, c.uid): c.region for c in outbox_rows(office_db)}
    assert last == regions


def test_a_whole_region_is_selected_in_sql_for_a_snapshot(office_db, operator, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    regions = _regions(office_db)
    kecamatan = DESA_LIMBOTO[:6]
    with office_db.engine.connect() as connection:
        selected = {
            (name, uuid.UUID(uid))
            for name in entities()
            for uid in connection.exec_driver_sql(
                f"SELECT t.uid FROM {name} t WHERE {region_sql(name)} LIKE ? || '%'", (kecamatan,)
            ).scalars()
        }
    assert selected == {key for key, region in regions.items() if region.startswith(kecamatan)}
    assert (
        "person",
        next(uid for (n, uid), r in regions.items() if n == "person" and r == DESA_TELAGA),
    ) not in selected
