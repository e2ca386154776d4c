"""The encrypted SQLite engine: SQLCipher 4, WAL, foreign keys on."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DomainError
from app.i18n import N_
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


class DatabaseUnreadable(DomainError):
    pass


def _sqlcipher_module():
    import sqlcipher3.dbapi2 as sqlcipher

    return sqlcipher


def create_encrypted_engine(path: Path, key: DatabaseKey) -> Engine:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    restrict_to_owner(path)
    engine = create_engine(
        f"sqlite:///{path}",
        module=_sqlcipher_module(),
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect", insert=True)
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
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

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
    except Exception as error:  # sqlcipher3.DatabaseError: "file is not a database"
        engine.dispose()
        raise DatabaseUnreadable(
            N_(
                "Basis data {path} tidak dapat dibuka: kuncinya salah atau berkas bukan basis data e-JPS "
                "({detail})."
            ),
            path=str(path),
            detail=str(error),
        ) from error
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
