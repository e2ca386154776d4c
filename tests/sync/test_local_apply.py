"""Applying changes to a local copy: what one office wrote arrives whole in another, another region's people
leave, and the office's own unjudged edits survive."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from app.auth.users import login
from app.office import create_office_database
from db.models import AidRecipient, Person, RecordHistory, SkPenerima
from sync import local_apply
from sync.changes import Change, fields_sql, outbox, travelling_columns
from sync.entities import entities
from sync.local_apply import apply_changes
from sync.values import wire_decoder
from tests.app.documents.conftest import REGISTRY_AT_SK, import_people
from tests.conftest import ADMIN_PASSWORD, OFFICE_REGION
from tests.factories import DESA_BOALEMO
from tests.sync.test_capture import run_office_work


@pytest.fixture
def other_office(tmp_path):
    db = create_office_database(tmp_path / "kantor-b.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin B")
    yield db
    db.close()


def changes_of(db, after_seq: int = 0) -> list[Change]:
    """The office's outbox as the server would pass it on: each change numbered in the server's stream."""
    with db.engine.connect() as connection:
        return [
            replace(c, server_seq=1000 + c.seq) for c in outbox(connection, db.office.device_id, after_seq)
        ]


def apply_to(db, changes) -> object:
    with db.unit_of_work().writing() as uow:
        counts = apply_changes(uow.session, changes, office_region=db.office.region_code)
        uow.commit()
    return counts


def copy_of(db, skip: dict[str, set[str]] | None = None) -> dict[str, dict[str, dict]]:
    """Every synced record by entity and uid: all its travelling fields in their wire form, and whether it is
    deleted. `skip`: uids (32 hex) left out, per entity."""
    skip = skip or {}
    found = {}
    with db.engine.connect() as connection:
        for name, entity in entities().items():
            rows = connection.exec_driver_sql(
                f"SELECT t.uid, t.deleted_at IS NOT NULL, {fields_sql(entity, travelling_columns(entity))} "
                f"FROM {name} t"
            ).all()
            found[name] = {
                uid: {"deleted": bool(deleted), **json.loads(fields)}
                for uid, deleted, fields in rows
                if uid not in skip.get(name, set())
            }
    return found


def uids_of(db) -> dict[str, set[str]]:
    return {name: set(rows) for name, rows in copy_of(db).items()}


def test_what_one_office_wrote_arrives_whole_in_a_fresh_office_of_the_same_region(
    office_db, operator, other_office, tmp_path
):
    run_office_work(office_db, operator, tmp_path)
    own = uids_of(other_office)

    counts = apply_to(other_office, changes_of(office_db))

    received = copy_of(other_office, skip=own)
    assert received == copy_of(office_db)
    assert sum(len(rows) for rows in received.values()) == counts.inserted
    assert counts.evicted == counts.kept_local == 0


def test_applying_the_same_changes_twice_changes_nothing(office_db, operator, other_office, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    own = uids_of(other_office)
    apply_to(other_office, changes_of(office_db))
    once = copy_of(other_office, skip=own)

    counts = apply_to(other_office, changes_of(office_db))

    assert counts.inserted == 0
    assert copy_of(other_office, skip=own) == once


def test_applied_changes_are_not_captured_and_their_versions_are_recorded(
    office_db, operator, other_office, tmp_path
):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    incoming = changes_of(office_db)
    with other_office.engine.connect() as connection:
        before = len(outbox(connection, other_office.office.device_id))

    apply_to(other_office, incoming)

    with other_office.engine.connect() as connection:
        assert len(outbox(connection, other_office.office.device_id)) == before
        versions = dict(
            connection.exec_driver_sql(
                "SELECT uid, server_seq FROM sync_version WHERE entity = 'person'"
            ).all()
        )
    people = [c for c in incoming if c.entity == "person"]
    assert versions == {uuid.UUID(c.uid).hex: c.server_seq for c in people}


def test_a_person_moving_out_of_the_region_is_evicted_with_references_to_them_emptied(
    office_db, operator, other_office, tmp_path
):
    run_office_work(office_db, operator, tmp_path)
    apply_to(other_office, changes_of(office_db))
    with office_db.sessions() as session:
        mover = session.scalar(
            select(Person).join(AidRecipient, AidRecipient.person_id == Person.id).limit(1)
        )
        mover_uid = mover.uid
    start = changes_of(office_db)[-1].seq
    with office_db.unit_of_work().writing() as uow:
        uow.session.get(Person, mover.id).kode_desa = DESA_BOALEMO
        uow.commit()
    moves = changes_of(office_db, after_seq=start)
    assert [(c.entity, c.region, c.region_before) for c in moves] == [
        ("person", DESA_BOALEMO, mover.kode_desa)
    ]

    counts = apply_to(other_office, moves)

    assert counts.evicted >= 1
    with other_office.sessions() as session:
        assert session.scalar(select(Person).where(Person.uid == mover_uid)) is None
        kept = session.scalars(select(AidRecipient).where(AidRecipient.nik == mover.nik)).all()
        assert kept and all(r.person_id is None for r in kept)
        assert all(
            r.person_id is None
            for r in session.scalars(select(SkPenerima).where(SkPenerima.nik == mover.nik))
        )
        history = session.scalars(select(RecordHistory).where(RecordHistory.entity == "person")).all()
        people = set(session.scalars(select(Person.id)))
        assert all(h.entity_id in people for h in history)


def test_a_pending_local_edit_survives_an_incoming_change_of_the_same_field(
    office_db, operator, other_office, tmp_path
):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    apply_to(other_office, changes_of(office_db))
    with office_db.sessions() as session:
        person_id, uid = session.execute(select(Person.id, Person.uid).order_by(Person.id).limit(1)).one()
    # Office B edits the address and has not synced yet.
    with other_office.unit_of_work().writing() as uow:
        uow.session.scalar(select(Person).where(Person.uid == uid)).alamat = "JL. DARI KANTOR B"
        uow.commit()
    # Office A's change of the address and the RT comes down.
    start = changes_of(office_db)[-1].seq
    with office_db.unit_of_work().writing() as uow:
        person = uow.session.get(Person, person_id)
        person.alamat, person.rt = "JL. DARI KANTOR A", "007"
        uow.commit()

    counts = apply_to(other_office, changes_of(office_db, after_seq=start))

    assert counts.kept_local == 1
    with other_office.sessions() as session:
        person = session.scalar(select(Person).where(Person.uid == uid))
        assert (person.alamat, person.rt) == ("JL. DARI KANTOR B", "007")


def test_a_delete_change_soft_deletes_the_record(office_db, operator, other_office, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    incoming = changes_of(office_db)
    apply_to(other_office, incoming)
    person = next(c for c in incoming if c.entity == "person")
    deletion = replace(person, op="delete", fields={}, seq=person.seq + 10_000)

    counts = apply_to(other_office, [deletion])

    assert counts.deleted == 1
    with other_office.sessions() as session:
        assert (
            session.scalar(select(Person).where(Person.uid == uuid.UUID(person.uid))).deleted_at is not None
        )


def test_a_reference_to_a_record_not_held_here_becomes_empty(office_db, operator, other_office, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    people = [c for c in changes_of(office_db) if c.entity == "person"]  # without their import batch

    apply_to(other_office, people)

    with other_office.sessions() as session:
        assert (
            session.scalar(select(Person.last_batch_id).where(Person.uid == uuid.UUID(people[0].uid))) is None
        )


def test_changes_given_child_first_are_applied_parent_first(office_db, operator, other_office, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    own = uids_of(other_office)

    apply_to(other_office, _child_first(changes_of(office_db)))

    assert copy_of(other_office, skip=own) == copy_of(office_db)


def _child_first(changes: list[Change]) -> list[Change]:
    order = list(entities())
    return sorted(changes, key=lambda c: -order.index(c.entity))


def test_the_admin_of_office_b_still_logs_in_after_applying(office_db, operator, other_office, tmp_path):
    # Accounts are each office's own: applying another office's work touches none.
    run_office_work(office_db, operator, tmp_path)
    apply_to(other_office, changes_of(office_db))
    assert login(other_office.unit_of_work(), "admin", ADMIN_PASSWORD).username == "admin"


def test_the_down_cursor_advances_with_the_data_and_never_back(office_db, operator, other_office, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    incoming = changes_of(office_db)
    with other_office.unit_of_work().writing() as uow:
        apply_changes(uow.session, incoming, office_region=OFFICE_REGION, pulled_upto=5000)
        uow.commit()
    with pytest.raises(RuntimeError), other_office.unit_of_work().writing() as uow:
        apply_changes(uow.session, incoming, office_region=OFFICE_REGION, pulled_upto=6000)
        raise RuntimeError("terputus sebelum commit")
    with other_office.unit_of_work().writing() as uow:
        apply_changes(uow.session, [], office_region=OFFICE_REGION, pulled_upto=4000)
        uow.commit()
    with other_office.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pulled_upto FROM sync_state").scalar_one() == 5000


def test_a_record_first_seen_through_a_partial_change_waits_for_the_whole_record(
    office_db, operator, other_office, tmp_path
):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    person = next(c for c in changes_of(office_db) if c.entity == "person")
    partial = replace(person, fields={"alamat": "JL. BARU"})

    counts = apply_to(other_office, [partial])

    assert (counts.inserted, counts.incomplete) == (0, 1)


def test_a_record_imported_here_and_not_yet_sent_keeps_all_its_fields(office_db, operator, tmp_path):
    # A registry import's changes are whole records read when sent: every field of them is still unjudged.
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    with office_db.sessions() as session:
        uid, alamat = session.execute(select(Person.uid, Person.alamat).order_by(Person.id).limit(1)).one()
    incoming = Change(
        "server", 1, "person", str(uid), "upsert", {"alamat": "JL. DARI SERVER"}, 0, "7501011001"
    )

    counts = apply_to(office_db, [replace(incoming, server_seq=7)])

    assert counts.kept_local == 1
    with office_db.sessions() as session:
        assert session.scalar(select(Person.alamat).where(Person.uid == uid)) == alamat


def many_people(count: int, seq_from: int = 1) -> list[Change]:
    """`count` whole person changes from the server, then a change of every third one's address."""
    people = [
        Change(
            "server",
            seq_from + n,
            "person",
            str(uuid.UUID(int=n + 1)),
            "upsert",
            {
                "nik": f"7501011{n:09d}",
                "no_kk": f"7501011{n // 4:09d}",
                "nama": f"WARGA {n:05d}",
                "nama_key": f"WARGA{n:05d}",
                "tempat_lahir": "LIMBOTO",
                "tgl_lahir": f"19{50 + n % 40}-0{1 + n % 9}-1{n % 9}",
                "jenis_kelamin": "LP"[n % 2],
                "alamat": f"JL. RAJIMAN NO. {n}",
                "rt": "001",
                "rw": "002",
                "kode_desa": "7501011001",
                "hubungan_keluarga": "ANAK",
                "status": "hidup",
                "tgl_status": None,
                "flags": "",
                "created_at": f"2026-12-0{1 + n % 6}T0{n % 10}:02:03.{n:06d}+00:00",
                "missing_since_batch_uid": None,
                "last_batch_uid": None,
            },
            0,
            "7501011001",
            server_seq=seq_from + n,
        )  # fmt: skip
        for n in range(count)
    ]
    moves = [
        replace(
            c,
            seq=c.seq + count,
            server_seq=c.server_seq + count,
            fields={"alamat": f"{c.fields['alamat']} B"},
        )
        for c in people[::3]
    ]
    return people + moves


