"""SQLAlchemy models of the office database.

Every record that will travel between offices (`SyncedMixin`) carries a global id (UUID), `created_at`,
`updated_at`, the office device it came from, and a soft-delete time: sync bundles are built on these.
Reference data (regions) and local bookkeeping (sessions, staging) do not travel and stay plain.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


# Rupiah amounts: an SK's total passes Rp 2.1 billion (10,000 recipients of Rp 600,000 are Rp 6 billion).
# SQLite's INTEGER holds 64 bits already; PostgreSQL's INTEGER holds 32, so the province's server uses BIGINT.
Rupiah = Integer().with_variant(BigInteger(), "postgresql")


class Base(DeclarativeBase):
    pass


class SyncedMixin:
    uid: Mapped[uuid.UUID] = mapped_column(Uuid, index=True, unique=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # The device (office installation) where the record was last written; `office.device_id` locally.
    origin_device: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Office(Base):
    """The one office this database belongs to: its region (any prefix of a 10-digit Kemendagri code)."""

    __tablename__ = "office"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    language: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The letterhead (kop surat) of the office's documents: up to three lines (government, agency, address)
    # and the logo as PNG bytes, set in the office settings.
    kop_baris_1: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kop_baris_2: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kop_alamat: Mapped[str] = mapped_column(String(300), default="", server_default="")
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Whether printed documents (the SK's lampiran) show NIKs whole; masked (7502xxxxxxxx0001) otherwise.
    nik_penuh_di_dokumen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))


class Region(Base):
    """Kemendagri region reference: provinsi (2), kab/kota (4), kecamatan (6), desa/kelurahan (10 digits)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(10), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(5))
    source: Mapped[str] = mapped_column(String(120))


class User(SyncedMixin, Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True, unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(10))
    opd: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Household(SyncedMixin, Base):
    """A Kartu Keluarga: its members share the address and the desa."""

    __tablename__ = "household"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True, unique=True)
    alamat: Mapped[str] = mapped_column(String(200), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), index=True)


