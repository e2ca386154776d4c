"""Applying changes to a local copy: the office's side of the down stream (and of a first install's snapshot).

Changes arrive judged: the server already applied its conflict rules (sync/apply.py), so here a change is
written as it comes, with three exceptions that protect the office:

- a field this office changed and the server has not judged yet (a `pending` or `sent` change in the outbox)
  keeps the local value: overwriting it would lose the office's work before the server answered it;
- a record whose new region does not overlap the office's is *evicted* — deleted, and references to it set to
  NULL — because the office must not keep another region's people (a person moving away leaves);
- a reference to a record not held here becomes NULL (it may arrive later; a second pass resolves the ones
  that arrive in the same batch).

Writes go through Core SQL on the caller's connection, in the caller's transaction, with capture suspended:
what came from the server must not go back to it.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime, Uuid
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.i18n import N_
from db.models import Base, utcnow
from sync.changes import DELETE, Change, capture_suspended
from sync.entities import (
    ENTITY_ORDER,
    NATURAL_KEYS,
    POLYMORPHIC_REFERENCES,
    Entity,
    entities,
    region_overlaps,
)
from sync.values import encode_value, wire_decoder

# Outbox states of a local change the server has not judged yet.
UNJUDGED = ("pending", "sent")
CONFLICT_ENTITY = "sync_conflict"  # a conflict travelling down with the changes (the laptop stores it)
_DELETED = "\0deleted"  # in the kept fields: this office's delete of the record awaits judgement
_LOOKUP_CHUNK = 20_000
# Values bound in one statement: under SQLite's limit (32,766).
_VARIABLES = 30_000


@dataclass(frozen=True)
class ApplyCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0  # soft deletes (op "delete")
    evicted: int = 0  # records taken out of this copy (another region's now), dependents included
    kept_local: int = 0  # incoming field values not written over a local change still to be judged
    incomplete: int = 0  # records first seen through a partial change: not inserted, the whole record awaited


@dataclass
class PreparedChanges:
    """Changes made ready for the apply with no help of the database: grouped by entity, uids in their stored
    form, field values in the form SQLite stores, referenced uids gathered. Pure work on the changes alone, so
    a down bundle's reader thread does it for the next chunk while the apply's SQL (which releases the GIL)
    writes the current one (prepare_changes)."""

    # entity → (uid hex, change, its values: stored-form plain fields and references as uid hex; None for a
    # delete), a record's own changes in the order given
    by_entity: dict[str, list[tuple[str, Mapping[str, Any], dict[str, Any] | None]]]
    uids: dict[str, list[str]]  # entity → the uids (hex) it touches, sorted, each once
    referenced: dict[str, dict[str, set[str]]]  # entity → target table → uids (hex) its changes refer to
    versions: list[tuple[str, str, int]]  # (entity, uid hex, the latest server_seq of its changes here)
    conflicts: list[Mapping[str, Any]]  # the conflicts travelling with the changes (the laptop stores them)
    count: int


def prepare_changes(changes: Iterable[Change | Mapping[str, Any]]) -> PreparedChanges:
    """The first half of the apply, which needs no database (see PreparedChanges); apply_changes does it
    itself when given plain changes."""
    known = entities()
    by_entity: dict[str, list[tuple[str, Mapping[str, Any], dict[str, Any] | None]]] = defaultdict(list)
    conflicts: list[Mapping[str, Any]] = []
    latest: dict[tuple[str, str], int] = {}
    count = 0
    # Plain dicts: no object per change (a snapshot brings a million).
    for record in (vars(c) if isinstance(c, Change) else c for c in changes):
        count += 1
        name = record["entity"]
        if name == CONFLICT_ENTITY:
            conflicts.append(record)
            continue
        uid_hex = record["uid"].replace("-", "").lower()
        seq = record.get("server_seq")
        if seq is not None and seq > latest.get((name, uid_hex), 0):
            latest[name, uid_hex] = seq
        if name not in known:
            continue
        if record["op"] == DELETE:
            by_entity[name].append((uid_hex, record, None))
            continue
        fields = record.get("fields") or {}
        shape = _shape(name)
        if fields.keys() <= shape.known:
            values = dict(fields)
        else:  # a field this version does not know: left out
            values = {field: value for field, value in fields.items() if field in shape.known}
        by_entity[name].append((uid_hex, record, values))
    referenced: dict[str, dict[str, set[str]]] = {}
    for name, group in by_entity.items():
        shape = _shape(name)
        _to_stored(shape, [values for _, _, values in group if values is not None])
        referenced[name] = _references_of(shape, group)
    uids = {name: sorted({uid_hex for uid_hex, _, _ in group}) for name, group in by_entity.items()}
    versions = [(name, uid_hex, seq) for (name, uid_hex), seq in latest.items()]
    return PreparedChanges(dict(by_entity), uids, referenced, versions, conflicts, count)


def _to_stored(shape: _Shape, rows: list[dict[str, Any]]) -> None:
    """Each plain field's wire values turned into what SQLite stores, in the rows themselves, a column at
    once: a repeated value (a flag, a code) is converted once."""
    for name, convert in shape.stored.items():
        having = [row for row in rows if name in row]
        if having:
            for row, value in zip(having, convert([row[name] for row in having]), strict=True):
                row[name] = value


def _references_of(shape: _Shape, group: list[tuple[str, Any, dict[str, Any] | None]]) -> dict[str, set[str]]:
    """target table → the uids the changes refer to, each reference's value turned into the uid's stored form
    in the values themselves."""
    wanted: dict[str, set[str]] = defaultdict(set)
    hexes: dict[str, str] = {}
    for field, _column, target, by, polymorphic in shape.references:
        found: set[str] = set()
        for _, _, values in group:
            if values is not None and field in values:
                ref_uid = values[field]
                if ref_uid is not None:
                    ref_hex = hexes.get(ref_uid)
                    if ref_hex is None:
                        ref_hex = hexes[ref_uid] = _hex(ref_uid)
                    values[field] = ref_hex
                    found.add(ref_hex)
        if found:
            for one in polymorphic if by else (target,):
                wanted[one] |= found
    return dict(wanted)


def apply_changes(
    target: Connection | Session,
    changes: PreparedChanges | Iterable[Change | Mapping[str, Any]],
    *,
    office_region: str,
    pulled_upto: int | None = None,
) -> ApplyCounts:
    """Writes `changes` (parents before children, a record's own changes in the order given) into the copy,
    in the caller's transaction; records each change's `server_seq` in sync_version. `pulled_upto`: the down
    stream's cursor after these changes (the bundle's `seq_to`), advanced in the same transaction as the data
    so that it is never ahead of it. Conflicts travelling among plain changes are left out (the laptop stores
    them: PreparedChanges.conflicts). Returns what it did."""
    connection = target.connection() if isinstance(target, Session) else target
    prepared = changes if isinstance(changes, PreparedChanges) else prepare_changes(changes)
    with capture_suspended(connection):
        run = _Apply(connection, office_region, _unjudged_fields(connection, prepared.uids))
        for name in ENTITY_ORDER:  # parents before children, whatever the order given
            group = prepared.by_entity.get(name)
            if group:
                run.apply_entity(
                    entities()[name],
                    group,
                    prepared.uids[name],
                    prepared.referenced[name],
                )
        run.resolve_forward_references()
        run.evict_all()
        _record_versions(connection, prepared.versions)
        if pulled_upto is not None:
            _advance_cursor(connection, pulled_upto)
    return ApplyCounts(run.inserted, run.updated, run.deleted, run.evicted, run.kept_local, run.incomplete)


def _chunks(values: list, size: int = _LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ids_by_uid(
    connection: Connection, table: str, uids: Iterable[str], *, ordered: bool = False
) -> dict[str, int]:
    """Local ids of the records of these uids (32-hex form) that this copy holds. `ordered`: the uids are
    sorted and distinct already."""
    found: dict[str, int] = {}
    for part in _chunks(uids if ordered else sorted(set(uids))):
        found.update(
            connection.exec_driver_sql(
                f"SELECT uid, id FROM {table} WHERE uid IN (SELECT value FROM json_each(?))",
                (json.dumps(part),),
            ).all()
        )
    return found


def _hex(uid: str) -> str:
    """The stored form of a uid (32 hex digits) from its canonical text."""
    return uid.replace("-", "").lower()


def _unjudged_fields(
    connection: Connection, uids_by_entity: dict[str, list[str]]
) -> dict[tuple[str, str], set[str]]:
    """(entity, uid hex) → wire fields of local changes the server has not judged yet, for the records of
    these uids (hex, sorted, per entity)."""
    kept: dict[tuple[str, str], set[str]] = defaultdict(set)
    marks = ", ".join("?" for _ in UNJUDGED)
    for name, uids in uids_by_entity.items():
        for part in _chunks(uids):
            for uid_hex, op, fields in connection.exec_driver_sql(
                f"SELECT uid, op, fields FROM sync_change WHERE entity = ? AND state IN ({marks}) "
                "AND uid IN (SELECT value FROM json_each(?))",
                (name, *UNJUDGED, json.dumps(part)),
            ):
                # NULL: a whole record (a registry import's), every field of it still to be judged.
                kept[name, uid_hex].update(json.loads(fields) if fields is not None else _wire_fields(name))
                if op == DELETE:
                    kept[name, uid_hex].add(_DELETED)
    return kept


@cache
def _wire_fields(name: str) -> frozenset[str]:
    entity = entities()[name]
    return frozenset(entity.fields) | {r.field for r in entity.references}


@dataclass(frozen=True)
class _Shape:
    """What the apply needs of an entity, worked out once: its wire fields, its references as (wire field,
    column, target, discriminator column), and how each field's wire value becomes the value SQLite stores."""

    known: frozenset[str]  # every wire field of a change of this entity
    plain: frozenset[str]
    references: tuple[tuple[str, str, str, str, tuple[str, ...]], ...]
    # plain field → wire values to stored values (a column at once); the fields stored as they travel: not in it
    stored: dict[str, Callable[[list], list]]


