"""rupiah: amounts as 64-bit integers on PostgreSQL (an SK's total passes Rp 2.1 billion)

SQLite's INTEGER holds 64 bits already: an office's database is unchanged. PostgreSQL's INTEGER holds 32, so the
province's server refused an office's SK of Rp 3 billion at every sync.

Revision ID: 0018_rupiah
Revises: 0017_aliases
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_rupiah"
down_revision = "0017_aliases"
branch_labels = None
depends_on = None

AMOUNTS = [
    ("program", "nilai_per_penerima"),
    ("sk_penetapan", "nilai_per_penerima"),
    ("sk_penetapan", "total_nilai"),
    ("sk_penerima", "nilai"),
    ("realisasi", "nilai"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in AMOUNTS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in AMOUNTS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
