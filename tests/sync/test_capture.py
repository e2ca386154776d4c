"""Capture: every write of a synced record puts its change in the outbox, in the same transaction."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select, text, update

from app.documents.form1 import create_form1
from app.documents.realisasi import RealisasiInput, record_realisasi
from app.documents.realisasi_koreksi import correct_realisasi
from app.screening import service
from db.models import Person, Proposal, ProposalList
from sync.changes import Change, capture_suspended, outbox, outbox_lines, outbox_span
from sync.entities import entities
from tests.app.documents.conftest import (
    HEADS,
    REGISTRY_AT_SK,
    SK_VALUE,
    import_people,
    make_final_sk,
    record_death,
)
from tests.app.documents.form1_data import a_form1
from tests.app.documents.sk_flow import screened_list
from tests.app.screening.test_programs import make_program
from tests.factories import DESA_TELAGA


def run_office_work(db, user, folder) -> None:
    """The main use cases of an office, one after the other: registry import, proposals imported and
    screened, a decision, an SK drafted and finalised, a re-import recording a death, realisasi recorded and
    corrected, a Form 1."""
    import_people(db, user, folder, REGISTRY_AT_SK)
    program = make_program(db, user, tahun=2026)
    sk = make_final_sk(db, user, program.id, HEADS)
    other_list = screened_list(db, user, HEADS[:2], program.id, "usulan desa")
    with db.sessions() as session:
        proposal_id = session.scalar(select(Proposal.id).where(Proposal.list_id == other_list).limit(1))
    service.decide(db, user, proposal_id, "field_check", "Alamat perlu dicek di lapangan")
    record_death(db, user, folder)
    entry = RealisasiInput(nik=HEADS[0].nik, tanggal=date(2026, 3, 5), nilai=450_000, saluran="bank")
    wrong = record_realisasi(db, user, sk.id, entry)
    fixed = RealisasiInput(nik=HEADS[0].nik, tanggal=date(2026, 3, 5), nilai=SK_VALUE, saluran="bank")
    correct_realisasi(db, user, wrong.id, fixed, "nilai salah ketik dari daftar bank")
    create_form1(db, user, a_form1())


def outbox_rows(db) -> list[Change]:
    """The outbox as it travels, its uids as UUIDs (to compare with the records')."""
    with db.engine.connect() as connection:
        return [replace(c, uid=uuid.UUID(c.uid)) for c in outbox(connection, db.office.device_id)]


def outbox_states(db) -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.exec_driver_sql("SELECT DISTINCT state FROM sync_change").scalars())


def synced_uids(db) -> dict[str, set[uuid.UUID]]:
    with db.engine.connect() as connection:
        return {
            name: {uuid.UUID(u) for u in connection.exec_driver_sql(f"SELECT uid FROM {name}").scalars()}
            for name in entities()
        }


def test_the_main_use_cases_put_every_synced_record_in_the_outbox_with_dense_numbers(
    office_db, operator, tmp_path
):
    run_office_work(office_db, operator, tmp_path)
    changes = outbox_rows(office_db)

    assert [c.seq for c in changes] == list(range(1, len(changes) + 1))
    assert outbox_states(office_db) == {"pending"}
    kinds = Counter((c.entity, c.op) for c in changes)
    assert set(kinds) == {
        ("audit_log", "upsert"),
        ("import_batch", "upsert"),
        ("household", "upsert"),
        ("person", "upsert"),
        ("record_history", "upsert"),
        ("program", "upsert"),
        ("proposal_list", "upsert"),
        ("proposal", "upsert"),
        ("screening_run", "upsert"),
        ("screening_result", "upsert"),
        ("proposal_decision", "upsert"),
        ("sk_penetapan", "upsert"),
        ("sk_penerima", "upsert"),
        ("aid_recipient", "upsert"),
        ("realisasi", "upsert"),
        ("form1", "upsert"),
        ("form1_anggota", "upsert"),
    }
    # Every synced record of the office is in the outbox, and nothing else is.
    captured: dict[str, set[uuid.UUID]] = {}
    for change in changes:
        captured.setdefault(change.entity, set()).add(change.uid)
    held = {name: uids for name, uids in synced_uids(office_db).items() if uids}
    assert captured == held
    # The death recorded by the second import changes the person: one more change of that record. Both are
    # whole records read when sent (an import's), so both carry the status as it is now.
    dead = [c for c in changes if c.entity == "person" and c.fields.get("status") == "meninggal"]
    assert len(dead) == 2 and len({c.uid for c in dead}) == 1
    # The correction: the wrong row is kept, marked superseded (its status alone), and a new row names it.
    wrong, superseded, fixed = [c for c in changes if c.entity == "realisasi"]
    assert superseded.uid == wrong.uid and superseded.fields == {"status": "digantikan"}
    assert fixed.uid != wrong.uid and fixed.fields["menggantikan_uid"] == str(wrong.uid)
    assert (wrong.fields["nilai"], fixed.fields["nilai"]) == (450_000, SK_VALUE)


