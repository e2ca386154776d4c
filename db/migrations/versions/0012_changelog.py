"""The laptop's change log: the outbox of synced changes, the sync state, the record versions seen, the device's
private keys; screening results become synced records (uid, times, origin), uids given to existing rows

Revision ID: 0012_changelog
Revises: 0011_server
Create Date: 2026-12-06 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_changelog"
down_revision = "0011_server"
branch_labels = None
depends_on = None

# A version-4 UUID as 32 hex digits (SQLAlchemy's storage of Uuid on SQLite), as db/bulk.py makes them.
_UUID_SQL = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2) || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
)


def upgrade() -> None:
    op.create_table(
        "sync_change",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=False),
        sa.Column("region_before", sa.String(length=10), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_sync_change_record", "sync_change", ["entity", "uid", "state"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_url", sa.String(length=300), nullable=False),
        sa.Column("enrollment", sa.String(length=10), nullable=False),
        sa.Column("device_region", sa.String(length=10), nullable=False),
        sa.Column("pulled_upto", sa.BigInteger(), nullable=False),
        sa.Column("up_last_hash", sa.String(length=64), nullable=False),
        sa.Column("down_last_hash", sa.String(length=64), nullable=False),
        sa.Column("server_keys", sa.JSON(), nullable=True),
        sa.Column("enrollment_code", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_version",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "uid"),
    )
    op.create_table(
        "device_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signing_private", sa.LargeBinary(), nullable=False),
        sa.Column("encryption_private", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    # Screening results travel upward: they take the synced columns. Added nullable in place, filled (their
    # run's time and device; a fresh uid each), then made NOT NULL in one table copy.
    for column in (
        sa.Column("uid", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("screening_result", column)
    # PostgreSQL (the provincial server) has its own random UUIDs, stored as its native uuid type.
    new_uid = "gen_random_uuid()" if op.get_bind().dialect.name == "postgresql" else _UUID_SQL
    op.execute(
        f"UPDATE screening_result SET uid = {new_uid}, "
        "created_at = (SELECT r.started_at FROM screening_run r WHERE r.id = run_id), "
        "updated_at = (SELECT r.started_at FROM screening_run r WHERE r.id = run_id), "
        "origin_device = (SELECT r.origin_device FROM screening_run r WHERE r.id = run_id)"
    )
    with op.batch_alter_table("screening_result") as batch_op:
        batch_op.alter_column("uid", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index("ix_screening_result_uid", ["uid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("screening_result") as batch_op:
        batch_op.drop_index("ix_screening_result_uid")
        for name in ("deleted_at", "origin_device", "updated_at", "created_at", "uid"):
            batch_op.drop_column(name)
    op.drop_table("device_key")
    op.drop_table("sync_version")
    op.drop_table("sync_state")
    op.drop_index("ix_sync_change_record", table_name="sync_change")
    op.drop_table("sync_change")