@cache
def _shape(name: str) -> _Shape:
    entity = entities()[name]
    references = tuple((r.field, r.column, r.target, r.by, r.targets) for r in entity.references)
    stored = {field: _column_converter(entity.table.c[field]) for field in entity.fields}
    stored = {field: convert for field, convert in stored.items() if convert is not _as_is}
    return _Shape(
        frozenset(entity.fields) | {r[0] for r in references}, frozenset(entity.fields), references, stored
    )


def _as_is(values: list) -> list:
    return values


def _column_converter(column) -> Callable[[list], list]:
    """Wire values of `column` → what SQLite stores: the wire decoder (sync/values.py) then the column type's
    own bind processor, as the ORM would write the decoded value; a repeated value (a flag, a code) converted
    once, a moment or a date in its usual wire form rearranged as text (a registry's dates of birth are
    mostly distinct: 70,000 of them cost a third of a second through date objects)."""
    decode = wire_decoder(column.type)
    bind = column.type._cached_bind_processor(sqlite.dialect())
    if decode is None and bind is None:
        return _as_is
    if decode is None:
        one = bind
    elif bind is None:
        one = decode
    else:

        def one(value: Any) -> Any:
            return bind(decode(value))

    if isinstance(column.type, DateTime) and bind is not None and _same_text(one, _MOMENT, _stored_moment):
        # The usual forms recognised inline: a function call per value would cost as much again.
        return lambda values: [
            f"{v[:10]} {v[11:26]}"
            if type(v) is str and len(v) == 32 and v[10] == "T" and v.endswith("+00:00")
            else None
            if v is None
            else one(v)
            for v in values
        ]
    if isinstance(column.type, Date) and bind is not None and _same_text(one, _DAY, str):
        return lambda values: [
            v if v is None or (type(v) is str and len(v) == 10 and v[4] == "-" and v[7] == "-") else one(v)
            for v in values
        ]
    if isinstance(column.type, JSON | DateTime | Uuid) or column.unique:
        # Never repeated, or not hashable (a JSON document).
        return lambda values: [None if v is None else one(v) for v in values]

    def remembered(values: list) -> list:
        memo = {v: None if v is None else one(v) for v in set(values)}
        return [memo[v] for v in values]

    return remembered


