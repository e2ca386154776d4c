"""transport: resumable uploads and prepared downloads, their bytes kept in the database in pieces

Revision ID: 0015_transport
Revises: 0014_panel
Create Date: 2026-12-06 16:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_transport"
down_revision = "0014_panel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_part",
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", "start"),
    )
    op.create_index("ix_upload_part_received_at", "upload_part", ["received_at"], unique=False)
    op.create_table(
        "download_bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("seq_to", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle_id"),
        sa.UniqueConstraint("device_id"),
    )
    op.create_index("ix_download_bundle_expires_at", "download_bundle", ["expires_at"], unique=False)
    op.create_table(
        "download_part",
        sa.Column("download_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["download_id"], ["download_bundle.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("download_id", "start"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Sealed bundle bytes do not compress: stored EXTERNAL (uncompressed, out of line), PostgreSQL neither
        # tries to compress them on write nor must decompress a whole piece to read a slice of it.
        op.execute("ALTER TABLE upload_part ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE download_part ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("download_part")
    op.drop_index("ix_download_bundle_expires_at", table_name="download_bundle")
    op.drop_table("download_bundle")
    op.drop_index("ix_upload_part_received_at", table_name="upload_part")
    op.drop_table("upload_part")