def test_a_new_record_carries_all_its_fields_and_references_as_uids(office_db, operator, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    changes = outbox_rows(office_db)
    with office_db.sessions() as session:
        first_list = session.scalars(select(ProposalList).order_by(ProposalList.id)).first()
        program_uid = str(
            first_list
            and session.execute(
                text("SELECT uid FROM program WHERE id = :id"), {"id": first_list.program_id}
            ).scalar()
        )
    created = next(c for c in changes if c.entity == "proposal_list" and c.uid == first_list.uid)
    expected = set(entities()["proposal_list"].fields) | {"program_uid", "last_run_uid", "sk_uid"}
    assert set(created.fields) == expected
    assert uuid.UUID(created.fields["program_uid"]).hex == program_uid
    for change in changes:
        assert not {"id", "uid", "updated_at", "origin_device", "deleted_at"} & set(change.fields)


def test_a_changed_record_carries_only_the_fields_that_changed_based_on_the_version_seen(
    office_db, operator, tmp_path
):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    with office_db.sessions() as session, session.begin():
        person = session.scalars(select(Person).order_by(Person.id)).first()
        uid = person.uid
        session.execute(
            text("INSERT INTO sync_version (entity, uid, server_seq) VALUES ('person', :uid, 41)"),
            {"uid": uid.hex},
        )
    with office_db.unit_of_work().writing() as uow:
        uow.session.get(Person, person.id).alamat = "JL. PANJAITAN NO. 7"
        uow.commit()
    last = outbox_rows(office_db)[-1]
    assert (last.entity, last.uid, last.op, last.fields, last.base) == (
        "person",
        uid,
        "upsert",
        {"alamat": "JL. PANJAITAN NO. 7"},
        41,
    )
    assert last.region_before is None


def test_a_person_moving_to_another_desa_notes_the_region_left(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    with office_db.unit_of_work().writing() as uow:
        person = uow.session.scalars(select(Person).order_by(Person.id)).first()
        before = person.kode_desa
        person.kode_desa = DESA_TELAGA
        uow.commit()
    last = outbox_rows(office_db)[-1]
    assert (last.region, last.region_before) == (DESA_TELAGA, before)


def test_a_soft_delete_is_a_delete_change(office_db, operator, tmp_path):
    from app.screening.programs import delete_proposal_list

    run_office_work(office_db, operator, tmp_path)
    program = make_program(office_db, operator, tahun=2027, nama="Program lain")
    list_id = screened_list(office_db, operator, HEADS[:2], program.id, "usulan dihapus")
    start = outbox_rows(office_db)[-1].seq
    delete_proposal_list(office_db, operator, list_id, "salah unggah")
    after = [c for c in outbox_rows(office_db) if c.seq > start]
    assert Counter((c.entity, c.op) for c in after) == {
        ("proposal", "delete"): 2,
        ("proposal_list", "delete"): 1,
        ("audit_log", "upsert"): 1,
    }
    assert all(c.fields == {} for c in after if c.op == "delete")


def test_a_rolled_back_write_leaves_no_change_and_no_gap(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    before = len(outbox_rows(office_db))
    with office_db.unit_of_work().writing() as uow:
        uow.session.scalars(select(Person)).first().alamat = "DIBATALKAN"
        uow.session.flush()
        uow.rollback()
    assert len(outbox_rows(office_db)) == before
    with office_db.unit_of_work().writing() as uow:
        uow.session.scalars(select(Person)).first().alamat = "DISIMPAN"
        uow.commit()
    changes = outbox_rows(office_db)
    assert [c.seq for c in changes] == list(range(1, before + 2))
    assert changes[-1].fields == {"alamat": "DISIMPAN"}


def test_writes_with_capture_suspended_are_not_captured(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    count = len(outbox_rows(office_db))
    with office_db.unit_of_work().writing() as uow:
        with capture_suspended(uow.session.connection()):
            uow.session.execute(update(Person).values(rt="009"))
            uow.session.scalars(select(Person)).first().alamat = "DARI SERVER"
            uow.session.flush()
        uow.commit()
    assert len(outbox_rows(office_db)) == count


def test_a_bulk_orm_update_is_captured_per_row(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    start = len(outbox_rows(office_db))
    with office_db.unit_of_work().writing() as uow:
        uow.session.execute(update(Person).where(Person.kode_desa == DESA_TELAGA).values(rw="004"))
        uow.commit()
    after = outbox_rows(office_db)[start:]
    telaga = sum(1 for p in REGISTRY_AT_SK if p.kode_desa == DESA_TELAGA)
    assert len(after) == telaga
    assert all(c.entity == "person" and c.fields == {"rw": "004"} for c in after)


def test_the_outbox_reads_back_as_change_records(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    device = office_db.office.device_id
    with office_db.engine.connect() as connection:
        changes = outbox(connection, device, after_seq=2, limit=5)
    assert [c.seq for c in changes] == [3, 4, 5, 6, 7]
    assert {c.device for c in changes} == {str(device)}
    assert all(uuid.UUID(c.uid) and c.at.endswith("+00:00") for c in changes)


def test_a_use_case_that_fails_after_writing_leaves_the_outbox_as_it_was(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    before = len(outbox_rows(office_db))
    with pytest.raises(RuntimeError), office_db.unit_of_work().writing() as uow:
        uow.session.scalars(select(Person)).first().nama = "NAMA LAIN"
        uow.session.flush()
        raise RuntimeError("gagal setelah menulis")
    assert len(outbox_rows(office_db)) == before


def test_a_registry_import_keeps_its_records_whole_to_be_read_when_sent(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    with office_db.engine.connect() as connection:
        kept = dict(
            connection.exec_driver_sql(
                "SELECT entity, count(*) FROM sync_change WHERE fields IS NULL GROUP BY entity"
            ).all()
        )
    assert kept == {"person": len(REGISTRY_AT_SK), "household": 6}
    people = [c for c in outbox_rows(office_db) if c.entity == "person"]
    assert {c.fields["nik"] for c in people} == {p.nik for p in REGISTRY_AT_SK}
    assert all(
        set(c.fields) == set(entities()["person"].fields) | {"missing_since_batch_uid", "last_batch_uid"}
        for c in people
    )


def test_the_outbox_written_as_json_lines_in_sql_equals_its_change_records(office_db, operator, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    device = office_db.office.device_id
    with office_db.engine.connect() as connection:
        expected = [c.to_dict() for c in outbox(connection, device, after_seq=1, limit=400)]
        first, last, count = outbox_span(connection, after_seq=1, limit=400)
        lines = list(outbox_lines(connection, device, first, last))
    assert {c["entity"] for c in expected} >= {"person", "household", "sk_penerima", "record_history"}
    assert any(c["fields"] and c["entity"] == "person" for c in expected)  # whole records read when sent
    assert (first, last, count) == (expected[0]["seq"], expected[-1]["seq"], len(expected))
    assert [json.loads(line) for line in lines] == expected


def test_a_change_read_back_from_its_wire_form_is_the_same_change_and_one_lacking_a_key_is_refused():
    """Change.from_dict takes a parsed bundle's record positionally: every field lands in its own place."""
    import orjson

    from sync.changes import Change

    change = Change(
        device="d-1", seq=7, entity="person", uid="u-1", op="upsert", fields={"nama": "A"}, base=3,
        region="7501011001", region_before="7502011001", at="2026-12-07T08:00:00+00:00", server_seq=42,
    )  # fmt: skip
    assert Change.from_dict(orjson.loads(orjson.dumps(change.to_dict()))) == change
    short = Change.from_dict({"device": "d-1", "seq": 1, "entity": "person", "uid": "u-2", "op": "delete"})
    assert (short.fields, short.base, short.region, short.region_before, short.at, short.server_seq) == (
        {}, 0, "", None, "", None,
    )  # fmt: skip
    with pytest.raises(TypeError):
        Change.from_dict({"device": "d-1", "seq": 1, "entity": "person", "uid": "u-2"})