# The usual wire forms (sync/values.py: UTC with microseconds; ISO dates) and their stored text, used only where
# the column type stores them so (checked on these samples when the converter is made).
_MOMENT = "2026-12-06T01:02:03.456789+00:00"
_DAY = "2026-12-06"


def _stored_moment(value: str) -> str:
    return f"{value[:10]} {value[11:26]}"


def _same_text(slow: Callable[[Any], Any], sample: str, fast: Callable[[str], str]) -> bool:
    return fast(sample) == slow(sample)


def _stored_value(column, value: Any) -> Any:
    bind = column.type._cached_bind_processor(sqlite.dialect())
    return value if bind is None or value is None else bind(value)


class _Apply:
    def __init__(self, connection: Connection, office_region: str, kept: dict[tuple[str, str], set[str]]):
        self.connection = connection
        self.office_region = office_region
        self.kept = kept
        now = utcnow()
        self.now = _stored_value(Base.metadata.tables["person"].c.updated_at, now)
        self.inserted = self.updated = self.deleted = self.evicted = self.kept_local = self.incomplete = 0
        # (entity, record uid hex, column, target table, referenced uid hex): references whose record was not
        # here when the change was written; looked up again once the whole batch is in.
        self.forward: list[tuple[str, str, str, str, str]] = []
        self.to_evict: dict[str, set[str]] = defaultdict(set)
        self.devices: dict[str, str | None] = {}
        self.belongs: dict[str, bool] = {}  # a record region → whether it overlaps the office's

    def _device(self, device: str | None) -> str | None:
        """The stored form (32 hex digits) of the device that made a change; none for the server's own."""
        if device not in self.devices:
            self.devices[device] = uuid.UUID(device).hex if device and device != "server" else None
        return self.devices[device]

    # --------------------------------------------------------------------------------------------- upserts
    def apply_entity(
        self,
        entity: Entity,
        records: list[tuple[str, Mapping[str, Any], dict[str, Any] | None]],
        uids: list[str],
        wanted: dict[str, set[str]],
    ) -> None:
        """Rows are kept as {column: value} in the form SQLite stores: a plain field's value (prepared), a
        reference's local id, and what the apply sets itself."""
        shape = _shape(entity.name)
        existing = _ids_by_uid(self.connection, entity.name, uids, ordered=True)
        referenced = {target: _ids_by_uid(self.connection, target, hexes) for target, hexes in wanted.items()}
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        evicting = self.to_evict[entity.name]
        now = self.now
        office_region = self.office_region
        belongs = self.belongs
        devices = self.devices
        values_of = self._values
        for uid_hex, record, prepared in records:
            region = record.get("region")
            if region:
                inside = belongs.get(region)
                if inside is None:
                    inside = belongs[region] = region_overlaps(region, office_region)
                if not inside:
                    inserts.pop(uid_hex, None)
                    updates.pop(uid_hex, None)
                    evicting.add(uid_hex)
                    continue
            evicting.discard(uid_hex)  # moved away and back within the batch
            device = record.get("device")
            device = devices[device] if device in devices else self._device(device)
            delete = prepared is None
            if delete:
                values = {"deleted_at": now, "updated_at": now, "origin_device": device}
            else:
                values = values_of(entity.name, shape, uid_hex, prepared, referenced)
                values["updated_at"] = now
                values["origin_device"] = device
                # The server sends an upsert only of a record it holds alive: one deleted here comes back (a
                # conflict resolved for the update), unless this office's own delete still awaits judgement.
                if _DELETED not in self.kept.get((entity.name, uid_hex), ()):
                    values["deleted_at"] = None
            if uid_hex in existing:
                if uid_hex in updates:
                    updates[uid_hex].update(values)
                else:
                    updates[uid_hex] = values
                if delete:
                    self.deleted += 1
            elif uid_hex in inserts:
                inserts[uid_hex].update(values)
            elif not delete:
                values["uid"] = uid_hex
                inserts[uid_hex] = values
        # In uid order: uids made by one import increase, and the uid index then grows at its edge.
        self._insert(entity, shape, [inserts[uid_hex] for uid_hex in sorted(inserts)])
        self._update(entity, shape, existing, updates)

    def _values(
        self, name: str, shape: _Shape, uid_hex: str, values: dict[str, Any], referenced
    ) -> dict[str, Any]:
        """A change's prepared values (used once: changed in place) as the row's columns: fields this office
        changed and the server has not judged yet left out, references as local ids."""
        kept = self.kept and self.kept.get((name, uid_hex))
        if kept:
            self.kept_local += sum(1 for field in values if field in kept)
            values = {field: value for field, value in values.items() if field not in kept}
        for field, column, target, by, _targets in shape.references:
            if field not in values:
                continue
            ref_hex = values.pop(field)
            if ref_hex is None:
                values[column] = None
                continue
            if by:
                target = values.get(by) or self._stored(name, uid_hex, by)
            local_id = referenced.get(target, {}).get(ref_hex)
            if local_id is None:
                self.forward.append((name, uid_hex, column, target, ref_hex))
            values[column] = local_id
        return values

    def _stored(self, name: str, uid_hex: str, column: str) -> Any:
        return self.connection.exec_driver_sql(
            f"SELECT {column} FROM {name} WHERE uid = ?", (uid_hex,)
        ).scalar()

    def _insert(self, entity: Entity, shape: _Shape, rows: list[dict[str, Any]]) -> None:
        # Rows made alike have the same columns in the same order: what they lack is worked out once a group.
        for columns, group in _by_columns(rows).items():
            self._insert_rows(entity, shape, columns, _tuples(columns, group))

    def _insert_rows(
        self, entity: Entity, shape: _Shape, columns: tuple[str, ...], rows: list[tuple]
    ) -> None:
        """New rows (values of `columns`, stored form), with the model's defaults of what they lack."""
        scalar, made, required = _defaults(entity)
        missing = [name for name in sorted(scalar.keys() | made.keys()) if name not in columns]
        # A record first seen through a partial change lacks what the server never sent: it waits for the
        # whole record (the server sends it whole to an office it enters).
        if not required <= {*columns, *missing}:
            self.incomplete += len(rows)
            return
        if missing:
            fixed = tuple(scalar.get(name) for name in missing)
            computed = [(i, name) for i, name in enumerate(missing) if name not in scalar]
            if not computed:
                rows = [row + fixed for row in rows]
            else:
                filled_rows = []
                for row in rows:
                    values = list(fixed)
                    for i, name in computed:
                        values[i] = _row_form(entity, shape, name, made[name](None))
                    filled_rows.append((*row, *values))
                rows = filled_rows
        filled = (*columns, *missing)
        key = NATURAL_KEYS.get(entity.name)
        written = _write_rows(self.connection, "INSERT", entity.name, filled, rows, skip_taken=bool(key))
        adopted = 0
        if written < len(rows):  # rows whose natural key this copy holds under another uid
            adopted = self._adopt_held(
                entity, shape, key, [dict(zip(filled, row, strict=True)) for row in rows]
            )
        self.inserted += len(rows) - adopted

    def _adopt_held(self, entity: Entity, shape: _Shape, key: str, rows: list[dict[str, Any]]) -> int:
        """Rows not inserted because this copy holds their natural key (a NIK) under another uid: the record
        registered here too, before the server told this office the uid it holds it under. The local record
        takes the server's uid (adopt_uid), then the row is written over it like any update, fields this
        office changed and the server has not judged kept. Returns how many."""
        connection = self.connection
        inserted = _ids_by_uid(connection, entity.name, [row["uid"] for row in rows])
        taken = [row for row in rows if row["uid"] not in inserted]
        by_key = dict(
            connection.exec_driver_sql(
                f'SELECT "{key}", uid FROM "{entity.name}" WHERE "{key}" IN (SELECT value FROM json_each(?))',
                (json.dumps([row[key] for row in taken]),),
            ).all()
        )
        updates: dict[str, dict[str, Any]] = {}
        for row in taken:
            local_uid = by_key.get(row[key])
            if local_uid is None or _known_to_server(connection, entity.name, local_uid):
                # Another record of the province's holds the key here: this office gave it to one of its
                # records by an edit (a NIK corrected into one already taken), which the server refused.
                raise DomainError(
                    N_(
                        "{field} {value} dipakai dua data yang berbeda: data dari server tidak dapat diterima "
                        "selama salinan kantor ini memberikan {field} itu kepada data lain. Periksa dan "
                        "perbaiki {field} tersebut, lalu sinkronkan lagi. Tidak ada yang diubah."
                    ),
                    field=key.upper(),
                    value=row[key],
                )
            adopt_uid(connection, entity.name, local_uid, row["uid"])
            updates[row.pop("uid")] = row
        kept = _unjudged_fields(connection, {entity.name: sorted(updates)})
        columns = {field: column for field, column, *_ in shape.references}
        for uid_hex, row in updates.items():
            for field in kept.get((entity.name, uid_hex), ()):
                row.pop(columns.get(field, field), None)
                if field == _DELETED:
                    row.pop("deleted_at", None)
        self._update(entity, shape, _ids_by_uid(connection, entity.name, list(updates)), updates)
        return len(updates)

    def _update(
        self, entity: Entity, shape: _Shape, existing: dict[str, int], updates: dict[str, dict[str, Any]]
    ) -> None:
        if not updates:
            return
        for uid_hex, values in updates.items():
            values["id"] = existing[uid_hex]
        for columns, group in _by_columns(updates.values()).items():
            _write_rows(self.connection, "UPDATE", entity.name, columns, _tuples(columns, group))
        self.updated += len(updates)

    def resolve_forward_references(self) -> None:
        """References to records that came later in the same batch (a list's last run, a proposal's result,
        an SK amending one applied after it)."""
        by_target: dict[str, set[str]] = defaultdict(set)
        for _name, _uid, _column, target, ref_uid in self.forward:
            by_target[target].add(ref_uid)
        found = {target: _ids_by_uid(self.connection, target, uids) for target, uids in by_target.items()}
        for name, uid_hex, column, target, ref_uid in self.forward:
            local_id = found[target].get(ref_uid)
            if local_id is not None:
                self.connection.exec_driver_sql(
                    f"UPDATE {name} SET {column} = ? WHERE uid = ?", (local_id, uid_hex)
                )

    # ------------------------------------------------------------------------------------------- eviction
    def evict_all(self) -> None:
        for name in reversed(ENTITY_ORDER):
            uids = self.to_evict.get(name)
            if uids:
                ids = list(_ids_by_uid(self.connection, name, uids).values())
                self.evicted += _evict(self.connection, name, ids)


