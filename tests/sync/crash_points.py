"""Killing a process at chosen points of its database work, as a power cut or `kill -9` would.

The work runs in a forked child that counts the SQL statements (and commits) every engine executes and sends
itself SIGKILL just before the n-th: nothing of Python's clean-up runs, exactly as when the power goes. A dry
run first counts the points a piece of work has, so that a test can spread its kills over all of them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine

TIMEOUT_SECONDS = 120


def _child(kill_at: int | None, work: Callable[[], None], counted) -> None:
    seen = 0

    def point(*_args, **_kwargs) -> None:
        nonlocal seen
        seen += 1
        if kill_at is not None and seen >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", point)
    event.listen(Engine, "commit", point)
    work()
    counted.value = seen
    os._exit(0)  # no atexit, no pytest teardown in the child


def count_points(work: Callable[[], None]) -> int:
    """How many statements and commits `work` runs (in a child; the parent's state is untouched)."""
    context = multiprocessing.get_context("fork")
    counted = context.Value("i", -1)
    child = context.Process(target=_child, args=(None, work, counted))
    child.start()
    child.join(TIMEOUT_SECONDS)
    if child.exitcode != 0 or counted.value < 0:
        raise RuntimeError(f"the work failed in the child (exit code {child.exitcode})")
    return counted.value


def run_killed_at(point: int, work: Callable[[], None]) -> bool:
    """Runs `work` in a child killed just before its `point`-th statement or commit (1-based); True when it
    was killed, False when the work ended first."""
    context = multiprocessing.get_context("fork")
    counted = context.Value("i", -1)
    child = context.Process(target=_child, args=(point, work, counted))
    child.start()
    child.join(TIMEOUT_SECONDS)
    if child.exitcode is None:
        child.kill()
        raise RuntimeError("the work did not end in time")
    if child.exitcode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"the work failed in the child (exit code {child.exitcode})")
    return child.exitcode == -signal.SIGKILL


def spread(total: int, wanted: int) -> list[int]:
    """`wanted` kill points spread over 1..total (every point when there are fewer)."""
    if total <= wanted:
        return list(range(1, total + 1))
    return sorted({1 + round(i * (total - 1) / (wanted - 1)) for i in range(wanted)})
