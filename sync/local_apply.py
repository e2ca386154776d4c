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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection
from sqlalchemy.orm import Session

from db.bulk_insert import insert_many, update_many
from db.models import Base, utcnow
from sync.changes import DELETE, Change, capture_suspended
from sync.entities import ENTITY_ORDER, POLYMORPHIC_REFERENCES, Entity, entities, region_overlaps
from sync.values import decode_fields

# Outbox states of a local change the server has not judged yet.
UNJUDGED = ("pending", "sent")
_DELETED = "\0deleted"  # in the kept fields: this office's delete of the record awaits judgement
_LOOKUP_CHUNK = 20_000


@dataclass(frozen=True)
class ApplyCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0  # soft deletes (op "delete")
    evicted: int = 0  # records taken out of this copy (another region's now), dependents included
    kept_local: int = 0  # incoming field values not written over a local change still to be judged
    incomplete: int = 0  # records first seen through a partial change: not inserted, the whole record awaited


def apply_changes(
    target: Connection | Session,
    changes: Iterable[Change | Mapping[str, Any]],
    *,
    office_region: str,
    pulled_upto: int | None = None,
) -> ApplyCounts:
    """Writes `changes` (parents before children, a record's own changes in the order given) into the copy,
    in the caller's transaction; records each change's `server_seq` in sync_version. `pulled_upto`: the down
    stream's cursor after these changes (the bundle's `seq_to`), advanced in the same transaction as the data
    so that it is never ahead of it. Returns what it did."""
    connection = target.connection() if isinstance(target, Session) else target
    changes = [c if isinstance(c, Change) else Change.from_dict(dict(c)) for c in changes]
    with capture_suspended(connection):
        run = _Apply(connection, office_region, _unjudged_fields(connection, changes))
        by_entity: dict[str, list[Change]] = defaultdict(list)
        for change in changes:  # a record's own changes keep their order
            by_entity[change.entity].append(change)
        for name in ENTITY_ORDER:  # parents before children, whatever the order given
            group = by_entity.get(name)
            if group:
                run.apply_entity(entities()[name], group)
        run.resolve_forward_references()
        run.evict_all()
        _record_versions(connection, changes)
        if pulled_upto is not None:
            _advance_cursor(connection, pulled_upto)
    return ApplyCounts(run.inserted, run.updated, run.deleted, run.evicted, run.kept_local, run.incomplete)


