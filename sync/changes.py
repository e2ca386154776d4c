"""The laptop's change log (the outbox): every write of a synced record appends its change to `sync_change` in
the transaction that wrote it, so that a rollback or a crash loses both or neither.

Two ways in, one SQL: the ORM's writes are captured after each flush (session events: new records with all
their travelling fields, changed ones with the changed fields, soft deletes as op "delete"); the bulk paths
(registry import, screening results, SK and realisasi writers) call `record_rows` / `record_ids` with the rows
they wrote. Both read the rows back from the database in one INSERT … SELECT that writes the wire form of every
value (sync/values.py), the references as uids, the base version and the region: 100,000 changes in about a
second, and the same bytes whichever path wrote the record.

Capture is on for a database whose engine went through `install_capture` (an office's), and off inside
`capture_suspended` — the apply path, whose changes come from the server and must not go back to it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Engine, Uuid, event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from db.models import utcnow
from db.sync_models import SyncChange
from sync.entities import Entity, entities, is_synced, region_sql

_CAPTURING = "sync_capture"
_SUSPENDED = "sync_capture_suspended"
_REGION_BEFORE = "sync_region_before"
_DELETED = "sync_deleted"

UPSERT = "upsert"
DELETE = "delete"


# Not frozen, though never changed once made: a frozen dataclass's __init__ sets each field through
# object.__setattr__, 1 µs more an instance, and a bundle makes one per change (100,000 in a big download).
@dataclass
class Change:
    """One change of one record, the unit of sync (sync-design.md "Identity and records")."""

    device: str
    seq: int
    entity: str
    uid: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)
    base: int = 0
    region: str = ""
    region_before: str | None = None
    at: str = ""
    # Set on the changes the server sends down: its stream number, recorded in sync_version when applied.
    server_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["server_seq"] is None:
            del data["server_seq"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        if (
            isinstance(data, dict) and data.keys() <= _CHANGE_FIELDS
        ):  # as bundles carry it: nothing to leave out
            get = data.get
            try:
                # Positional: a parsed bundle's keys are not the interned names a keyword call matches at once
                return cls(
                    data["device"], data["seq"], data["entity"], data["uid"], data["op"], get("fields", {}),
                    get("base", 0), get("region", ""), get("region_before"), get("at", ""), get("server_seq"),
                )  # fmt: skip
            except KeyError as missing:
                raise TypeError(f"a change without {missing}") from None
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


_CHANGE_FIELDS = frozenset(Change.__dataclass_fields__)


# ------------------------------------------------------------------------------------------------- switch
def install_capture(engine: Engine) -> None:
    """Turns capture on for every connection of an office database's engine."""

    @event.listens_for(engine, "engine_connect")
    def _mark(connection: Connection) -> None:
        connection.info[_CAPTURING] = True


def capturing(connection: Connection) -> bool:
    info = connection.info
    return bool(info.get(_CAPTURING)) and not info.get(_SUSPENDED)


@contextmanager
def capture_suspended(connection: Connection) -> Iterator[None]:
    """Writes inside are not captured: they come from the server (the apply path)."""
    before = connection.info.get(_SUSPENDED)
    connection.info[_SUSPENDED] = True
    try:
        yield
    finally:
        connection.info[_SUSPENDED] = before


# ---------------------------------------------------------------------------------------------------- SQL
def _uuid_text(expression: str) -> str:
    # SQLAlchemy stores a Uuid on SQLite as 32 hex digits; the wire form is the canonical 8-4-4-4-12 text.
    e = expression
    return (
        f"(substr({e}, 1, 8) || '-' || substr({e}, 9, 4) || '-' || substr({e}, 13, 4) || '-' || "
        f"substr({e}, 17, 4) || '-' || substr({e}, 21, 12))"
    )


def _sql_value(column, alias: str) -> str:
    """SQL for the wire form of `column` of row `alias`: what sync/values.py `encode_value` gives in Python."""
    ref = f"{alias}.{column.name}"
    kind = column.type
    if isinstance(kind, DateTime):
        return f"(replace({ref}, ' ', 'T') || '+00:00')"
    if isinstance(kind, Boolean):
        return f"json(CASE WHEN {ref} IS NULL THEN 'null' WHEN {ref} THEN 'true' ELSE 'false' END)"
    if isinstance(kind, JSON):
        return f"json({ref})"
    if isinstance(kind, Uuid):
        return _uuid_text(ref)
    if isinstance(kind, Date):
        return ref
    return ref


