"""Opening the server's database: migrated on open, the server's own keys generated the first time.

Nothing read here is kept between requests except the engine (a connection pool): several server processes
behind one PostgreSQL see each other's writes at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DomainError
from app.i18n import N_
from app.office import data_dir
from app.uow import UnitOfWork
from db.engine import session_factory
from db.migrate import upgrade_to_head
from db.server_engine import UnsupportedDatabaseUrl, create_server_engine
from db.sync_models import ServerKey
from sync.keys import DeviceKeys

# Where `ejps serve` and the server commands look for the database when --db is not given.
SERVER_DB_ENV = "EJPS_SERVER_DB"


def default_server_url() -> str:
    """EJPS_SERVER_DB, else a SQLite file in the user's data folder (next to the office database)."""
    return os.environ.get(SERVER_DB_ENV) or str(Path(data_dir()) / "server.db")


@dataclass
class ServerDatabase:
    engine: Engine
    sessions: sessionmaker[Session]
    # As opened: another process (sync/server/apply_processes.py) opens the same database by it. Not in the
    # repr: it may carry the password.
    url: str = field(default="", repr=False)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def close(self) -> None:
        self.engine.dispose()


def open_server_database(url: str | None = None) -> ServerDatabase:
    url = url or default_server_url()
    try:
        engine = create_server_engine(url)
    except UnsupportedDatabaseUrl as error:
        raise DomainError(
            N_(
                "Alamat basis data server {url} tidak dikenal. Pakai postgresql://pengguna@host/nama atau "
                "path berkas SQLite."
            ),
            url=error.url,
        ) from None
    try:
        upgrade_to_head(engine)
        database = ServerDatabase(engine, session_factory(engine), url)
        _ensure_server_keys(database)
    except BaseException:
        engine.dispose()
        raise
    return database


def _ensure_server_keys(database: ServerDatabase) -> None:
    """Generates the server's key pairs once; two processes starting together keep the first one's."""
    with database.unit_of_work().writing() as uow:
        if uow.session.get(ServerKey, 1) is not None:
            return
        signing, encryption = DeviceKeys.generate().private_bytes()
        uow.session.add(ServerKey(id=1, signing_private=signing, encryption_private=encryption))
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()


def server_keys(session: Session) -> DeviceKeys:
    signing, encryption = session.execute(
        select(ServerKey.signing_private, ServerKey.encryption_private).where(ServerKey.id == 1)
    ).one()
    return DeviceKeys.from_private_bytes(signing, encryption)
