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
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

TIMEOUT_SECONDS = 120


def _child(
    kill_at: int | None, work: Callable[..., None], counted, opening, vm_steps: int, after: bool
) -> None:
    opened = opening() if opening is not None else None
    seen = 0

    def point(*_args, **_kwargs) -> int:
        nonlocal seen
        seen += 1
        if kill_at is not None and seen >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0  # the progress handler's "go on"

    event.listen(Engine, "before_cursor_execute", point)
    if after:
        event.listen(Engine, "after_cursor_execute", point)
    event.listen(Engine, "commit", point)
    if vm_steps:

        def inside_statements(connection, *_args) -> None:
            connection.connection.driver_connection.set_progress_handler(point, vm_steps)

        event.listen(Engine, "engine_connect", inside_statements)
    if opening is None:
        work()
    else:
        work(opened)
    counted.value = seen
    os._exit(0)  # no atexit, no pytest teardown in the child


def count_points(
    work: Callable[..., None],
    opening: Callable[[], Any] | None = None,
    vm_steps: int = 0,
    after: bool = False,
) -> int:
    """How many statements and commits `work` runs (in a child; the parent's state is untouched).

    `opening`, when given, runs first in the child, uncounted and never killed (opening a database: its
    migrations check is not the work under test); `work` then gets what it returned. `vm_steps` (SQLite
    only): also a point every that many steps of SQLite's virtual machine, so that a kill lands inside a
    statement too (an executemany of many rows is one statement). `after`: also a point just after each
    statement, its work done on the database's side and its answer not yet used (a server applying in bulk
    runs few statements, each doing much)."""
    context = multiprocessing.get_context("fork")
    counted = context.Value("i", -1)
    child = context.Process(target=_child, args=(None, work, counted, opening, vm_steps, after))
    child.start()
    child.join(TIMEOUT_SECONDS)
    if child.exitcode != 0 or counted.value < 0:
        raise RuntimeError(f"the work failed in the child (exit code {child.exitcode})")
    return counted.value


def run_killed_at(
    point: int,
    work: Callable[..., None],
    opening: Callable[[], Any] | None = None,
    vm_steps: int = 0,
    after: bool = False,
) -> bool:
    """Runs `work` in a child killed just before its `point`-th statement or commit (1-based); True when it
    was killed, False when the work ended first. `opening`, `vm_steps`, `after`: as for count_points."""
    context = multiprocessing.get_context("fork")
    counted = context.Value("i", -1)
    child = context.Process(target=_child, args=(point, work, counted, opening, vm_steps, after))
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