def _reference_sql(entity: Entity, column: str, alias: str) -> str:
    # The uid is formatted inside the lookup: around it, the lookup would run once per piece of the text.
    reference = entity.reference(column)
    uid_text = _uuid_text("x.uid")
    if reference.by:
        cases = " ".join(
            f"WHEN '{target}' THEN (SELECT {uid_text} FROM {target} x WHERE x.id = {alias}.{column})"
            for target in reference.targets
        )
        return f"(CASE {alias}.{reference.by} {cases} END)"
    return f"(SELECT {uid_text} FROM {reference.target} x WHERE x.id = {alias}.{column})"


def fields_sql(entity: Entity, columns: Iterable[str], alias: str = "t") -> str:
    """SQL for the JSON object of `columns` (value columns and reference columns) of row `alias`."""
    parts = []
    for name in columns:
        reference = entity.reference(name)
        if reference is not None:
            parts.append(f"'{reference.field}', {_reference_sql(entity, name, alias)}")
        else:
            parts.append(f"'{name}', {_sql_value(entity.table.c[name], alias)}")
    return f"json_object({', '.join(parts)})"


def travelling_columns(entity: Entity) -> tuple[str, ...]:
    """The columns whose values a new record sends: its fields and its references."""
    return (*entity.fields, *(r.column for r in entity.references))


_INSERT = (
    "INSERT INTO sync_change (seq, entity, uid, op, fields, base, region, region_before, recorded_at, state) "
)


