"""the registry's matching index, saved: screening starts without rebuilding it

Revision ID: 0003_match_index
Revises: 0002_screening
Create Date: 2026-11-26 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_match_index"
down_revision = "0002_screening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_match_index",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", "part"),
    )


def downgrade() -> None:
    op.drop_table("registry_match_index")
