"""The server applies a bundle entity by entity in bulk, and still judges each change against what the one
before it left."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from db.models import Person
from tests.sync.test_exchange_snapshot_whole import _person, _record, _send
from tests.sync.transport_standins import enroll


def test_a_record_made_and_changed_again_in_one_bundle_gets_both_changes(exchange_server, exchange_admin):
    sender = enroll(exchange_server, "7501", exchange_admin)
    person, other = str(uuid.uuid4()), str(uuid.uuid4())
    receipt, _hash = _send(
        exchange_server,
        sender,
        [
            _record(sender, 1, "person", person, _person("ANI")),
            _record(sender, 2, "person", other, _person("BUDI") | {"nik": "7501010101800002"}),
            _record(sender, 3, "person", person, {"nama": "ANI SUSANTI", "rt": "004"}),
        ],
    )

    assert [(a.seq, a.outcome) for a in receipt.answers] == [(1, "applied"), (2, "applied"), (3, "applied")]
    with exchange_server.unit_of_work() as uow:
        rows = uow.session.execute(select(Person.uid, Person.nama, Person.rt).order_by(Person.nama)).all()
    assert rows == [(uuid.UUID(person), "ANI SUSANTI", "004"), (uuid.UUID(other), "BUDI", "")]
