"""exchange: outgoing bundles kept until answered, receipts kept by bundle hash, a download's chunk progress,
conflicts that travel (own uid and region), the down cursor of a device's USB answers

Revision ID: 0013_exchange
Revises: 0012_changelog
Create Date: 2026-12-06 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_exchange"
down_revision = "0012_changelog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox_bundle",
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("seq_from", sa.BigInteger(), nullable=False),
        sa.Column("seq_to", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id"),
    )
    op.create_table(
        "bundle_receipt",
        sa.Column("bundle_hash", sa.String(length=64), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("device", sa.Uuid(), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bundle_hash"),
    )
    op.create_table(
        "sync_download_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_hash", sa.String(length=64), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflict_uid", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(length=10), server_default="", nullable=False))
        batch_op.create_unique_constraint("uq_sync_conflict_conflict_uid", ["conflict_uid"])
    with op.batch_alter_table("device_stream", schema=None) as batch_op:
        batch_op.add_column(sa.Column("down_seq", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("device_stream", schema=None) as batch_op:
        batch_op.drop_column("down_seq")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sync_conflict_conflict_uid", type_="unique")
        batch_op.drop_column("region")
        batch_op.drop_column("conflict_uid")
    op.drop_table("sync_download_progress")
    op.drop_table("bundle_receipt")
    op.drop_table("sync_outbox_bundle")
