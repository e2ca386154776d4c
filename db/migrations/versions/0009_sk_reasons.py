"""SK penerima: the reason a row is outside a quota (or in over it) as data, shown in the reader's language

Revision ID: 0009_sk_reasons
Revises: 0008_sk2
Create Date: 2026-12-06 12:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_sk_reasons"
down_revision = "0008_sk2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alasan_rinci", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.drop_column("alasan_rinci")
