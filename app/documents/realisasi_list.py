"""The realisasi rows of an SK as a user browses them: filtered in the query (NIK or name, desa, channel, rows
with a consistency problem only, superseded and cancelled rows on request), counted, and read a page at a
time — an SK of 100,000 served recipients is never loaded whole.

"With a problem" follows the consistency check (`app.documents.consistency`) over current rows: the person is
not named by the SK, was served more than once, was served more than the SK's value, or this row was handed
over after the registry's date of death.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, require
from app.documents.realisasi import (
    READ_PERMISSION,
    RealisasiRow,
    SkRef,
    current_realisasi,
    realisasi_row,
    sk_for_realisasi,
)
from app.documents.realisasi_import import DEAD
from app.office import OfficeDatabase
from app.regions import region_names
from app.screening.programs import unit_of_work
from app.uow import UnitOfWork
from db.models import Person, Realisasi, SkPenerima, SkPenetapan

PAGE_SIZE = 500


@dataclass(frozen=True)
class RealisasiFilter:
    text: str = ""  # the start of a NIK, or part of a name
    kode_desa: str = ""  # a desa, or any region prefix
    saluran: str = ""
    problems_only: bool = False
    include_replaced: bool = (
        False  # superseded and cancelled rows too (shown with their state, never counted)
    )


@dataclass(frozen=True)
class RealisasiCount:
    rows: int  # the rows the filter shows (superseded and cancelled ones included when asked)
    current_rows: int  # of them, the current ones: what counts
    current_nilai: int


def _problem_niks(session: Session, sk: SkRef, own: str):
    """The NIKs whose current rows disagree with the SK: not named, served twice, or above its value."""
    served = (
        select(
            Realisasi.nik.label("nik"),
            func.count().label("kali"),
            func.sum(Realisasi.nilai).label("nilai"),
        )
        .where(Realisasi.sk_id == sk.id, current_realisasi(), Realisasi.kode_desa.startswith(own))
        .group_by(Realisasi.nik)
        .subquery()
    )
    decreed = (
        select(
            SkPenerima.nik.label("nik"),
            func.sum(
                case((SkPenerima.nilai > 0, SkPenerima.nilai), else_=SkPenetapan.nilai_per_penerima)
            ).label("nilai"),
        )
        .join(SkPenetapan, SkPenetapan.id == SkPenerima.sk_id)
        .where(
            SkPenerima.sk_id == sk.id,
            SkPenerima.masuk.is_(True),
            SkPenerima.deleted_at.is_(None),
            SkPenerima.kode_desa.startswith(own),
        )
        .group_by(SkPenerima.nik)
        .subquery()
    )
    return (
        select(served.c.nik)
        .outerjoin(decreed, decreed.c.nik == served.c.nik)
        .where(or_(decreed.c.nik.is_(None), served.c.kali > 1, served.c.nilai > decreed.c.nilai))
    )


def _served_after_death() -> ColumnElement[bool]:
    dead = select(Person.tgl_status).where(
        Person.nik == Realisasi.nik, Person.status == DEAD, Person.tgl_status.is_not(None)
    )
    return and_(current_realisasi(), Realisasi.tanggal > dead.scalar_subquery())


def _where(session: Session, user: CurrentUser, sk: SkRef, chosen: RealisasiFilter) -> list:
    own = user.region_code
    where: list = [Realisasi.sk_id == sk.id, Realisasi.kode_desa.startswith(own)]
    if not chosen.include_replaced:
        where.append(current_realisasi())
    else:
        where.append(Realisasi.deleted_at.is_(None))
    text = " ".join(chosen.text.split())
    if re.fullmatch(r"\d+", text):
        where.append(Realisasi.nik.startswith(text))
    elif text:
        where.append(Realisasi.nama.icontains(text, autoescape=True))
    if chosen.kode_desa:
        where.append(Realisasi.kode_desa.startswith(chosen.kode_desa))
    if chosen.saluran:
        where.append(Realisasi.saluran == chosen.saluran)
    if chosen.problems_only:
        where.append(or_(Realisasi.nik.in_(_problem_niks(session, sk, own)), _served_after_death()))
    return where


def count_realisasi(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, sk_id: int, chosen: RealisasiFilter
) -> RealisasiCount:
    """How many rows the filter shows, and the current ones among them with their value."""
    require(user, READ_PERMISSION)
    with unit_of_work(target) as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        is_current = current_realisasi()
        rows, current_rows, nilai = uow.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((is_current, 1), else_=0)), 0),
                func.coalesce(func.sum(case((is_current, Realisasi.nilai), else_=0)), 0),
            ).where(*_where(uow.session, user, sk, chosen))
        ).one()
        return RealisasiCount(rows, current_rows, nilai)


def find_realisasi(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    sk_id: int,
    chosen: RealisasiFilter,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[RealisasiRow]:
    """One page of the rows the filter shows, by date then NIK."""
    require(user, READ_PERMISSION)
    with unit_of_work(target) as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        query = (
            select(Realisasi)
            .where(*_where(uow.session, user, sk, chosen))
            .order_by(Realisasi.tanggal, Realisasi.nik, Realisasi.id)
            .offset(offset)
            .limit(limit)
        )
        return [realisasi_row(r) for r in uow.session.scalars(query)]


def realisasi_desa(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, sk_id: int
) -> list[tuple[str, str]]:
    """The desa of the SK's realisasi rows in the user's region, (code, name), for the desa filter."""
    require(user, READ_PERMISSION)
    with unit_of_work(target) as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        codes = list(
            uow.session.scalars(
                select(Realisasi.kode_desa)
                .where(Realisasi.sk_id == sk.id, Realisasi.kode_desa.startswith(user.region_code))
                .distinct()
                .order_by(Realisasi.kode_desa)
            )
        )
        names = region_names(uow.session, codes)
        return [(code, names.get(code, code)) for code in codes]
