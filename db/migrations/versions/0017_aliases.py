"""aliases: a record registered again by another office under a new uid names the record the server holds

Revision ID: 0017_aliases
Revises: 0016_gaps
Create Date: 2026-12-06 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_aliases"
down_revision = "0016_gaps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("alias", sa.Uuid(), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("device", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "alias", name="uq_record_alias_entity_alias"),
    )


def downgrade() -> None:
    op.drop_table("record_alias")
