"""The server's side of the exchange (sync-design.md "Wave 2"): a device's bundle applied with the conflict
rules in one transaction and answered with a signed receipt; the down bundle of a device's region (changes
since its cursor, or the region's snapshot on a first install); the USB answer file holding both.

The entity tables are written through SQLAlchemy Core so that the same code runs on PostgreSQL and on the
embedded SQLite (the laptop's sync/local_apply.py is SQLite-only bulk SQL): per entity, the held rows, their
change history and the referenced records are read in bulk and the writes go out as executemany statements.

Decided here:
- Upstream, a change's region (and region_before) must lie inside the device's region. A wider region (an
  ancestor: the province's `75`, the kabupaten of a kecamatan office) is accepted only for the records an office
  writes under a program of that wider region (`WIDER_REGION_ENTITIES`: a quota line, an SK's recipient, a
  realisasi, an aid record without a desa of their own). Anything else refuses the bundle whole
  (`region_outside`).
- Conflicts travel down as records of entity `sync_conflict` inside the ordinary down stream (a change_log row
  numbered like any change, sent by the server itself, `SERVER_DEVICE`): they reach every office whose region
  overlaps the record's in stream order, the office that caused them included, with no second channel to keep
  in step with the cursor.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Uuid,
    bindparam,
    case,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.i18n import N_
from app.uow import UnitOfWork
from db.bulk_copy import INTEGER_BOUNDS, insert_rows, postgresql_integer
from db.models import utcnow
from db.sync_models import BundleReceipt, ChangeLog, Device, DeviceStream, SyncConflict
from sync.answer import read_request_file, write_answer_file
from sync.bundle import (
    CHUNK_RECORDS,
    PROVINCE,
    BundleRefused,
    Signer,
    _read_ahead,
    open_bundle,
    write_bundle,
)
from sync.bundle import (
    MAGIC as BUNDLE_MAGIC,
)
from sync.bundle_file import _read_envelope
from sync.changes import DELETE, UPSERT, Change
from sync.conflicts import EntityRules, HeldRecord, Outcome, decide
from sync.entities import ENTITY_ORDER, ConflictClass, Entity, entities, region_sql
from sync.keys import DeviceKeys, encryption_public_key
from sync.receipts import APPLIED, DUPLICATE, REFUSED, ChangeAnswer, Receipt, sign_receipt
from sync.server.database import server_keys
from sync.server.identity import among as _among
from sync.server.identity import canonical_uid, identify
from sync.server.identity import parts as _parts
from sync.server.stream import last_stream_seq, log_and_number, take_stream_numbers
from sync.streams import StreamPosition, StreamVerdict, check_stream, down_stream, up_stream
from sync.values import encode_value, wire_decoder, wire_encoder

# The sender of the records the server itself writes to the stream (conflicts, their resolutions' echo).
SERVER_DEVICE = uuid.UUID(int=0)
CONFLICT_ENTITY = "sync_conflict"
# A conflict's uid follows from the change that raised it (one change raises at most one): an apply killed and
# run again, or a held bundle released, names the same conflict as an uninterrupted run would.
_CONFLICT_NAMESPACE = uuid.UUID("5d7f2a0e-3c1b-4e8a-9b6d-0f4c2e8a1b37")
DOWN_LIMIT = 50_000
# Applies of one bundle when each lost a race for a natural key to another office's bundle (apply_upload).
RACE_ATTEMPTS = 3
WIDER_REGION_ENTITIES = frozenset({"kuota_wilayah", "sk_penerima", "realisasi", "aid_recipient"})
# Records an office may move out of its region (a Dukcapil extract says the family moved): the change's
# region_before must be inside the office's region; the offices of the new region receive the record whole.
MOVABLE_ENTITIES = frozenset({"person", "household", "dtks_record"})
# realisasi: once written, only what marks it cancelled or superseded may change (issue 12).
REALISASI_MUTABLE = frozenset({"status", "dibatalkan_at", "dibatalkan_oleh", "alasan_batal"})


@dataclass(frozen=True)
class DownloadInfo:
    bundle_id: str  # "" when there was nothing to send (the cursor is already at the stream's head)
    seq_to: int
    records: int
    size: int
    hash: str = ""
    snapshot: bool = False


def _session(session_or_uow: Session | UnitOfWork) -> Session:
    return session_or_uow.session if isinstance(session_or_uow, UnitOfWork) else session_or_uow


def entity_rules(entity: Entity) -> EntityRules:
    """sync/entities.py's conflict class as sync/conflicts.py's rules."""
    return _rules_of(entity.name)


@cache
def _rules_of(name: str) -> EntityRules:
    entity = entities()[name]
    kind = entity.conflict_class
    if kind is ConflictClass.IDENTITY:
        return EntityRules(identity_fields=entity.identity_fields)
    if kind is ConflictClass.APPEND_ONLY:
        mutable = REALISASI_MUTABLE if entity.name == "realisasi" else frozenset()
        return EntityRules(append_only=True, mutable_fields=mutable)
    if kind is ConflictClass.STATE_MACHINE:
        return EntityRules(final_state=("status", "final"))
    return EntityRules()


# ------------------------------------------------------------------------------------------------ signers
def _signers(session: Session):
    def lookup(sender: str) -> Signer | None:
        try:
            device_uuid = uuid.UUID(sender)
        except ValueError:
            return None
        device = session.execute(
            select(Device.status, Device.signing_key).where(Device.uuid == device_uuid)
        ).first()
        if device is None or device.status == "pending":
            return None  # not approved: as unknown ("must be enrolled and approved first")
        from sync.keys import signing_public_key

        return Signer(signing_public_key(device.signing_key), revoked=device.status == "revoked")

    return lookup


def _envelope_bundle_id(data: bytes) -> str:
    """The bundle id of a file's clear envelope, for a refusal's receipt; "" when it cannot be read."""
    try:
        return str(_read_envelope(data[:4096])[2]["bundle_id"])
    except BundleRefused:
        return ""


def _refusal(
    keys: DeviceKeys, error: BundleRefused, *, bundle_id: str, bundle_hash: str, device: str
) -> bytes:
    receipt = Receipt(
        bundle_id=bundle_id,
        bundle_hash=bundle_hash,
        device=device,
        stream=up_stream(device) if device else "",
        verdict=REFUSED,
        accepted_seq=0,
        accepted_hash="",
        refusal_code=error.code,
        refusal_message=str(error),
        server_time=utcnow().isoformat(),
    )
    return sign_receipt(receipt, keys.signing)


def _region_outside(change: Change, device_region: str) -> BundleRefused:
    return BundleRefused(
        "region_outside",
        N_(
            "Paket memuat perubahan {entity} wilayah {region}, di luar wilayah perangkat ini ({own}). Paket "
            "ditolak seluruhnya; tidak ada data yang diterapkan. Hubungi admin provinsi."
        ),
        entity=change.entity,
        region=change.region,
        own=device_region,
    )


def _allowed(change: Change, region: str | None, device_region: str) -> bool:
    if not region or region.startswith(device_region):
        return True
    return change.entity in WIDER_REGION_ENTITIES and device_region.startswith(region)


def _checked_changes(records: list[dict[str, Any]], sender: str, seq_from: int, seq_to: int, region: str):
    changes = []
    for expected, record in enumerate(records, start=seq_from):
        try:
            change = Change.from_dict(record)
        except TypeError:
            change = None
        uid = canonical_uid(change.uid) if change is not None else None
        if (
            uid is None
            or change.device != sender
            or change.seq != expected
            or change.op not in (UPSERT, DELETE)
            or (change.entity not in entities() and change.entity != CONFLICT_ENTITY)
            or not isinstance(change.fields, dict)
        ):
            raise BundleRefused(
                "not_a_bundle",
                N_(
                    "Isi paket tidak sah (perubahan nomor {seq}). Paket ditolak; tidak ada data yang diterapkan."
                ),
                seq=expected,
            )
        region_before = change.region_before
        moving_out = (
            region_before is not None
            and change.entity in MOVABLE_ENTITIES
            and region_before.startswith(region)
        )
        if not (
            (moving_out or _allowed(change, change.region, region))
            and (region_before is None or _allowed(change, region_before, region))
        ):
            raise _region_outside(change, region)
        if uid != change.uid:  # the apply compares uids as text: each in its one canonical form
            change = replace(change, uid=uid)
        changes.append(change)
    if len(changes) != seq_to - seq_from + 1:
        raise BundleRefused(
            "not_a_bundle",
            N_("Paket menyebut perubahan {first}–{last} tetapi memuat {count}. Paket ditolak."),
            first=seq_from,
            last=seq_to,
            count=len(changes),
        )
    return changes


# ------------------------------------------------------------------------------------------------- upload
def _advisory_lock(session: Session, device: uuid.UUID) -> None:
    """One device's bundles apply one at a time (PostgreSQL; SQLite's writers are serial anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(device.bytes).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def apply_upload(session_or_uow: Session | UnitOfWork, bundle: bytes | str | os.PathLike[str]) -> bytes:
    """Applies a device's bundle in one transaction and returns the signed receipt (applied / duplicate with
    the stored receipt / refused: then nothing is written). Commits.

    On PostgreSQL two offices' bundles apply at once: one may look a NIK up while the other, registering the
    same person, has not committed yet, then find the NIK taken when it writes. The transaction is rolled back
    and the bundle applied again, which now sees the other's record and makes this office's its alias
    (sync/server/identity.py), instead of failing this sync and the office's next ones. Only a session that
    held none of the caller's work is applied again here: a caller's work (a held bundle's release) goes with
    the rollback, and that caller runs again whole (after_lost_races)."""
    session = _session(session_or_uow)
    data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
    return after_lost_races(
        lambda: _apply_upload_once(session, data), 1 if session.in_transaction() else RACE_ATTEMPTS
    )