def record_rows(
    connection: Connection,
    entity_name: str,
    where: str,
    params: Sequence[Any] = (),
    *,
    columns: Iterable[str] | None = None,
    op: str = UPSERT,
    whole_when_read: bool = False,
) -> int:
    """Appends one change per row of `entity_name` matching `where` (SQL over alias `t`, qmark `params`), in
    row id order: `columns` changed (None: a new record, all travelling columns), or a deletion. Does nothing
    when capture is off. Returns the changes appended.

    `whole_when_read`: the change of a whole record keeps no copy of its fields (NULL); the outbox reads them
    from the record when the change is sent. For a registry import of 1.2 million people, where writing every
    record a second time as JSON would make the import a third slower; the record travels as it then is (a
    later change of it travels again after it, so nothing is lost)."""
    if not capturing(connection):
        return 0
    entity = entities()[entity_name]
    if op == DELETE:
        fields = "'{}'"
    elif columns is None and whole_when_read:
        fields = "NULL"
    else:
        fields = fields_sql(entity, travelling_columns(entity) if columns is None else columns)
    sql = (
        f"{_INSERT}SELECT NULL, '{entity.name}', t.uid, '{op}', {fields}, "
        f"coalesce((SELECT v.server_seq FROM sync_version v WHERE v.entity = '{entity.name}' AND v.uid = t.uid), 0), "
        f"{region_sql(entity.name)}, NULL, ?, 'pending' FROM {entity.name} t WHERE {where} ORDER BY t.id"
    )
    return connection.exec_driver_sql(sql, (utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"), *params)).rowcount


def record_ids(
    connection: Connection,
    entity_name: str,
    ids: Iterable[int],
    *,
    columns: Iterable[str] | None = None,
    op: str = UPSERT,
) -> int:
    """`record_rows` for the rows of these ids."""
    ids = list(ids)
    if not ids or not capturing(connection):
        return 0
    return record_rows(
        connection,
        entity_name,
        "t.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
        columns=columns,
        op=op,
    )


def record_uids(
    connection: Connection,
    entity_name: str,
    uids: Iterable[uuid.UUID],
    *,
    columns: Iterable[str] | None = None,
    op: str = UPSERT,
) -> int:
    """`record_rows` for the rows of these uids (rows a bulk insert wrote, their ids not known)."""
    hexes = [u.hex for u in uids]
    if not hexes or not capturing(connection):
        return 0
    return record_rows(
        connection,
        entity_name,
        "t.uid IN (SELECT value FROM json_each(?))",
        (json.dumps(hexes),),
        columns=columns,
        op=op,
    )


def _regions(connection: Connection, entity_name: str, ids: list[int]) -> dict[int, str]:
    rows = connection.exec_driver_sql(
        f"SELECT t.id, {region_sql(entity_name)} FROM {entity_name} t "
        "WHERE t.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).all()
    return dict(rows)


# ---------------------------------------------------------------------------------------------- ORM writes
def _synced_states(objects: Iterable[Any]) -> Iterator[tuple[Entity, Any]]:
    for obj in objects:
        table = getattr(type(obj), "__tablename__", None)
        if table is not None and is_synced(table):
            yield entities()[table], inspect(obj)


def _changed_columns(entity: Entity, state) -> set[str]:
    travelling = set(travelling_columns(entity)) | {"deleted_at"}
    changed = set()
    for name, original in state.committed_state.items():
        if name in travelling and (original is NO_VALUE or original != state.dict.get(name)):
            changed.add(name)
    return changed


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    """Reads what the flush is about to overwrite: the region of records it may move and of those it
    deletes."""
    session.info.pop(_REGION_BEFORE, None)
    session.info.pop(_DELETED, None)
    if not (session.dirty or session.deleted) or not capturing(session.connection()):
        return
    connection = session.connection()
    moving: dict[str, list[Any]] = {}
    for entity, state in _synced_states(session.dirty):
        if state.key is not None and entity.region_columns & _changed_columns(entity, state):
            moving.setdefault(entity.name, []).append(state)
    before = {}
    for name, states in moving.items():
        regions = _regions(connection, name, [s.dict["id"] for s in states])
        before.update({(name, s.dict["uid"]): regions.get(s.dict["id"]) for s in states})
    session.info[_REGION_BEFORE] = before
    deleted = []
    for entity, state in _synced_states(session.deleted):
        region = _regions(connection, entity.name, [state.dict["id"]]).get(state.dict["id"], "")
        deleted.append((entity.name, state.dict["uid"], region))
    session.info[_DELETED] = deleted


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if not (session.new or session.dirty or session.deleted) or not capturing(session.connection()):
        return
    connection = session.connection()
    start = connection.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM sync_change").scalar_one()
    new: dict[str, list[int]] = {}
    for entity, state in _synced_states(session.new):
        new.setdefault(entity.name, []).append(state.dict["id"])
    changed: dict[tuple[str, frozenset[str], str], list[int]] = {}
    for entity, state in _synced_states(session.dirty):
        columns = _changed_columns(entity, state)
        if not columns:
            continue
        op = UPSERT
        if "deleted_at" in columns:
            columns.discard("deleted_at")
            if state.dict.get("deleted_at") is not None:
                op, columns = DELETE, set()
            else:  # restored: the record comes back whole
                columns = set(travelling_columns(entity))
        changed.setdefault((entity.name, frozenset(columns), op), []).append(state.dict["id"])
    for name in entities():
        if name in new:
            record_ids(connection, name, sorted(new[name]))
    for (name, columns, op), ids in sorted(
        changed.items(), key=lambda item: list(entities()).index(item[0][0])
    ):
        ordered = [c for c in travelling_columns(entities()[name]) if c in columns]
        record_ids(connection, name, sorted(ids), columns=ordered, op=op)
    _record_hard_deletes(connection, session.info.pop(_DELETED, []))
    _record_moves(connection, start, session.info.pop(_REGION_BEFORE, {}))


def _record_hard_deletes(connection: Connection, deleted: list[tuple[str, uuid.UUID, str]]) -> None:
    if not deleted:
        return
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    connection.exec_driver_sql(
        f"{_INSERT}VALUES (NULL, ?, ?, 'delete', '{{}}', coalesce((SELECT v.server_seq FROM sync_version v "
        "WHERE v.entity = ? AND v.uid = ?), 0), ?, NULL, ?, 'pending')",
        [(name, uid.hex, name, uid.hex, region or "", stamp) for name, uid, region in deleted],
    )


def _record_moves(
    connection: Connection, start: int, before: dict[tuple[str, uuid.UUID], str | None]
) -> None:
    """Notes the region a record left, on the changes that moved it (the server takes it out of the offices of
    the old region)."""
    if not before:
        return
    moved = []
    for seq, name, uid_hex, region in connection.exec_driver_sql(
        "SELECT seq, entity, uid, region FROM sync_change WHERE seq > ?", (start,)
    ):
        old = before.get((name, uuid.UUID(uid_hex)))
        if old is not None and old != region:
            moved.append((old, seq))
    if moved:
        connection.exec_driver_sql("UPDATE sync_change SET region_before = ? WHERE seq = ?", moved)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> Any:
    """ORM statements that write many rows at once (`session.execute(update(Model)…)`, `insert(Model)` with a
    list of rows) bypass the flush: their rows are captured here, around the statement."""
    if not (state.is_update or state.is_insert or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or not is_synced(name) or not capturing(state.session.connection()):
        return None
    entity = entities()[name]
    connection = state.session.connection()
    if state.is_insert:
        result = state.invoke_statement()
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        uids = [row["uid"] for row in rows if row.get("uid") is not None]
        record_uids(connection, name, uids)
        return result
    where = state.statement.whereclause
    query = select(table.c.id) if where is None else select(table.c.id).where(where)
    ids = list(connection.execute(query).scalars())
    result = state.invoke_statement()
    if state.is_delete:
        return result  # rows gone: nothing left to read (no synced record is hard-deleted in bulk)
    values = {
        getattr(key, "key", key): getattr(value, "value", value)
        for key, value in (state.statement._values or {}).items()
    }
    op = DELETE if values.get("deleted_at") is not None else UPSERT
    columns = [c for c in travelling_columns(entity) if c in values]
    if op == UPSERT and not columns:
        return result
    record_ids(connection, name, ids, columns=columns, op=op)
    return result


# --------------------------------------------------------------------------------------------- reading it
def outbox(
    connection: Connection,
    device: uuid.UUID | str,
    after_seq: int = 0,
    limit: int | None = None,
    state: str = "pending",
) -> list[Change]:
    """The changes of the outbox after `after_seq` in `state`, in order, as they travel: a whole record kept
    without its fields (`record_rows(whole_when_read=True)`) is read from the record now."""
    sql = (
        f"SELECT seq, entity, {_uuid_text('uid')}, op, fields, base, region, region_before, "
        f"{_sql_value(SyncChange.__table__.c.recorded_at, 'sync_change')} FROM sync_change "
        "WHERE seq > ? AND state = ? ORDER BY seq"
    )
    params: tuple = (after_seq, state)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    rows = connection.exec_driver_sql(sql, params).all()
    whole = _whole_records(
        connection, [(seq, name) for seq, name, _u, _o, fields, *_ in rows if fields is None]
    )
    device = str(device)
    loads = json.loads
    return [
        Change(
            device,
            seq,
            name,
            uid,
            op,
            loads(fields) if fields is not None else whole.get(seq, {}),
            base,
            region,
            region_before,
            recorded_at,
        )
        for seq, name, uid, op, fields, base, region, region_before, recorded_at in rows
    ]


def outbox_span(
    connection: Connection, after_seq: int = 0, limit: int | None = None, state: str = "pending"
) -> tuple[int, int, int] | None:
    """(first seq, last seq, count) of the changes `outbox` would return, or None when there are none."""
    sql = "SELECT seq FROM sync_change WHERE seq > ? AND state = ? ORDER BY seq"
    params: tuple = (after_seq, state)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    first, last, count = connection.exec_driver_sql(
        f"SELECT min(seq), max(seq), count(*) FROM ({sql})", params
    ).one()
    return (first, last, count) if count else None


def outbox_lines(
    connection: Connection, device: uuid.UUID | str, first: int, last: int, state: str = "pending"
) -> Iterator[str]:
    """The changes of `state` from seq `first` to `last`, in order, each as the JSON text of its
    `Change.to_dict()` (the same values), written by SQLite: an upload of 100,000 changes builds no Python
    object per change nor per field, and reads each whole record by its uid as the row is written."""
    # The subqueries' JSON is text to the outer query (SQLite keeps no JSON subtype across a subquery):
    # json() makes it a value again.
    whole = " ".join(
        f"WHEN '{name}' THEN (SELECT {fields_sql(entity, travelling_columns(entity))} FROM {name} t "
        "WHERE t.uid = c.uid)"
        for name, entity in entities().items()
    )
    sql = (
        f"SELECT json_object('device', ?, 'seq', c.seq, 'entity', c.entity, 'uid', {_uuid_text('c.uid')}, "
        f"'op', c.op, 'fields', json(coalesce(c.fields, CASE c.entity {whole} END, '{{}}')), 'base', c.base, "
        f"'region', c.region, 'region_before', c.region_before, "
        f"'at', {_sql_value(SyncChange.__table__.c.recorded_at, 'c')}) "
        "FROM sync_change c WHERE c.seq BETWEEN ? AND ? AND c.state = ? ORDER BY c.seq"
    )
    result = connection.exec_driver_sql(sql, (str(device), first, last, state))
    for (line,) in result:
        yield line


def _whole_records(connection: Connection, wanted: list[tuple[int, str]]) -> dict[int, dict[str, Any]]:
    """seq → all travelling fields of the record the change names, as stored now."""
    by_entity: dict[str, list[int]] = {}
    for seq, name in wanted:
        by_entity.setdefault(name, []).append(seq)
    found: dict[int, dict[str, Any]] = {}
    for name, seqs in by_entity.items():
        entity = entities()[name]
        for seq, fields in connection.exec_driver_sql(
            f"SELECT c.seq, {fields_sql(entity, travelling_columns(entity))} FROM sync_change c "
            f"JOIN {name} t ON t.uid = c.uid WHERE c.seq IN (SELECT value FROM json_each(?))",
            (json.dumps(seqs),),
        ):
            found[seq] = json.loads(fields)
    return found