class Person(SyncedMixin, Base):
    """A person of the Dukcapil extract."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), index=True, unique=True)
    no_kk: Mapped[str] = mapped_column(String(16), index=True)
    nama: Mapped[str] = mapped_column(String(120))
    # Upper case, letters and digits only, no spaces: the key of case- and spacing-insensitive search.
    nama_key: Mapped[str] = mapped_column(String(120), index=True)
    tempat_lahir: Mapped[str] = mapped_column(String(80), default="")
    tgl_lahir: Mapped[date | None] = mapped_column(Date)
    jenis_kelamin: Mapped[str] = mapped_column(String(1))
    alamat: Mapped[str] = mapped_column(String(200), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), index=True)
    hubungan_keluarga: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(10), default="hidup")
    tgl_status: Mapped[date | None] = mapped_column(Date)
    # Import warnings kept with the record (codes separated by ';'), e.g. a birth date differing from the NIK.
    flags: Mapped[str] = mapped_column(String(200), default="")
    # Set when a newer extract no longer contains the person; cleared when a later one does again.
    missing_since_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    last_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    # Counting the people of a region reads the kode_desa index, minus this (small) index of deleted records.
    __table_args__ = (
        Index(
            "ix_person_deleted",
            "kode_desa",
            sqlite_where=text("deleted_at IS NOT NULL"),
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
    )


class DtksRecord(SyncedMixin, Base):
    """A member of a DTKS/DTSEN household: welfare decile and program flags."""

    __tablename__ = "dtks_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_dtks: Mapped[str] = mapped_column(String(30), index=True, unique=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    nama: Mapped[str] = mapped_column(String(120))
    tgl_lahir: Mapped[date | None] = mapped_column(Date)
    jenis_kelamin: Mapped[str] = mapped_column(String(1), default="")
    alamat: Mapped[str] = mapped_column(String(200), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), index=True)
    # DTSEN ranks a household three times: among the nation, the province and the kabupaten/kota. `desil` is
    # the national one (the only one a member-level DTKS extract carries).
    desil: Mapped[int | None] = mapped_column(SmallInteger)
    desil_provinsi: Mapped[int | None] = mapped_column(SmallInteger)
    desil_kabupaten_kota: Mapped[int | None] = mapped_column(SmallInteger)
    # Program flags as given by the extract, e.g. {"pkh": 1, "bpnt": 0, "pbi": 1}.
    programs: Mapped[dict] = mapped_column(JSON, default=dict)
    flags: Mapped[str] = mapped_column(String(200), default="")
    missing_since_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    last_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class ImportBatch(SyncedMixin, Base):
    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # dukcapil | dtks
    source_label: Mapped[str] = mapped_column(String(20), default="")  # DTKS | DTSEN for welfare extracts
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    # The region the import could change: the narrower of the office's and the importing user's.
    region_code: Mapped[str] = mapped_column(String(10), default="", server_default="")


class ImportIssue(Base):
    """A refused or flagged row of a committed import, kept so the list can be read and exported later."""

    __tablename__ = "import_issue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(260))
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))  # ditolak | ditandai
    message: Mapped[str] = mapped_column(Text)
    kode_desa: Mapped[str] = mapped_column(String(10), default="", server_default="")  # the row's desa


class RecordHistory(SyncedMixin, Base):
    """One change of one imported record: which fields, before and after, by which batch."""

    __tablename__ = "record_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # person | dtks_record
    entity_id: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    change: Mapped[str] = mapped_column(String(20))  # ubah | hilang | kembali
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_record_history_entity", "entity", "entity_id"),)


class AuditEntry(SyncedMixin, Base):
    """Who did what, when, with the values before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_ref: Mapped[str] = mapped_column(String(80), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ColumnMapping(Base):
    """A column mapping the user confirmed, remembered per source (kind + the file's set of headers)."""

    __tablename__ = "column_mapping"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    header_signature: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ux_column_mapping_source", "kind", "header_signature", unique=True),)


class Program(SyncedMixin, Base):
    """An aid program (Pergub 52/2020 Pasal 1 angka 9): who runs it, from which money, for which region."""

    __tablename__ = "program"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nama: Mapped[str] = mapped_column(String(200))
    opd: Mapped[str] = mapped_column(String(200), default="")
    # APBN | APBD_PROVINSI | APBD_KABKOTA | DANA_DESA
    sumber_dana: Mapped[str] = mapped_column(String(20))
    tahun: Mapped[int] = mapped_column(Integer)
    jenis_bantuan: Mapped[str] = mapped_column(String(120), default="")
    nilai_per_penerima: Mapped[int] = mapped_column(Rupiah, default=0)
    kuota: Mapped[int] = mapped_column(Integer, default=0)
    # Any prefix of a Kemendagri code: the program serves people living there.
    kode_wilayah: Mapped[str] = mapped_column(String(10), default="")
    # When the program is one the DTKS extract flags (pkh, bpnt, pbi), its members count as recipients.
    kode_program_dtks: Mapped[str] = mapped_column(String(10), default="")
    # The DTKS/DTSEN desil range the program serves (DESIGN.md "Since 2025: DTSEN"); None = any.
    desil_min: Mapped[int | None] = mapped_column(SmallInteger)
    desil_max: Mapped[int | None] = mapped_column(SmallInteger)
    # Which of the household's desil the range applies to: nasional | provinsi | kabupaten_kota.
    desil_acuan: Mapped[str] = mapped_column(String(16), default="nasional", server_default="nasional")
    # Whether a person outside DTKS/DTSEN fails screening (True) or is only flagged for a look (False).
    hanya_dtks: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(60), default="")


class ProposalList(SyncedMixin, Base):
    """A list of proposed recipients (usulan) sent by a desa or an OPD for one program."""

    __tablename__ = "proposal_list"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a list screened against the registry alone (`ejps screen` without --program).
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), index=True)
    nama: Mapped[str] = mapped_column(String(200))
    sumber: Mapped[str] = mapped_column(String(200), default="")  # the desa/OPD that sent it
    kode_wilayah_sumber: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | screened | in_sk
    file_name: Mapped[str] = mapped_column(String(260), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The file's own headers in order, so an export gives every input column back unchanged.
    input_headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(60), default="")
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    sk_id: Mapped[int | None] = mapped_column(ForeignKey("sk_penetapan.id"))  # the SK it went into (in_sk)


