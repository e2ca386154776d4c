"""The change stream's numbers: dense, and in commit order under concurrent transactions."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import select

from db.sync_models import ChangeLog
from sync.server.stream import append_changes, log_and_number


def _changes(first_seq: int, count: int) -> list[dict]:
    return [
        {
            "seq": first_seq + i,
            "entity": "person",
            "uid": str(uuid.uuid4()),
            "op": "upsert",
            "fields": {"nama": f"ORANG {first_seq + i}"},
            "base": 0,
            "region": "7501011001",
            "region_before": None,
        }
        for i in range(count)
    ]


def _stream(server_db) -> list[int]:
    with server_db.unit_of_work() as uow:
        return list(uow.session.scalars(select(ChangeLog.stream_seq).order_by(ChangeLog.stream_seq)))


def test_changes_are_numbered_densely_from_one(server_db):
    device = uuid.uuid4()
    for first in (1, 4):
        with server_db.unit_of_work().writing() as uow:
            append_changes(uow.session, device, _changes(first, 3))
            uow.commit()
    assert _stream(server_db) == [1, 2, 3, 4, 5, 6]


def test_a_rolled_back_transaction_leaves_no_gap(server_db):
    device = uuid.uuid4()
    with server_db.unit_of_work().writing() as uow:
        append_changes(uow.session, device, _changes(1, 2))
        uow.rollback()
    with server_db.unit_of_work().writing() as uow:
        append_changes(uow.session, device, _changes(1, 2))
        uow.commit()
    assert _stream(server_db) == [1, 2]


def test_a_later_transaction_gets_its_numbers_only_after_the_earlier_one_commits(postgres_url):
    """Two connections on PostgreSQL: the second waits while the first holds its numbers, so a reader never
    sees number 4 committed while 1-3 are still in flight (its cursor would skip them for ever)."""
    from sync.server.database import open_server_database

    server_db = open_server_database(postgres_url)
    try:
        first = server_db.unit_of_work().writing()
        first.__enter__()
        held = append_changes(first.session, uuid.uuid4(), _changes(1, 3))
        assert list(held) == [1, 2, 3]

        second_numbers: list[int] = []
        seen_while_second_ran: list[list[int]] = []

        def second_writer() -> None:
            with server_db.unit_of_work().writing() as uow:
                second_numbers.extend(append_changes(uow.session, uuid.uuid4(), _changes(1, 2)))
                uow.commit()

        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        seen_while_second_ran.append(_stream(server_db))
        assert thread.is_alive(), "the second transaction must wait for the first one's numbers"
        first.commit()
        first.__exit__(None, None, None)
        thread.join(timeout=10)

        assert seen_while_second_ran == [[]]
        assert second_numbers == [4, 5]
        assert _stream(server_db) == [1, 2, 3, 4, 5]
    finally:
        server_db.close()


def _log_rows(device: uuid.UUID, first_seq: int, count: int) -> list[dict]:
    return [
        {"device": device, "seq": first_seq + i, "entity": "person", "uid": uuid.uuid4(), "op": "upsert",
         "fields": {"nama": f"ORANG {i}"}, "base": 0, "region": "7501011001", "region_before": None}
        for i in range(count)
    ]  # fmt: skip


def test_logged_rows_get_the_next_numbers_and_the_servers_own_rows_their_number_as_seq(server_db):
    device, server = uuid.uuid4(), uuid.UUID(int=0)
    with server_db.unit_of_work().writing() as uow:
        append_changes(uow.session, device, _changes(1, 2))
        numbers = log_and_number(uow.session, _log_rows(device, 3, 2) + _log_rows(server, 0, 1), server)
        uow.commit()
    assert list(numbers) == [3, 4, 5]
    with server_db.unit_of_work() as uow:
        logged = uow.session.execute(select(ChangeLog.stream_seq, ChangeLog.device, ChangeLog.seq)).all()
    assert sorted(logged) == [(1, device, 1), (2, device, 2), (3, device, 3), (4, device, 4), (5, server, 5)]