def _referencing() -> dict[str, list[tuple[str, str, bool, str | None]]]:
    """target table → (table, column, nullable, polymorphic discriminator value) of every reference to it,
    declared or not, synced table or not."""
    found: dict[str, list[tuple[str, str, bool, str | None]]] = defaultdict(list)
    for table in Base.metadata.tables.values():
        for column in table.columns:
            for fk in column.foreign_keys:
                found[fk.column.table.name].append((table.name, column.name, column.nullable, None))
    for entity in entities().values():
        for reference in entity.references:
            if reference.by:
                for target in reference.targets:
                    found[target].append((entity.name, reference.column, False, target))
            elif not entity.table.c[reference.column].foreign_keys:
                found[reference.target].append((entity.name, reference.column, True, None))
    return found


def _evict(connection: Connection, table: str, ids: list[int]) -> int:
    """Deletes the rows `ids` of `table` from this copy: nullable references to them become NULL, rows that
    cannot exist without them (a NOT NULL reference: a form's members, a person's history) go with them.
    Returns the rows deleted."""
    if not ids:
        return 0
    removed = 0
    marker = json.dumps(ids)
    for source, column, nullable, kind in _referencing().get(table, []):
        where = f"{column} IN (SELECT value FROM json_each(?))"
        params: tuple = (marker,)
        if kind is not None:
            by = POLYMORPHIC_REFERENCES[source, column][0]
            where += f" AND {by} = ?"
            params += (kind,)
        if nullable:
            connection.exec_driver_sql(f"UPDATE {source} SET {column} = NULL WHERE {where}", params)
        else:
            dependents = list(
                connection.exec_driver_sql(f"SELECT id FROM {source} WHERE {where}", params).scalars()
            )
            removed += _evict(connection, source, dependents)
    removed += connection.exec_driver_sql(
        f"DELETE FROM {table} WHERE id IN (SELECT value FROM json_each(?))", (marker,)
    ).rowcount
    return removed