class Proposal(SyncedMixin, Base):
    """One row of a proposal list: the cells as given, the fields read from them, and the current result."""

    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("proposal_list.id"), index=True)
    # The row number the user sees: the spreadsheet row (header = 1), or the entry order for typed rows.
    baris: Mapped[int] = mapped_column(Integer)
    input: Mapped[dict] = mapped_column(JSON, default=dict)
    nik: Mapped[str] = mapped_column(String(40), default="", index=True)
    nama: Mapped[str] = mapped_column(String(200), default="")
    tgl_lahir: Mapped[date | None] = mapped_column(Date)
    jenis_kelamin: Mapped[str] = mapped_column(String(1), default="")
    alamat: Mapped[str] = mapped_column(String(300), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), default="")
    # The current screening result (the latest run, or a re-screen after a correction).
    hasil: Mapped[str] = mapped_column(String(12), default="")  # LOLOS | TIDAK_LOLOS | PERLU_CEK
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    nik_padan: Mapped[str] = mapped_column(String(16), default="")
    skor_padan: Mapped[float | None] = mapped_column()
    tanda: Mapped[str] = mapped_column(String(400), default="")
    duplikat_dari: Mapped[int | None] = mapped_column(Integer)  # baris of the earlier row
    alasan: Mapped[str] = mapped_column(Text, default="")
    # The operator's decision on the match: accepted | chosen | rejected | field_check (None = engine's own).
    keputusan: Mapped[str | None] = mapped_column(String(20))
    keputusan_alasan: Mapped[str] = mapped_column(Text, default="")
    # The NIK as the list wrote it, kept when the registered NIK was taken for a slip (empty otherwise): the
    # SK needs the registered NIK, the desa needs to see what it wrote, and a later decision can restore it.
    nik_tertulis: Mapped[str] = mapped_column(String(40), default="", server_default="")
    result_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_proposal_list_baris", "list_id", "baris"),)


class ScreeningRun(SyncedMixin, Base):
    """One screening of one list: who, when, with which engine and settings, against which registry."""

    __tablename__ = "screening_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("proposal_list.id"), index=True)
    username: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    engine_version: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Which registry the run read: people count and the latest import batch of each kind.
    registry_state: Mapped[dict] = mapped_column(JSON, default=dict)
    # "list" for a whole-list run, "row" for the re-screen of one corrected row.
    scope: Mapped[str] = mapped_column(String(10), default="list")
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class ScreeningResult(SyncedMixin, Base):
    """The result of one row in one run, with the evidence and a copy of the registry record it rests on,
    so the result can be explained later even after the registry changed. Synced upward, append-only: a
    re-screen adds results, it never edits one."""

    __tablename__ = "screening_result"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_run.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    hasil: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[int | None] = mapped_column(Integer)
    nik_padan: Mapped[str] = mapped_column(String(16), default="")
    skor_padan: Mapped[float | None] = mapped_column()
    tanda: Mapped[str] = mapped_column(String(400), default="")
    duplikat_dari: Mapped[int | None] = mapped_column(Integer)
    alasan: Mapped[str] = mapped_column(Text, default="")
    # Flags with their rule and sentence, the evidence of the match and the runner-up candidates.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class ProposalDecision(SyncedMixin, Base):
    """An operator's decision on a proposal row's match, with the reason (also in the audit log)."""

    __tablename__ = "proposal_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    username: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(20))  # accepted | chosen | rejected | field_check | corrected
    person_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")


