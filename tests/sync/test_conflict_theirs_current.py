"""A conflict's "theirs" is the server's value now, not when the conflict arose (found by the simulation at
2,000 changes per office, tests/sync/test_simulation.py): resolving for the server's side never brings back a
value, or a record, the server has since replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Person
from sync.laptop import open_conflicts, resolve_conflict
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import edit_person, import_households, usb_round
from tests.sync.test_conflict_resolution_deletes import delete_person, state


def _held_by_both(offices, server):
    """Offices A and B of one kabupaten, both holding a person A registered; (A, B, the person's NIK)."""
    a, b, _c = offices
    nik = import_households(a, DESA_LIMBOTO)[0].nik
    usb_round(a, server)
    usb_round(b, server)
    return a, b, nik


def alamat(db, nik: str) -> str:
    with db.unit_of_work() as uow:
        return uow.session.scalars(select(Person.alamat).where(Person.nik == nik)).one()


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_keeping_the_servers_value_keeps_the_one_it_holds_now_not_the_one_it_held_at_the_conflict(
    offices, exchange_server
):
    a, b, nik = _held_by_both(offices, exchange_server)
    edit_person(b, nik, alamat="ALAMAT DARI B")
    usb_round(b, exchange_server, "2")
    edit_person(a, nik, alamat="ALAMAT DARI A")  # not having seen B's: a conflict
    assert usb_round(a, exchange_server, "2")[0].conflict == 1
    (conflict,) = open_conflicts(a.db, a.user)
    assert conflict["theirs"]["alamat"] == "ALAMAT DARI B"
    edit_person(b, nik, alamat="ALAMAT BARU DARI B")  # B, up to date, changes it again: applied
    assert usb_round(b, exchange_server, "3")[0].applied == 1
    usb_round(a, exchange_server, "3")  # A receives it while its conflict is open

    (conflict,) = open_conflicts(a.db, a.user)
    assert conflict["theirs"]["alamat"] == "ALAMAT BARU DARI B"  # what the officer is shown as the server's
    resolve_conflict(a.db, a.user, conflict["conflict_uid"], "theirs")
    usb_round(a, exchange_server, "4")
    usb_round(b, exchange_server, "4")

    # The value B gave first would have come back here, then on the server and at B, silently.
    assert alamat(a.db, nik) == alamat(exchange_server, nik) == alamat(b.db, nik) == "ALAMAT BARU DARI B"


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_giving_way_to_an_update_deleted_since_leaves_the_record_deleted(offices, exchange_server):
    a, b, nik = _held_by_both(offices, exchange_server)
    edit_person(b, nik, nama="NAMA DARI B")
    usb_round(b, exchange_server, "2")
    delete_person(a, nik)  # not having seen B's update: a conflict
    assert usb_round(a, exchange_server, "2")[0].conflict == 1
    delete_person(b, nik)  # then B deletes the record itself: applied
    assert usb_round(b, exchange_server, "3")[0].applied == 1
    usb_round(a, exchange_server, "3")  # A receives B's delete while its conflict is open

    (conflict,) = open_conflicts(a.db, a.user)
    assert conflict["kind"] == "delete_update"
    resolve_conflict(a.db, a.user, conflict["conflict_uid"], "theirs")  # give way to B's update
    usb_round(a, exchange_server, "4")
    usb_round(b, exchange_server, "4")

    # The update A gave way to is gone: the record was brought back at A alone.
    assert state(a.db, nik)[0] and state(exchange_server, nik)[0] and state(b.db, nik)[0]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_giving_way_to_an_update_after_deleting_the_record_again_leaves_it_deleted(offices, exchange_server):
    a, b, nik = _held_by_both(offices, exchange_server)
    edit_person(b, nik, nama="NAMA DARI B")
    usb_round(b, exchange_server, "2")
    delete_person(
        a, nik
    )  # not having seen B's update: a conflict, and B's update brings the record back here
    assert usb_round(a, exchange_server, "2")[0].conflict == 1
    assert state(a.db, nik) == (False, "NAMA DARI B")
    delete_person(a, nik)  # A deletes it once more, now up to date: applied
    assert usb_round(a, exchange_server, "3")[0].applied == 1

    (conflict,) = open_conflicts(a.db, a.user)
    resolve_conflict(a.db, a.user, conflict["conflict_uid"], "theirs")  # the old delete gives way after all
    usb_round(a, exchange_server, "4")
    usb_round(b, exchange_server, "4")

    # Its own later delete stands: the record was brought back at A alone.
    assert state(a.db, nik)[0] and state(exchange_server, nik)[0] and state(b.db, nik)[0]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_keeping_the_servers_value_keeps_this_offices_own_later_change_the_server_took(
    offices, exchange_server
):
    a, b, nik = _held_by_both(offices, exchange_server)
    edit_person(b, nik, alamat="ALAMAT DARI B")
    usb_round(b, exchange_server, "2")
    edit_person(a, nik, alamat="ALAMAT DARI A")  # not having seen B's: a conflict
    assert usb_round(a, exchange_server, "2")[0].conflict == 1
    edit_person(a, nik, alamat="ALAMAT BARU DARI A")  # then, up to date, A changes it again: applied
    assert usb_round(a, exchange_server, "3")[0].applied == 1

    (conflict,) = open_conflicts(a.db, a.user)
    assert conflict["theirs"]["alamat"] == "ALAMAT BARU DARI A"  # the server's value now: A's own, taken
    resolve_conflict(a.db, a.user, conflict["conflict_uid"], "theirs")
    usb_round(a, exchange_server, "4")
    usb_round(b, exchange_server, "4")

    # The server never sends A its own change back: B's older value would have replaced it everywhere.
    assert alamat(a.db, nik) == alamat(exchange_server, nik) == alamat(b.db, nik) == "ALAMAT BARU DARI A"


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_conflict_arriving_after_this_offices_own_later_change_shows_that_change_as_the_servers(
    offices, exchange_server
):
    a, b, nik = _held_by_both(offices, exchange_server)
    edit_person(a, nik, alamat="ALAMAT DARI A")
    usb_round(a, exchange_server, "2")
    edit_person(b, nik, alamat="ALAMAT DARI B")  # not having seen A's: B's conflict
    assert usb_round(b, exchange_server, "2")[0].conflict == 1
    edit_person(a, nik, alamat="ALAMAT BARU DARI A")  # A, not having pulled B's conflict yet: applied
    assert usb_round(a, exchange_server, "3")[0].applied == 1  # and B's conflict comes down after it

    (seen_by_a,) = open_conflicts(a.db, a.user)
    assert seen_by_a["theirs"]["alamat"] == "ALAMAT BARU DARI A"
    usb_round(b, exchange_server, "3")
    (conflict,) = open_conflicts(b.db, b.user)
    assert conflict["theirs"]["alamat"] == "ALAMAT BARU DARI A"
    resolve_conflict(b.db, b.user, conflict["conflict_uid"], "theirs")
    usb_round(b, exchange_server, "4")
    usb_round(a, exchange_server, "4")

    assert alamat(a.db, nik) == alamat(exchange_server, nik) == alamat(b.db, nik) == "ALAMAT BARU DARI A"