def adopt_uid(connection: Connection, entity: str, local_hex: str, held_hex: str) -> bool:
    """This copy's record `local_hex` is the one the server holds as `held_hex` (registered by another office
    first, sync/server/identity.py): it takes that uid, and so do its changes in the outbox (those not sent yet
    go up under it) and its version. Not captured: nothing to send. False when the copy holds no `local_hex`, or
    holds `held_hex` already."""
    if (
        local_hex == held_hex
        or connection.exec_driver_sql(f'SELECT 1 FROM "{entity}" WHERE uid = ?', (held_hex,)).first()
    ):
        return False
    with capture_suspended(connection):
        moved = connection.exec_driver_sql(
            f'UPDATE "{entity}" SET uid = ? WHERE uid = ?', (held_hex, local_hex)
        ).rowcount
        if moved:
            connection.exec_driver_sql(
                "UPDATE sync_change SET uid = ? WHERE entity = ? AND uid = ?", (held_hex, entity, local_hex)
            )
            connection.exec_driver_sql(
                "DELETE FROM sync_version WHERE entity = ? AND uid = ?", (entity, local_hex)
            )
    return bool(moved)


def _known_to_server(connection: Connection, entity: str, uid_hex: str) -> bool:
    """Whether the server has numbered the record (it came down, or a change of it was applied there)."""
    return (
        connection.exec_driver_sql(
            "SELECT 1 FROM sync_version WHERE entity = ? AND uid = ? UNION ALL SELECT 1 FROM sync_change "
            "WHERE entity = ? AND uid = ? AND state NOT IN (?, ?) LIMIT 1",
            (entity, uid_hex, entity, uid_hex, *UNJUDGED),
        ).first()
        is not None
    )


