"""The conflict rules: what happens to one incoming change, given what the receiver holds of its record.

A change carries the version it was based on (`base`: the server stream number of the record as its device
last saw it). When nothing happened to the record since, the change applies. When something did, the fields
changed since are compared with the incoming ones, field by field:

- fields nobody else touched apply (a merge); a field both sides set to the same value is no conflict;
- a field both sides changed differently is a conflict: the receiver's value stays, both are stored for a
  person to decide (a person's identity fields are never overwritten silently, nor anything else);
- a delete against an update, either way round, is always a conflict;
- append-only records (screening results, realisasi, decisions, audit, history) are never changed once
  written: a correction is a new record that supersedes; only the fields that mark one superseded or
  cancelled may change;
- a final SK never changes; a second finalisation of the same SK conflicts with the first.

Pure functions on plain data, so the laptop and the server (SQLite and PostgreSQL) decide the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.Enum):
    APPLIED = "applied"
    CONFLICT = "conflict"
    REFUSED = "refused"


@dataclass(frozen=True)
class EntityRules:
    """How one record type takes changes (sync/entities.py gives each synced table its rules)."""

    identity_fields: frozenset[str] = frozenset()
    append_only: bool = False
    # Of an append-only record: the fields that may still change (a realisasi superseded or cancelled).
    mutable_fields: frozenset[str] = frozenset()
    # A state machine's field and final state (sk_penetapan: status = "final"): once there, nothing changes.
    final_state: tuple[str, str] | None = None


# Not frozen, as sync.changes.Change: one is made per change of a bundle.
@dataclass
class HeldRecord:
    """What the receiver holds of the record a change is about."""

    version: int  # the stream number of the last change to it (0: never numbered, e.g. created here)
    fields: Mapping[str, Any]  # its current travelling field values
    deleted: bool = False
    # The fields changed by changes numbered after the incoming change's base, and whether one of them was a
    # delete: what "happened since" the device last saw the record.
    changed_since_base: frozenset[str] = frozenset()
    deleted_since_base: bool = False


# Not frozen, as sync.changes.Change: one is made per change of a bundle.
@dataclass
class Decision:
    outcome: Outcome
    code: (
        str  # why: "" when applied cleanly; merged, same_values, concurrent_edit, identity, delete_update, …
    )
    apply_fields: dict[str, Any] = field(default_factory=dict)  # what to write (upsert)
    delete: bool = False  # whether to mark the record deleted
    # field -> (mine: the incoming value, theirs: the value held), for a stored conflict
    conflicting: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _differing(fields: Mapping[str, Any], held: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name not in held or held[name] != value}


def decide(
    rules: EntityRules, *, op: str, fields: Mapping[str, Any], base: int, held: HeldRecord | None
) -> Decision:
    """The decision on one change (`op` "upsert" or "delete", its `fields` and `base`) against `held`."""
    if held is None:
        if op == "delete":
            return Decision(Outcome.APPLIED, "nothing_to_delete")
        return Decision(Outcome.APPLIED, "", apply_fields=dict(fields))

    new_values = _differing(fields, held.fields) if op == "upsert" else {}
    if op == "upsert" and not new_values and not held.deleted:
        return Decision(Outcome.APPLIED, "same_values")

    if rules.append_only:
        if op == "delete" or set(new_values) - rules.mutable_fields:
            return Decision(Outcome.REFUSED, "append_only")

    if rules.final_state is not None:
        state_field, final = rules.final_state
        if held.fields.get(state_field) == final and not held.deleted:
            mine_vs_theirs = {name: (value, held.fields.get(name)) for name, value in new_values.items()}
            return Decision(Outcome.CONFLICT, "final", conflicting=mine_vs_theirs)

    concurrent = base != held.version
    if op == "delete":
        if held.deleted:
            return Decision(Outcome.APPLIED, "same_values")
        if concurrent and (held.changed_since_base - {"deleted_at"}):
            return Decision(Outcome.CONFLICT, "delete_update", conflicting={"deleted_at": ("deleted", None)})
        return Decision(Outcome.APPLIED, "", delete=True)

    if held.deleted:
        if concurrent and held.deleted_since_base:
            return Decision(
                Outcome.CONFLICT,
                "delete_update",
                conflicting={name: (value, None) for name, value in new_values.items()},
            )
        # The device saw the delete and still wrote the record: it brings it back, knowingly.
        return Decision(Outcome.APPLIED, "restored", apply_fields=dict(new_values))

    if not concurrent:
        return Decision(Outcome.APPLIED, "", apply_fields=new_values)

    overlapping = {name for name in new_values if name in held.changed_since_base}
    mergeable = {name: value for name, value in new_values.items() if name not in overlapping}
    if not overlapping:
        return Decision(Outcome.APPLIED, "merged", apply_fields=mergeable)
    code = "identity" if overlapping & rules.identity_fields else "concurrent_edit"
    return Decision(
        Outcome.CONFLICT,
        code,
        apply_fields=mergeable,
        conflicting={name: (new_values[name], held.fields.get(name)) for name in sorted(overlapping)},
    )
