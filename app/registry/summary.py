"""Published aggregates of the registry (what a guest may see: Pergub 52/2020 Lampiran I, "Guest ... hanya
dapat melihat dan melakukan pemantauan informasi yang dipublikasi"): counts per region, no personal data."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class _Tally:
    people: int = 0
    alive: int = 0
    dead: int = 0
    moved: int = 0
    missing: int = 0
    households: int = 0
    dtks: int = 0
    desil: dict[int, int] = field(default_factory=dict)

    def add(self, other: _Tally) -> None:
        for name in ("people", "alive", "dead", "moved", "missing", "households", "dtks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for desil, count in other.desil.items():
            self.desil[desil] = self.desil.get(desil, 0) + count

    def summary(self, code: str, name: str) -> RegionSummary:
        return RegionSummary(
            code,
            name,
            self.people,
            self.alive,
            self.dead,
            self.moved,
            self.missing,
            self.households,
            self.dtks,
            dict(sorted(self.desil.items())),
        )


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
    tallies: dict[str, _Tally] = {code: _Tally() for code in children_codes}
    for code, total, alive, dead, moved, missing, households in people:
        tally = tallies.setdefault(code, _Tally())
        tally.people, tally.alive, tally.dead, tally.moved = total, alive or 0, dead or 0, moved or 0
        tally.missing, tally.households = missing or 0, households
    for code, desil, count in dtks:
        tally = tallies.setdefault(code, _Tally())
        tally.dtks += count
        if desil is not None:
            tally.desil[int(desil)] = tally.desil.get(int(desil), 0) + count
    total = _Tally()
    for tally in tallies.values():
        total.add(tally)
    children = [tallies[code].summary(code, names.get(code, code)) for code in sorted(tallies)]
    return RegistrySummary(
        total.summary(prefix, names.get(prefix, prefix)),
        children,
        [(k, f, str(t or ""), r) for k, f, t, r in imports],
    )
