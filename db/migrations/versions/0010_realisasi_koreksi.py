"""Realisasi become append-only: a correction is a new row naming the one it replaces, a cancellation marks
the row with who, when and why; each row has a status (berlaku | digantikan | dibatalkan)

Revision ID: 0010_realisasi_koreksi
Revises: 0009_sk_reasons
Create Date: 2026-12-06 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_realisasi_koreksi"
down_revision = "0009_sk_reasons"
branch_labels = None
depends_on = None


# Added in place (ALTER TABLE ... ADD COLUMN): a table copy of 100,000 realisasi rows is slow, and the
# existing rows all stay "berlaku" through the server default.
def _plain_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column("status", sa.String(length=12), server_default="berlaku", nullable=False),
        sa.Column("alasan", sa.String(length=300), server_default="", nullable=False),
        sa.Column("dibatalkan_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dibatalkan_oleh", sa.String(length=60), server_default="", nullable=False),
        sa.Column("alasan_batal", sa.String(length=300), server_default="", nullable=False),
    )


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("realisasi")}


def upgrade() -> None:
    existing = _columns()
    for column in _plain_columns():
        op.add_column("realisasi", column)
    if "menggantikan_id" in existing:
        return  # left by a downgrade on SQLite (see there)
    if _sqlite():
        op.execute("ALTER TABLE realisasi ADD COLUMN menggantikan_id INTEGER REFERENCES realisasi(id)")
    else:
        op.add_column("realisasi", sa.Column("menggantikan_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_realisasi_menggantikan_id", "realisasi", "realisasi", ["menggantikan_id"], ["id"]
        )


def downgrade() -> None:
    # The older program counts every row not deleted: the superseded and cancelled ones leave its count.
    op.execute(
        "UPDATE realisasi SET deleted_at = coalesce(dibatalkan_at, updated_at) "
        "WHERE status <> 'berlaku' AND deleted_at IS NULL"
    )
    # SQLite drops a column in place unless it holds a foreign key: the reference stays there, emptied and
    # unread by the older program, and an upgrade takes it up again (as 0007 does).
    if _sqlite():
        op.execute("UPDATE realisasi SET menggantikan_id = NULL")
    else:
        op.drop_constraint("fk_realisasi_menggantikan_id", "realisasi", type_="foreignkey")
        op.drop_column("realisasi", "menggantikan_id")
    for column in reversed(_plain_columns()):
        op.drop_column("realisasi", column.name)
