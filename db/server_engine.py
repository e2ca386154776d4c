"""The provincial server's engine: PostgreSQL by URL (psycopg 3), or a plain SQLite file (the embedded default).

The server's SQLite file is not SQLCipher-encrypted: it is the province's database on the province's machine,
protected by that machine's access control (the file is made readable by its owner only), like a PostgreSQL
data folder. db/ knows no language: a URL it cannot open raises UnsupportedDatabaseUrl, worded by the caller.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from db.engine import BUSY_TIMEOUT_SECONDS, restrict_to_owner, use_explicit_transactions

POSTGRESQL_DRIVER = "postgresql+psycopg"

# Connections a server process keeps open to PostgreSQL: as many as it serves requests at once (FastAPI runs
# the endpoints on anyio's thread pool, 40 threads, and a request checks out one connection at a time), so that
# a burst of offices finds them ready. A connection opened for one request and closed after it costs
# PostgreSQL a new backend each time (a fork, the login, its catalog caches loaded again): with 10 kept and the
# rest opened per request, 50 offices syncing at once cost the database 56-65 ms of CPU each, against 38-50
# with every connection kept. The few beyond (an apply's own threads, a transfer's cleanup) may open more.
# PostgreSQL's max_connections must allow POOL_SIZE + MAX_OVERFLOW per server process.
POOL_SIZE = 40
MAX_OVERFLOW = 10


class UnsupportedDatabaseUrl(ValueError):
    """The URL names neither PostgreSQL nor SQLite, or is not a URL at all."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def normalized_url(url_or_path: str) -> str:
    """A SQLAlchemy URL: `postgresql://` gets the psycopg 3 driver; a bare path means a SQLite file."""
    if "://" not in url_or_path:
        return f"sqlite:///{Path(url_or_path).expanduser()}"
    try:
        url = make_url(url_or_path)
    except ArgumentError:
        raise UnsupportedDatabaseUrl(url_or_path) from None
    if url.get_backend_name() == "postgresql":
        return url.set(drivername=POSTGRESQL_DRIVER).render_as_string(hide_password=False)
    if url.drivername == "sqlite":
        return url.render_as_string(hide_password=False)
    raise UnsupportedDatabaseUrl(url_or_path)


def create_server_engine(url_or_path: str) -> Engine:
    url = normalized_url(url_or_path)
    if url.startswith("postgresql"):
        # READ COMMITTED (PostgreSQL's default): the stream counter's row lock serialises numbering, and a
        # transaction that waited for it reads the number its predecessor committed (sync/server/stream.py).
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    database = make_url(url).database
    if database and database != ":memory:":
        path = Path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        restrict_to_owner(path)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS}, pool_size=8
    )

    @event.listens_for(engine, "connect", insert=True)
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        dbapi_connection.isolation_level = None  # transactions begun by SQLAlchemy (db/engine.py)

    use_explicit_transactions(engine)
    return engine