_T = TypeVar("_T")


def after_lost_races(work: Callable[[], _T], attempts: int = RACE_ATTEMPTS) -> _T:
    """`work()`, run again (`attempts` times in all) while it fails only because another transaction got there
    first, so that running it again sees what that one committed: a unique violation (the same NIK registered
    at once), a deadlock (two families registered by both, in different orders), a serialization failure.
    psycopg raises them itself from a COPY; SQLAlchemy wraps them from a statement. The work rolls itself back."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as error:
            cause = getattr(error, "orig", None) or error
            if attempt == attempts or getattr(cause, "sqlstate", None) not in _RACE_STATES:
                raise
    raise AssertionError("unreachable")


_RACE_STATES = frozenset({"23505", "40P01", "40001"})


def _apply_upload_once(session: Session, data: bytes) -> bytes:
    keys = server_keys(session)
    header = None
    bundle_hash = ""
    try:
        opened = open_bundle(data, recipient="server", private_key=keys.encryption, signers=_signers(session))
        header, bundle_hash = opened.header, opened.hash
        device_uuid = uuid.UUID(header.sender)
        _advisory_lock(session, device_uuid)
        # Core reads and writes of the device's rows: ORM objects would cost the apply their flush
        device = session.execute(
            select(Device.id, Device.status, Device.region, Device.office_name).where(
                Device.uuid == device_uuid
            )
        ).one()
        if device.status != "approved":
            raise BundleRefused(
                "revoked_signer",
                N_("Perangkat {sender} belum disetujui atau sudah dicabut. Paket ditolak."),
                sender=header.sender,
            )
        streams = DeviceStream.__table__
        position = session.execute(
            select(streams.c.up_seq, streams.c.up_last_hash).where(streams.c.device_id == device.id)
        ).first()
        if position is None:
            session.execute(
                insert(streams).values(
                    device_id=device.id, up_seq=0, up_last_hash="", down_last_hash="", down_seq=0
                )
            )
        up_seq, up_last_hash = position if position is not None else (0, "")
        verdict = check_stream(
            header,
            bundle_hash,
            stream=up_stream(header.sender),
            position=StreamPosition(up_seq, up_last_hash),
        )
        if verdict is StreamVerdict.DUPLICATE:
            stored = session.get(BundleReceipt, bundle_hash)
            stored_receipt = stored.receipt if stored is not None else None
            session.rollback()
            if stored_receipt is not None:
                return stored_receipt
            return sign_receipt(
                Receipt(
                    header.bundle_id, bundle_hash, header.sender, header.stream, DUPLICATE,
                    up_seq, up_last_hash, server_time=utcnow().isoformat(),
                ),
                keys.signing,
            )  # fmt: skip
        changes = _checked_changes(
            opened.records, header.sender, header.seq_from, header.seq_to, device.region
        )
        identified = identify(session, device_uuid, device.region, changes)
        run = _ServerApply(session, device_uuid, device.office_name, not_held=identified.not_held)
        for seq in identified.key_taken:
            run.answers[seq] = ("refused", "natural_key_taken", None)
        for name, held_uid, region in identified.registered_again:
            run.restored[name, uuid.UUID(held_uid)] = (0, region)
        run.apply_all(_in_apply_order([c for c in identified.changes if c.seq not in identified.key_taken]))
        run.resolve_forward_references()
        session.execute(
            update(streams)
            .where(streams.c.device_id == device.id)
            .values(up_seq=header.seq_to, up_last_hash=bundle_hash)
        )
        answers = run.number_and_log()  # last: it holds the stream counter's lock until commit
        for seq, held_uid in identified.held_as.items():
            answers[seq] = replace(answers[seq], uid=held_uid)
        receipt = Receipt(
            bundle_id=header.bundle_id,
            bundle_hash=bundle_hash,
            device=header.sender,
            stream=header.stream,
            verdict=APPLIED,
            accepted_seq=header.seq_to,
            accepted_hash=bundle_hash,
            answers=tuple(answers[c.seq] for c in changes),
            server_time=utcnow().isoformat(),
        )
        signed = sign_receipt(receipt, keys.signing)
        session.execute(
            insert(BundleReceipt.__table__).values(
                bundle_hash=bundle_hash,
                bundle_id=uuid.UUID(header.bundle_id),
                device=device_uuid,
                receipt=signed,
            )
        )
        session.commit()
        return signed
    except BundleRefused as error:
        session.rollback()
        bundle_id = header.bundle_id if header is not None else _envelope_bundle_id(data)
        sender = header.sender if header is not None else ""
        return _refusal(keys, error, bundle_id=bundle_id, bundle_hash=bundle_hash, device=sender)
    except BaseException:
        session.rollback()
        raise


def _in_apply_order(changes: list[Change]) -> list[Change]:
    """Parents before children (a bundle lists changes in the order they were made, a child may come first
    when its parent was edited later); a record's own changes keep their order; conflicts' resolutions last."""
    order = {name: index for index, name in enumerate((*ENTITY_ORDER, CONFLICT_ENTITY))}
    return sorted(changes, key=lambda c: (order[c.entity], c.seq))


@dataclass
class _Logged:
    change: Change | None  # None: a record the server writes itself (a conflict)
    entity: str
    uid: str
    op: str
    fields: dict[str, Any]
    base: int
    region: str
    region_before: str | None
    device: uuid.UUID
    seq: int | None = None  # for SERVER_DEVICE rows: set to the stream number


@cache
def _value_plan(
    name: str, dialect: Dialect
) -> dict[str, tuple[Callable[[Any], Any] | None, int | None, tuple[int, int] | None]]:
    """Each travelling value column of `name`: its wire decoder (None: the wire value is the value), the length
    its text may have and the range its integer must lie in on `dialect`'s database (SQLite's INTEGER holds
    64 bits, whatever it is declared)."""
    table = entities()[name].table
    plan = {}
    for field_name in entities()[name].fields:
        column_type = table.c[field_name].type
        kind = column_type.dialect_impl(dialect)
        length = kind.length if isinstance(kind, String) and kind.length else None
        bounds = None
        if isinstance(kind, Integer):
            bounds = INTEGER_BOUNDS["int8" if dialect.name != "postgresql" else postgresql_integer(kind)]
        plan[field_name] = (wire_decoder(column_type), length, bounds)
    return plan


def _too_long(entity: Entity, name: str, value: str, limit: int) -> BundleRefused:
    # PostgreSQL would refuse it mid-apply (and SQLite keep it): the office is told which value. Spaces past
    # the length PostgreSQL trims, as it always did.
    return BundleRefused(
        "not_a_bundle",
        N_(
            "{field} data {entity} dalam paket terlalu panjang: '{value}' ({length} karakter, paling "
            "banyak {limit}). Perbaiki data itu lalu sinkronkan lagi; paket ditolak, tidak ada data yang "
            "diterapkan."
        ),
        field=name, entity=entity.name, value=value[:60], length=len(value), limit=limit,
    )  # fmt: skip


def _out_of_range(entity: Entity, name: str, value: Any, bounds: tuple[int, int]) -> BundleRefused:
    # A binary COPY would write it wrapped round (3,000,000,000 as -1,294,967,296), SQLite keep it
    return BundleRefused(
        "not_a_bundle",
        N_(
            "{field} data {entity} dalam paket harus bilangan bulat antara {low} dan {high}, bukan "
            "'{value}'. Perbaiki data itu lalu sinkronkan lagi; paket ditolak, tidak ada data yang "
            "diterapkan."
        ),
        field=name, entity=entity.name, value=str(value)[:60], low=bounds[0], high=bounds[1],
    )  # fmt: skip


@cache
def _required_columns(name: str) -> frozenset[str]:
    """What a new record of `name` cannot go without (no default of the model's, no server default)."""
    table = entities()[name].table
    return frozenset(
        c.name
        for c in table.columns
        if not c.nullable
        and c.name not in ("id", "uid", "updated_at", "origin_device")
        and c.default is None
        and c.server_default is None
    )


@dataclass
class _Writes:
    """One entity's pending writes, sent as a few executemany statements (rows of the same columns together)."""

    session: Session
    entity: Entity
    inserts: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def insert(self, values: dict[str, Any]) -> None:
        self.inserts[tuple(values)].append(values)  # `_write` gives a record's columns in the entity's order

    def update(self, uid: uuid.UUID, values: dict[str, Any]) -> None:
        self.updates[tuple(sorted(values))].append({"w_uid": uid, **{f"v_{k}": v for k, v in values.items()}})

    def flush(self) -> None:
        table = self.entity.table
        connection = self.session.connection()
        for rows in self.inserts.values():
            insert_rows(connection, table, rows)
        for columns, rows in self.updates.items():
            statement = (
                update(table)
                .where(table.c.uid == bindparam("w_uid"))
                .values({name: bindparam(f"v_{name}") for name in columns})
            )
            connection.execute(statement, rows)
        self.inserts.clear()
        self.updates.clear()


@dataclass
class _ServerApply:
    """A bundle's changes judged and written entity by entity: the current rows, their change history and the
    records their references name are read in bulk per entity, the writes go out as executemany statements.
    A record changed twice in one bundle is read again after its first write, so each change is judged
    against what the one before it left, as when they are applied one by one."""

    session: Session
    device: uuid.UUID
    office_name: str
    logged: list[_Logged] = field(default_factory=list)
    answers: dict[int, tuple[str, str, int | None]] = field(
        default_factory=dict
    )  # seq → (outcome, code, index)
    forward: list[tuple[Entity, uuid.UUID, str, str, str]] = field(default_factory=list)
    conflicts: list[tuple[SyncConflict, int]] = field(default_factory=list)  # row, index of its logged record
    # Records sent down whole once more as the server's, to every office of their region (`_send_restored_…`):
    # brought back from a delete, or registered again by another office (sync/server/identity.py) → (base, region)
    restored: dict[tuple[str, uuid.UUID], tuple[int, str]] = field(default_factory=dict)
    # seq → the record's version, for a change applied with nothing to write (same values): its answer
    unchanged_versions: dict[int, int | None] = field(default_factory=dict)
    now: datetime = field(default_factory=utcnow)
    # target table → {local id: uid text} / {uid text: local id}, filled by the bulk reads
    _uids: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    _ids: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    # uid text → UUID: each change's uid is needed as a UUID several times (reads, writes, its log row)
    _keys: dict[str, uuid.UUID] = field(default_factory=dict)
    # entity → uids the identification looked up and found not held (sync/server/identity.py): new records,
    # not looked for again
    not_held: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dialect = self.session.get_bind().dialect  # asked once, not for each change's values

    def key(self, uid: str) -> uuid.UUID:
        found = self._keys.get(uid)
        if found is None:
            found = self._keys[uid] = uuid.UUID(uid)
        return found

    # ------------------------------------------------------------------------------------------- reading
    def _rows(self, entity: Entity, uids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        table = entity.table
        found = {}
        for part in _parts(uids):
            for row in self.session.execute(
                select(table).where(_among(self.session, table.c.uid, part))
            ).mappings():
                found[row["uid"]] = dict(row)
        self._learn_uids(entity, found.values())
        return found

    def _histories(self, entity: Entity, uids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple]]:
        found: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for part in _parts(uids):
            query = select(
                ChangeLog.uid, ChangeLog.stream_seq, ChangeLog.device, ChangeLog.op, ChangeLog.fields
            ).where(ChangeLog.entity == entity.name, _among(self.session, ChangeLog.uid, part))
            for uid, *entry in self.session.execute(query):
                found[uid].append(tuple(entry))
        return found

    def _learn_uids(self, entity: Entity, rows) -> None:
        """The uids of the records these rows reference (for their wire form)."""
        wanted: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            for reference in entity.references:
                local_id = row[reference.column]
                target = row[reference.by] if reference.by else reference.target
                if local_id is not None and target and local_id not in self._uids[target]:
                    wanted[target].add(local_id)
        for target, ids in wanted.items():
            table = entities()[target].table
            for part in _parts(sorted(ids)):
                for local_id, uid in self.session.execute(
                    select(table.c.id, table.c.uid).where(_among(self.session, table.c.id, part))
                ):
                    self._uids[target][local_id] = str(uid)

    def _learn_ids(self, entity: Entity, changes: list[Change]) -> None:
        """The local ids of the records the changes' references name, where they are held already."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            for reference in entity.references:
                ref_uid = change.fields.get(reference.field)
                if isinstance(ref_uid, str):
                    for target in reference.targets if reference.by else (reference.target,):
                        wanted[target].add(ref_uid)
        for target, ref_uids in wanted.items():
            self._look_up_ids(target, ref_uids)

    def _look_up_ids(self, target: str, ref_uids: set[str]) -> None:
        table = entities()[target].table
        keys = []
        for ref_uid in ref_uids:
            try:
                keys.append(uuid.UUID(ref_uid))
            except ValueError:
                continue  # not a uid: no record has it (the reference stays unset, as a forward one)
        for part in _parts(sorted(keys)):
            for local_id, uid in self.session.execute(
                select(table.c.id, table.c.uid).where(_among(self.session, table.c.uid, part))
            ):
                self._ids[target][str(uid)] = local_id

    def _uid_of(self, target: str, local_id: int | None) -> str | None:
        if local_id is None or not target:
            return None
        known = self._uids[target].get(local_id)
        if known is None:
            table = entities()[target].table
            found = self.session.execute(select(table.c.uid).where(table.c.id == local_id)).scalar()
            if found is None:
                return None
            known = self._uids[target][local_id] = str(found)
        return known

    def wire(self, entity: Entity, row: Mapping[str, Any]) -> dict[str, Any]:
        """The record's travelling fields in their wire form."""
        columns = entity.table.c
        fields = {name: encode_value(columns[name].type, row[name]) for name in entity.fields}
        for reference in entity.references:
            target = row[reference.by] if reference.by else reference.target
            fields[reference.field] = self._uid_of(target, row[reference.column])
        return fields

    def _held(self, entity: Entity, change: Change, row: Mapping[str, Any], history) -> HeldRecord:
        version = max((seq for seq, *_ in history), default=0)
        changed: set[str] = set()
        deleted_since = False
        for seq, device, op, fields in history:
            # This device's own changes after its base are not "changed since": several local edits of one
            # record made before an answer all carry the same base.
            if seq > change.base and device != self.device:
                changed.update(fields or {})
                deleted_since |= op == DELETE
        return HeldRecord(
            version=version,
            fields=self.wire(entity, row),
            deleted=row["deleted_at"] is not None,
            changed_since_base=frozenset(changed),
            deleted_since_base=deleted_since,
        )

    # ------------------------------------------------------------------------------------------- writing
    def _values(self, entity: Entity, uid: uuid.UUID, fields: Mapping[str, Any], row) -> dict[str, Any]:
        plan = _value_plan(entity.name, self.dialect)
        values = {}
        try:
            # In the change's own order, each value decoded and checked in one pass (a bundle's changes come
            # from one laptop, in one order: their rows still go out together, `_Writes.insert`)
            for name, value in fields.items():
                spec = plan.get(name)
                if spec is None:
                    continue  # a reference (below), or not a travelling column
                if value is not None:
                    decode, length, bounds = spec
                    if decode is not None:
                        value = decode(value)
                    if length is not None:
                        if isinstance(value, str) and len(value.rstrip(" ")) > length:
                            raise _too_long(entity, name, value, length)
                    elif bounds is not None and (
                        type(value) is not int or not bounds[0] <= value <= bounds[1]
                    ):
                        raise _out_of_range(entity, name, value, bounds)
                values[name] = value
        except (ValueError, TypeError, ArithmeticError):
            raise BundleRefused(
                "not_a_bundle",
                N_(
                    "Nilai data {entity} dalam paket tidak sah. Paket ditolak; tidak ada data yang diterapkan."
                ),
                entity=entity.name,
            ) from None
        for reference in entity.references:
            if reference.field not in fields:
                continue
            ref_uid = fields[reference.field]
            if ref_uid is None:
                values[reference.column] = None
                continue
            target = reference.target
            if reference.by:
                target = values.get(reference.by) or (row[reference.by] if row is not None else None)
            local_id = self._ids[target].get(str(ref_uid)) if target else None
            if local_id is None:
                self.forward.append((entity, uid, reference.column, target or "", str(ref_uid)))
            values[reference.column] = local_id
        return values

    def _write(
        self, writes: _Writes, uid: uuid.UUID, row, apply_fields: dict[str, Any], delete: bool
    ) -> bool:
        """Queues the decision's write; False when a new record lacks what it cannot go without."""
        entity = writes.entity
        stamp = {"updated_at": self.now, "origin_device": self.device}
        if delete:
            writes.update(uid, {"deleted_at": self.now, **stamp})
            return True
        values = self._values(entity, uid, apply_fields, row)
        if row is None:
            if not _required_columns(entity.name) <= values.keys():
                return False
            writes.insert({"uid": uid, **values, **stamp})
        else:
            restore = {"deleted_at": None} if row["deleted_at"] is not None else {}
            writes.update(uid, {**values, **restore, **stamp})
        return True

    def _log(self, logged: _Logged) -> int:
        self.logged.append(logged)
        return len(self.logged) - 1

    # --------------------------------------------------------------------------------------------- apply
    def apply_all(self, changes: list[Change]) -> None:
        """`changes` in apply order (`_in_apply_order`): each entity's run of changes at once."""
        for name, group in groupby(changes, key=lambda c: c.entity):
            if name == CONFLICT_ENTITY:
                for change in group:
                    self._resolve_conflict(change)
            else:
                self._apply_entity(entities()[name], list(group))
        self._send_restored_to_their_office()

    def _send_restored_to_their_office(self) -> None:
        """The office that brought a deleted record back may still hold the values it lost with when it had
        accepted the delete, and is never sent its own changes: the record as the bundle left it goes down
        once more as the server's, to every office of its region, unless a later change deleted it again."""
        for (name, uid), (base, region) in self.restored.items():
            entity = entities()[name]
            row = self._rows(entity, [uid]).get(uid)
            if row is not None and row["deleted_at"] is None:
                fields = self.wire(entity, row)
                self._log(_Logged(None, name, str(uid), UPSERT, fields, base, region, None, SERVER_DEVICE))

    def _apply_entity(self, entity: Entity, changes: list[Change]) -> None:
        keys = [self.key(c.uid) for c in changes]
        not_held = self.not_held.get(entity.name, ())
        # In UUID order (the int's, compared in C rather than by UUID.__lt__)
        wanted = {key for key, change in zip(keys, changes, strict=True) if change.uid not in not_held}
        rows = self._rows(entity, sorted(wanted, key=attrgetter("int")))
        histories = self._histories(entity, sorted(rows))
        self._learn_ids(entity, changes)
        writes = _Writes(self.session, entity)
        touched: set[str] = set()  # by the uid's text: a UUID hashes in Python, a str in C
        for change, uid in zip(changes, keys, strict=True):
            if change.uid in touched:  # changed before in this bundle: judged against what that change left
                writes.flush()
                rows.pop(uid, None)
                rows.update(self._rows(entity, [uid]))
            touched.add(change.uid)
            row = rows.get(uid) if rows else None  # a bundle of new records holds none
            self._apply(writes, entity, change, uid, row, histories.get(uid, ()) if row is not None else ())
        writes.flush()

    def _apply(self, writes: _Writes, entity: Entity, change: Change, uid: uuid.UUID, row, history) -> None:
        held = self._held(entity, change, row, history) if row is not None else None
        decision = decide(
            entity_rules(entity), op=change.op, fields=change.fields, base=change.base, held=held
        )
        if decision.outcome is Outcome.REFUSED:
            self.answers[change.seq] = ("refused", decision.code, None)
            return
        index = None
        if decision.apply_fields or decision.delete:
            if not self._write(writes, uid, row, decision.apply_fields, decision.delete):
                self.answers[change.seq] = ("refused", "incomplete", None)
                return
            fields = {} if decision.delete else dict(decision.apply_fields)
            moved = change.region_before is not None and change.region_before != change.region
            if (moved or decision.code == "restored") and not decision.delete:
                # The offices it arrives in have never seen it (or hold it deleted, with the values it had when
                # their own update lost to the delete): they get it whole.
                writes.flush()
                fields = self.wire(entity, self._rows(entity, [uid])[uid])
            index = self._log(
                _Logged(
                    change, entity.name, change.uid, DELETE if decision.delete else UPSERT, fields,
                    change.base, change.region, change.region_before, self.device, change.seq,
                )
            )  # fmt: skip
            if decision.code == "restored" and not decision.delete:
                self.restored[entity.name, uid] = (change.base, change.region)
        if decision.outcome is Outcome.CONFLICT:
            self._conflict(entity, change, decision, held)
            self.answers[change.seq] = ("conflict", decision.code, index)
        else:
            self.answers[change.seq] = ("applied", decision.code, index if index is not None else -1)
            if index is None:
                self.unchanged_versions[change.seq] = held.version if held is not None else None

    def _conflict(self, entity: Entity, change: Change, decision, held: HeldRecord | None) -> None:
        conflict_uid = uuid.uuid5(_CONFLICT_NAMESPACE, f"{change.device}:{change.seq}")
        mine = {name: pair[0] for name, pair in decision.conflicting.items()}
        theirs = {name: pair[1] for name, pair in decision.conflicting.items()}
        username = str(change.fields.get("username") or change.fields.get("dibuat_oleh") or self.office_name)
        row = SyncConflict(
            entity=entity.name,
            uid=uuid.UUID(change.uid),
            base=change.base,
            mine=mine,
            theirs=theirs,
            kind=decision.code,
            device=self.device,
            seq=change.seq,
            username=username[:60],
            state="open",
            conflict_uid=conflict_uid,
            region=change.region,
        )
        self.session.add(row)
        index = self._log(
            _Logged(
                None, CONFLICT_ENTITY, str(conflict_uid), UPSERT, {}, 0, change.region, None, SERVER_DEVICE
            )
        )
        self.conflicts.append((row, index))

    def _resolve_conflict(self, change: Change) -> None:
        """An office resolved a conflict (its record's change came in the same or an earlier bundle)."""
        row = self.session.scalars(
            select(SyncConflict).where(SyncConflict.conflict_uid == uuid.UUID(change.uid))
        ).first()
        if row is None:
            self.answers[change.seq] = ("refused", "unknown_conflict", None)
            return
        if row.state != "resolved":
            row.state = "resolved"
            row.resolution = change.fields.get("resolution")
            row.resolved_by = str(change.fields.get("resolved_by", ""))[:60]
            row.resolved_at = utcnow()
        index = self._log(
            _Logged(None, CONFLICT_ENTITY, change.uid, UPSERT, {}, 0, row.region, None, SERVER_DEVICE)
        )
        self.conflicts.append((row, index))
        self.answers[change.seq] = ("applied", "", index)

    def resolve_forward_references(self) -> None:
        by_target: dict[str, set[str]] = defaultdict(set)
        for _entity, _uid, _column, target, ref_uid in self.forward:
            if target:
                by_target[target].add(ref_uid)
        for target, ref_uids in by_target.items():
            self._look_up_ids(target, ref_uids - self._ids[target].keys())
        found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for entity, uid, column, target, ref_uid in self.forward:
            local_id = self._ids[target].get(ref_uid) if target else None
            if local_id is not None:
                found[entity.name, column].append({"w_uid": uid, "w_id": local_id})
        for (name, column), rows in found.items():
            table = entities()[name].table
            statement = (
                update(table).where(table.c.uid == bindparam("w_uid")).values({column: bindparam("w_id")})
            )
            self.session.connection().execute(statement, rows)

    def number_and_log(self) -> dict[int, ChangeAnswer]:
        """Writes the change log of what was written and numbers it; the answers per change seq. Everything
        else is ready before the numbers are taken: from then on every other writer waits until the commit
        (sync/server/stream.py)."""
        self.session.flush()
        for row, index in self.conflicts:
            self.logged[index].fields = conflict_fields(row)
        rows = [
            {
                "device": logged.device,
                "seq": logged.seq if logged.device != SERVER_DEVICE else 0,
                "entity": logged.entity,
                "uid": self.key(logged.uid),
                "op": logged.op,
                "fields": logged.fields,
                "base": logged.base,
                "region": logged.region,
                "region_before": logged.region_before,
                "received_at": self.now,
            }
            for logged in self.logged
        ]
        numbers = log_and_number(self.session, rows, numbered_seq=SERVER_DEVICE)
        answers = {}
        for seq, (outcome, code, index) in self.answers.items():
            if index is not None and index >= 0:
                stream_seq = numbers[index]
            elif outcome == "applied":
                stream_seq = self.unchanged_versions.get(seq)
            else:
                stream_seq = None
            answers[seq] = ChangeAnswer(seq, outcome, stream_seq, code)
        return answers


def conflict_fields(row: SyncConflict) -> dict[str, Any]:
    """A conflict as it travels (entity `sync_conflict`)."""
    return {
        "entity": row.entity,
        "uid": str(row.uid),
        "base": row.base,
        "mine": row.mine,
        "theirs": row.theirs,
        "kind": row.kind,
        "device": str(row.device),
        "seq": row.seq,
        "username": row.username,
        "state": row.state,
        "resolution": row.resolution,
        "resolved_by": row.resolved_by,
        "region": row.region,
    }


# ----------------------------------------------------------------------------------------------- download
def _overlapping(column, region: str):
    return or_(column.startswith(region), literal(region, String).startswith(column))


def _log_records(session: Session, device: uuid.UUID, region: str, since: int, head: int, limit: int):
    """(records, seq_to): the change log after `since` for the region, the device's own left out."""
    query = (
        select(ChangeLog)
        .where(
            ChangeLog.stream_seq > since,
            ChangeLog.stream_seq <= head,
            ChangeLog.device != device,
            or_(_overlapping(ChangeLog.region, region), _overlapping(ChangeLog.region_before, region)),
        )
        .order_by(ChangeLog.stream_seq)
        .limit(limit)
    )
    rows = session.scalars(query).all()
    seq_to = rows[-1].stream_seq if len(rows) == limit else head
    records = [
        {
            "device": str(row.device) if row.device != SERVER_DEVICE else "server",
            "seq": row.seq,
            "entity": row.entity,
            "uid": str(row.uid),
            "op": row.op,
            "fields": row.fields or {},
            "base": row.base,
            "region": row.region,
            "region_before": row.region_before,
            "at": row.received_at.isoformat() if row.received_at else "",
            "server_seq": row.stream_seq,
        }
        for row in rows
    ]
    return records, seq_to


_SNAPSHOT_BATCH = 5_000  # rows a fetch: two batches in memory at a time (the read-ahead)


def _snapshot_records(session: Session, region: str) -> Iterator[bytes | dict[str, Any]]:
    """Every live synced record of the region, whole, parents first; then the references that point forward
    (to a record later in this order: an SK amending a later one, a list's last run) again on their own, so
    that they resolve whichever chunk their target came in; then the region's open conflicts. Each entity's
    deleted records follow its live ones, as deletes (`_snapshot_deletes`).

    One streamed query per entity (bounded memory) carries each row's region, version and the uids its
    references name, so that no record costs a lookup of its own. A record comes as its JSON line (bytes, see
    `_whole_lines`), or as a dict where the bundle's standard encoder must write it."""
    forward: list[bytes | dict[str, Any]] = []
    connection = session.connection()
    wire_text = connection.dialect.name == "postgresql"
    if wire_text:
        # The planner cannot tell how many rows the region's filter keeps and sorts the whole region by id
        # before it gives the first row (7 s of 1.2M people, spilled to disk, the encoding idle meanwhile);
        # read along the primary key instead, the rows come as they are worked out, in the same order.
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
    for entity in entities().values():
        names, batches = _row_batches(connection, _snapshot_query(entity, region, wire_text))
        yield from _whole_lines(entity, names, batches, forward, wire_text)
        yield from _snapshot_deletes(session, entity.name, region)
    if wire_text:
        connection.exec_driver_sql("SET LOCAL enable_sort = on")
    yield from forward
    yield from _open_conflicts(session, region)


def _row_batches(connection, query) -> tuple[list[str], Iterator[Sequence[Sequence[Any]]]]:
    """(column names, batches of rows) of `query`, streamed from a server-side cursor (bounded memory).

    On PostgreSQL through psycopg's own named cursor on the session's connection (its transaction, its view):
    plain tuples at half the CPU of SQLAlchemy's rows, which the snapshot's 1.5M rows feel. Elsewhere through
    Core on the session's connection (not Session.execute: no ORM loading per row)."""
    if connection.dialect.name != "postgresql":
        result = connection.execute(query.execution_options(yield_per=_SNAPSHOT_BATCH))
        return list(result.keys()), result.partitions()
    compiled = query.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor(name=f"snapshot_{uuid.uuid4().hex}")
    try:
        cursor.itersize = _SNAPSHOT_BATCH
        cursor.execute(str(compiled), compiled.params)
        names = [column.name for column in cursor.description]
    except BaseException:
        cursor.close()
        raise

    def batches() -> Iterator[Sequence[Sequence[Any]]]:
        try:
            while rows := cursor.fetchmany(_SNAPSHOT_BATCH):
                yield rows
        finally:
            cursor.close()

    return names, batches()


def _snapshot_deletes(session: Session, name: str, region: str) -> Iterator[bytes]:
    """The region's deleted records, as deletes: an office's first pull may come after it sent records of its
    own that another office has deleted since — without these it would keep them. A fresh copy skips them."""
    region_expr = region_sql(name, "t", f"'{PROVINCE}'")
    query = text(
        f"SELECT t.uid, {region_expr} AS region, (SELECT max(c.stream_seq) FROM change_log c "
        f"WHERE c.entity = :entity AND c.uid = t.uid) AS version FROM {name} t WHERE t.deleted_at IS NOT NULL "
        f"AND ({region_expr} LIKE :prefix OR :region LIKE ({region_expr} || '%')) ORDER BY t.id"
    ).bindparams(prefix=f"{region}%", region=region, entity=name)
    for uid, record_region, version in session.execute(query):
        yield orjson.dumps({
            "device": "server", "seq": 0, "entity": name, "uid": str(uuid.UUID(str(uid))), "op": DELETE,
            "fields": {}, "base": version or 0, "region": record_region or "", "region_before": None, "at": "",
            "server_seq": version or 0,
        })  # fmt: skip


# PostgreSQL's text of a moment in its wire form (sync/values.py DATETIME_FORMAT).
_PG_MOMENT = """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'"""


def _pg_wire_text(expression: str, kind) -> str | None:
    """PostgreSQL SQL for the wire text of a UUID or a moment, given as the column's SQL `expression`; None
    for the other types. Parsed into Python objects and formatted again, a row's UUIDs and moments cost the
    snapshot more than the rest of its record; the database writes their text for next to nothing."""
    if isinstance(kind, Uuid):
        return f"CAST({expression} AS TEXT)"
    if isinstance(kind, DateTime):
        moment = f"({expression} AT TIME ZONE 'UTC')" if kind.timezone else expression
        return f"to_char({moment}, {_PG_MOMENT})"
    return None


def _wire_column(column, label: str, wire_text: bool):
    """`column` (of the alias of its table) selected as `label`, as its wire text where `wire_text`."""
    sql = _pg_wire_text(f"{column.table.name}.{column.name}", column.type) if wire_text else None
    return literal_column(sql, String).label(label) if sql else column.label(label)


def _snapshot_query(entity: Entity, region: str, wire_text: bool = False):
    """The region's live records of `entity`: the travelling fields, uid, origin_device, the region, the
    version and each reference's uid (`_ref_<column>`). `wire_text` (PostgreSQL): UUIDs and moments selected
    as their wire text (`_pg_wire_text`)."""
    t = entity.table.alias("t")
    region_expr = region_sql(entity.name, "t", f"'{PROVINCE}'")
    version = (
        select(func.max(ChangeLog.stream_seq))
        .where(ChangeLog.entity == entity.name, ChangeLog.uid == t.c.uid)
        .scalar_subquery()
    )
    references = []
    for reference in entity.references:
        if reference.by:
            cases = []
            for target in reference.targets:
                r = entities()[target].table.alias(f"r_{target}")
                uid = select(_wire_column(r.c.uid, "uid", wire_text)).where(r.c.id == t.c[reference.column])
                cases.append((t.c[reference.by] == target, uid.scalar_subquery()))
            references.append(case(*cases).label(f"_ref_{reference.column}"))
        else:
            r = entities()[reference.target].table.alias(f"r_{reference.column}")
            uid = select(_wire_column(r.c.uid, "uid", wire_text)).where(r.c.id == t.c[reference.column])
            references.append(uid.scalar_subquery().label(f"_ref_{reference.column}"))
    columns = ("uid", "origin_device", *entity.fields)
    return (
        select(
            *(_wire_column(t.c[name], name, wire_text) for name in columns),
            literal_column(region_expr).label("_region"),
            version.label("_version"),
            *references,
        )
        .where(
            t.c.deleted_at.is_(None),
            text(f"({region_expr} LIKE :prefix OR :region LIKE ({region_expr} || '%'))").bindparams(
                prefix=f"{region}%", region=region
            ),
        )
        .order_by(t.c.id)
    )


class _NotPlainJson(Exception):
    """A value orjson would write otherwise than the standard encoder (a float's NaN or infinity)."""


def _finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise _NotPlainJson
    return number


@cache
def _encoders(name: str, wire_text: bool) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """(field, the function giving its wire form from a non-null stored value; None when orjson writes the
    selected value as its wire form itself: text, integers, booleans, JSON documents, UUIDs, dates, and the
    wire text `_snapshot_query` selects)."""
    columns = entities()[name].table.c
    found = []
    for field_name in entities()[name].fields:
        kind = columns[field_name].type
        if (wire_text and _pg_wire_text("x", kind) is not None) or (
            isinstance(kind, String | JSON | Integer | Boolean | Uuid)
            or (isinstance(kind, Date) and not isinstance(kind, DateTime))
        ):
            found.append((field_name, None))
        elif isinstance(kind, Float):
            found.append((field_name, _finite))
        else:
            found.append((field_name, wire_encoder(kind)))
    return tuple(found)


def _whole_lines(
    entity: Entity,
    names: list[str],
    batches: Iterator[Sequence[Sequence[Any]]],
    forward: list[bytes | dict[str, Any]],
    wire_text: bool,
) -> Iterator[bytes | dict[str, Any]]:
    """The JSON line of each row of `entity`'s snapshot query; its forward references appended to `forward`.

    The hot loop of a region's snapshot (1.5M records): rows read as tuples by position, each field's encoder
    chosen once (`_encoders`), the line written by orjson, which writes UUIDs and dates in their wire form
    itself. A row orjson would write otherwise than the standard encoder (a float's NaN, a lone surrogate)
    comes as the dict `_record` makes, for the bundle's standard encoder: the same record either way."""
    index = {key: position for position, key in enumerate(names)}
    encoders = _encoders(entity.name, wire_text)
    columns = [(name, index[name]) for name, _ in encoders]
    encoded = [(name, index[name], encode) for name, encode in encoders if encode is not None]
    references = [(r.field, index[f"_ref_{r.column}"]) for r in entity.references]
    moved = _forward_fields(entity.name)
    uid_at, device_at = index["uid"], index["origin_device"]
    region_at, version_at = index["_region"], index["_version"]
    name = entity.name
    dumps = orjson.dumps
    # The next rows are fetched on a second thread while these are written (PostgreSQL works out a row in
    # its own process, and the fetch releases the GIL while it waits): the query's time hides behind the
    # encoding's. The connection is used by that thread alone until the rows run out.
    for rows in _read_ahead(batches):
        for row in rows:
            try:
                fields = {field: row[at] for field, at in columns}
                for field, at, encode in encoded:
                    value = row[at]
                    if value is not None:
                        fields[field] = encode(value)
                for field, at in references:
                    fields[field] = row[at]
                version = row[version_at] or 0
                record: dict[str, Any] = {
                    "device": row[device_at] or "server", "seq": 0, "entity": name, "uid": row[uid_at],
                    "op": UPSERT, "fields": fields, "base": version, "region": row[region_at] or "",
                    "region_before": None, "at": "", "server_seq": version,
                }  # fmt: skip
                line: bytes | dict[str, Any] = dumps(record)
            except (_NotPlainJson, orjson.JSONEncodeError):
                record = _record(entity, row, index, wire_text)
                line = record
            if moved:
                forward.extend(_forward_references(entity, record, as_line=line is not record))
            yield line


def _record(entity: Entity, row, index: Mapping[str, int], wire_text: bool) -> dict[str, Any]:
    """A snapshot row as the JSON-safe dict of its record, for the standard encoder (a float as it is)."""
    columns = entity.table.c
    fields = {}
    for name, encode in _encoders(entity.name, wire_text):
        value = row[index[name]]
        if value is not None and encode is not None:
            value = float(value) if encode is _finite else encode(value)
        elif value is not None:
            value = encode_value(columns[name].type, value) if not isinstance(value, str) else value
        fields[name] = value
    for reference in entity.references:
        uid = row[index[f"_ref_{reference.column}"]]
        fields[reference.field] = str(uid) if uid is not None else None
    version = row[index["_version"]] or 0
    device = row[index["origin_device"]]
    return {
        "device": str(device) if device else "server", "seq": 0, "entity": entity.name,
        "uid": str(row[index["uid"]]), "op": UPSERT, "fields": fields, "base": version,
        "region": row[index["_region"]] or "", "region_before": None, "at": "", "server_seq": version,
    }  # fmt: skip


@cache
def _forward_fields(name: str) -> tuple[str, ...]:
    """The reference fields of `name` whose target comes at or after it in the snapshot's order."""
    position = {entity: index for index, entity in enumerate(ENTITY_ORDER)}
    found = []
    for reference in entities()[name].references:
        targets = reference.targets if reference.by else (reference.target,)
        if any(position[target] >= position[name] for target in targets):
            found.append(reference.field)
    return tuple(found)


def _forward_references(
    entity: Entity, record: dict[str, Any], *, as_line: bool
) -> Iterator[bytes | dict[str, Any]]:
    """The record once more with only its forward references; as its orjson line when the record's own went
    that way (its values may be UUIDs, which the standard encoder refuses), else as the dict."""
    fields = {name: record["fields"][name] for name in _forward_fields(entity.name) if record["fields"][name]}
    if fields:
        again = record | {"fields": fields}
        yield orjson.dumps(again) if as_line else again


def _open_conflicts(session: Session, region: str) -> Iterator[dict[str, Any]]:
    """The region's unresolved conflicts as they travel down (entity `sync_conflict`), at their version."""
    rows = session.scalars(
        select(SyncConflict)
        .where(SyncConflict.state == "open", _overlapping(SyncConflict.region, region))
        .order_by(SyncConflict.id)
    ).all()
    versions = dict(
        session.execute(
            select(ChangeLog.uid, func.max(ChangeLog.stream_seq))
            .where(
                ChangeLog.entity == CONFLICT_ENTITY,
                ChangeLog.uid.in_([row.conflict_uid for row in rows if row.conflict_uid is not None]),
            )
            .group_by(ChangeLog.uid)
        ).all()
    )
    for row in rows:
        if row.conflict_uid is None:
            continue
        version = versions.get(row.conflict_uid, 0)
        yield {
            "device": "server",
            "seq": version,
            "entity": CONFLICT_ENTITY,
            "uid": str(row.conflict_uid),
            "op": UPSERT,
            "fields": conflict_fields(row),
            "base": 0,
            "region": row.region,
            "region_before": None,
            "at": "",
            "server_seq": version,
        }


def _region_holds_records(session: Session, region: str) -> bool:
    return any(
        session.execute(_snapshot_query(entity, region).limit(1)).first() is not None
        for entity in entities().values()
    )


def _number_first_snapshot(session: Session, device: uuid.UUID) -> None:
    """Gives the stream its first number when a first install meets an empty stream in a region that holds
    records (people loaded without change capture: a registry imported straight into the server's database, a
    server seeded from a dump). The snapshot must name a cursor of at least 1: a bundle carries a non-empty
    range of numbers, and a laptop whose cursor stayed at 0 would take the snapshot again at every pull. The
    number is given to no change: a region's stream has gaps anyway (the numbering is the province's), and
    `_log_records` reads by range. Taken and committed on its own, before the snapshot's view opens, so the
    counter's lock is not held while a snapshot of 1.2M people is written."""
    try:
        region = session.scalar(
            select(Device.region).where(Device.uuid == device, Device.status == "approved")
        )
        if region is not None and last_stream_seq(session) == 0 and _region_holds_records(session, region):
            take_stream_numbers(session, 1)
            session.commit()
    finally:
        session.rollback()


def build_download(
    session_or_uow: Session | UnitOfWork,
    device: uuid.UUID,
    since: int,
    prev_hash: str,
    limit: int,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    chunk_records: int = CHUNK_RECORDS,
) -> DownloadInfo:
    """Writes to `target` the down bundle of `device`: the changes of its region numbered after `since`
    (at most `limit`), or its region's snapshot when `since` is 0 (a first install, whatever the stream holds:
    `_number_first_snapshot`). Nothing is written when the cursor is already at the stream's head (bundle_id
    ""). Commits (the device's down cursor)."""
    session = _session(session_or_uow)
    records: Any = ()
    try:
        if since == 0:
            _number_first_snapshot(session, device)
        if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
            # The snapshot and the head it names must be one consistent view.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        row = session.scalars(select(Device).where(Device.uuid == device)).first()
        if row is None or row.status != "approved":
            raise BundleRefused(
                "unknown_signer",
                N_("Perangkat {device} tidak terdaftar atau belum disetujui; tidak ada data yang dikirim."),
                device=str(device),
            )
        head = last_stream_seq(session)
        if head <= since:
            session.rollback()
            return DownloadInfo("", since, 0, 0)
        snapshot = since == 0
        if snapshot:
            records = _snapshot_records(session, row.region)
            seq_to = head
        else:
            records, seq_to = _log_records(session, device, row.region, since, head, limit)
        keys = server_keys(session)
        written = write_bundle(
            target,
            records,
            sender="server",
            recipient=str(device),
            region=row.region,
            stream=down_stream(str(device)),
            seq_from=since + 1,
            seq_to=seq_to,
            prev_hash=prev_hash,
            signing_key=keys.signing,
            recipient_key=encryption_public_key(row.encryption_key),
            chunk_records=chunk_records,
        )
        stream = session.get(DeviceStream, row.id)
        if stream is not None:
            stream.down_seq = seq_to
            stream.down_last_hash = written.hash
        session.commit()
        return DownloadInfo(
            written.header.bundle_id, seq_to, written.header.records, written.size, written.hash, snapshot
        )
    except BaseException:
        if isinstance(records, Generator):
            # A snapshot's rows may be in a fetch on a second thread, from a cursor of this transaction:
            # stopped and closed now, before the connection goes back to the pool. Closed later (by the
            # collector, once the error is dropped) it would send its CLOSE into whichever transaction holds
            # the connection then, and break it.
            records.close()
        session.rollback()
        raise


# -------------------------------------------------------------------------------------------- USB answer
def answer_file(
    session_or_uow: Session | UnitOfWork,
    usb_file: bytes | str | os.PathLike[str],
    out: str | os.PathLike[str],
    limit: int = DOWN_LIMIT,
) -> Receipt | None:
    """`ejps server import FILE --answer OUT`: applies the bundle of a laptop's USB file (sync/answer.py), then
    writes the answer file: the signed receipt and the device's down bundle from the cursor the file states.
    A bare bundle file is accepted too (its down bundle then continues the last one made for the device).
    Returns the receipt (None when the file carried no bundle); BundleRefused for a file that is neither."""
    from sync.receipts import open_receipt

    session = _session(session_or_uow)
    data = usb_file if isinstance(usb_file, bytes) else Path(usb_file).read_bytes()
    if data.startswith(BUNDLE_MAGIC):
        request = None
        bundle = data
    else:
        request = read_request_file(data)
        bundle = request.bundle
    signed = apply_upload(session, bundle) if bundle else b""
    keys = server_keys(session)
    receipt = None
    if signed:
        receipt = open_receipt(signed, server_key=keys.public().signing, device=_receipt_device(signed))
    session.rollback()
    device_text = request.device if request is not None else (receipt.device if receipt else "")
    down = io.BytesIO()
    if device_text:
        device = uuid.UUID(device_text)
        if request is not None:
            since, prev_hash = request.since, request.prev_hash
        else:
            row = session.scalars(select(Device).where(Device.uuid == device)).first()
            stream = session.get(DeviceStream, row.id) if row is not None else None
            since, prev_hash = (stream.down_seq, stream.down_last_hash) if stream is not None else (0, "")
            session.rollback()
        try:
            build_download(session, device, since, prev_hash, limit, down)
        except BundleRefused:
            down = io.BytesIO()  # a device not (or no longer) approved gets its refusal, and no data
    write_answer_file(out, signed, down.getvalue())
    return receipt


def _receipt_device(signed: bytes) -> str:
    import json

    from sync.bundle import SIGNATURE_SIZE
    from sync.receipts import MAGIC

    return str(json.loads(signed[len(MAGIC) : -SIGNATURE_SIZE])["device"])
