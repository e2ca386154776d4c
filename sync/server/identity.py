"""One record per natural key on the server.

A person is their NIK, a household its KK number, a DTKS record its id: the province holds each once. Two offices
importing overlapping registry extracts (a kabupaten's and one of its kecamatan's) each give the same person a
uid of their own. The second to arrive names, under a new uid, a record the server holds: its change is about
that record — judged against it by the conflict rules like any change made without having seen it (base 0:
equal values apply, differing identity fields conflict) — and its uid becomes an *alias* of the held one, kept
in `record_alias`, so that the office's later changes of the record and other records' references to it
(a proposal naming the person) reach it too. The receipt tells the office the held uid; its copy takes it
(sync/local_apply.py: `adopt_uid`).

A change that would give a held record the natural key of another one (a NIK corrected into one already
taken) cannot be applied: it is refused, and the receipt says why.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import orjson
from sqlalchemy import JSON, Text, Uuid, any_, cast, func, literal, select
from sqlalchemy.orm import Session

from db.sync_models import ChangeLog, RecordAlias
from sync.changes import UPSERT, Change
from sync.entities import NATURAL_KEYS, entities, region_overlaps

# Fields of a new record that say how an office registered it (sync/entities.py's travelling fields)
REGISTRATION_FIELDS = frozenset({"created_at", "last_batch_uid", "missing_since_batch_uid"})
LOOKUP_CHUNK = 2_000  # values per IN (...) lookup: well under SQLite's and PostgreSQL's parameter limits


def parts(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(session: Session, column, values: list):
    """`column IN values`; on PostgreSQL `= ANY` of one array, sent as one JSON text that orjson writes in C and
    the database unpacks into the column's type: an IN list is compiled and sent as a thousand parameters, and
    psycopg adapts an array parameter element by element in Python (a tenth of a bundle's apply)."""
    if session.get_bind().dialect.name == "postgresql":
        document = literal(orjson.dumps(values).decode(), Text)
        elements = select(cast(func.json_array_elements_text(cast(document, JSON)), column.type))
        return column == any_(func.array(elements.scalar_subquery()))
    if isinstance(column.type, Uuid):  # its bind processor on SQLite takes UUIDs, not their text
        values = [value if isinstance(value, uuid.UUID) else uuid.UUID(value) for value in values]
    return column.in_(values)


@dataclass
class Identified:
    changes: list[Change]  # the bundle's changes, naming held records by their held uids
    held_as: dict[int, str] = field(default_factory=dict)  # change seq → the held uid, where it differed
    # (entity, held uid, region) of the records registered again: sent down whole as the server holds them,
    # so that the office that registered them again ends with the province's copy
    registered_again: list[tuple[str, str, str]] = field(default_factory=list)
    key_taken: set[int] = field(default_factory=set)  # change seqs giving a record another's natural key
    # entity → uids looked up here and not held (new records): the apply need not look for them again
    not_held: dict[str, set[str]] = field(default_factory=dict)


def identify(session: Session, device: uuid.UUID, device_region: str, changes: list[Change]) -> Identified:
    """The changes with aliases replaced by held uids (their own and their references'), new aliases made for
    records registered again; in the caller's transaction. The changes' uids are canonical (`canonical_uid`)."""
    known = entities()
    wanted: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        if change.entity in NATURAL_KEYS:
            wanted[change.entity].add(change.uid)
        for reference in known[change.entity].references if change.entity in known else ():
            value = change.fields.get(reference.field)
            ref_uid = canonical_uid(value)
            if ref_uid is not None:
                for target in reference.targets if reference.by else (reference.target,):
                    if target in NATURAL_KEYS:
                        wanted[target].add(ref_uid)
    if not wanted:
        return Identified(changes)
    aliases = _known_aliases(session, wanted)
    identified = Identified([])
    new_aliases, registrations = _registered_again(
        session, device, device_region, changes, aliases, identified
    )
    for (name, alias), uid in new_aliases.items():
        session.add(RecordAlias(entity=name, alias=uuid.UUID(alias), uid=uuid.UUID(uid), device=device))
    aliases.update(new_aliases)
    if not aliases and not registrations:
        identified.changes = changes
        return identified
    for change in changes:
        held_uid = aliases.get((change.entity, change.uid))
        fields = _with_held_references(change, aliases)
        if held_uid is not None:
            identified.held_as[change.seq] = held_uid
        if change.seq in registrations:
            # When and by which import each office registered it is its own bookkeeping, not a difference
            # about the person: the held record's stays, unjudged; and the record goes down whole as held.
            fields = {name: value for name, value in fields.items() if name not in REGISTRATION_FIELDS}
            uid = held_uid or change.uid
            identified.registered_again.append((change.entity, uid, registrations[change.seq]))
        if held_uid is not None or fields is not change.fields:
            change = replace(change, uid=held_uid or change.uid, fields=fields)
        identified.changes.append(change)
    return identified


def _known_aliases(session: Session, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for name, uids in wanted.items():
        for part in parts(sorted(uids)):
            query = select(RecordAlias.alias, RecordAlias.uid).where(
                RecordAlias.entity == name, among(session, RecordAlias.alias, part)
            )
            for alias, uid in session.execute(query):
                found[name, str(alias)] = str(uid)
    return found


def _registered_again(
    session: Session,
    device: uuid.UUID,
    device_region: str,
    changes: list[Change],
    aliases: dict[tuple[str, str], str],
    identified: Identified,
) -> tuple[dict[tuple[str, str], str], dict[int, str]]:
    """(entity, new uid) → held uid, for records a change creates under a new uid with a natural key the server
    holds; and the seqs of the changes that register a record the server holds (under a new uid, or under its
    own when the office took it from the server before sending its registration: a base-0 change naming the
    key of a record this device never sent a change of). Changes that would give a held record another's key
    are noted in `identified.key_taken`, and so are those naming the key of a record outside the device's
    region: another region's person is neither merged with nor shown to this office.

    The registrations map to the held record's region (where it is sent down whole again)."""
    new: dict[tuple[str, str], str] = {}
    registrations: dict[int, str] = {}
    for name, key in NATURAL_KEYS.items():
        proposed = [
            c
            for c in changes
            if c.entity == name and c.op == UPSERT and isinstance(c.fields.get(key), str)
            and (name, c.uid) not in aliases
        ]  # fmt: skip
        if not proposed:
            continue
        table = entities()[name].table
        values = sorted({c.fields[key] for c in proposed})
        uids = sorted({c.uid for c in proposed})
        owner: dict[str, str] = {}  # natural key → the uid holding it
        region_of: dict[str, str] = {}  # natural key → the holder's region
        held: set[str] = set()
        for part in parts(values):
            for value, uid, region in session.execute(
                select(table.c[key], table.c.uid, table.c.kode_desa).where(among(session, table.c[key], part))
            ):
                owner[value] = str(uid)
                region_of[value] = region
        for part in parts(uids):
            for (uid,) in session.execute(select(table.c.uid).where(among(session, table.c.uid, part))):
                held.add(str(uid))
        identified.not_held[name] = set(uids) - held
        held_registrations = []
        for change in proposed:
            uid = change.uid
            holder = owner.get(change.fields[key])
            if holder is None:
                continue
            region = region_of[change.fields[key]]
            if not region_overlaps(region, device_region):
                identified.key_taken.add(change.seq)
            elif holder == uid:
                if change.base == 0:
                    held_registrations.append(change)
            elif uid in held or (name, uid) in new:
                identified.key_taken.add(change.seq)
            else:
                new[name, uid] = holder
                registrations[change.seq] = region
        held_by_seq = {c.seq: c for c in held_registrations}
        for seq in _not_sent_by(session, device, name, held_registrations):
            registrations[seq] = region_of[held_by_seq[seq].fields[key]]
    return new, registrations


def _not_sent_by(session: Session, device: uuid.UUID, name: str, changes: list[Change]) -> set[int]:
    """The seqs of `changes` whose record has no change of `device` in the log: another office registered it."""
    if not changes:
        return set()
    sent: set[str] = set()
    for part in parts(sorted({c.uid for c in changes})):
        query = select(ChangeLog.uid).where(
            ChangeLog.entity == name, ChangeLog.device == device, among(session, ChangeLog.uid, part)
        )
        sent.update(str(uid) for uid in session.scalars(query))
    return {c.seq for c in changes if c.uid not in sent}


def _with_held_references(change: Change, aliases: dict[tuple[str, str], str]) -> dict:
    """The change's fields with references to aliases turned to the held uids (the same dict when none)."""
    entity = entities().get(change.entity)
    if entity is None:
        return change.fields
    fields = change.fields
    for reference in entity.references:
        value = canonical_uid(fields.get(reference.field))
        if value is None:
            continue
        targets = (fields.get(reference.by),) if reference.by else (reference.target,)
        for target in targets:
            held_uid = aliases.get((target, value))
            if held_uid is not None:
                if fields is change.fields:
                    fields = dict(fields)
                fields[reference.field] = held_uid
    return fields


_CANONICAL_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uid(value) -> str | None:
    """A uid in its canonical text (lower-case 8-4-4-4-12), as the laptops write it and the server compares
    and stores it; None when `value` is no uid (it names no record)."""
    if isinstance(value, str) and _CANONICAL_UID.fullmatch(value):
        return value  # the form every laptop sends: no UUID object made (a bundle names thousands)
    if value is None:
        return None  # an unset reference (most are): no exception raised and caught to say so
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None
