"""The encrypted SQLite engine: SQLCipher 4, WAL, foreign keys on.

db/ knows no language: its failures are plain exceptions, worded for the user by app/ (app/office.py,
app/errors.py `user_error`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from db.keys import DatabaseKey

CIPHER_PAGE_SIZE = 16384
OWNER_ONLY_FILE = 0o600


def restrict_to_owner(path: Path) -> None:
    """Makes the database file readable and writable by its owner only (POSIX), creating it empty if it is
    not there yet. SQLite gives the -wal and -shm files the database file's permissions, so they follow; an
    existing database of an earlier version, made readable by everyone, is tightened too."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE))
    except FileExistsError:
        pass
    if os.name == "posix":
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                os.chmod(file, OWNER_ONLY_FILE)
            except (FileNotFoundError, PermissionError):  # gone, or another account's file: theirs to keep
                pass


# How long a writer waits for another process's write (a long import holds the lock for seconds) before it
# gives up with DatabaseBusy.
BUSY_TIMEOUT_SECONDS = 120
# A writer that can be cancelled asks SQLite for the lock this often, and is asked in between whether to stop.
BUSY_POLL_SECONDS = 0.25
# The execution options of a transaction that writes: it takes SQLite's one write lock when it begins.
WRITE_TRANSACTION = {"sqlite_begin": "BEGIN IMMEDIATE"}
READ_TRANSACTION = {"sqlite_begin": "BEGIN", "sqlite_while_busy": None}


class DatabaseUnreadable(Exception):
    """The file cannot be opened with this key: a wrong key or passphrase, or not an e-JPS database."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class DatabaseBusy(Exception):
    """Another process held the write lock for longer than the busy timeout."""


def _sqlcipher_module():
    import sqlcipher3.dbapi2 as sqlcipher

    # sqlcipher3 binds a None through its adaptation protocol: a registry miss, then attribute lookups that raise
    # and are swallowed, 3 µs per NULL. A registered adapter is found at once. A registry import or a down
    # bundle binds hundreds of thousands of NULLs (an unset date, a reference not held): 0.8 s of a 100,000-change
    # apply, with the GIL held.
    sqlcipher.register_adapter(type(None), _null)
    return sqlcipher


def _null(value: None) -> None:
    return value


def _is_busy(error: BaseException | None) -> bool:
    # SQLITE_BUSY ("database is locked") and SQLITE_LOCKED ("database table is locked") after the busy wait.
    return error is not None and type(error).__name__ == "OperationalError" and "locked" in str(error)


def create_encrypted_engine(path: Path, key: DatabaseKey) -> Engine:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    restrict_to_owner(path)
    engine = create_engine(
        f"sqlite:///{path}",
        module=_sqlcipher_module(),
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect", insert=True)
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # SQLCipher writes its own failures (a wrong key: "hmac check failed") to stderr; the user gets one
        # message from app/, and nothing else on the screen.
        cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute(f'PRAGMA key = "{key.pragma_literal}"')
        # 16 KiB pages: a third fewer page encryptions and HMACs than SQLCipher's 4 KiB default on bulk loads.
        # Fixed for the life of a database file: every connection must say the same.
        cursor.execute(f"PRAGMA cipher_page_size = {CIPHER_PAGE_SIZE}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Temporary tables (import staging) stay in memory: nothing unencrypted touches the disk.
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()
        # SQLAlchemy's recipe for real SQLite transactions: the driver opens none itself, "begin" emits BEGIN,
        # so DDL (temporary staging tables, migrations) is transactional too.
        dbapi_connection.isolation_level = None

    use_explicit_transactions(engine)

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
    except DatabaseBusy:
        engine.dispose()
        raise
    except Exception as error:  # sqlcipher3.DatabaseError: "file is not a database"
        engine.dispose()
        raise DatabaseUnreadable(path) from error
    return engine


def use_explicit_transactions(engine: Engine) -> None:
    """SQLite transactions begun by SQLAlchemy, as a use case's unit of work asks (`write_options`: BEGIN
    IMMEDIATE, waiting for the lock), and SQLite's busy failures raised as DatabaseBusy. The connections
    must have the driver's own transaction handling off (`isolation_level = None`)."""

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        statement = options.get("sqlite_begin", "BEGIN")
        while_waiting = options.get("sqlite_while_busy")
        if while_waiting is None:
            connection.exec_driver_sql(statement)
        else:
            _begin_waiting(connection, statement, while_waiting)

    @event.listens_for(engine, "handle_error")
    def _busy(context) -> None:
        if _is_busy(context.original_exception):
            raise DatabaseBusy() from context.original_exception


def _begin_waiting(connection: Connection, statement: str, while_waiting: Callable[[], None]) -> None:
    """Begins a transaction, waiting for the write lock in short steps so that the waiting job still reports
    progress and can be cancelled (`while_waiting` raises to stop)."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(BUSY_POLL_SECONDS * 1000)}")
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    try:
        while True:
            try:
                connection.exec_driver_sql(statement)
                return
            except DatabaseBusy:
                if time.monotonic() >= deadline:
                    raise
            while_waiting()
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")


def write_options(while_waiting: Callable[[], None] | None = None) -> dict:
    """Execution options of a transaction that will write. It begins IMMEDIATE, taking SQLite's one write
    lock before its first read, and waits while another process holds it: a deferred transaction that read
    first cannot take the lock once another process has written since ("database is locked" at once, no
    wait). `while_waiting` is called between tries (a job's progress and cancel)."""
    return WRITE_TRANSACTION | ({"sqlite_while_busy": while_waiting} if while_waiting else {})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
