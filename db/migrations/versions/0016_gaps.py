"""gaps: uploads bound to the device that signed them; a revoked device's bundles held for review

Revision ID: 0016_gaps
Revises: 0015_transport
Create Date: 2026-12-06 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_gaps"
down_revision = "0015_transport"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_part") as batch:
        batch.add_column(sa.Column("device", sa.Uuid(), nullable=True))
    op.create_table(
        "held_bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("bundle_hash", sa.String(length=64), nullable=False),
        sa.Column("seq_from", sa.BigInteger(), nullable=False),
        sa.Column("seq_to", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle_hash"),
    )
    op.create_index("ix_held_bundle_device_id", "held_bundle", ["device_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_held_bundle_device_id", table_name="held_bundle")
    op.drop_table("held_bundle")
    with op.batch_alter_table("upload_part") as batch:
        batch.drop_column("device")
