"""One person, one record: two offices registering the same family (overlapping registry extracts) end with the
province's record under one uid everywhere, whichever office came first and whichever way the records met —
on the server (sync/server/identity.py: an alias) or on a laptop that received the other office's record before
sending its own (sync/local_apply.py: adopt_uid)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import select, text

from app.errors import DomainError
from db.models import Household, Person, RecordHistory
from db.sync_models import RecordAlias, SyncChange, SyncConflict
from sync.laptop import apply_receipt, export_usb, import_usb_answer, prepare_upload
from sync.server import exchange
from sync.server.exchange import answer_file, apply_upload
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, household
from tests.sync.exchange_helpers import edit_person, import_households, import_people, people, usb_round


def households(db) -> dict[str, str]:
    with db.unit_of_work() as uow:
        return {h.no_kk: str(h.uid) for h in uow.session.scalars(select(Household))}


def outbox_uids(office, entity: str) -> set[str]:
    with office.db.unit_of_work() as uow:
        return {
            str(u) for u in uow.session.scalars(select(SyncChange.uid).where(SyncChange.entity == entity))
        }


def conflicts(server) -> list[tuple[str, str, dict, dict]]:
    with server.unit_of_work() as uow:
        return [(c.entity, c.kind, c.mine, c.theirs) for c in uow.session.scalars(select(SyncConflict))]


@pytest.mark.parametrize("exchange_server", ["sqlite", "postgresql"], indirect=True)
def test_two_offices_registering_the_same_family_end_with_the_province_s_one_record(offices, exchange_server):
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=1)
    import_households(b, DESA_LIMBOTO, count=1)  # the same family, under uids of B's own

    usb_round(a, exchange_server)
    bundle = prepare_upload(b.db, b.user)
    with exchange_server.unit_of_work().writing() as uow:
        receipt = apply_upload(uow, bundle.data)  # used to fail, and so B's every sync: the NIK was taken
    apply_receipt(b.db, b.user, receipt)
    # The receipt alone gives B's copy the province's uids, before anything comes down.
    assert {nik: p["uid"] for nik, p in people(b.db).items()} == {
        nik: p["uid"] for nik, p in people(exchange_server).items()
    }
    usb_round(b, exchange_server, "2")
    usb_round(a, exchange_server, "2")

    held = people(exchange_server)
    assert len(held) == 3 and people(a.db) == people(b.db) == held
    assert households(a.db) == households(b.db) == households(exchange_server)
    assert conflicts(exchange_server) == []  # when and by which import each registered it is no difference
    uids = {p["uid"] for p in held.values()}
    assert outbox_uids(b, "person") == uids  # B's ledger names the province's records
    with exchange_server.unit_of_work() as uow:
        aliases = uow.session.scalars(select(RecordAlias).where(RecordAlias.entity == "person")).all()
        assert {str(alias.uid) for alias in aliases} == uids
        assert {alias.device for alias in aliases} == {b.device}


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_registration_with_another_name_for_the_nik_is_an_identity_conflict_and_the_first_stays(
    offices, exchange_server
):
    a, b, _c = offices
    family = household(0, DESA_LIMBOTO)
    import_households(a, DESA_LIMBOTO, count=1)
    import_people(b.db, b.user, b.folder, [family[0].but(nama="MOHAMAD LASENA"), *family[1:]])

    usb_round(a, exchange_server)
    summary, _down = usb_round(b, exchange_server)

    assert summary.conflict == 1
    [(entity, kind, mine, theirs)] = conflicts(exchange_server)
    assert (entity, kind, mine["nama"], theirs["nama"]) == (
        "person",
        "identity",
        "MOHAMAD LASENA",
        family[0].nama,
    )
    assert people(exchange_server)[family[0].nik]["nama"] == family[0].nama
    assert people(b.db) == people(exchange_server)  # B holds the province's, its own in the conflict


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_record_referring_to_the_person_registered_again_reaches_the_held_record(offices, exchange_server):
    a, b, _c = offices
    family = household(0, DESA_LIMBOTO)
    import_households(a, DESA_LIMBOTO, count=1)
    import_households(b, DESA_LIMBOTO, count=1)
    # B's second import changes the head's address: a history record naming B's uid of the head
    import_people(b.db, b.user, b.folder, [family[0].but(alamat="JL. BARU NO. 9"), *family[1:]])
    usb_round(a, exchange_server)

    usb_round(b, exchange_server)

    with exchange_server.unit_of_work() as uow:
        head = uow.session.scalars(select(Person).where(Person.nik == family[0].nik)).one()
        histories = uow.session.scalars(select(RecordHistory).where(RecordHistory.change == "ubah")).all()
        assert [(h.entity, h.entity_id) for h in histories] == [("person", head.id)]
    # The address B's import brought differs from the province's: for a person to decide, not overwritten.
    assert sorted((entity, mine) for entity, _kind, mine, _theirs in conflicts(exchange_server)) == [
        ("household", {"alamat": "JL. BARU NO. 9"}),
        ("person", {"alamat": "JL. BARU NO. 9"}),
    ]  # one each: the registration and the later edit are one record's


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_copy_receiving_a_family_it_registered_too_takes_the_province_s_uids_and_sends_its_own_after(
    offices, exchange_server
):
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=1)
    usb_round(a, exchange_server)
    # B's USB file leaves before B registers the family; the answer brings A's records after it has.
    request, answer = b.folder / "b.ejps", b.folder / "b.answer"
    export_usb(b.db, b.user, request)
    with exchange_server.unit_of_work().writing() as uow:
        answer_file(uow, request, answer)
    import_households(b, DESA_LIMBOTO, count=1)
    mine = {nik: p["uid"] for nik, p in people(b.db).items()}

    _receipt, down = import_usb_answer(b.db, b.user, answer)  # used to fail: the NIK was taken

    held = people(exchange_server)
    assert down.verdict == "applied"
    assert {nik: p["uid"] for nik, p in people(b.db).items()} == {nik: p["uid"] for nik, p in held.items()}
    assert set(mine.values()).isdisjoint(outbox_uids(b, "person"))  # its registration goes up under them

    usb_round(b, exchange_server, "2")
    usb_round(a, exchange_server, "2")
    assert conflicts(exchange_server) == []
    assert people(a.db) == people(b.db) == people(exchange_server)
    assert households(a.db) == households(b.db) == households(exchange_server)
    with exchange_server.unit_of_work() as uow:
        assert uow.session.scalars(select(RecordAlias)).all() == []  # nothing to alias: B took the uids
    assert all(uuid.UUID(uid) for uid in mine.values())


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_nik_corrected_into_one_another_office_registered_is_refused_and_the_office_told_what_to_fix(
    offices, exchange_server
):
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=1)
    usb_round(a, exchange_server)
    ours = import_households(b, DESA_LIMBOTO, count=1, start=1)
    usb_round(b, exchange_server)
    taken = "7501011212900042"
    edit_person(b, ours[0].nik, nik=taken)  # B's correction of its own person's NIK...
    newcomer = household(2, DESA_LIMBOTO)
    import_people(a.db, a.user, a.folder, [newcomer[0].but(nik=taken), *newcomer[1:]])  # ... A's new person's
    usb_round(a, exchange_server, "2")
    before = people(exchange_server)

    with pytest.raises(DomainError) as refused:
        usb_round(b, exchange_server, "2")

    assert "NIK 7501011212900042 dipakai dua data yang berbeda" in str(refused.value)
    assert people(exchange_server) == before  # the correction was refused: the NIK stays A's person's
    with b.db.unit_of_work() as uow:
        states = uow.session.scalars(select(SyncChange.state).where(SyncChange.entity == "person")).all()
        assert "refused" in states

    edit_person(b, taken, nik=ours[0].nik)  # the officer puts the NIK back
    usb_round(b, exchange_server, "3")
    assert people(b.db) == people(exchange_server)


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_nik_held_in_another_region_is_refused_and_nothing_of_that_region_reaches_the_office(
    offices, exchange_server
):
    a, _b, c = offices  # C serves Kab. Boalemo
    family = household(0, DESA_LIMBOTO)
    import_households(a, DESA_LIMBOTO, count=1)
    usb_round(a, exchange_server)
    before = people(exchange_server)
    import_people(c.db, c.user, c.folder, [p.but(kode_desa=DESA_BOALEMO) for p in family])

    summary, _down = usb_round(c, exchange_server)

    assert summary.refused == len(family) + 1  # the people and their household
    assert people(exchange_server) == before  # Kab. Gorontalo's records untouched
    assert {p["kode_desa"] for p in people(c.db).values()} == {DESA_BOALEMO}  # none of Kab. Gorontalo's came
    assert conflicts(exchange_server) == []


def test_a_nik_longer_than_a_nik_is_refused_not_taken_for_the_person_it_begins_with(offices, exchange_server):
    """A value longer than its column (a NIK of 17 digits typed on a laptop) refuses the bundle with a message:
    it is neither cut down to the 16 digits of another person's NIK and merged with that person, nor left to
    fail inside the database."""
    a, b, _c = offices
    theirs = import_households(a, DESA_LIMBOTO, count=1)
    usb_round(a, exchange_server)
    ours = import_households(b, DESA_LIMBOTO, count=1, start=1)
    edit_person(b, ours[0].nik, nik=theirs[0].nik + "9")  # before B's registration went up
    before = people(exchange_server)

    receipt, _down = usb_round(b, exchange_server)

    assert (receipt.verdict, receipt.refusal_code) == ("refused", "not_a_bundle")
    assert receipt.refusal_message.startswith(
        f"nik data person dalam paket terlalu panjang: '{theirs[0].nik}9'"
    )
    assert people(exchange_server) == before
    with exchange_server.unit_of_work() as uow:
        assert uow.session.scalars(select(RecordAlias)).all() == []


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
def test_two_offices_registering_the_same_family_at_the_same_moment_both_apply(
    offices, exchange_server, monkeypatch
):
    """On PostgreSQL two bundles apply at once: B's apply looks the NIKs up while A's, which registers the same
    family, has not committed yet. B then waits on A's entries in the unique index and, once A commits, would
    fail — and with it every sync of B's until a retry. The server applies B again, which now finds A's
    records and aliases B's to them."""
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=1)
    import_households(b, DESA_LIMBOTO, count=1)
    bundle_a, bundle_b = prepare_upload(a.db, a.user), prepare_upload(b.db, b.user)
    a_written, a_may_commit = threading.Event(), threading.Event()
    real_sign = exchange.sign_receipt

    def sign_receipt(receipt, key):  # A, written and not committed, waits here
        if receipt.device == str(a.device):
            a_written.set()
            assert a_may_commit.wait(30)
        return real_sign(receipt, key)

    monkeypatch.setattr(exchange, "sign_receipt", sign_receipt)
    attempts: list[str] = []
    real_once = exchange._apply_upload_once

    def apply_upload_once(session, data):
        attempts.append(threading.current_thread().name)
        return real_once(session, data)

    monkeypatch.setattr(exchange, "_apply_upload_once", apply_upload_once)
    receipts: dict[str, bytes] = {}

    def apply(name: str, data: bytes) -> None:
        with exchange_server.unit_of_work().writing() as uow:
            receipts[name] = apply_upload(uow, data)

    first = threading.Thread(target=apply, args=("a", bundle_a.data), name="a", daemon=True)
    first.start()
    assert a_written.wait(30)
    second = threading.Thread(target=apply, args=("b", bundle_b.data), name="b", daemon=True)
    second.start()
    try:
        _wait_for_a_lock_wait(exchange_server)  # B is waiting on A's uncommitted NIKs
    finally:
        a_may_commit.set()
    first.join(30)
    second.join(30)

    assert not first.is_alive() and not second.is_alive()
    assert set(receipts) == {"a", "b"}  # B's apply did not fail
    assert sorted(attempts) == ["a", "b", "b"]  # B's met A's NIKs once, and was applied again
    apply_receipt(a.db, a.user, receipts["a"])
    apply_receipt(b.db, b.user, receipts["b"])
    usb_round(a, exchange_server, "2")
    usb_round(b, exchange_server, "2")
    held = people(exchange_server)
    assert len(held) == 3 and people(a.db) == people(b.db) == held
    with exchange_server.unit_of_work() as uow:
        aliases = uow.session.scalars(select(RecordAlias).where(RecordAlias.entity == "person")).all()
        assert {alias.device for alias in aliases} == {b.device} and len(aliases) == 3


def _wait_for_a_lock_wait(server) -> None:
    deadline = time.monotonic() + 30
    with server.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            # pg_stat_activity is read once per transaction: each look in a new one.
            connection.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second apply never waited on the first")


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_new_people_s_uids_are_looked_up_once_in_an_apply(offices, exchange_server):
    """The identification looks the bundle's new people up by uid to find those registered again; the apply
    does not look for them a second time (a thousand uids a bundle)."""
    from sqlalchemy import event

    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO, count=2)
    bundle = prepare_upload(a.db, a.user)
    lookups = []

    def count(_connection, _cursor, statement, *_):
        if (
            statement.lstrip().startswith("SELECT")
            and "FROM person" in statement
            and "person.uid IN" in statement
        ):
            lookups.append(statement)

    event.listen(exchange_server.engine, "before_cursor_execute", count)
    try:
        with exchange_server.unit_of_work().writing() as uow:
            apply_upload(uow, bundle.data)
    finally:
        event.remove(exchange_server.engine, "before_cursor_execute", count)
    assert len(people(exchange_server)) == 6
    assert len(lookups) == 1
