"""Conflicts between a delete and an update, resolved, end to end (found by the simulation,
tests/sync/test_simulation.py): the choice decides whether the record stays deleted — everywhere — and a
resolution never brings back a record deleted since."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Person, utcnow
from sync.laptop import open_conflicts, resolve_conflict
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import edit_person, import_households, usb_round


def delete_person(office, nik: str) -> None:
    with office.db.unit_of_work().writing() as uow:
        uow.session.scalars(select(Person).where(Person.nik == nik)).one().deleted_at = utcnow()
        uow.commit()


def state(db, nik: str) -> tuple[bool, str] | None:
    """(deleted, nama) of a person in a copy."""
    with db.unit_of_work() as uow:
        person = uow.session.scalars(select(Person).where(Person.nik == nik)).first()
        return None if person is None else (person.deleted_at is not None, person.nama)


def _update_loses_to_delete(offices, server):
    """B deletes a person A then edits without having seen the delete: A's update conflicts."""
    a, b, _c = offices
    nik = import_households(a, DESA_LIMBOTO)[0].nik
    usb_round(a, server)
    usb_round(b, server)
    delete_person(b, nik)
    usb_round(b, server, "2")
    edit_person(a, nik, nama="NAMA DARI A")
    receipt, _down = usb_round(a, server, "2")
    assert receipt.conflict == 1
    (conflict,) = open_conflicts(a.db, a.user)
    assert conflict["kind"] == "delete_update"
    return a, b, nik, conflict["conflict_uid"]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_keeping_the_delete_over_this_offices_update_leaves_the_record_deleted(offices, exchange_server):
    a, b, nik, conflict = _update_loses_to_delete(offices, exchange_server)

    resolve_conflict(a.db, a.user, conflict, "theirs")  # wrote NULL into every conflicting field: refused
    usb_round(a, exchange_server, "3")
    usb_round(b, exchange_server, "3")

    assert state(a.db, nik)[0] and state(exchange_server, nik)[0] and state(b.db, nik)[0]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_keeping_this_offices_update_over_the_delete_brings_the_record_back_everywhere(
    offices, exchange_server
):
    a, b, nik, conflict = _update_loses_to_delete(offices, exchange_server)

    resolve_conflict(a.db, a.user, conflict, "mine")
    usb_round(a, exchange_server, "3")
    usb_round(b, exchange_server, "3")

    assert state(a.db, nik) == state(exchange_server, nik) == (False, "NAMA DARI A")
    assert state(b.db, nik) == (False, "NAMA DARI A")  # B deleted it: the server's restore brings it back


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_resolving_a_conflict_of_a_record_deleted_since_does_not_bring_it_back(offices, exchange_server):
    a, b, _c = offices
    nik = import_households(a, DESA_LIMBOTO)[0].nik
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)
    edit_person(b, nik, alamat="ALAMAT DARI B")
    usb_round(b, exchange_server, "2")
    edit_person(a, nik, alamat="ALAMAT DARI A")
    receipt, _down = usb_round(a, exchange_server, "2")
    assert receipt.conflict == 1
    delete_person(a, nik)  # the office then deletes the record, and the server takes it
    assert usb_round(a, exchange_server, "3")[0].applied == 1

    (conflict,) = open_conflicts(a.db, a.user)
    resolve_conflict(a.db, a.user, conflict["conflict_uid"], "mine")
    usb_round(a, exchange_server, "4")
    usb_round(b, exchange_server, "4")

    assert state(exchange_server, nik)[0] and state(a.db, nik)[0] and state(b.db, nik)[0]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_keeping_the_delete_after_another_conflict_brought_the_record_back_deletes_it_everywhere(
    offices, exchange_server
):
    a, b, _c = offices
    nik = import_households(a, DESA_LIMBOTO)[0].nik
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)
    delete_person(b, nik)
    usb_round(b, exchange_server, "2")
    edit_person(a, nik, nama="NAMA DARI A")  # two updates of the deleted record: two conflicts
    edit_person(a, nik, alamat="ALAMAT DARI A")
    assert usb_round(a, exchange_server, "2")[0].conflict == 2
    first, second = open_conflicts(a.db, a.user)

    resolve_conflict(a.db, a.user, first["conflict_uid"], "mine")  # brings the record back
    resolve_conflict(a.db, a.user, second["conflict_uid"], "theirs")  # and then keeps the delete after all
    usb_round(a, exchange_server, "3")
    usb_round(b, exchange_server, "3")

    assert state(a.db, nik)[0] and state(exchange_server, nik)[0] and state(b.db, nik)[0]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_the_office_that_brings_a_record_back_gets_the_server_values_it_had_given_up(
    offices, exchange_server
):
    """A's first conflict against B's delete kept the delete (A held its losing values locally), its second
    brought the record back: A must end with the server's whole record, as B does."""
    a, b, _c = offices
    nik = import_households(a, DESA_LIMBOTO)[0].nik
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)
    delete_person(b, nik)
    usb_round(b, exchange_server, "2")
    edit_person(a, nik, nama="NAMA DARI A")
    edit_person(a, nik, alamat="ALAMAT DARI A")
    assert usb_round(a, exchange_server, "2")[0].conflict == 2
    first, second = open_conflicts(a.db, a.user)
    resolve_conflict(a.db, a.user, first["conflict_uid"], "theirs")
    resolve_conflict(a.db, a.user, second["conflict_uid"], "mine")
    usb_round(a, exchange_server, "3")
    usb_round(b, exchange_server, "3")
    assert state(a.db, nik) == state(exchange_server, nik) == state(b.db, nik)
