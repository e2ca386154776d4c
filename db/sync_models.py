"""Tables of the sync (issue 12). Same `Base` as db/models.py, so Alembic's metadata holds them.

Each part keeps its classes in one block under a heading, so that parts merge cleanly.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, utcnow

# --- server: enrolled devices, their streams, the numbered change log, conflicts, the server's keys ----------


class Device(Base):
    """An office installation known to the server: requested by the laptop, approved by an admin with the
    one-time code, which binds it to an office and a region; revoked devices are kept, and refused."""

    __tablename__ = "device"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)  # Office.device_id of the installation
    office_name: Mapped[str] = mapped_column(String(200))
    requested_region: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(10), default="")  # bound by the admin on approval
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 public key, raw 32 bytes
    encryption_key: Mapped[bytes] = mapped_column(LargeBinary)  # X25519 public key, raw 32 bytes
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | approved | revoked
    # SHA-256 of the one-time code while the request waits (the code has 80 random bits: a slow password hash
    # would add nothing); cleared once used, so a code approves one device once.
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str] = mapped_column(String(60), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str] = mapped_column(String(60), default="")
    revoke_reason: Mapped[str] = mapped_column(String(300), default="")


class DeviceStream(Base):
    """Where a device's two streams stand: the last accepted device `seq` and bundle hash going up, the last
    bundle hash sent down (the next bundle's `prev_hash`)."""

    __tablename__ = "device_stream"
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
    up_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    up_last_hash: Mapped[str] = mapped_column(String(64), default="")
    down_last_hash: Mapped[str] = mapped_column(String(64), default="")
    # The stream number the last down bundle reached (its seq_to): where a USB answer continues, the laptop
    # bringing no cursor of its own (exchange).
    down_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class StreamCounter(Base):
    """One row: the last `change_log.stream_seq` given out. Taking numbers updates this row, whose lock is held
    until commit, so numbers are given in commit order (sync/server/stream.py)."""

    __tablename__ = "change_stream_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeLog(Base):
    """Every change the server accepted, numbered in the province's one stream: an office pulls those with
    `stream_seq` above its cursor whose `region` or `region_before` lies inside its region."""

    __tablename__ = "change_log"
    stream_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    device: Mapped[uuid.UUID] = mapped_column(Uuid)  # the sender; with `seq`, the change's identity
    seq: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(40))
    uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    op: Mapped[str] = mapped_column(String(8))  # upsert | delete
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    base: Mapped[int] = mapped_column(BigInteger, default=0)
    region: Mapped[str] = mapped_column(String(10), default="")
    region_before: Mapped[str | None] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("device", "seq", name="uq_change_log_device_seq"),
        # The conflict rules read a record's changes since a base version.
        Index("ix_change_log_record", "entity", "uid", "stream_seq"),
    )


class SyncConflict(Base):
    """A change that could not be applied silently: kept with what it was based on, until someone resolves it
    (the resolution is itself a change)."""

    __tablename__ = "sync_conflict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    base: Mapped[int] = mapped_column(BigInteger, default=0)
    mine: Mapped[dict] = mapped_column(JSON, default=dict)  # the incoming change's fields
    theirs: Mapped[dict] = mapped_column(JSON, default=dict)  # the server's values of those fields
    kind: Mapped[str] = mapped_column(String(30), default="")  # which conflict rule held
    device: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the incoming change's device seq
    username: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    resolution: Mapped[dict | None] = mapped_column(JSON)
    resolved_by: Mapped[str] = mapped_column(String(60), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The conflict's own identity and region (exchange): it travels down as a record of entity
    # `sync_conflict` to the offices whose region overlaps the record's, and its resolution travels up.
    conflict_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    region: Mapped[str] = mapped_column(String(10), default="", server_default="")

    __table_args__ = (Index("ix_sync_conflict_record", "entity", "uid", "state"),)


class ServerKey(Base):
    """The server's own Ed25519 (signing) and X25519 (encryption) private keys, raw; one row, generated once.

    They live in the province's database, protected by its access control like the data they sign. A
    production server should keep them in a KMS or the OS keyring instead and leave here only the public keys.
    """

    __tablename__ = "server_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    signing_private: Mapped[bytes] = mapped_column(LargeBinary)
    encryption_private: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- transport: resumable uploads and prepared downloads, held in the database ---------------------------------


class UploadPart(Base):
    """One received piece of a bundle being uploaded (`PUT /v1/uploads/{bundle_id}`), kept in the database and
    not in a file or a process, so that any server process behind the same database continues an upload.
    Pieces are contiguous from 0: a piece is taken only where the held ones end (sync/server/transfers.py)."""

    __tablename__ = "upload_part"
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)  # the whole bundle's size, as the sender announced it
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The device whose signed requests sent the piece: no other device may continue or read this upload.
    device: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    # Abandoned uploads are cleared by age.
    __table_args__ = (Index("ix_upload_part_received_at", "received_at"),)


class HeldBundle(Base):
    """A revoked device's bundle, verified as signed by it, refused and kept for the province's review: the admin
    releases it (applied as if the device were still valid) or discards it (sync/server/held.py)."""

    __tablename__ = "held_bundle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), index=True)
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bundle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    seq_from: Mapped[int] = mapped_column(BigInteger)
    seq_to: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # emptied once decided
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="held")  # held | released | discarded
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(60), default="")


class RecordAlias(Base):
    """A uid under which an office registered a record the server already held by its natural key (a person's
    NIK, a household's KK number, a DTKS id): two offices importing the same registry make two uids for one
    person. The office's uid names the held record from then on, in its later changes and in references
    (sync/server/identity.py)."""

    __tablename__ = "record_alias"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    alias: Mapped[uuid.UUID] = mapped_column(Uuid)
    uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    device: Mapped[uuid.UUID] = mapped_column(Uuid)  # the office that registered it again
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("entity", "alias", name="uq_record_alias_entity_alias"),)


