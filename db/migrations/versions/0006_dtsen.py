"""DTSEN family files: a household's desil among the province and the kabupaten/kota besides the national
one, and which of them a program's desil range applies to

Revision ID: 0006_dtsen
Revises: 0005_access
Create Date: 2026-11-27 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_dtsen"
down_revision = "0005_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dtks_record") as batch:
        batch.add_column(sa.Column("desil_provinsi", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("desil_kabupaten_kota", sa.SmallInteger(), nullable=True))
    with op.batch_alter_table("program") as batch:
        batch.add_column(
            sa.Column("desil_acuan", sa.String(length=16), nullable=False, server_default="nasional")
        )


def downgrade() -> None:
    with op.batch_alter_table("program") as batch:
        batch.drop_column("desil_acuan")
    with op.batch_alter_table("dtks_record") as batch:
        batch.drop_column("desil_kabupaten_kota")
        batch.drop_column("desil_provinsi")