class AidRecipient(SyncedMixin, Base):
    """Someone who received (or was decreed to receive) a program's aid: from an SK penetapan or realisasi."""

    __tablename__ = "aid_recipient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(20))  # sk | realisasi
    reference: Mapped[str] = mapped_column(String(120), default="")  # SK number or realisasi batch
    tanggal: Mapped[date | None] = mapped_column(Date)
    sk_id: Mapped[int | None] = mapped_column(ForeignKey("sk_penetapan.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class SkPenetapan(SyncedMixin, Base):
    """A decree (SK penetapan) fixing a program's recipients (Pergub 52/2020 Pasal 6 ayat 2, Lampiran I-II):
    drafted from screened lists, or imported when issued elsewhere (APBN programs). A final SK never changes;
    a correction is a new SK that amends it (`mengubah_sk_id`)."""

    __tablename__ = "sk_penetapan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    nomor: Mapped[str] = mapped_column(String(120), default="")
    tanggal: Mapped[date | None] = mapped_column(Date)
    # The year the number is unique in (a number used twice in the same year is refused).
    tahun: Mapped[int] = mapped_column(Integer)
    judul: Mapped[str] = mapped_column(Text, default="")
    instansi: Mapped[str] = mapped_column(String(200), default="")  # issuing office
    penandatangan_nama: Mapped[str] = mapped_column(String(120), default="")
    penandatangan_nip: Mapped[str] = mapped_column(String(30), default="")
    penandatangan_jabatan: Mapped[str] = mapped_column(String(200), default="")
    menimbang: Mapped[str] = mapped_column(Text, default="")  # considerations, one per line
    mengingat: Mapped[str] = mapped_column(Text, default="")  # legal bases, one per line
    sumber_dana: Mapped[str] = mapped_column(String(20), default="")  # as Program.sumber_dana
    nilai_per_penerima: Mapped[int] = mapped_column(Rupiah, default=0)
    total_nilai: Mapped[int] = mapped_column(Rupiah, default=0)  # kept when finalised
    # The region the SK covers and is scoped by (any prefix of a Kemendagri code).
    kode_wilayah: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | final
    asal: Mapped[str] = mapped_column(String(10), default="disusun")  # disusun (drafted here) | impor
    # SHA-256 of the SK's content at finalisation, printed on every page of the final document.
    hash_isi: Mapped[str] = mapped_column(String(64), default="")
    final_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_by: Mapped[str] = mapped_column(String(60), default="")
    mengubah_sk_id: Mapped[int | None] = mapped_column(ForeignKey("sk_penetapan.id"))
    created_by: Mapped[str] = mapped_column(String(60), default="")
    tempat: Mapped[str] = mapped_column(String(80), default="", server_default="")  # "Ditetapkan di"

    __table_args__ = (Index("ix_sk_tahun_nomor", "tahun", "nomor"),)


class SkPenerima(SyncedMixin, Base):
    """One row of an SK's lampiran: a recipient as the decree names them, with the ranking that put them in
    (or left them out, over quota)."""

    __tablename__ = "sk_penerima"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sk_id: Mapped[int] = mapped_column(ForeignKey("sk_penetapan.id"), index=True)
    urutan: Mapped[int] = mapped_column(Integer, default=0)  # "No" in the lampiran
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), default="", index=True)
    nama: Mapped[str] = mapped_column(String(200), default="")
    alamat: Mapped[str] = mapped_column(String(300), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), default="", index=True)
    nilai: Mapped[int] = mapped_column(Rupiah, default=0)
    desil: Mapped[int | None] = mapped_column(SmallInteger)
    peringkat: Mapped[int | None] = mapped_column(Integer)  # rank among the eligible rows
    # False: eligible but outside the quota (kept so the operator sees who falls out, and why).
    masuk: Mapped[bool] = mapped_column(Boolean, default=True)
    alasan: Mapped[str] = mapped_column(Text, default="")
    # The admin who let this row in although it falls outside a quota (empty: the ranking decides).
    dipaksa_oleh: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # `alasan` as data (which quota, its limit, places taken before, rank; or the admin's reason), so that
    # the reason is shown in the reader's language while `alasan` keeps the decree's. None: no reason.
    alasan_rinci: Mapped[dict | None] = mapped_column(JSON)


class KuotaWilayah(SyncedMixin, Base):
    """A program's quota for one kecamatan or desa (the program's own `kuota` is its total)."""

    __tablename__ = "kuota_wilayah"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    kode_wilayah: Mapped[str] = mapped_column(String(10))
    kuota: Mapped[int] = mapped_column(Integer, default=0)