def _chunks(values: list, size: int = _LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ids_by_uid(connection: Connection, table: str, uids: Iterable[str]) -> dict[str, int]:
    """Local ids of the records of these uids (32-hex form) that this copy holds."""
    found: dict[str, int] = {}
    for part in _chunks(sorted(set(uids))):
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


def _unjudged_fields(connection: Connection, changes: list[Change]) -> dict[tuple[str, str], set[str]]:
    """(entity, uid hex) → wire fields of local changes the server has not judged yet, for the records
    touched by `changes`."""
    kept: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_entity: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        by_entity[change.entity].add(_hex(change.uid))
    marks = ", ".join("?" for _ in UNJUDGED)
    for name, uids in by_entity.items():
        for part in _chunks(sorted(uids)):
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


class _Apply:
    def __init__(self, connection: Connection, office_region: str, kept: dict[tuple[str, str], set[str]]):
        self.connection = connection
        self.office_region = office_region
        self.kept = kept
        self.now = utcnow()
        self.inserted = self.updated = self.deleted = self.evicted = self.kept_local = self.incomplete = 0
        # (entity, record uid hex, column, target table, referenced uid hex): references whose record was not
        # here when the change was written; looked up again once the whole batch is in.
        self.forward: list[tuple[str, str, str, str, str]] = []
        self.to_evict: dict[str, set[str]] = defaultdict(set)
        self.devices: dict[str, uuid.UUID | None] = {}

    def _device(self, device: str) -> uuid.UUID | None:
        if device not in self.devices:
            self.devices[device] = uuid.UUID(device) if device and device != "server" else None
        return self.devices[device]

    # --------------------------------------------------------------------------------------------- upserts
    def apply_entity(self, entity: Entity, changes: list[Change]) -> None:
        existing = _ids_by_uid(self.connection, entity.name, (_hex(c.uid) for c in changes))
        referenced = self._referenced_ids(entity, changes)
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        for change in changes:
            uid_hex = _hex(change.uid)
            if change.region and not region_overlaps(change.region, self.office_region):
                inserts.pop(uid_hex, None)
                updates.pop(uid_hex, None)
                self.to_evict[entity.name].add(uid_hex)
                continue
            self.to_evict[entity.name].discard(uid_hex)  # moved away and back within the batch
            device = self._device(change.device)
            if change.op == DELETE:
                values = {"deleted_at": self.now, "updated_at": self.now, "origin_device": device}
            else:
                values = self._values(entity, change, uid_hex, referenced)
                values |= {"updated_at": self.now, "origin_device": device}
                # The server sends an upsert only of a record it holds alive: one deleted here comes back (a
                # conflict resolved for the update), unless this office's own delete still awaits judgement.
                if _DELETED not in self.kept.get((entity.name, uid_hex), ()):
                    values["deleted_at"] = None
            if uid_hex in existing:
                updates.setdefault(uid_hex, {}).update(values)
                if change.op == DELETE:
                    self.deleted += 1
            elif uid_hex in inserts:
                inserts[uid_hex].update(values)
            elif change.op != DELETE:
                inserts[uid_hex] = {"uid": uuid.UUID(uid_hex)} | values
        # In uid order: uids made by one import increase, and the uid index then grows at its edge.
        self._insert(entity, [inserts[uid_hex] for uid_hex in sorted(inserts)])
        self._update(entity, existing, updates)

    def _referenced_ids(self, entity: Entity, changes: list[Change]) -> dict[str, dict[str, int]]:
        """target table → {uid hex: local id} for every reference the changes carry."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            for reference in entity.references:
                value = change.fields.get(reference.field)
                if value:
                    targets = reference.targets if reference.by else (reference.target,)
                    for target in targets:
                        wanted[target].add(_hex(value))
        return {target: _ids_by_uid(self.connection, target, uids) for target, uids in wanted.items()}

    def _values(self, entity: Entity, change: Change, uid_hex: str, referenced) -> dict[str, Any]:
        kept = self.kept.get((entity.name, uid_hex), set())
        fields = change.fields
        if kept:
            self.kept_local += sum(1 for name in fields if name in kept)
            fields = {name: value for name, value in fields.items() if name not in kept}
        plain = {name: fields[name] for name in entity.fields if name in fields}
        values = decode_fields(entity.table, plain)
        for reference in entity.references:
            if reference.field not in fields:
                continue
            ref_uid = fields[reference.field]
            if ref_uid is None:
                values[reference.column] = None
                continue
            target = reference.target
            if reference.by:
                target = values.get(reference.by) or self._stored(entity, uid_hex, reference.by)
            local_id = referenced.get(target, {}).get(_hex(ref_uid))
            if local_id is None:
                self.forward.append((entity.name, uid_hex, reference.column, target, _hex(ref_uid)))
            values[reference.column] = local_id
        return values

    def _stored(self, entity: Entity, uid_hex: str, column: str) -> Any:
        return self.connection.exec_driver_sql(
            f"SELECT {column} FROM {entity.name} WHERE uid = ?", (uid_hex,)
        ).scalar()

    def _insert(self, entity: Entity, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = entity.table
        scalar, made, required = _defaults(entity)
        complete = []
        for row in rows:
            for name, value in scalar.items():
                row.setdefault(name, value)
            for name, make in made.items():
                if name not in row:
                    row[name] = make(None)
            # A record first seen through a partial change lacks what the server never sent: it waits for
            # the whole record (the server sends it whole to an office it enters).
            if required <= row.keys():
                complete.append(row)
            else:
                self.incomplete += 1
        json_columns = tuple(c.name for c in table.columns if isinstance(c.type, JSON))
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in complete:
            groups[tuple(sorted(row))].append(row)
        for columns, group in groups.items():
            ordered = [{name: row[name] for name in columns} for row in group]
            insert_many(self.connection, table, ordered, unique=("uid", "created_at", *json_columns))
        self.inserted += len(complete)

    def _update(self, entity: Entity, existing: dict[str, int], updates: dict[str, dict[str, Any]]) -> None:
        if not updates:
            return
        table = entity.table
        json_columns = tuple(c.name for c in table.columns if isinstance(c.type, JSON))
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for uid_hex, values in updates.items():
            groups[tuple(sorted(values))].append(values | {"id": existing[uid_hex]})
        for group in groups.values():
            update_many(self.connection, table, group, unique=json_columns)
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


def _record_versions(connection: Connection, changes: list[Change]) -> None:
    """The server stream number of each record's last change seen here: the base of its next local change."""
    latest: dict[tuple[str, str], int] = {}
    for change in changes:
        if change.server_seq is not None:
            key = (change.entity, _hex(change.uid))
            latest[key] = max(latest.get(key, 0), change.server_seq)
    if latest:
        connection.exec_driver_sql(
            "INSERT INTO sync_version (entity, uid, server_seq) VALUES (?, ?, ?) ON CONFLICT (entity, uid) "
            "DO UPDATE SET server_seq = max(server_seq, excluded.server_seq)",
            [(name, uid_hex, seq) for (name, uid_hex), seq in latest.items()],
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
    """The model's own defaults of a table's columns (scalar values, functions), and the columns a new row
    cannot go without."""
    scalar, made = {}, {}
    for column in entity.table.columns:
        default = column.default
        if column.name == "id" or default is None:
            continue
        if default.is_scalar:
            scalar[column.name] = default.arg
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
