"""The whole schema (the office's and the server's) on PostgreSQL and on a plain SQLite file."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect, select

from db.migrate import current_revision, head_revision, upgrade_to_head
from db.server_engine import UnsupportedDatabaseUrl, create_server_engine
from db.sync_models import StreamCounter

SERVER_TABLES = {
    "device",
    "device_stream",
    "change_log",
    "change_stream_counter",
    "sync_conflict",
    "server_key",
}


def _check_schema(engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"person", "app_user", "sk_penetapan", "realisasi"} | SERVER_TABLES <= tables
    with engine.connect() as connection:
        assert connection.scalar(select(StreamCounter.last_seq).where(StreamCounter.id == 1)) == 0


def test_migrations_reach_head_on_postgresql(postgres_cluster):
    engine = create_server_engine(postgres_cluster.new_database(template=None))
    try:
        assert upgrade_to_head(engine)
        _check_schema(engine)
    finally:
        engine.dispose()


def test_migrations_reach_head_on_a_plain_sqlite_file(tmp_path):
    engine = create_server_engine(str(tmp_path / "server.db"))
    try:
        assert upgrade_to_head(engine)
        _check_schema(engine)
        assert (tmp_path / "server.db").stat().st_mode & 0o077 == 0  # the owner's only
    finally:
        engine.dispose()


def test_server_processes_starting_together_migrate_once(postgres_cluster):
    """Two processes opening one fresh PostgreSQL database: one migrates, the other waits and finds it done."""
    url = postgres_cluster.new_database(template=None)
    engines = [create_engine(url), create_engine(url)]
    errors: list[BaseException] = []

    def upgrade(engine) -> None:
        try:
            upgrade_to_head(engine)
        except BaseException as error:  # collected: a thread's exception would be lost
            errors.append(error)

    threads = [threading.Thread(target=upgrade, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        _check_schema(engines[0])
    finally:
        for engine in engines:
            engine.dispose()


def test_a_database_url_of_another_kind_is_refused():
    with pytest.raises(UnsupportedDatabaseUrl):
        create_server_engine("mysql://ejps@db/ejps")


def test_a_burst_of_requests_finds_its_postgresql_connections_kept_for_the_next(postgres_url):
    """As many connections as a server process serves requests at once stay open after a burst: the next
    burst opens none (a connection opened per request costs PostgreSQL a new backend each time)."""
    from sqlalchemy import event

    engine = create_server_engine(postgres_url)
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    burst = 25  # 50 offices at once on two processes
    try:
        for _ in range(2):
            connections = [engine.connect() for _ in range(burst)]
            for connection in connections:
                connection.close()
        assert len(opened) == burst
    finally:
        engine.dispose()
