"""The sync panel's laptop tables: what enrollment left (fingerprint, code expiry, bound office name, the
server's last word) and each sync attempt with its result

Revision ID: 0014_panel
Revises: 0013_exchange
Create Date: 2026-12-06 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_panel"
down_revision = "0013_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_enrollment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("office_name", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sync_attempt")
    op.drop_table("sync_enrollment")
