"""Every schema change is an Alembic migration, and offices upgrade in place with their data."""

from __future__ import annotations

import uuid
from datetime import datetime

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


def _plain_engine(path):
    """An unencrypted SQLite database with the office engine's foreign-key enforcement."""
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}")
    event.listen(
        engine, "connect", lambda connection, _record: connection.execute("PRAGMA foreign_keys = ON")
    )
    return engine


def _migrate(engine, command_name: str, revision: str) -> None:
    from alembic import command

    from db.migrate import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, command_name)(config, revision)


def test_the_documents_migration_upgrades_an_office_holding_lists_proposals_and_recipients(tmp_path):
    """0007 adds columns that reference the new SK table to tables other rows point at (a list's proposals):
    it must not copy those tables, which fails under their children's foreign keys on any real office."""
    from sqlalchemy import insert

    from db.models import AidRecipient, Program, Proposal, ProposalList

    engine = _plain_engine(tmp_path / "kantor.db")
    _migrate(engine, "upgrade", "0006_dtsen")
    with engine.begin() as connection:
        program = connection.execute(
            insert(Program.__table__).values(nama="PKH", sumber_dana="APBN", tahun=2026)
        ).inserted_primary_key[0]
        listed = connection.execute(
            insert(ProposalList.__table__).values(program_id=program, nama="Usulan")
        ).inserted_primary_key[0]
        connection.execute(insert(Proposal.__table__).values(list_id=listed, baris=2, nama="SITI"))
        connection.execute(insert(AidRecipient.__table__).values(program_id=program, nik="7501", source="sk"))
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT nama, sk_id FROM proposal_list")).all() == [("Usulan", None)]
        assert connection.execute(text("SELECT count(*) FROM proposal")).scalar_one() == 1
        assert connection.execute(text("SELECT sk_id, person_id FROM aid_recipient")).all() == [(None, None)]
    # And back down and up again, keeping the rows (SQLite keeps the emptied reference columns).
    _migrate(engine, "downgrade", "0006_dtsen")
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM proposal")).scalar_one() == 1
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("person_fts"))
    ] == []
    engine.dispose()


def test_the_realisasi_correction_migration_adds_its_columns_in_place_keeping_rows_current(tmp_path):
    """0010 adds the correction columns with ALTER TABLE, not a table copy: the rows keep their ids and count
    as current ("berlaku"); a downgrade hides superseded rows from the older program and an upgrade after it
    works again."""
    from sqlalchemy import insert

    from db.models import Program, Realisasi

    engine = _plain_engine(tmp_path / "kantor.db")
    _migrate(engine, "upgrade", "0009_sk_reasons")
    with engine.begin() as connection:
        program = connection.execute(
            insert(Program.__table__).values(nama="PKH", sumber_dana="APBN", tahun=2026)
        ).inserted_primary_key[0]
        for number in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO realisasi (id, program_id, nik, nama, kode_desa, jumlah_fisik, satuan, nilai, "
                    "saluran, sumber, created_by, uid, created_at, updated_at) VALUES (:id, :p, '7501', 'SITI', "
                    "'7501011001', 0, '', 300000, 'bank', '', 'op', :uid, '2026-03-01', '2026-03-01')"
                ),
                {"id": number, "p": program, "uid": f"{number:032x}"},
            )
        root = connection.execute(
            text("SELECT rootpage FROM sqlite_master WHERE name = 'realisasi'")
        ).scalar()
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        # The same b-tree: a table copy (batch mode) would have made a new one.
        assert (
            connection.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'realisasi'")).scalar()
            == root
        )
        assert connection.execute(text("SELECT id, status, menggantikan_id FROM realisasi")).all() == [
            (1, "berlaku", None),
            (2, "berlaku", None),
        ]
    with engine.begin() as connection:
        connection.execute(text("UPDATE realisasi SET status = 'digantikan' WHERE id = 1"))
        connection.execute(text("UPDATE realisasi SET menggantikan_id = 1 WHERE id = 2"))
    _migrate(engine, "downgrade", "0009_sk_reasons")
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT id FROM realisasi WHERE deleted_at IS NULL")
        ).scalars().all() == [2]
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("person_fts"))
    ] == []
    assert Realisasi.__table__.c.menggantikan_id.foreign_keys
    engine.dispose()


def test_the_change_log_migration_gives_existing_screening_results_their_own_uids(tmp_path):
    """0011 makes screening results synced records: the rows already there get a distinct uid each and their
    run's time and device; down and up again keeps them."""
    from sqlalchemy import insert

    from db.models import ProposalList, ScreeningRun

    engine = _plain_engine(tmp_path / "kantor.db")
    _migrate(engine, "upgrade", "0010_realisasi_koreksi")
    device = "0b6c1f3e8a514c1e9a576f5a2d0c9e11"
    with engine.begin() as connection:
        listed = connection.execute(
            insert(ProposalList.__table__).values(nama="Usulan")
        ).inserted_primary_key[0]
        connection.execute(
            text(
                "INSERT INTO proposal (id, list_id, baris, input, nik, nama, jenis_kelamin, alamat, kode_desa, hasil, "
                "nik_padan, tanda, alasan, keputusan_alasan, uid, created_at, updated_at) VALUES (1, :l, 2, '{}', "
                "'', 'SITI', 'P', '', '', '', '', '', '', '', :uid, '2026-03-01', '2026-03-01')"
            ),
            {"l": listed, "uid": "1" * 32},
        )
        run = connection.execute(
            insert(ScreeningRun.__table__).values(
                list_id=listed,
                username="op",
                engine_version="1",
                started_at=datetime(2026, 3, 1, 8, 0),
                origin_device=uuid.UUID(device),
            )
        ).inserted_primary_key[0]
        for number in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO screening_result (id, run_id, proposal_id, hasil, nik_padan, tanda, alasan, detail) "
                    "VALUES (:id, :run, 1, 'LOLOS', '', '', '', '{}')"
                ),
                {"id": number, "run": run},
            )
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT uid, created_at, origin_device FROM screening_result")).all()
        assert len({uid for uid, _at, _device in rows}) == 3
        assert all(len(uid) == 32 and uid[12] == "4" for uid, _at, _device in rows)
        assert {(str(at)[:16], dev) for _uid, at, dev in rows} == {("2026-03-01 08:00", device)}
    _migrate(engine, "downgrade", "0010_realisasi_koreksi")
    _migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screening_result")).scalar_one() == 3
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [
        d for d in differences if not (d[0] == "remove_table" and d[1].name.startswith("person_fts"))
    ] == []
    engine.dispose()