def stored_people(db) -> list[tuple]:
    """Every person row as SQLite holds it, by uid (what each apply sets for itself left out)."""
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM person ORDER BY uid").mappings().all()
    return [tuple(v for k, v in row.items() if k not in {"id", "updated_at"}) for row in rows]


def test_many_rows_per_statement_store_what_one_row_per_statement_stores(
    office_db, other_office, monkeypatch
):
    first, second = many_people(400), many_people(400, seq_from=10_000)
    second = [replace(c, fields=c.fields | {"rw": "009"}) for c in second]  # every one updated
    counts = {}
    for name, db in (("many", office_db), ("one", other_office)):
        # Many: 45 rows a statement, the last one part full. One: the plainest way to write them.
        monkeypatch.setattr(local_apply, "_VARIABLES", 1000 if name == "many" else 1)
        counts[name] = (apply_to(db, first).inserted, apply_to(db, second).updated)

    assert counts == {"many": (400, 400), "one": (400, 400)}
    many, one = stored_people(office_db), stored_people(other_office)
    assert len(many) == 400 and many == one
    with office_db.engine.connect() as connection:  # the name search holds every name written
        assert (
            connection.exec_driver_sql(
                "SELECT count(*) FROM person_fts WHERE person_fts MATCH 'warga'"
            ).scalar_one()
            == 400
        )


