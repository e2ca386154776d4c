"""Every schema change is an Alembic migration, and offices upgrade in place with their data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.office import open_office_database
from db.migrate import current_revision, head_revision
from db.models import Base, Region


def test_new_database_is_at_the_newest_revision_and_matches_the_models(office_db):
    assert current_revision(office_db.engine) == head_revision()
    with office_db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The FTS5 name index (person_fts and its shadow tables) is created by the migration, not by a model.
    differences = [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("person_fts"))
    ]
    assert differences == []


def test_older_database_is_upgraded_in_place_on_open_with_data_kept(office_db, tmp_path, monkeypatch):
    """A database made by this version meets a newer program with one more migration: opening it runs the
    migration in place and keeps every row."""
    import shutil

    import db.migrate as migrate

    path = office_db.path
    office_db.close()
    newer = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, newer)
    (newer / "versions" / "0099_test_column.py").write_text(
        f'revision = "0099_test_column"\ndown_revision = "{head_revision()}"\n'
        "branch_labels = None\ndepends_on = None\n"
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        "def upgrade():\n    op.add_column('app_user', sa.Column('phone', sa.String(20), server_default='-'))\n\n"
        "def downgrade():\n    op.drop_column('app_user', 'phone')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(migrate, "MIGRATIONS", newer)
    reopened = open_office_database(path)
    try:
        assert current_revision(reopened.engine) == "0099_test_column"
        with reopened.engine.connect() as connection:
            assert connection.execute(text("SELECT username, phone FROM app_user")).all() == [("admin", "-")]
        with reopened.sessions() as session:
            assert session.get(Region, "7501").name == "Kabupaten Gorontalo"
    finally:
        reopened.close()


def test_region_reference_holds_all_of_gorontalo(office_db):
    with office_db.sessions() as session:
        levels = dict(session.execute(text("SELECT level, count(*) FROM region GROUP BY level")).all())
        assert levels == {1: 1, 2: 6, 3: 77, 4: 729}
        assert session.get(Region, "7571").name == "Kota Gorontalo"
