"""Applying uploaded bundles: in the server process's threads, or in a pool of apply processes fed by one queue.

An apply is mostly Python holding the GIL, so one process applies one bundle at a time at full speed, and a
machine's cores are used by several processes. uvicorn's worker processes share the listening socket, and
whichever wakes first accepts most of a burst's connections: with 50 offices at once on 2 workers the splits
measured were 14/36, 50/0, 5/45 and 23/27, and the lighter worker then idled while the other still had
applies queued (p95 apply 2.2-2.9 s at a CPU floor of 2.4 s). With the applies taken from one queue by a pool of
processes, whichever process is free takes the next: the same 50 offices, one HTTP process and three apply
processes, p95 1.6-2.0 s (tests/bench/sync_server_load.py).

Nothing is kept in an apply process but its connection pool: it opens the same database and applies in its own
transaction, as a thread would. It ends with its parent (a server process killed with -9 leaves no apply
process behind; the database rolls back what such an apply had not committed). A process that dies mid-apply
breaks the pool: concurrent.futures ends the pool's other processes too, and every office whose bundle was
being applied or waiting is answered "busy, send again" (503), which the laptop does — applying a bundle a
second time answers "duplicate" from the stored receipt, and a bundle not applied is applied then. The next
apply starts a new pool.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from app.errors import DomainError
from app.i18n import N_
from app.uow import UnitOfWork
from sync.server import held, transfers
from sync.server.database import ServerDatabase, open_server_database

# exchange's apply_upload(uow, bundle bytes or path) -> the signed receipt's bytes.
ApplyUpload = Callable[[UnitOfWork, bytes | Path], bytes]

# Where `ejps serve --apply-processes` is passed to the server's processes (uvicorn's factory reads it).
APPLY_PROCESSES_ENV = "EJPS_SERVER_APPLY_PROCESSES"

# The cyclic garbage collector of a server process: an apply of 1,000 changes makes some 100,000 objects, and
# with Python's default threshold (700) the collector ran ~19 times per apply, promoting the apply's live rows
# and scanning the whole process (FastAPI, SQLAlchemy, pydantic: ~150,000 objects) at each full collection.
# Measured per office synced over HTTP: 14 ms of CPU in the collector, 5 ms once the startup's objects are
# frozen and the young generation is collected every 10,000 allocations (server CPU 114 -> 100 ms).
YOUNG_COLLECTION_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Startup's objects (modules, the app, the engine) live as long as the process: frozen, no collection
    scans them again; the young generation is collected less often (refcounting frees what an apply drops)."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def default_apply_processes(database: ServerDatabase) -> int:
    """Apply processes of a server process when none are asked for. PostgreSQL: one per core and one more, as
    an apply spends about a third of its time waiting for the database (50 offices on 2 cores: p95 2.1 s with
    2, 1.9-2.0 s with 3, 1.9 s with 4). SQLite: none; its writers take turns on the file, so the applies run
    in the server process's threads."""
    if database.engine.dialect.name != "postgresql":
        return 0
    return usable_cores() + 1


def usable_cores() -> int:
    """The cores this process may run on (its affinity: a container or `taskset` given 2 of a host's 32 gets
    2), not all the host's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def apply_processes_from_environment(database: ServerDatabase) -> int:
    """EJPS_SERVER_APPLY_PROCESSES (set by `ejps serve --apply-processes`), else the default."""
    asked = os.environ.get(APPLY_PROCESSES_ENV, "").strip()
    if not asked:
        return default_apply_processes(database)
    if not asked.isdigit():
        raise ValueError(f"{APPLY_PROCESSES_ENV} must be a whole number of 0 or more, not {asked!r}")
    return int(asked)


def exchange_apply_upload(uow: UnitOfWork, bundle: bytes | Path) -> bytes:
    """The exchange's apply (sync.server.exchange), in the unit of work it is handed: one transaction per
    bundle, which the exchange commits itself."""
    try:
        from sync.server.exchange import apply_upload
    except ImportError:
        raise not_implemented() from None
    with uow.writing():
        return apply_upload(uow, bundle)


def not_implemented() -> DomainError:
    error = DomainError(N_("Server ini belum dapat menerapkan atau menyusun paket sinkronisasi."))
    error.code = "not_implemented"
    return error


def apply_received(
    database: ServerDatabase, apply_upload: ApplyUpload, bundle_id: uuid.UUID, device: uuid.UUID
) -> bytes:
    """Applies the device's fully received upload and answers the signed receipt; a revoked device's refused
    bundle is kept for review. The upload's pieces stay until the receipt has been answered
    (transfers.finish_upload)."""
    received = transfers.received_upload(database.unit_of_work(), bundle_id, device)
    try:
        receipt = apply_upload(database.unit_of_work(), received.content)
        if transfers.held_for_review(receipt):
            held.hold_refused(database.unit_of_work(), device, received.content)
    finally:
        received.discard()
    return receipt


class ApplyInterrupted(DomainError):
    code = "apply_interrupted"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "Penerapan paket terhenti di server (proses penerapnya berhenti). Tidak ada yang setengah "
                "diterapkan; kirim ulang paket."
            )
        )


# --- inside an apply process -----------------------------------------------------------------------------------

_database: ServerDatabase | None = None  # the apply process's own connection pool


def _start_apply_process(url: str) -> None:
    global _database
    # Ctrl-C reaches the whole process group: the server process ends its apply processes itself, after the
    # applies under way (ApplyPool.close). SIGTERM keeps its default: a stop sent to every process ends each at
    # once, and the database rolls back what an apply had not committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent()
    try:
        from sync.server import exchange  # noqa: F401  (imported now, not during the first office's apply)
    except ImportError:
        pass  # answered "not implemented" by exchange_apply_upload

    _database = open_server_database(url)
    tune_garbage_collector()


def _end_with_parent() -> None:
    """Exits when the server process that started this one ends, however it ended (its sentinel is ready)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="ejps-parent-watch", daemon=True).start()