def whole_people(count: int, seq_from: int = 1) -> list[Change]:
    return [c for c in many_people(count, seq_from) if "nik" in c.fields]


def test_values_unset_in_every_row_of_a_statement_and_in_some_are_stored_as_sent(office_db, monkeypatch):
    """A column unset in every row of a statement is written as NULL in its text, the others bound: each row
    keeps its own values, in their columns, inserted and updated alike."""
    monkeypatch.setattr(local_apply, "_VARIABLES", 1000)  # 45 rows a statement
    first = [
        replace(c, fields=c.fields | {"tgl_status": "2026-01-0" + str(1 + i % 9) if i % 3 == 0 else None})
        for i, c in enumerate(whole_people(100))
    ]
    second = [
        replace(c, fields=c.fields | {"tgl_lahir": None, "tgl_status": None if i < 50 else "2026-02-02"})
        for i, c in enumerate(whole_people(100, seq_from=1_000))
    ]

    inserted = apply_to(office_db, first).inserted
    with office_db.engine.connect() as connection:
        after_insert = connection.exec_driver_sql(
            "SELECT nik, tgl_lahir, tgl_status, deleted_at, alamat FROM person ORDER BY nik"
        ).all()
    updated = apply_to(office_db, second).updated
    with office_db.engine.connect() as connection:
        after_update = connection.exec_driver_sql(
            "SELECT nik, tgl_lahir, tgl_status, deleted_at, alamat FROM person ORDER BY nik"
        ).all()

    whole = {c.fields["nik"]: c.fields for c in first}
    assert (inserted, updated) == (100, 100)
    assert after_insert == [
        (nik, f["tgl_lahir"], f["tgl_status"], None, f["alamat"]) for nik, f in sorted(whole.items())
    ]
    assert after_update == [
        (nik, None, None if i < 50 else "2026-02-02", None, f["alamat"])
        for i, (nik, f) in enumerate(sorted(whole.items()))
    ]


