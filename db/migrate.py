"""Schema migrations: every office database is upgraded in place on start, its data kept."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from db.engine import WRITE_TRANSACTION

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x454A5053_4D494752  # "EJPSMIGR": the advisory lock key of schema upgrades on PostgreSQL


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return _head_of(str(MIGRATIONS))


@functools.cache  # the scripts do not change while the program runs; reading them costs ~0.1 s an opening
def _head_of(script_location: str) -> str:
    config = Config()
    config.set_main_option("script_location", script_location)
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> bool:
    """Brings the schema to the newest revision in one transaction; returns whether anything ran."""
    if current_revision(engine) == head_revision():
        return False
    config = alembic_config()
    with engine.connect().execution_options(**WRITE_TRANSACTION) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # Several server processes may start at once on one database: one migrates, the others wait
            # here and then find the schema at head. (SQLite's BEGIN IMMEDIATE does the same for a file.)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if MigrationContext.configure(connection).get_current_revision() == head_revision():
                return False
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True
