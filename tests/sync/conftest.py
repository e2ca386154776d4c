"""A real PostgreSQL for the sync tests: one throwaway cluster per test session (per xdist worker), a fresh
database per test cloned from a migrated template.

The cluster lives in a temporary folder, on a free port of 127.0.0.1 with trust authentication, fsync off
(nothing here must survive a crash of the machine). PostgreSQL refuses to run as root: as root the folder is
given to the `postgres` account and every command runs through `runuser -u postgres --`. Without PostgreSQL's
binaries the tests that ask for it are skipped, saying so (CI installs them: `.ci/run`).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from db.migrate import upgrade_to_head

TEMPLATE = "ejps_template"


def _binaries() -> Path | None:
    """The folder of initdb/pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresCluster:
    bin: Path
    folder: Path
    port: int
    as_postgres: bool
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run(prefix + list(command), check=True, capture_output=True, timeout=60)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin_engine(self) -> Engine:
        return create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def new_database(self, template: str | None = TEMPLATE) -> str:
        name = f"ejps_test_{next(self._numbers)}"
        engine = self.admin_engine()
        try:
            with engine.connect() as connection:
                suffix = f" TEMPLATE {template}" if template else ""
                connection.execute(text(f"CREATE DATABASE {name}{suffix}"))
        finally:
            engine.dispose()
        return self.url(name)


def _start_cluster() -> PostgresCluster | None:
    binaries = _binaries()
    if binaries is None:
        return None
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="ejps-pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PostgresCluster(binaries, folder, 0, as_postgres)
    data = folder / "data"
    try:
        cluster.run(
            str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        for attempt in range(3):  # another process (an xdist worker) may take the free port first
            cluster.port = _free_port()
            options = (
                f"-p {cluster.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{folder}' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                cluster.run(
                    str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
                    "start",
                )  # fmt: skip
                return cluster
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster


def _stop_cluster(cluster: PostgresCluster) -> None:
    try:
        cluster.run(
            str(cluster.bin / "pg_ctl"), "-D", str(cluster.folder / "data"), "-m", "immediate", "stop"
        )
    finally:
        shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = _start_cluster()
    if cluster is None:
        pytest.skip("PostgreSQL tidak terpasang (initdb/pg_ctl tidak ditemukan): pasang paket 'postgresql'")
    try:
        # The template: the whole Alembic chain once; each test's database is a file copy of it.
        template_url = cluster.new_database(template=None)
        engine = create_engine(template_url)
        try:
            upgrade_to_head(engine)
        finally:
            engine.dispose()
        admin = cluster.admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {template_url.rsplit('/', 1)[1]} RENAME TO {TEMPLATE}"))
        admin.dispose()
        yield cluster
    finally:
        _stop_cluster(cluster)


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh PostgreSQL database at the newest schema, for this test only."""
    return postgres_cluster.new_database()


@pytest.fixture(scope="session")
def sqlite_server_template(tmp_path_factory) -> Path:
    """A server SQLite file migrated once; each test copies it."""
    from sync.server.database import open_server_database

    path = tmp_path_factory.mktemp("server-template") / "server.db"
    open_server_database(str(path)).close()
    return path


@pytest.fixture
def sqlite_server_url(sqlite_server_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "server.db"
    shutil.copyfile(sqlite_server_template, path)
    return str(path)


@contextmanager
def serving(app) -> Iterator[str]:
    """Serves an ASGI app with uvicorn on a free port of 127.0.0.1 (a real socket), for the block; yields
    its base URL."""
    import uvicorn

    for attempt in range(3):  # the free port may be taken by another process before uvicorn binds it
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30  # an app with apply processes starts them first
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if server.started:
            break
        server.should_exit = True
        thread.join(timeout=5)
        if attempt == 2:
            raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --- exchange: the server and the enrolled offices of the exchange tests ---------------------------------------
from tests.sync.exchange_helpers import exchange_admin, exchange_server, office_templates, offices  # noqa: E402, F401