def test_rows_left_with_one_bound_column_are_written_whole(office_db):
    """Every column but one unset in a statement's rows: the one bound value a row, the rest NULL in the text."""
    with office_db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TEMP TABLE note (id INTEGER PRIMARY KEY, uid TEXT, text TEXT)")
        inserted = local_apply._write_rows(
            connection, "INSERT", "note", ("uid", "text"), [("a", None), ("b", None), ("c", None)]
        )
        connection.exec_driver_sql("UPDATE note SET text = 'lama'")
        updated = local_apply._write_rows(
            connection, "UPDATE", "note", ("text", "id"), [(None, 1), (None, 3)]
        )
        stored = connection.exec_driver_sql("SELECT id, uid, text FROM note ORDER BY id").all()

    assert (inserted, updated) == (3, 2)
    assert stored == [(1, "a", None), (2, "b", "lama"), (3, "c", None)]


def test_wire_moments_and_dates_are_stored_as_the_orm_stores_them():
    table = entities()["person"].table
    moments = [
        "2026-12-06T01:02:03.456789+00:00", "2026-12-06T01:02:03+00:00", "2026-12-06T08:02:03.000001+07:00",
        "2026-12-06T01:02:03.456789", None,
    ]  # fmt: skip
    dates = ["1970-01-31", "2001-12-01", None, "1970-01-31"]
    for column, values in (("created_at", moments), ("tgl_lahir", dates)):
        bind = table.c[column].type._cached_bind_processor(sqlite.dialect())
        decode = wire_decoder(table.c[column].type)
        expected = [None if v is None else bind(decode(v)) for v in values]
        assert local_apply._column_converter(table.c[column])(values) == expected
