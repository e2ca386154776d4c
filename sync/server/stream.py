"""The province's change stream: every accepted change gets the next `stream_seq`, dense and in commit order.

An office pulls with `stream_seq > cursor`. If numbers were given out of commit order (a sequence, or
max + 1 read early), a reader could see number 7 committed while 6 is still in flight, move its cursor to 7 and
never see 6. So numbers come from one counter row, updated right before the changes are written: the row's
lock is held until the transaction ends, so the next transaction gets its numbers only after this one
committed (or rolled back, giving its numbers back). The same holds on SQLite, whose writers are serial.

The lock is held from the counter's update to the commit, so a server apply writes its change-log rows first,
under placeholder numbers (negative, unique to the transaction: never committed, never read), and only then
takes its numbers and renumbers the rows in one UPDATE (`log_and_number`): the bulk write happens outside
the lock and the other devices' applies wait for a few milliseconds, not for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Uuid, bindparam, case, insert, literal, select, text, update
from sqlalchemy.orm import Session

from db.bulk_copy import insert_rows
from db.sync_models import ChangeLog, StreamCounter

# Placeholder numbers of one transaction: -(base + i), base = transaction id × this (far more than a bundle's
# change-log rows: a laptop sends at most 50,000 changes, each with at most one conflict).
_PLACEHOLDERS = 1 << 24


def take_stream_numbers(session: Session, count: int) -> range:
    """`count` consecutive stream numbers for this transaction; call it last, just before writing the rows,
    as it makes every other writer wait until this transaction ends."""
    if count <= 0:
        return range(0)
    last = session.execute(
        update(StreamCounter)
        .where(StreamCounter.id == 1)
        .values(last_seq=StreamCounter.last_seq + count)
        .returning(StreamCounter.last_seq)
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
    """Writes change-log `rows` (ChangeLog's columns, `stream_seq` left out) and gives them the next stream
    numbers, in order; rows of the device `numbered_seq` get their stream number as their `seq` too. Returns
    the numbers. The counter's lock is taken after the rows are written (see above)."""
    if not rows:
        return range(0)
    if len(rows) >= _PLACEHOLDERS:
        raise ValueError(f"{len(rows)} change-log rows in one transaction: at most {_PLACEHOLDERS - 1}")
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions in flight at once have different ids: their placeholders never meet.
        transaction = session.execute(text("SELECT txid_current()")).scalar_one()
    else:
        transaction = 0  # one writer at a time
    base = transaction * _PLACEHOLDERS + 1
    for index, row in enumerate(rows):
        row["stream_seq"] = -(base + index)
        if row["device"] == numbered_seq:
            # Its seq is unique with the device: until numbered, the placeholder (two conflicts of one bundle).
            row["seq"] = row["stream_seq"]
    insert_rows(session.connection(), ChangeLog.__table__, rows)
    if session.get_bind().dialect.name == "postgresql":
        return _number_placeholders(session, base, len(rows), numbered_seq)
    numbers = take_stream_numbers(session, len(rows))
    table = ChangeLog.__table__
    number = literal(numbers.start - base) - table.c.stream_seq  # -(base + i) → first + i
    session.execute(
        update(table)
        .where(table.c.stream_seq.between(-(base + len(rows) - 1), -base))
        .values(stream_seq=number, seq=case((table.c.device == numbered_seq, number), else_=table.c.seq))
    )
    return numbers


# The counter's update and the renumbering in one statement: from the moment the counter's row is locked to
# the commit, every other apply waits, and each round trip inside that span is one more wait for this
# process's other threads (the GIL) as well as for the database.
_NUMBER_PLACEHOLDERS = text(
    """
    WITH counter AS (
        UPDATE change_stream_counter SET last_seq = last_seq + :count WHERE id = 1
        RETURNING last_seq - :count + 1 AS first
    ), renumbered AS (
        UPDATE change_log SET
            stream_seq = counter.first - :base - change_log.stream_seq,
            seq = CASE WHEN change_log.device = :numbered
                       THEN counter.first - :base - change_log.stream_seq ELSE change_log.seq END
        FROM counter
        WHERE change_log.stream_seq BETWEEN -(:base + :count - 1) AND -:base
        RETURNING 1
    )
    SELECT first FROM counter
    """
).bindparams(bindparam("numbered", type_=Uuid()))


def _number_placeholders(session: Session, base: int, count: int, numbered_seq: uuid.UUID) -> range:
    first = session.execute(
        _NUMBER_PLACEHOLDERS, {"count": count, "base": base, "numbered": numbered_seq}
    ).scalar_one()
    return range(first, first + count)


def last_stream_seq(session: Session) -> int:
    return session.scalar(select(StreamCounter.last_seq).where(StreamCounter.id == 1)) or 0
