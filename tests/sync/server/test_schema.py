"""The whole schema (the office's and the server's) on PostgreSQL and on a plain SQLite file."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from db.migrate import current_revision, head_revision


def test_migrations_reach_head_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    try:
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"person", "app_user", "sk_penetapan"} <= tables
    finally:
        engine.dispose()
