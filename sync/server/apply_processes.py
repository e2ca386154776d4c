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
breaks the pool: the pool is replaced, and the office is answered "busy, try again" (503), which it does —
applying a bundle a second time answers "duplicate" from the stored receipt.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
    return (os.cpu_count() or 1) + 1


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
    from sync.server import exchange  # noqa: F401  (imported now, not during the first office's apply)

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
        raise _portable(error) from None


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
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Starts every process now (each imports the exchange and connects while the server starts), not
        when the first offices' bundles arrive."""
        executor = self._current()
        list(executor.map(_ready, range(self.processes)))

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:  # the server is stopping: no new pool that nothing would end
                raise ApplyInterrupted()
            if self._executor is None:
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
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, _apply_in_process, apply_upload, bundle_id, device)
        except BrokenProcessPool:
            self._replace(executor)
            raise ApplyInterrupted() from None

    def close(self) -> None:
        """Lets the applies under way finish, drops those not started, ends the processes."""
        with self._lock:
            executor, self._executor, self._closed = self._executor, None, True
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
