"""The documents after screening: SK penetapan with its lampiran and regional quotas, realisasi, Form 1 with
its members, the office letterhead and logo; lists and recipients point at their SK

Revision ID: 0007_documents
Revises: 0006_dtsen
Create Date: 2026-12-06 09:13:05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_documents"
down_revision = "0006_dtsen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kuota_wilayah",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("kode_wilayah", sa.String(length=10), nullable=False),
        sa.Column("kuota", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kuota_wilayah", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kuota_wilayah_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kuota_wilayah_uid"), ["uid"], unique=True)

    op.create_table(
        "sk_penetapan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("nomor", sa.String(length=120), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=True),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("judul", sa.Text(), nullable=False),
        sa.Column("instansi", sa.String(length=200), nullable=False),
        sa.Column("penandatangan_nama", sa.String(length=120), nullable=False),
        sa.Column("penandatangan_nip", sa.String(length=30), nullable=False),
        sa.Column("penandatangan_jabatan", sa.String(length=200), nullable=False),
        sa.Column("menimbang", sa.Text(), nullable=False),
        sa.Column("mengingat", sa.Text(), nullable=False),
        sa.Column("sumber_dana", sa.String(length=20), nullable=False),
        sa.Column("nilai_per_penerima", sa.Integer(), nullable=False),
        sa.Column("total_nilai", sa.Integer(), nullable=False),
        sa.Column("kode_wilayah", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("asal", sa.String(length=10), nullable=False),
        sa.Column("hash_isi", sa.String(length=64), nullable=False),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_by", sa.String(length=60), nullable=False),
        sa.Column("mengubah_sk_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mengubah_sk_id"],
            ["sk_penetapan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sk_penetapan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sk_penetapan_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sk_penetapan_uid"), ["uid"], unique=True)
        batch_op.create_index("ix_sk_tahun_nomor", ["tahun", "nomor"], unique=False)

    op.create_table(
        "form1",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("no_kk", sa.String(length=16), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("tempat_lahir", sa.String(length=120), nullable=False),
        sa.Column("tgl_lahir", sa.Date(), nullable=True),
        sa.Column("jenis_kelamin", sa.String(length=1), nullable=False),
        sa.Column("alamat", sa.String(length=300), nullable=False),
        sa.Column("rt", sa.String(length=3), nullable=False),
        sa.Column("rw", sa.String(length=3), nullable=False),
        sa.Column("kode_desa", sa.String(length=10), nullable=False),
        sa.Column("telepon", sa.String(length=30), nullable=False),
        sa.Column("jalur", sa.String(length=12), nullable=False),
        sa.Column("domisili_sejak", sa.Date(), nullable=True),
        sa.Column("pernyataan_domisili", sa.Boolean(), nullable=False),
        sa.Column("atap_beton_genteng", sa.Boolean(), nullable=False),
        sa.Column("punya_mobil", sa.Boolean(), nullable=False),
        sa.Column("punya_ac", sa.Boolean(), nullable=False),
        sa.Column("tabung_gas_besar", sa.Boolean(), nullable=False),
        sa.Column("pendidikan_tertinggi", sa.String(length=10), nullable=False),
        sa.Column("karakteristik_lain", sa.JSON(), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=True),
        sa.Column("petugas", sa.String(length=120), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form1", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form1_kode_desa"), ["kode_desa"], unique=False)
        batch_op.create_index(batch_op.f("ix_form1_nik"), ["nik"], unique=False)
        batch_op.create_index(batch_op.f("ix_form1_uid"), ["uid"], unique=True)

    op.create_table(
        "form1_anggota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("urutan", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("hubungan", sa.String(length=40), nullable=False),
        sa.Column("tgl_lahir", sa.Date(), nullable=True),
        sa.Column("jenis_kelamin", sa.String(length=1), nullable=False),
        sa.Column("pendidikan", sa.String(length=10), nullable=False),
        sa.Column("masih_sekolah", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["form1.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form1_anggota", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form1_anggota_form_id"), ["form_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form1_anggota_uid"), ["uid"], unique=True)

    op.create_table(
        "sk_penerima",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sk_id", sa.Integer(), nullable=False),
        sa.Column("urutan", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("alamat", sa.String(length=300), nullable=False),
        sa.Column("kode_desa", sa.String(length=10), nullable=False),
        sa.Column("nilai", sa.Integer(), nullable=False),
        sa.Column("desil", sa.SmallInteger(), nullable=True),
        sa.Column("peringkat", sa.Integer(), nullable=True),
        sa.Column("masuk", sa.Boolean(), nullable=False),
        sa.Column("alasan", sa.Text(), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sk_id"],
            ["sk_penetapan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sk_penerima_kode_desa"), ["kode_desa"], unique=False)
        batch_op.create_index(batch_op.f("ix_sk_penerima_nik"), ["nik"], unique=False)
        batch_op.create_index(batch_op.f("ix_sk_penerima_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sk_penerima_sk_id"), ["sk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sk_penerima_uid"), ["uid"], unique=True)

    op.create_table(
        "realisasi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("sk_id", sa.Integer(), nullable=True),
        sa.Column("sk_penerima_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("kode_desa", sa.String(length=10), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=True),
        sa.Column("jumlah_fisik", sa.Double(), nullable=False),
        sa.Column("satuan", sa.String(length=40), nullable=False),
        sa.Column("nilai", sa.Integer(), nullable=False),
        sa.Column("saluran", sa.String(length=20), nullable=False),
        sa.Column("sumber", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_device", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sk_id"],
            ["sk_penetapan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sk_penerima_id"],
            ["sk_penerima.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("realisasi", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_realisasi_nik"), ["nik"], unique=False)
        batch_op.create_index(batch_op.f("ix_realisasi_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_realisasi_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_realisasi_sk_id"), ["sk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_realisasi_uid"), ["uid"], unique=True)

    _add_reference("aid_recipient", "sk_id", "sk_penetapan", "fk_aid_recipient_sk_id")
    _add_reference("aid_recipient", "person_id", "person", "fk_aid_recipient_person_id")
    op.create_index("ix_aid_recipient_sk_id", "aid_recipient", ["sk_id"], unique=False)

    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kop_baris_1", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("kop_baris_2", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("kop_alamat", sa.String(length=300), server_default="", nullable=False))
        batch_op.add_column(sa.Column("logo_png", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("nik_penuh_di_dokumen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    _add_reference("proposal_list", "sk_id", "sk_penetapan", "fk_proposal_list_sk_id")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    """A nullable column referencing `target`. SQLite adds it in place: a batch copy of the table would drop
    it under the foreign keys of its children (proposals point at their list) and fail on any real office."""
    if column in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}:
        return  # left by a downgrade on SQLite (see there)
    if _sqlite():
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target}(id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])


def _drop_reference(table: str, column: str, name: str) -> None:
    """SQLite cannot drop a column that holds a foreign key without copying the table (see `_add_reference`):
    there the column stays, empty and unread by the older program, and an upgrade takes it up again."""
    if _sqlite():
        op.execute(f"UPDATE {table} SET {column} = NULL")
        return
    op.drop_constraint(name, table, type_="foreignkey")
    op.drop_column(table, column)


def downgrade() -> None:
    _drop_reference("proposal_list", "sk_id", "fk_proposal_list_sk_id")

    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("nik_penuh_di_dokumen")
        batch_op.drop_column("logo_png")
        batch_op.drop_column("kop_alamat")
        batch_op.drop_column("kop_baris_2")
        batch_op.drop_column("kop_baris_1")

    op.drop_index("ix_aid_recipient_sk_id", table_name="aid_recipient")
    _drop_reference("aid_recipient", "person_id", "fk_aid_recipient_person_id")
    _drop_reference("aid_recipient", "sk_id", "fk_aid_recipient_sk_id")

    with op.batch_alter_table("realisasi", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realisasi_uid"))
        batch_op.drop_index(batch_op.f("ix_realisasi_sk_id"))
        batch_op.drop_index(batch_op.f("ix_realisasi_program_id"))
        batch_op.drop_index(batch_op.f("ix_realisasi_person_id"))
        batch_op.drop_index(batch_op.f("ix_realisasi_nik"))

    op.drop_table("realisasi")
    with op.batch_alter_table("sk_penerima", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sk_penerima_uid"))
        batch_op.drop_index(batch_op.f("ix_sk_penerima_sk_id"))
        batch_op.drop_index(batch_op.f("ix_sk_penerima_person_id"))
        batch_op.drop_index(batch_op.f("ix_sk_penerima_nik"))
        batch_op.drop_index(batch_op.f("ix_sk_penerima_kode_desa"))

    op.drop_table("sk_penerima")
    with op.batch_alter_table("form1_anggota", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form1_anggota_uid"))
        batch_op.drop_index(batch_op.f("ix_form1_anggota_form_id"))

    op.drop_table("form1_anggota")
    with op.batch_alter_table("form1", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form1_uid"))
        batch_op.drop_index(batch_op.f("ix_form1_nik"))
        batch_op.drop_index(batch_op.f("ix_form1_kode_desa"))

    op.drop_table("form1")
    with op.batch_alter_table("sk_penetapan", schema=None) as batch_op:
        batch_op.drop_index("ix_sk_tahun_nomor")
        batch_op.drop_index(batch_op.f("ix_sk_penetapan_uid"))
        batch_op.drop_index(batch_op.f("ix_sk_penetapan_program_id"))

    op.drop_table("sk_penetapan")
    with op.batch_alter_table("kuota_wilayah", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kuota_wilayah_uid"))
        batch_op.drop_index(batch_op.f("ix_kuota_wilayah_program_id"))

    op.drop_table("kuota_wilayah")
