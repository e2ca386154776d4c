"""Long work without Qt: a job reports progress and is asked, between chunks, whether to stop."""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from app.errors import DomainError
from app.i18n import N_, _


class Cancelled(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Dibatalkan. Tidak ada yang berubah."))


@dataclass
class Progress:
    report: Callable[[int, int, str], None] = lambda done, total, what: None
    cancelled: Callable[[], bool] = lambda: False

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled()


NO_PROGRESS = Progress()


def waiting_for_writer(progress: Progress) -> Callable[[], None]:
    """What a job does while another process holds the database's write lock: says so, and stops on cancel."""

    def waiting() -> None:
        progress.check()
        progress.report(0, 0, _("Menunggu proses lain selesai menulis ke basis data..."))

    return waiting


T = TypeVar("T")


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yields what `items` yields, computed one step ahead in a background thread: reading and validating
    the next chunk of a file overlaps with writing this one to SQLite (both release the GIL for long
    stretches), which is what a 2-core laptop can give. Errors surface in the consumer, in order."""
    results: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        results.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            results.put((done, None))
        except BaseException as error:  # handed to the consumer, never lost in the thread
            results.put((done, error))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = results.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                results.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.05)


class _CollectorPause:
    lock = threading.Lock()
    depth = 0
    was_enabled = True


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Runs a block with Python's cycle collector off. Screening a list creates hundreds of thousands of
    small objects next to a registry index of a million strings; the collector, triggered by the
    allocations, walks all of them again and again (a quarter of the screening time) and finds almost
    nothing, since these objects are freed by reference counting. Pauses from several threads nest: the
    collector comes back when the last one ends."""
    pause = _CollectorPause
    with pause.lock:
        if pause.depth == 0:
            pause.was_enabled = gc.isenabled()
            gc.disable()
        pause.depth += 1
    try:
        yield
    finally:
        with pause.lock:
            pause.depth -= 1
            if pause.depth == 0 and pause.was_enabled:
                gc.enable()
