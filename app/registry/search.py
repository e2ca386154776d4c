"""Finding people: by NIK, No. KK or name (partial, case- and spacing-insensitive), within the user's region.

Every query is a range scan on a B-tree (NIK, No. KK, the compact name key) or a word-prefix lookup in the
FTS5 name index, bounded by a LIMIT: answers stay in milliseconds at 1.2 million people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError
from app.i18n import N_
from app.uow import UnitOfWork

SEARCH_LIMIT = 500
_WORD = re.compile(r"[0-9A-Za-z]+")
PERSON_LIST_COLUMNS = (
    "p.id, p.nik, p.no_kk, p.nama, p.tgl_lahir, p.jenis_kelamin, p.kode_desa, p.hubungan_keluarga, p.status, "
    "p.missing_since_batch_id IS NOT NULL, p.flags"
)


class SearchTooShort(DomainError):
    """The query holds nothing a NIK, No. KK or name could start with (only quotes, * or %): answering would
    list arbitrary people, so the user is told to type more. The registry page shows it beside the search box."""

    def __init__(self, query: str) -> None:
        super().__init__(
            N_(
                'Pencarian "{query}" terlalu pendek: ketik paling sedikit satu huruf (A–Z) atau angka dari nama, '
                "NIK atau No. KK."
            ),
            query=query,
        )


@dataclass(frozen=True)
class PersonRow:
    id: int
    nik: str
    no_kk: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    kode_desa: str
    hubungan_keluarga: str
    status: str
    missing: bool
    flags: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    kind: str  # "semua" | "nik" | "nama"
    ids: tuple[int, ...]
    truncated: bool


def _row(values) -> PersonRow:
    born = values[4]
    if isinstance(born, str) and born:
        born = date.fromisoformat(born)
    return PersonRow(
        values[0],
        values[1],
        values[2],
        values[3],
        born or None,
        values[5],
        values[6],
        values[7],
        values[8],
        bool(values[9]),
        values[10] or "",
    )


def _upper_bound(prefix: str) -> str:
    """The smallest text greater than every text starting with `prefix` (for a B-tree range scan)."""
    return prefix + "\U0010ffff"


def _region_clause(alias: str = "p", by_id: bool = False) -> str:
    # Listing in id order: "+" keeps SQLite from choosing the kode_desa index and then sorting a million ids;
    # a scan in id order stops after one page.
    column = f"+{alias}.kode_desa" if by_id else f"{alias}.kode_desa"
    return f"{column} >= :region AND {column} < :region_end AND {alias}.deleted_at IS NULL"


def _region_params(user: CurrentUser) -> dict:
    return {"region": user.region_code, "region_end": _upper_bound(user.region_code)}


def search_people(uow: UnitOfWork, user: CurrentUser, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    require(user, Permission.PERSON_READ)
    query = query.strip()
    with uow:
        session = uow.session
        params = _region_params(user) | {"limit": limit + 1}
        compact = re.sub(r"[\s.\-]", "", query)
        if query and not _WORD.search(query):
            raise SearchTooShort(query)
        if not query:
            ids = []
            kind = "semua"
        elif compact.isdigit():
            kind = "nik"
            params |= {"q": compact, "q_end": _upper_bound(compact)}
            ids = list(
                session.execute(
                    text(
                        f"SELECT p.id FROM person p WHERE p.nik >= :q AND p.nik < :q_end AND {_region_clause()} "
                        "ORDER BY p.nik LIMIT :limit"
                    ),
                    params,
                ).scalars()
            )
            if len(ids) <= limit:
                seen = set(ids)
                ids += [
                    i
                    for i in session.execute(
                        text(
                            f"SELECT p.id FROM person p WHERE p.no_kk >= :q AND p.no_kk < :q_end AND {_region_clause()} "
                            "ORDER BY p.no_kk, p.id LIMIT :limit"
                        ),
                        params,
                    ).scalars()
                    if i not in seen
                ]
        else:
            kind = "nama"
            key = re.sub(r"[^0-9A-Z]", "", query.upper())
            params |= {"q": key, "q_end": _upper_bound(key)}
            ids = list(
                session.execute(
                    text(
                        f"SELECT p.id FROM person p WHERE p.nama_key >= :q AND p.nama_key < :q_end AND {_region_clause()} "
                        "ORDER BY p.nama_key, p.id LIMIT :limit"
                    ),
                    params,
                ).scalars()
            )
            words = _WORD.findall(query)
            if words and len(ids) <= limit:
                params["match"] = " AND ".join(f'"{w.upper()}"*' for w in words)
                seen = set(ids)
                ids += [
                    i
                    for i in session.execute(
                        text(
                            "SELECT p.id FROM person_fts f JOIN person p ON p.id = f.rowid "
                            f"WHERE person_fts MATCH :match AND {_region_clause()} LIMIT :limit"
                        ),
                        params,
                    ).scalars()
                    if i not in seen
                ]
        return SearchResult(query, kind, tuple(ids[:limit]), len(ids) > limit)


def _count(session, params: dict) -> int:
    # Both counts read indexes only (kode_desa, and the partial index of deleted records).
    return session.execute(
        text(
            "SELECT (SELECT count(*) FROM person WHERE kode_desa >= :region AND kode_desa < :region_end) - "
            "(SELECT count(*) FROM person INDEXED BY ix_person_deleted WHERE deleted_at IS NOT NULL "
            "AND kode_desa >= :region AND kode_desa < :region_end)"
        ),
        params,
    ).scalar_one()


def count_people(uow: UnitOfWork, user: CurrentUser) -> int:
    require(user, Permission.PERSON_READ)
    with uow:
        return _count(uow.session, _region_params(user))


def page_people(uow: UnitOfWork, user: CurrentUser, after_id: int, limit: int) -> list[PersonRow]:
    """People in id order after `after_id`: the browse-everything list pages through this (keyset paging)."""
    require(user, Permission.PERSON_READ)
    with uow:
        rows = uow.session.execute(
            text(
                f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE p.id > :after AND {_region_clause(by_id=True)} "
                "ORDER BY p.id LIMIT :limit"
            ),
            _region_params(user) | {"after": after_id, "limit": limit},
        ).all()
        return [_row(r) for r in rows]


def people_at(uow: UnitOfWork, user: CurrentUser, offset: int, limit: int) -> list[PersonRow]:
    """People at positions offset.. in id order (a jump of the scroll bar)."""
    require(user, Permission.PERSON_READ)
    params = _region_params(user) | {"offset": offset, "limit": limit}
    with uow:
        session = uow.session
        low, high = session.execute(text("SELECT min(id), max(id) FROM person")).one()
        visible = _count(session, params)
        if low is not None and visible == high - low + 1:
            # Every id from low to high is a visible person (the usual case: an office-wide account, records
            # never hard-deleted): position n is id low + n, found at once instead of stepping over n rows.
            query = (
                f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE p.id >= :first ORDER BY p.id LIMIT :limit"
            )
            params["first"] = low + offset
        else:
            query = (
                f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE {_region_clause(by_id=True)} "
                "ORDER BY p.id LIMIT :limit OFFSET :offset"
            )
        return [_row(r) for r in session.execute(text(query), params).all()]


def people_by_ids(uow: UnitOfWork, user: CurrentUser, ids: list[int]) -> list[PersonRow]:
    """The rows of `ids`, in that order; people outside the user's region are left out."""
    require(user, Permission.PERSON_READ)
    if not ids:
        return []
    with uow:
        rows = uow.session.execute(
            text(
                f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE p.id IN ({', '.join(str(int(i)) for i in ids)}) "
                f"AND {_region_clause()}"
            ),
            _region_params(user),
        ).all()
    by_id = {r[0]: _row(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]