def _record_versions(connection: Connection, rows: list[tuple[str, str, int]]) -> None:
    """The server stream number of each record's last change seen here ((entity, uid hex, server_seq)): the
    base of its next local change.

    Many rows per statement, as _write_rows: spares a statement's work per record."""
    per_statement = max(1, _VARIABLES // 3)
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        connection.exec_driver_sql(
            "INSERT INTO sync_version (entity, uid, server_seq) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(part))
            + " ON CONFLICT (entity, uid) DO UPDATE SET server_seq = max(server_seq, excluded.server_seq)",
            tuple(chain.from_iterable(part)),
        )


def _advance_cursor(connection: Connection, pulled_upto: int) -> None:
    connection.exec_driver_sql(
        "INSERT INTO sync_state (id, server_url, enrollment, device_region, pulled_upto, up_last_hash, "
        "down_last_hash, enrollment_code) VALUES (1, '', 'none', '', ?, '', '', '') "
        "ON CONFLICT (id) DO UPDATE SET pulled_upto = max(pulled_upto, excluded.pulled_upto)",
        (pulled_upto,),
    )


@cache
def _defaults(entity: Entity) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """The model's own defaults of a table's columns (scalar values in the form a row holds them, functions),
    and the columns a new row cannot go without."""
    shape = _shape(entity.name)
    scalar, made = {}, {}
    for column in entity.table.columns:
        default = column.default
        if column.name == "id" or default is None:
            continue
        if default.is_scalar:
            scalar[column.name] = _row_form(entity, shape, column.name, default.arg)
        elif default.is_callable:
            made[column.name] = default.arg
    required = frozenset(
        c.name
        for c in entity.table.columns
        if not c.nullable
        and c.name != "id"
        and c.server_default is None
        and c.name not in scalar | made.keys()
    )
    return scalar, made, required


def _row_form(entity: Entity, shape: _Shape, column: str, value: Any) -> Any:
    """A model default in the form SQLite stores it, as a prepared change's value of that column would be."""
    if column in shape.stored:
        return shape.stored[column]([encode_value(entity.table.c[column].type, value)])[0]
    if column in shape.plain:
        return encode_value(entity.table.c[column].type, value)
    return _stored_value(entity.table.c[column], value)


def _by_columns(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:  # rows made alike have their columns in the same order
        groups[tuple(row)].append(row)
    return groups


def _tuples(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> list[tuple]:
    """The rows' values of `columns` (already in the stored form) as tuples."""
    if len(columns) == 1:
        return [(row[columns[0]],) for row in rows]
    return list(map(itemgetter(*columns), rows))


def _write_rows(
    connection: Connection,
    verb: str,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    *,
    skip_taken: bool = False,
) -> int:
    """Inserts the rows (values of `columns`, in order), or updates the rows named by their `id` among the
    columns, many rows per statement. `skip_taken`: rows that would break a unique index are left out (ON
    CONFLICT DO NOTHING). Returns how many rows were written.

    Not an executemany of one row per statement: each statement that fires the name search's trigger makes
    FTS5 flush its pending terms (a statement is a savepoint), and 70,000 people then cost 5 s instead of
    0.2 s; many rows per statement also spare SQLite's per-statement work."""
    per_statement = max(1, _VARIABLES // len(columns))
    row_marks = "(" + ", ".join("?" for _ in columns) + ")"
    names = ", ".join(f'"{name}"' for name in columns)
    if verb == "INSERT":
        head = f'INSERT INTO "{table}" ({names}) VALUES '
        tail = " ON CONFLICT DO NOTHING" if skip_taken else ""
    else:
        assignments = ", ".join(
            f'"{name}" = v.column{number}' for number, name in enumerate(columns, 1) if name != "id"
        )
        head = f'UPDATE "{table}" SET {assignments} FROM (VALUES '
        tail = f') AS v WHERE "{table}".id = v.column{columns.index("id") + 1}'
    written = 0
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        # A column unset in every row (a deletion date, a status date, a batch a registry never set) is written
        # as NULL in the statement: the driver binds a NULL through its adapters, dearer than a text.
        unset = [i for i, value in enumerate(part[0]) if value is None and _none_in_all(part, i)]
        if unset:
            marks = "(" + ", ".join("NULL" if i in unset else "?" for i in range(len(columns))) + ")"
            bound = [i for i in range(len(columns)) if i not in unset]
            values = tuple(
                chain.from_iterable(map(itemgetter(*bound), part))
                if len(bound) > 1
                else (row[bound[0]] for row in part)
            )
        else:
            marks, values = row_marks, tuple(chain.from_iterable(part))
        written += connection.exec_driver_sql(head + ", ".join([marks] * len(part)) + tail, values).rowcount
    return written


def _none_in_all(rows: list[tuple], index: int) -> bool:
    return [row[index] for row in rows].count(None) == len(rows)
