"""SK penetapan: the place it is decreed at, and who let a row in over the quota

Revision ID: 0008_sk2
Revises: 0007_documents
Create Date: 2026-12-06 09:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_sk2"
down_revision = "0007_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sk_penetapan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tempat", sa.String(length=80), nullable=False, server_default=""))
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dipaksa_oleh", sa.String(length=60), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.drop_column("dipaksa_oleh")
    with op.batch_alter_table("sk_penetapan", schema=None) as batch_op:
        batch_op.drop_column("tempat")