class Realisasi(SyncedMixin, Base):
    """Aid actually handed over (Pergub 52/2020 Pasal 7 ayat 2): to whom, when, how much, through which
    channel; entered or imported from a bank's or post office's list."""

    __tablename__ = "realisasi"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    sk_id: Mapped[int | None] = mapped_column(ForeignKey("sk_penetapan.id"), index=True)
    sk_penerima_id: Mapped[int | None] = mapped_column(ForeignKey("sk_penerima.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), default="", index=True)
    nama: Mapped[str] = mapped_column(String(200), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), default="")
    tanggal: Mapped[date | None] = mapped_column(Date)
    jumlah_fisik: Mapped[float] = mapped_column(default=0)  # physical quantity (packages, kg, ...)
    satuan: Mapped[str] = mapped_column(String(40), default="")
    nilai: Mapped[int] = mapped_column(Rupiah, default=0)
    saluran: Mapped[str] = mapped_column(String(20), default="")  # bank | pos | natura
    # The import it came from (file name and row), empty when typed.
    sumber: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    # Append-only (a correction supersedes): a wrong row is never edited nor deleted. A correction is a new row
    # naming the one it replaces (`menggantikan_id`), which becomes "digantikan"; a cancelled row becomes
    # "dibatalkan", with who, when and why. Only "berlaku" rows count.
    status: Mapped[str] = mapped_column(String(12), default="berlaku", server_default="berlaku")
    menggantikan_id: Mapped[int | None] = mapped_column(ForeignKey("realisasi.id"))
    alasan: Mapped[str] = mapped_column(String(300), default="", server_default="")  # of the correction
    dibatalkan_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dibatalkan_oleh: Mapped[str] = mapped_column(String(60), default="", server_default="")
    alasan_batal: Mapped[str] = mapped_column(String(300), default="", server_default="")


class Form1(SyncedMixin, Base):
    """Form 1, the standard household registration form (Pergub 72/2018 A.1): the registrant, how they
    registered, the household's characteristics of the skrining awal, its members."""

    __tablename__ = "form1"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    nama: Mapped[str] = mapped_column(String(200))
    tempat_lahir: Mapped[str] = mapped_column(String(120), default="")
    tgl_lahir: Mapped[date | None] = mapped_column(Date)
    jenis_kelamin: Mapped[str] = mapped_column(String(1), default="")
    alamat: Mapped[str] = mapped_column(String(300), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kode_desa: Mapped[str] = mapped_column(String(10), index=True)
    telepon: Mapped[str] = mapped_column(String(30), default="")
    # aktif (at the village office) | pasif (home visit) | sktm (SKTM applicant) | domisili (non-resident
    # domiciled at least six months, with a domicile statement known to the Kepala Desa)
    jalur: Mapped[str] = mapped_column(String(12), default="aktif")
    domisili_sejak: Mapped[date | None] = mapped_column(Date)
    pernyataan_domisili: Mapped[bool] = mapped_column(Boolean, default=False)
    # The five characteristics of the skrining awal (A.2.b): a registrant with three or more fails it.
    atap_beton_genteng: Mapped[bool] = mapped_column(Boolean, default=False)
    punya_mobil: Mapped[bool] = mapped_column(Boolean, default=False)
    punya_ac: Mapped[bool] = mapped_column(Boolean, default=False)
    tabung_gas_besar: Mapped[bool] = mapped_column(Boolean, default=False)  # over 5.5 kg
    # Highest education of a member no longer in school (e.g. SD, SMP, SMA, D3, S1, S2, S3).
    pendidikan_tertinggi: Mapped[str] = mapped_column(String(10), default="")
    karakteristik_lain: Mapped[dict] = mapped_column(JSON, default=dict)
    tanggal: Mapped[date | None] = mapped_column(Date)
    petugas: Mapped[str] = mapped_column(String(120), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_by: Mapped[str] = mapped_column(String(60), default="")


class Form1Anggota(SyncedMixin, Base):
    """A member of the household a Form 1 registers."""

    __tablename__ = "form1_anggota"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form1.id"), index=True)
    urutan: Mapped[int] = mapped_column(Integer, default=0)
    nik: Mapped[str] = mapped_column(String(16), default="")
    nama: Mapped[str] = mapped_column(String(200), default="")
    hubungan: Mapped[str] = mapped_column(String(40), default="")
    tgl_lahir: Mapped[date | None] = mapped_column(Date)
    jenis_kelamin: Mapped[str] = mapped_column(String(1), default="")
    pendidikan: Mapped[str] = mapped_column(String(10), default="")
    masih_sekolah: Mapped[bool] = mapped_column(Boolean, default=False)


class RegistryMatchIndex(Base):
    """The matching index of the registry (see app.screening.registry_index), saved in parts so that a new
    session reads it in a fraction of a second instead of rebuilding it from 1.2M rows. Derived data: never
    synced, rebuilt whenever the people of the registry changed. The part named "header" says which
    registry it was built from and the type and shape of every array."""

    __tablename__ = "registry_match_index"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# The sync's tables share this metadata (Alembic sees them); imported last, as they build on `Base`.
from db import sync_models  # noqa: E402, F401
