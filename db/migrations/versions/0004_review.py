"""the written NIK beside the registered one taken for a slip (batch review)

Revision ID: 0004_review
Revises: 0003_match_index
Create Date: 2026-12-06 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_review"
down_revision = "0003_match_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE ADD COLUMN: SQLite adds it in place, without copying the table.
    op.add_column(
        "proposal", sa.Column("nik_tertulis", sa.String(length=40), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("proposal") as batch:
        batch.drop_column("nik_tertulis")