def _ready(_index: int) -> int:
    return os.getpid()


def _apply_in_process(apply_upload: ApplyUpload, bundle_id: uuid.UUID, device: uuid.UUID) -> bytes:
    assert _database is not None, "started by _start_apply_process"
    try:
        return apply_received(_database, apply_upload, bundle_id, device)
    except Exception as error:
        portable = _portable(error)
        if portable is error:
            raise
        # Its traceback travels as text (the cause's too): the server process logs where it happened.
        raise portable from error


def _portable(error: Exception) -> Exception:
    """`error`, if it arrives whole in the server process; else a RuntimeError naming it. An exception that
    cannot be rebuilt there would break the whole pool (concurrent.futures cannot read the result)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


# --- in the server process -------------------------------------------------------------------------------------


class ApplyPool:
    """`processes` apply processes on the database at `url`, taking bundles from one queue."""

    def __init__(self, url: str, processes: int) -> None:
        if processes < 1 or not url:
            raise ValueError("an apply pool needs at least one process and the database's URL")
        self.url = url
        # Windows waits on at most 63 handles at once: concurrent.futures takes no more than 61 processes there.
        self.processes = min(processes, WINDOWS_MOST_PROCESSES) if sys.platform == "win32" else processes
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._waiting: set[Future] = set()  # submitted, not done: what close() drops
        self._lock = threading.Lock()

    def start(self) -> None:
        """Starts every process now (each imports the exchange and connects while the server starts), not
        when the first offices' bundles arrive. A pool closed before starts again (an app served again)."""
        with self._lock:
            self._closed = False
        executor = self._current()
        list(executor.map(_ready, range(self.processes)))

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:  # the server is stopping: no new pool that nothing would end
                raise ApplyInterrupted()
            if self._executor is None:
                _abandon_at_exit(self)
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    # Not forked: a server process has threads (uvicorn's, the thread pool's), and a fork copies
                    # their locks in whatever state they are. Spawned, as on Windows.
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_apply_process,
                    initargs=(self.url,),
                )
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def apply(self, apply_upload: ApplyUpload, bundle_id: uuid.UUID, device: uuid.UUID) -> bytes:
        """The receipt of the device's received upload, applied by the first free process."""
        executor = self._current()
        try:
            submitted = self.submit(executor, _apply_in_process, apply_upload, bundle_id, device)
            return await asyncio.wrap_future(submitted)
        except BrokenProcessPool:
            self._replace(executor)
            raise ApplyInterrupted() from None
        except CancelledError:
            if submitted.cancelled():  # dropped by close(), not the office's request being cancelled
                raise ApplyInterrupted() from None
            raise

    def submit(self, executor: ProcessPoolExecutor, work: Callable, *args) -> Future:
        """`work(*args)` queued for the first free process, known to close() until it is done."""
        submitted = executor.submit(work, *args)
        with self._lock:
            self._waiting.add(submitted)
        submitted.add_done_callback(self._done)
        return submitted

    def _done(self, submitted: Future) -> None:
        with self._lock:
            self._waiting.discard(submitted)

    def close(self, *, wait: bool = True) -> None:
        """Lets the applies under way finish, drops those not started (their offices are answered 503), ends
        the processes; without `wait`, returns at once and the processes end after their apply."""
        with self._lock:
            executor, self._executor, self._closed = self._executor, None, True
            waiting, self._waiting = self._waiting, set()
        # Dropped here rather than by shutdown(cancel_futures=True), whose cancelling, done by the executor's own
        # thread, missed bundles submitted just before (Python 3.11: 25 of 30 left queued, applied one by one).
        for submitted in waiting:
            submitted.cancel()
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)


WINDOWS_MOST_PROCESSES = 61


def _abandon_at_exit(pool: ApplyPool) -> None:
    """At the interpreter's exit, drops the bundles still queued before concurrent.futures waits for its pools.

    uvicorn's force quit (a second Ctrl-C) skips the app's shutdown, so `close` is not called; concurrent.futures
    then waited at exit until every queued bundle had been applied — minutes with 50 offices queued. Its own
    wait is registered with `threading._register_atexit`, whose hooks run newest first, so one registered
    after it runs before it. The applies under way still finish (a bundle, a few seconds)."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # not in this Python: the queued bundles are applied before the exit
        return
    try:
        register(pool.close, wait=False)
    except RuntimeError:  # the interpreter is already exiting
        pass
