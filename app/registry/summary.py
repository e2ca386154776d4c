"""Published aggregates of the registry (what a guest may see: Pergub 52/2020 Lampiran I, "Guest ... hanya
dapat melihat dan melakukan pemantauan informasi yang dipublikasi"): counts per region, no personal data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from app.auth.roles import CurrentUser, Permission, require, scope_prefix
from app.uow import UnitOfWork


@dataclass(frozen=True)
class RegionSummary:
    code: str
    name: str
    people: int
    alive: int
    dead: int
    moved: int
    missing: int
    households: int
    dtks_people: int
    desil: dict[int, int]


@dataclass(frozen=True)
class RegistrySummary:
    region: RegionSummary
    children: list[RegionSummary]
    last_imports: list[tuple[str, str, str, int]]  # (kind, file, finished_at, rows)


def _child_length(code: str) -> int:
    return {2: 4, 4: 6, 6: 10}.get(len(code), 10)


def registry_summary(uow: UnitOfWork, user: CurrentUser, region: str | None = None) -> RegistrySummary:
    require(user, Permission.AGGREGATE_READ, region=region)
    prefix = scope_prefix(user, region)
    length = _child_length(prefix)
    with uow:
        session = uow.session
        params = {"prefix": prefix, "prefix_end": prefix + "\U0010ffff", "length": length}
        people = session.execute(
            text(
                "SELECT substr(kode_desa, 1, :length) AS code, count(*), sum(status = 'hidup'), "
                "sum(status = 'meninggal'), sum(status = 'pindah'), sum(missing_since_batch_id IS NOT NULL), "
                "count(DISTINCT no_kk) FROM person WHERE kode_desa >= :prefix AND kode_desa < :prefix_end "
                "AND deleted_at IS NULL GROUP BY code"
            ),
            params,
        ).all()
        dtks = session.execute(
            text(
                "SELECT substr(kode_desa, 1, :length) AS code, desil, count(*) FROM dtks_record "
                "WHERE kode_desa >= :prefix AND kode_desa < :prefix_end AND deleted_at IS NULL "
                "AND missing_since_batch_id IS NULL GROUP BY code, desil"
            ),
            params,
        ).all()
        names = dict(
            session.execute(
                text("SELECT code, name FROM region WHERE code = :prefix OR (parent_code = :prefix)"), params
            ).all()
        )
        children_codes = [c for c in names if c != prefix]
        imports = session.execute(
            text("SELECT kind, file_name, finished_at, rows_read FROM import_batch ORDER BY id DESC LIMIT 5")
        ).all()
    by_code: dict[str, dict] = {
        code: {
            "people": 0,
            "alive": 0,
            "dead": 0,
            "moved": 0,
            "missing": 0,
            "households": 0,
            "dtks": 0,
            "desil": {},
        }
        for code in children_codes
    }
    for code, total, alive, dead, moved, missing, households in people:
        entry = by_code.setdefault(code, {"dtks": 0, "desil": {}})
        entry.update(
            people=total,
            alive=alive or 0,
            dead=dead or 0,
            moved=moved or 0,
            missing=missing or 0,
            households=households,
        )
    for code, desil, count in dtks:
        entry = by_code.setdefault(
            code,
            {
                "people": 0,
                "alive": 0,
                "dead": 0,
                "moved": 0,
                "missing": 0,
                "households": 0,
                "dtks": 0,
                "desil": {},
            },
        )
        entry["dtks"] += count
        if desil is not None:
            entry["desil"][int(desil)] = entry["desil"].get(int(desil), 0) + count

    def summary(code: str, values: dict) -> RegionSummary:
        return RegionSummary(
            code,
            names.get(code, code),
            values.get("people", 0),
            values.get("alive", 0),
            values.get("dead", 0),
            values.get("moved", 0),
            values.get("missing", 0),
            values.get("households", 0),
            values.get("dtks", 0),
            dict(sorted(values["desil"].items())),
        )

    children = [summary(code, by_code[code]) for code in sorted(by_code)]
    total = {
        "people": 0,
        "alive": 0,
        "dead": 0,
        "moved": 0,
        "missing": 0,
        "households": 0,
        "dtks": 0,
        "desil": {},
    }
    for child in children:
        total["people"] += child.people
        total["alive"] += child.alive
        total["dead"] += child.dead
        total["moved"] += child.moved
        total["missing"] += child.missing
        total["households"] += child.households
        total["dtks"] += child.dtks_people
        for desil, count in child.desil.items():
            total["desil"][desil] = total["desil"].get(desil, 0) + count
    return RegistrySummary(
        summary(prefix, total), children, [(k, f, str(t or ""), r) for k, f, t, r in imports]
    )
