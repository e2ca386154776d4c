"""Work that failed only because another transaction got there first runs again; any other error surfaces at
once (sync/server/exchange.py after_lost_races)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from sync.server.exchange import RACE_ATTEMPTS, after_lost_races


def failing(*errors: BaseException):
    calls = []

    def work() -> str:
        calls.append(len(calls))
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "applied"

    return work, calls


@pytest.mark.parametrize(
    "lost",
    [
        psycopg.errors.UniqueViolation("duplicate key"),  # from a COPY: psycopg's own
        IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")),  # from a statement
        OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
        psycopg.errors.SerializationFailure("could not serialize access"),
    ],
    ids=["unique-copy", "unique-statement", "deadlock", "serialization"],
)
def test_work_that_lost_a_race_runs_again(lost):
    work, calls = failing(lost)
    assert after_lost_races(work) == "applied" and len(calls) == 2


def test_other_errors_surface_at_once_and_races_after_the_last_attempt():
    work, calls = failing(psycopg.errors.NotNullViolation("null value"))
    with pytest.raises(psycopg.errors.NotNullViolation):
        after_lost_races(work)
    assert len(calls) == 1

    work, calls = failing(*[psycopg.errors.UniqueViolation("duplicate key")] * RACE_ATTEMPTS)
    with pytest.raises(psycopg.errors.UniqueViolation):
        after_lost_races(work)
    assert len(calls) == RACE_ATTEMPTS

    work, calls = failing(psycopg.errors.UniqueViolation("duplicate key"))
    with pytest.raises(psycopg.errors.UniqueViolation):
        after_lost_races(work, attempts=1)  # a caller's work in the transaction: the caller runs again
    assert len(calls) == 1
