"""An office's first pull (the region's snapshot) after it sent records of its own: the deletions other offices
made of them since reach it too (found by the simulation, tests/sync/test_simulation.py)."""

from __future__ import annotations

import pytest

from sync.laptop import export_usb
from sync.server.exchange import answer_file
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import import_households, people, usb_round
from tests.sync.test_conflict_resolution_deletes import delete_person, state


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_first_pull_after_sending_brings_the_deletions_of_this_offices_records(offices, exchange_server):
    a, b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    # A's bundle reaches the server, its answer never comes back: A has not pulled anything yet.
    export_usb(a.db, a.user, a.folder / "first.ejps")
    with exchange_server.unit_of_work().writing() as uow:
        answer_file(uow, a.folder / "first.ejps", a.folder / "lost.answer")
    usb_round(b, exchange_server)
    delete_person(b, records[0].nik)
    usb_round(b, exchange_server, "2")

    usb_round(a, exchange_server, "2")  # A's first pull: the region's snapshot

    assert state(a.db, records[0].nik)[0]
    assert people(a.db) == people(exchange_server)
