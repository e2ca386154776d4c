"""The server's side of the exchange (sync-design.md "Wave 2"): a device's bundle applied with the conflict
rules in one transaction and answered with a signed receipt; the down bundle of a device's region (changes
since its cursor, or the region's snapshot on a first install); the USB answer file holding both.

The entity tables are written through SQLAlchemy Core, record by record, so that the same code runs on
PostgreSQL and on the embedded SQLite (the laptop's sync/local_apply.py is SQLite-only bulk SQL).

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
import os
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import String, func, insert, literal, or_, select, text, update
from sqlalchemy.orm import Session

from app.i18n import N_
from app.uow import UnitOfWork
from db.models import utcnow
from db.sync_models import BundleReceipt, ChangeLog, Device, DeviceStream, SyncConflict
from sync.answer import read_request_file, write_answer_file
from sync.bundle import (
    CHUNK_RECORDS,
    PROVINCE,
    BundleRefused,
    Signer,
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
from sync.server.stream import last_stream_seq, take_stream_numbers
from sync.streams import StreamPosition, StreamVerdict, check_stream, down_stream, up_stream
from sync.values import decode_fields, encode_value

# The sender of the records the server itself writes to the stream (conflicts, their resolutions' echo).
SERVER_DEVICE = uuid.UUID(int=0)
CONFLICT_ENTITY = "sync_conflict"
DOWN_LIMIT = 50_000
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
        device = session.scalars(select(Device).where(Device.uuid == device_uuid)).first()
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
        if (
            change is None
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
        moving_out = (
            change.entity in MOVABLE_ENTITIES
            and change.region_before is not None
            and change.region_before.startswith(region)
        )
        if not (
            (moving_out or _allowed(change, change.region, region))
            and _allowed(change, change.region_before, region)
        ):
            raise _region_outside(change, region)
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
    the stored receipt / refused: then nothing is written). Commits."""
    session = _session(session_or_uow)
    data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
    keys = server_keys(session)
    header = None
    bundle_hash = ""
    try:
        opened = open_bundle(data, recipient="server", private_key=keys.encryption, signers=_signers(session))
        header, bundle_hash = opened.header, opened.hash
        device_uuid = uuid.UUID(header.sender)
        _advisory_lock(session, device_uuid)
        device = session.scalars(select(Device).where(Device.uuid == device_uuid)).one()
        if device.status != "approved":
            raise BundleRefused(
                "revoked_signer",
                N_("Perangkat {sender} belum disetujui atau sudah dicabut. Paket ditolak."),
                sender=header.sender,
            )
        stream = session.get(DeviceStream, device.id)
        if stream is None:
            stream = DeviceStream(
                device_id=device.id, up_seq=0, up_last_hash="", down_last_hash="", down_seq=0
            )
            session.add(stream)
            session.flush()
        verdict = check_stream(
            header,
            bundle_hash,
            stream=up_stream(header.sender),
            position=StreamPosition(stream.up_seq, stream.up_last_hash),
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
                    stream.up_seq, stream.up_last_hash, server_time=utcnow().isoformat(),
                ),
                keys.signing,
            )  # fmt: skip
        changes = _checked_changes(
            opened.records, header.sender, header.seq_from, header.seq_to, device.region
        )
        run = _ServerApply(session, device_uuid, device.office_name)
        for change in _in_apply_order(changes):
            run.apply(change)
        run.resolve_forward_references()
        stream.up_seq = header.seq_to
        stream.up_last_hash = bundle_hash
        answers = run.number_and_log()  # last: it holds the stream counter's lock until commit
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
        session.add(
            BundleReceipt(
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


@dataclass
class _ServerApply:
    session: Session
    device: uuid.UUID
    office_name: str
    logged: list[_Logged] = field(default_factory=list)
    answers: dict[int, tuple[str, str, int | None]] = field(
        default_factory=dict
    )  # seq → (outcome, code, index)
    forward: list[tuple[Entity, str, str, str, str]] = field(default_factory=list)
    conflicts: list[tuple[SyncConflict, int]] = field(default_factory=list)  # row, index of its logged record
    # seq → the record's version, for a change applied with nothing to write (same values): its answer
    unchanged_versions: dict[int, int | None] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------------- reading
    def _row(self, entity: Entity, uid: uuid.UUID) -> Mapping[str, Any] | None:
        return self.session.execute(select(entity.table).where(entity.table.c.uid == uid)).mappings().first()

    def _uid_of(self, target: str, local_id: int | None) -> str | None:
        if local_id is None or not target:
            return None
        table = entities()[target].table
        found = self.session.execute(select(table.c.uid).where(table.c.id == local_id)).scalar()
        return str(found) if found is not None else None

    def _id_of(self, target: str, ref_uid: str) -> int | None:
        table = entities()[target].table
        return self.session.execute(select(table.c.id).where(table.c.uid == uuid.UUID(ref_uid))).scalar()

    def wire(self, entity: Entity, row: Mapping[str, Any]) -> dict[str, Any]:
        """The record's travelling fields in their wire form."""
        columns = entity.table.c
        fields = {name: encode_value(columns[name].type, row[name]) for name in entity.fields}
        for reference in entity.references:
            target = row[reference.by] if reference.by else reference.target
            fields[reference.field] = self._uid_of(target, row[reference.column])
        return fields

    def _held(self, entity: Entity, change: Change, row: Mapping[str, Any]) -> HeldRecord:
        history = self.session.execute(
            select(ChangeLog.stream_seq, ChangeLog.device, ChangeLog.op, ChangeLog.fields).where(
                ChangeLog.entity == entity.name, ChangeLog.uid == row["uid"]
            )
        ).all()
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
    def _values(self, entity: Entity, uid: str, fields: Mapping[str, Any], row) -> dict[str, Any]:
        plain = {name: fields[name] for name in entity.fields if name in fields}
        try:
            values = decode_fields(entity.table, plain)
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
            local_id = self._id_of(target, ref_uid) if target else None
            if local_id is None:
                self.forward.append((entity, uid, reference.column, target or "", ref_uid))
            values[reference.column] = local_id
        return values

    def _write(self, entity: Entity, change: Change, row, apply_fields: dict[str, Any], delete: bool) -> bool:
        """Writes the decision; False when a new record lacks what it cannot go without."""
        table = entity.table
        uid = uuid.UUID(change.uid)
        stamp = {"updated_at": utcnow(), "origin_device": self.device}
        if delete:
            self.session.execute(update(table).where(table.c.uid == uid).values(deleted_at=utcnow(), **stamp))
            return True
        values = self._values(entity, change.uid, apply_fields, row)
        if row is None:
            required = {
                c.name
                for c in table.columns
                if not c.nullable
                and c.name not in ("id", "uid")
                and c.default is None
                and c.server_default is None
            }
            required -= set(stamp)
            if not required <= values.keys():
                return False
            self.session.execute(insert(table).values(uid=uid, **values, **stamp))
        else:
            restore = {"deleted_at": None} if row["deleted_at"] is not None else {}
            self.session.execute(update(table).where(table.c.uid == uid).values(**values, **restore, **stamp))
        return True

    def _log(self, logged: _Logged) -> int:
        self.logged.append(logged)
        return len(self.logged) - 1

    # --------------------------------------------------------------------------------------------- apply
    def apply(self, change: Change) -> None:
        if change.entity == CONFLICT_ENTITY:
            self._resolve_conflict(change)
            return
        entity = entities()[change.entity]
        row = self._row(entity, uuid.UUID(change.uid))
        held = self._held(entity, change, row) if row is not None else None
        decision = decide(
            entity_rules(entity), op=change.op, fields=change.fields, base=change.base, held=held
        )
        if decision.outcome is Outcome.REFUSED:
            self.answers[change.seq] = ("refused", decision.code, None)
            return
        index = None
        if decision.apply_fields or decision.delete:
            if not self._write(entity, change, row, decision.apply_fields, decision.delete):
                self.answers[change.seq] = ("refused", "incomplete", None)
                return
            fields = {} if decision.delete else dict(decision.apply_fields)
            moved = change.region_before is not None and change.region_before != change.region
            if (moved or decision.code == "restored") and not decision.delete:
                # The offices it arrives in have never seen it (or hold it deleted, with the values it had when
                # their own update lost to the delete): they get it whole.
                fields = self.wire(entity, self._row(entity, uuid.UUID(change.uid)))
            index = self._log(
                _Logged(
                    change, entity.name, change.uid, DELETE if decision.delete else UPSERT, fields,
                    change.base, change.region, change.region_before, self.device, change.seq,
                )
            )  # fmt: skip
        if decision.outcome is Outcome.CONFLICT:
            self._conflict(entity, change, decision, held)
            self.answers[change.seq] = ("conflict", decision.code, index)
        else:
            self.answers[change.seq] = ("applied", decision.code, index if index is not None else -1)
            if index is None:
                self.unchanged_versions[change.seq] = held.version if held is not None else None

    def _conflict(self, entity: Entity, change: Change, decision, held: HeldRecord | None) -> None:
        conflict_uid = uuid.uuid4()
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
        for entity, uid, column, target, ref_uid in self.forward:
            local_id = self._id_of(target, ref_uid) if target else None
            if local_id is not None:
                table = entity.table
                self.session.execute(
                    update(table).where(table.c.uid == uuid.UUID(uid)).values({column: local_id})
                )

    def number_and_log(self) -> dict[int, ChangeAnswer]:
        """Numbers what was written and writes the change log; the answers per change seq."""
        self.session.flush()
        numbers = take_stream_numbers(self.session, len(self.logged))
        for row, index in self.conflicts:
            self.logged[index].fields = conflict_fields(row)
        rows = []
        for number, logged in zip(numbers, self.logged, strict=True):
            rows.append(
                {
                    "stream_seq": number,
                    "device": logged.device,
                    "seq": logged.seq if logged.device != SERVER_DEVICE else number,
                    "entity": logged.entity,
                    "uid": uuid.UUID(logged.uid),
                    "op": logged.op,
                    "fields": logged.fields,
                    "base": logged.base,
                    "region": logged.region,
                    "region_before": logged.region_before,
                }
            )
        if rows:
            self.session.execute(insert(ChangeLog), rows)
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


_SNAPSHOT_BATCH = 5_000


def _snapshot_records(session: Session, region: str) -> Iterator[dict[str, Any]]:
    """Every live synced record of the region, whole, parents first; read in batches (bounded memory)."""
    for name, entity in entities().items():
        table = entity.table
        region_expr = region_sql(name, "t", f"'{PROVINCE}'")
        ids = text(
            f"SELECT t.id, {region_expr} AS region FROM {name} t WHERE t.deleted_at IS NULL "
            f"AND ({region_expr} LIKE :prefix OR :region LIKE ({region_expr} || '%')) ORDER BY t.id"
        ).bindparams(prefix=f"{region}%", region=region)
        pairs = session.execute(ids).all()
        for start in range(0, len(pairs), _SNAPSHOT_BATCH):
            batch = pairs[start : start + _SNAPSHOT_BATCH]
            regions = dict(batch)
            rows = session.execute(select(table).where(table.c.id.in_(list(regions)))).mappings().all()
            yield from _whole(session, entity, rows, regions)
        yield from _snapshot_deletes(session, name, region)


def _snapshot_deletes(session: Session, name: str, region: str) -> Iterator[dict[str, Any]]:
    """The region's deleted records, as deletes: an office's first pull may come after it sent records of its
    own that another office has deleted since — without these it would keep them. A fresh copy skips them."""
    region_expr = region_sql(name, "t", f"'{PROVINCE}'")
    query = text(
        f"SELECT t.uid, {region_expr} AS region, (SELECT max(c.stream_seq) FROM change_log c "
        f"WHERE c.entity = :entity AND c.uid = t.uid) AS version FROM {name} t WHERE t.deleted_at IS NOT NULL "
        f"AND ({region_expr} LIKE :prefix OR :region LIKE ({region_expr} || '%')) ORDER BY t.id"
    ).bindparams(prefix=f"{region}%", region=region, entity=name)
    for uid, record_region, version in session.execute(query):
        yield {
            "device": "server", "seq": 0, "entity": name, "uid": str(uuid.UUID(str(uid))), "op": DELETE,
            "fields": {}, "base": version or 0, "region": record_region or "", "region_before": None, "at": "",
            "server_seq": version or 0,
        }  # fmt: skip


def _whole(session: Session, entity: Entity, rows, regions: dict[int, str]) -> Iterator[dict[str, Any]]:
    columns = entity.table.c
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for reference in entity.references:
            if row[reference.column] is not None:
                target = row[reference.by] if reference.by else reference.target
                if target:
                    wanted[target].add(row[reference.column])
    uids: dict[str, dict[int, str]] = {}
    for target, ids in wanted.items():
        table = entities()[target].table
        uids[target] = {
            i: str(u)
            for i, u in session.execute(select(table.c.id, table.c.uid).where(table.c.id.in_(list(ids))))
        }
    versions = dict(
        session.execute(
            select(ChangeLog.uid, func.max(ChangeLog.stream_seq))
            .where(ChangeLog.entity == entity.name, ChangeLog.uid.in_([row["uid"] for row in rows]))
            .group_by(ChangeLog.uid)
        ).all()
    )
    for row in rows:
        fields = {name: encode_value(columns[name].type, row[name]) for name in entity.fields}
        for reference in entity.references:
            target = row[reference.by] if reference.by else reference.target
            fields[reference.field] = uids.get(target or "", {}).get(row[reference.column])
        version = versions.get(row["uid"], 0)
        yield {
            "device": str(row["origin_device"]) if row["origin_device"] else "server",
            "seq": 0,
            "entity": entity.name,
            "uid": str(row["uid"]),
            "op": UPSERT,
            "fields": fields,
            "base": version,
            "region": regions[row["id"]] or "",
            "region_before": None,
            "at": "",
            "server_seq": version,
        }


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
    (at most `limit`), or its region's snapshot when `since` is 0 (a first install). Nothing is written when
    the cursor is already at the stream's head (bundle_id ""). Commits (the device's down cursor)."""
    session = _session(session_or_uow)
    try:
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
            records: Any = _snapshot_records(session, row.region)
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
