"""The province's change stream: every accepted change gets the next `stream_seq`, dense and in commit order.

An office pulls with `stream_seq > cursor`. If numbers were given out of commit order (a sequence, or
max + 1 read early), a reader could see number 7 committed while 6 is still in flight, move its cursor to 7 and
never see 6. So numbers come from one counter row, updated right before the changes are written: the row's
lock is held until the transaction ends, so the next transaction gets its numbers only after this one
committed (or rolled back, giving its numbers back). The same holds on SQLite, whose writers are serial.

The lock is held from the counter's update to the commit, so a server apply takes its numbers last, when
everything else is written, and its change-log rows go in with them by one binary COPY (db/bulk_copy.py: a
thousand rows in a few milliseconds). Writing them earlier under placeholder numbers and renumbering them under
the lock kept the same wait and cost an UPDATE of every row and its three index entries on top: a sixth of an
apply's work in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.bulk_copy import insert_rows
from db.sync_models import ChangeLog, StreamCounter


def take_stream_numbers(session: Session, count: int) -> range:
    """`count` consecutive stream numbers for this transaction; call it last, just before writing the rows,
    as it makes every other writer wait until this transaction ends."""
    if count <= 0:
        return range(0)
    counter = StreamCounter.__table__  # Core: the ORM's bulk-update handling cost more than the UPDATE itself
    last = session.execute(
        update(counter)
        .where(counter.c.id == 1)
        .values(last_seq=counter.c.last_seq + count)
        .returning(counter.c.last_seq)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def append_changes(session: Session, device: uuid.UUID, changes: Sequence[Mapping[str, Any]]) -> range:
    """Writes accepted changes (the wire form of sync's `Change`: seq, entity, uid, op, fields, base, region,
    region_before) to the change log under fresh stream numbers; returns the numbers, in order."""
    numbers = take_stream_numbers(session, len(changes))
    if changes:
        session.execute(
            insert(ChangeLog),
            [
                {
                    "stream_seq": number,
                    "device": device,
                    "seq": change["seq"],
                    "entity": change["entity"],
                    "uid": uuid.UUID(str(change["uid"])),
                    "op": change["op"],
                    "fields": change.get("fields") or {},
                    "base": change.get("base", 0),
                    "region": change.get("region", ""),
                    "region_before": change.get("region_before"),
                }
                for number, change in zip(numbers, changes, strict=True)
            ],
        )
    return numbers


def log_and_number(session: Session, rows: list[dict[str, Any]], numbered_seq: uuid.UUID) -> range:
    """Gives change-log `rows` (ChangeLog's columns, `stream_seq` left out) the next stream numbers, in order,
    and writes them; rows of the device `numbered_seq` get their stream number as their `seq` too. Returns the
    numbers. Call it last: from the counter's update on, every other writer waits until this one commits."""
    numbers = take_stream_numbers(session, len(rows))
    for number, row in zip(numbers, rows, strict=True):
        row["stream_seq"] = number
        if row["device"] == numbered_seq:
            row["seq"] = number
    insert_rows(session.connection(), ChangeLog.__table__, rows)
    return numbers


def last_stream_seq(session: Session) -> int:
    return session.scalar(select(StreamCounter.last_seq).where(StreamCounter.id == 1)) or 0
