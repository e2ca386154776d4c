"""Tables of the sync (issue 12). Same `Base` as db/models.py, so Alembic's metadata holds them.

Each part keeps its classes in one block under a heading, so that parts merge cleanly.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, utcnow

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