class DownloadBundle(Base):
    """A bundle prepared for one device to download (`POST /v1/downloads`), one per device at a time; its bytes
    lie in `download_part`, read piece by piece by `GET /v1/downloads/{bundle_id}`, until `expires_at`."""

    __tablename__ = "download_bundle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    seq_to: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DownloadPart(Base):
    """A piece (1 MiB) of a prepared download's bytes, at byte `start` of the bundle file."""

    __tablename__ = "download_part"
    download_id: Mapped[int] = mapped_column(
        ForeignKey("download_bundle.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# --- end transport ---------------------------------------------------------------------------------------------


# --- laptop: the office's change log, its sync state and its device keys ---------------------------------------


class SyncChange(Base):
    """One change of one synced record, written in the transaction that made it (the outbox). `seq` is the
    device sequence number: dense from 1 (an INTEGER PRIMARY KEY without AUTOINCREMENT reuses the numbers of a
    rolled-back transaction, so no gap appears), never deleted: the table is also the ledger of what was sent
    and what the server answered."""

    __tablename__ = "sync_change"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(40))
    uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    op: Mapped[str] = mapped_column(String(8))  # upsert | delete
    # Only the fields that changed (all travelling fields of a new record), in their wire form (sync/values.py);
    # NULL: the whole record, read from it when sent (a registry import's millions, sync/changes.py).
    fields: Mapped[dict | None] = mapped_column(JSON)
    # The server stream number of the record as this device last saw it (sync_version); 0 for a new record.
    base: Mapped[int] = mapped_column(BigInteger, default=0)
    region: Mapped[str] = mapped_column(String(10), default="")
    region_before: Mapped[str | None] = mapped_column(String(10))  # set when the change moved the record
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # informative only
    bundle_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the bundle that carried it
    # pending → sent → applied | duplicate | conflict | refused
    state: Mapped[str] = mapped_column(String(10), default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    server_seq: Mapped[int | None] = mapped_column(BigInteger)  # the server's stream number, once applied

    # Applying an incoming change asks for the record's pending local changes.
    __table_args__ = (Index("ix_sync_change_record", "entity", "uid", "state"),)


class SyncState(Base):
    """The office's one row of sync state."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    server_url: Mapped[str] = mapped_column(String(300), default="")
    enrollment: Mapped[str] = mapped_column(String(10), default="none")  # none | pending | approved | revoked
    device_region: Mapped[str] = mapped_column(String(10), default="")  # as the server bound the device
    # The server stream number of the last change applied here, advanced in the same transaction as the data.
    pulled_upto: Mapped[int] = mapped_column(BigInteger, default=0)
    up_last_hash: Mapped[str] = mapped_column(String(64), default="")  # last bundle sent (up stream)
    down_last_hash: Mapped[str] = mapped_column(String(64), default="")  # last bundle applied (down stream)
    server_keys: Mapped[dict | None] = mapped_column(JSON)  # PublicKeys.to_json() of the server
    enrollment_code: Mapped[str] = mapped_column(Text, default="")  # the one-time code while pending


class SyncVersion(Base):
    """The server stream number of the last change to a record this device has seen: the `base` of the next
    local change to that record."""

    __tablename__ = "sync_version"
    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    uid: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    server_seq: Mapped[int] = mapped_column(BigInteger)


class DeviceKey(Base):
    """This installation's private keys, as raw bytes: the database is SQLCipher-encrypted, so they never lie
    in a plain file. One row."""

    __tablename__ = "device_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    signing_private: Mapped[bytes] = mapped_column(LargeBinary)
    encryption_private: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- end laptop ------------------------------------------------------------------------------------------------


# --- exchange: bundles sent and answered, receipts kept, a snapshot's progress ----------------------------------


class OutboxBundle(Base):
    """Laptop: an outgoing bundle, sealed to the server, kept until a receipt answers it. The same bytes are
    sent again until then (a lost receipt is answered "duplicate" with the stored one)."""

    __tablename__ = "sync_outbox_bundle"
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    seq_from: Mapped[int] = mapped_column(BigInteger)
    seq_to: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str] = mapped_column(String(10), default="")  # applied | duplicate | refused


class BundleReceipt(Base):
    """Server: the signed receipt of every applied bundle, by the bundle's hash: the answer to a duplicate."""

    __tablename__ = "bundle_receipt"
    bundle_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device: Mapped[uuid.UUID] = mapped_column(Uuid)
    receipt: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DownloadProgress(Base):
    """Laptop: how far a down bundle applied chunk by chunk got (one row), so that a kill resumes at the next
    chunk; the cursor moves only with the last chunk."""

    __tablename__ = "sync_download_progress"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    bundle_hash: Mapped[str] = mapped_column(String(64))
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)


# --- end exchange ------------------------------------------------------------------------------------------------


# --- laptop, the sync panel: what enrollment left, and each sync attempt --------------------------------------


class SyncEnrollment(Base):
    """One row: what the office was told when it asked to be enrolled and last checked (the rest is in
    `sync_state`): the key fingerprint to read out to the admin, until when the code holds, the office name
    the server bound, and the server's last word (a revocation's reason)."""

    __tablename__ = "sync_enrollment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    fingerprint: Mapped[str] = mapped_column(String(100), default="")
    office_name: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class SyncAttempt(Base):
    """One sync tried from this office (HTTP, USB export or USB answer import), with how it ended: the panel's
    "last sync", and the trail of attempts when someone asks why nothing arrived."""

    __tablename__ = "sync_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # http | usb_export | usb_import
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str] = mapped_column(String(60), default="")


# --- end sync panel --------------------------------------------------------------------------------------------
