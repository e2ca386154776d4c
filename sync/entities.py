"""What travels: every synced table, the columns that go with it, its references, its region and its conflict
class. The laptop's capture, the local apply and the server read this one registry.

A record travels by `uid`; its local integer `id` never leaves the database. A reference travels as the
referenced record's uid in a field named for the column minus `_id` (`list_id` → `list_uid`). The region is
the Kemendagri code a change is scoped by: the server sends a change only to the offices whose region
overlaps it, and refuses one sent from outside the sender's region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property

from sqlalchemy import Table

from db.models import Base

# Never travel: the local id, the uid (the change's own key), and what each side sets for itself when it writes
# (`updated_at`, `origin_device`). `deleted_at` travels as the change's op "delete".
LOCAL_COLUMNS = frozenset({"id", "uid", "updated_at", "origin_device", "deleted_at"})

# The synced tables in an order where a record comes after the records it references (apply order; the
# references that still point forward — a list's last run, a proposal's result, an amended SK — are set in a
# second pass). `app_user` is absent on purpose: an office's accounts are its own, never sent nor received.
ENTITY_ORDER = (
    "import_batch",
    "household",
    "person",
    "dtks_record",
    "record_history",
    "program",
    "kuota_wilayah",
    "sk_penetapan",
    "proposal_list",
    "proposal",
    "screening_run",
    "screening_result",
    "proposal_decision",
    "sk_penerima",
    "realisasi",
    "aid_recipient",
    "form1",
    "form1_anggota",
    "audit_log",
)

# Integer columns that point at a row without a foreign key (kept without one for the speed of bulk writes).
_UNDECLARED_REFERENCES = {
    ("proposal_list", "last_run_id"): "screening_run",
    ("proposal", "result_id"): "screening_result",
    ("screening_result", "person_id"): "person",
    ("proposal_decision", "person_id"): "person",
}
# record_history.entity_id points at a person or a DTKS record, named by its `entity` column.
POLYMORPHIC_REFERENCES = {("record_history", "entity_id"): ("entity", ("person", "dtks_record"))}


class ConflictClass(StrEnum):
    """How the server judges two changes of the same fields (sync/apply.py)."""

    FIELDS = "fields"  # overlapping fields conflict; the server's value stays until resolved
    IDENTITY = "identity"  # as FIELDS, and identity fields are never overwritten silently
    APPEND_ONLY = "append_only"  # a new record only: an update of an existing one is refused
    STATE_MACHINE = "state_machine"  # a final record never changes; two finalisations conflict


# Who a person is (issue 12): a change to one of these fields that meets another is always a conflict.
PERSON_IDENTITY_FIELDS = frozenset({"nik", "nama", "tgl_lahir", "jenis_kelamin", "no_kk"})
# entity → the column that names its record in the world outside (unique in the table): two offices may give
# one person two uids, the server keeps one (sync/server/identity.py)
NATURAL_KEYS = {"person": "nik", "household": "no_kk", "dtks_record": "id_dtks"}

_CONFLICT_CLASSES = {
    "person": ConflictClass.IDENTITY,
    "screening_result": ConflictClass.APPEND_ONLY,
    "realisasi": ConflictClass.APPEND_ONLY,
    "audit_log": ConflictClass.APPEND_ONLY,
    "record_history": ConflictClass.APPEND_ONLY,
    "proposal_decision": ConflictClass.APPEND_ONLY,
    "sk_penetapan": ConflictClass.STATE_MACHINE,
}


@dataclass(frozen=True)
class RegionSource:
    """One place a record's region may come from, tried in order: a column of its own (`column`), or the
    region of the record a reference points at (`via` → `target`)."""

    column: str = ""
    via: str = ""
    target: str = ""


def _own(column: str) -> RegionSource:
    return RegionSource(column=column)


def _via(reference: str, target: str) -> RegionSource:
    return RegionSource(via=reference, target=target)


# A record's region: the first of its sources that is not empty; none → the office's (the server's: the
# province's). Decided here (issue 12 names the rest): a quota's or an SK's own code, else its program's;
# realisasi without an SK take their program's; a household its kode_desa; a screening result its proposal's.
_REGION_SOURCES: dict[str, tuple[RegionSource, ...]] = {
    "import_batch": (_own("region_code"),),
    "household": (_own("kode_desa"),),
    "person": (_own("kode_desa"),),
    "dtks_record": (_own("kode_desa"),),
    "record_history": (),  # its record's: see region_sql (polymorphic)
    "program": (_own("kode_wilayah"),),
    "kuota_wilayah": (_own("kode_wilayah"), _via("program_id", "program")),
    "sk_penetapan": (_own("kode_wilayah"), _via("program_id", "program")),
    "proposal_list": (_own("kode_wilayah_sumber"),),
    "proposal": (_own("kode_desa"), _via("list_id", "proposal_list")),
    "screening_run": (_via("list_id", "proposal_list"),),
    "screening_result": (_via("proposal_id", "proposal"),),
    "proposal_decision": (_via("proposal_id", "proposal"),),
    "sk_penerima": (_own("kode_desa"), _via("sk_id", "sk_penetapan")),
    "realisasi": (_own("kode_desa"), _via("sk_id", "sk_penetapan"), _via("program_id", "program")),
    "aid_recipient": (
        _via("person_id", "person"),
        _via("sk_id", "sk_penetapan"),
        _via("program_id", "program"),
    ),
    "form1": (_own("kode_desa"),),
    "form1_anggota": (_via("form_id", "form1"),),
    "audit_log": (),  # the office's own region
}


@dataclass(frozen=True)
class Reference:
    column: str  # the local integer column, e.g. "list_id"
    target: str  # the referenced table; for a polymorphic reference, "" (see `by` and `targets`)
    nullable: bool
    by: str = ""  # polymorphic: the column naming the target table
    targets: tuple[str, ...] = ()

    @cached_property  # read for every reference of every change an apply judges
    def field(self) -> str:
        """The reference's name on the wire."""
        return f"{self.column.removesuffix('_id')}_uid"


