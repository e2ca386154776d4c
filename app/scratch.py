"""Scratch space of a running process, kept in the data folder, and what a killed process left behind.

Each process that needs scratch space gets its own folder `<data folder>/scratch/<id>/`, held by a lock file
`<id>.lock` for as long as the process runs. The operating system drops that lock when the process ends, however
it ends — even by `kill -9` or a power cut — so a folder whose lock can be taken belongs to a process that is
gone. The folder holds the encrypted staging databases of imports (hundreds of MB on a province extract) and
one note per export being written: the path of its half-written file beside the user's destination, which is
personal data too.

`remove_leftovers()` runs at every start: it removes the folders of processes that are gone, with the files
their notes name. A folder of a process still running (two can run at once, e.g. the program and a command) is
left alone, because its lock cannot be taken.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from app.office import data_dir

log = logging.getLogger(__name__)

FOLDER = "scratch"
LOCK_SUFFIX = ".lock"
NOTE_SUFFIX = ".partial"
OWNER_ONLY_FOLDER = 0o700


def scratch_root() -> Path:
    return data_dir() / FOLDER


class ScratchSpace:
    """This process's scratch folder and the lock that says it is in use."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_FOLDER)
        name = uuid.uuid4().hex
        # The lock is taken before the folder exists: another process's sweep never sees a folder without it.
        # Not thread-local: the GUI's worker threads and the exit handler share this process's one lock.
        self.lock = FileLock(root / f"{name}{LOCK_SUFFIX}", mode=0o600, thread_local=False)
        self.lock.acquire(timeout=0)
        self.folder = root / name
        self.folder.mkdir(mode=OWNER_ONLY_FOLDER)

    def new_file(self, prefix: str, suffix: str) -> Path:
        """An empty file of this process, readable by its owner only; the caller removes it when done."""
        path = self.folder / f"{prefix}{uuid.uuid4().hex}{suffix}"
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return path

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        lock_file = Path(self.lock.lock_file)
        self.lock.release()
        lock_file.unlink(missing_ok=True)


_spaces: dict[Path, ScratchSpace] = {}
_spaces_lock = threading.Lock()


def scratch_space() -> ScratchSpace:
    """This process's scratch space in the current data folder, made on first use."""
    root = scratch_root()
    with _spaces_lock:
        space = _spaces.get(root)
        if space is None:
            space = _spaces[root] = ScratchSpace(root)
        return space


@atexit.register
def _close_spaces() -> None:
    with _spaces_lock:
        for space in _spaces.values():
            space.close()
        _spaces.clear()


def new_scratch_file(prefix: str, suffix: str) -> Path:
    return scratch_space().new_file(prefix, suffix)


@contextmanager
def noted_partial_file(path: Path) -> Iterator[Path]:
    """Notes `path` — a file being written outside the data folder — for as long as the block runs, so that
    if this process is killed meanwhile, the next start removes it."""
    note = new_scratch_file("export-", NOTE_SUFFIX)
    note.write_text(str(Path(path).absolute()), encoding="utf-8")
    try:
        yield path
    finally:
        note.unlink(missing_ok=True)


def remove_leftovers() -> int:
    """Removes what processes that are gone left in the scratch folder, and the half-written files their
    notes name; returns how many folders were removed. Never raises: a leftover is not worth a failed start."""
    root = scratch_root()
    try:
        entries = list(root.iterdir()) if root.is_dir() else []
    except OSError:
        log.warning("folder %s tidak dapat dibaca", root, exc_info=True)
        return 0
    removed = 0
    with _spaces_lock:
        owned = {space.folder for space in _spaces.values()}
    names = {p.name.removesuffix(LOCK_SUFFIX) for p in entries if p.name.endswith(LOCK_SUFFIX)}
    names |= {p.name for p in entries if p.is_dir()}
    for name in sorted(names):
        folder, lock_file = root / name, root / f"{name}{LOCK_SUFFIX}"
        if folder in owned:
            continue
        lock = FileLock(lock_file)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # a running process
        except OSError:
            log.warning("kunci %s tidak dapat diperiksa", lock_file, exc_info=True)
            continue
        try:
            _remove_folder(folder)
            removed += 1
        finally:
            lock.release()
            lock_file.unlink(missing_ok=True)
    return removed


def _remove_folder(folder: Path) -> None:
    if folder.is_dir():
        for note in folder.glob(f"*{NOTE_SUFFIX}"):
            try:
                Path(note.read_text(encoding="utf-8").strip()).unlink(missing_ok=True)
            except OSError:
                log.warning("berkas setengah jadi dari %s tidak dapat dihapus", note, exc_info=True)
        shutil.rmtree(folder, ignore_errors=True)
