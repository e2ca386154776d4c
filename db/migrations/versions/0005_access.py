"""import issues keep their row's desa and batches the region they could change: issue lists are scoped

Revision ID: 0005_access
Revises: 0004_review
Create Date: 2026-12-06 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_access"
down_revision = "0004_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batch") as batch:
        batch.add_column(sa.Column("region_code", sa.String(length=10), nullable=False, server_default=""))
    with op.batch_alter_table("import_issue") as batch:
        batch.add_column(sa.Column("kode_desa", sa.String(length=10), nullable=False, server_default=""))
    # Earlier batches could change the whole office region; their issues' desa is unknown (shown only to
    # accounts covering that region).
    op.execute("UPDATE import_batch SET region_code = coalesce((SELECT region_code FROM office LIMIT 1), '')")


def downgrade() -> None:
    with op.batch_alter_table("import_issue") as batch:
        batch.drop_column("kode_desa")
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_column("region_code")