@dataclass(frozen=True)
class Entity:
    name: str  # the table name: the `entity` of a change
    table: Table
    fields: tuple[str, ...]  # the travelling value columns (references not included)
    references: tuple[Reference, ...]
    region_sources: tuple[RegionSource, ...]
    conflict_class: ConflictClass
    identity_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def region_columns(self) -> frozenset[str]:
        """The record's own columns its region depends on: a write to one of them may move the record."""
        own = {s.column or s.via for s in self.region_sources}
        own |= {r.column for r in self.references if r.by} | {r.by for r in self.references if r.by}
        return frozenset(own)

    def reference(self, column: str) -> Reference | None:
        return next((r for r in self.references if r.column == column), None)


def _entity(name: str) -> Entity:
    table = Base.metadata.tables[name]
    references = []
    for column in table.columns:
        if column.name in LOCAL_COLUMNS:
            continue
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if targets:
            references.append(Reference(column.name, targets.pop(), column.nullable))
        elif (name, column.name) in _UNDECLARED_REFERENCES:
            references.append(Reference(column.name, _UNDECLARED_REFERENCES[name, column.name], True))
        elif (name, column.name) in POLYMORPHIC_REFERENCES:
            by, targets_ = POLYMORPHIC_REFERENCES[name, column.name]
            references.append(Reference(column.name, "", column.nullable, by=by, targets=targets_))
    reference_columns = {r.column for r in references}
    fields = tuple(
        c.name for c in table.columns if c.name not in LOCAL_COLUMNS and c.name not in reference_columns
    )
    conflict_class = _CONFLICT_CLASSES.get(name, ConflictClass.FIELDS)
    identity = PERSON_IDENTITY_FIELDS if conflict_class is ConflictClass.IDENTITY else frozenset()
    return Entity(name, table, fields, tuple(references), _REGION_SOURCES[name], conflict_class, identity)


@cache
def entities() -> dict[str, Entity]:
    """Every synced entity by name, in apply order."""
    return {name: _entity(name) for name in ENTITY_ORDER}


def entity(name: str) -> Entity:
    return entities()[name]


def is_synced(table_name: str) -> bool:
    return table_name in entities()


def region_overlaps(record_region: str, office_region: str) -> bool:
    """Whether a record of `record_region` belongs in the copy of an office of `office_region`: one code is a
    prefix of the other. A person of desa 7501011001 belongs to office 7501; so does a province-wide program
    (75), which serves the office's people too."""
    return record_region.startswith(office_region) or office_region.startswith(record_region)


# ------------------------------------------------------------------------------------------------------ SQL
def _region_expression(name: str, alias: str, depth: int) -> str:
    """SQL for the region `name`'s record `alias` gets from its own sources, NULL when none has one."""
    parts = []
    for source in _REGION_SOURCES[name]:
        if source.column:
            parts.append(f"NULLIF({alias}.{source.column}, '')")
        else:
            inner = f"r{depth}"
            parts.append(
                f"(SELECT {_region_expression(source.target, inner, depth + 1)} FROM {source.target} {inner} "
                f"WHERE {inner}.id = {alias}.{source.via})"
            )
    for (table, column), (by, targets) in POLYMORPHIC_REFERENCES.items():
        if table == name:
            inner = f"r{depth}"
            cases = " ".join(
                f"WHEN '{target}' THEN (SELECT {_region_expression(target, inner, depth + 1)} FROM {target} "
                f"{inner} WHERE {inner}.id = {alias}.{column})"
                for target in targets
            )
            parts.append(f"(CASE {alias}.{by} {cases} END)")
    if not parts:
        return "NULL"
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def region_sql(
    name: str, alias: str = "t", fallback: str = "(SELECT region_code FROM office LIMIT 1)"
) -> str:
    """SQL (SQLite and PostgreSQL alike) for the region of the row `alias` of table `name`: usable for one row
    at capture time and for a whole region at once (`WHERE <region_sql> LIKE :region || '%'`, the snapshot).
    `fallback`: the region of a record with none of its own (the office's on a laptop; the server passes the
    province's code)."""
    return f"COALESCE({_region_expression(name, alias, 0)}, {fallback})"
