"""Quotas of a program and the ranking that fills them (Pergub 52/2020 Pasal 1 angka 9: a program has a quota;
Pergub 72/2018 A.4: under a quota, who drops out must be visible).

The order of the ranking, poorest first:
  1. DTKS/DTSEN desil at the program's level (`Program.desil_acuan`), ascending; a person without a desil
     comes after every ranked one;
  2. the program's tie-breakers: the older person first (birth date ascending; unknown last);
  3. then the earlier proposal row (the list drafted first, then its row number).

Quotas: the program's `kuota` (its total; 0 = none) and `KuotaWilayah` per kecamatan or desa. The rows are
walked in rank order; a row is in while every quota that covers its desa still has a place. Places already
taken by the program's other final SKs count (an SK this one amends does not: it is replaced). A row an admin
let in over a quota (`dipaksa_oleh`) is in and takes no place: the SK then exceeds that quota, which is what
the admin approved, audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require, require_record_in_scope
from app.documents.sk import SkStatus, report, sk_for_change, sk_in_scope
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.regions import display_name
from app.screening.programs import program_visible, unit_of_work
from db.bulk_insert import update_many
from db.models import (
    KuotaWilayah,
    Person,
    Program,
    Proposal,
    ProposalList,
    Region,
    SkPenerima,
    SkPenetapan,
    utcnow,
)
from sync.changes import record_ids

QUOTA_LEVELS = {6: N_("kecamatan"), 10: N_("desa/kelurahan")}

# Why a row is outside a quota, or in over one. Written once in Indonesian into SkPenerima.alasan (the
# decree's record) and shown in the reader's language from SkPenerima.alasan_rinci: stored rather than
# recomputed when read, since quotas may change after a draft was ranked or an SK finalised, and the reason
# shown must be the one that decided the row.
OUTSIDE_PROGRAM_QUOTA = N_(
    "Di luar kuota program: {batas} tempat sudah terisi oleh peringkat yang lebih tinggi; peringkat {peringkat}."
)
OUTSIDE_PROGRAM_QUOTA_AFTER_FINAL = N_(
    "Di luar kuota program: {batas} tempat sudah terisi oleh peringkat yang lebih tinggi ({sebelumnya} oleh SK "
    "final sebelumnya); peringkat {peringkat}."
)
OUTSIDE_REGION_QUOTA = N_(
    "Di luar kuota {wilayah} ({kode}): {batas} tempat sudah terisi oleh peringkat yang lebih tinggi; peringkat "
    "{peringkat}."
)
OUTSIDE_REGION_QUOTA_AFTER_FINAL = N_(
    "Di luar kuota {wilayah} ({kode}): {batas} tempat sudah terisi oleh peringkat yang lebih tinggi "
    "({sebelumnya} oleh SK final sebelumnya); peringkat {peringkat}."
)
FORCED_OVER_QUOTA = N_("Dimasukkan melebihi kuota oleh {admin}: {alasan}")


def ranking_reason(
    rinci: dict, region_name: Callable[[str], str], translate: Callable[[str], str] = N_
) -> str:
    """The sentence for a row's `alasan_rinci`: in Indonesian by default (as stored), or through `_`."""
    if "dipaksa_oleh" in rinci:
        return translate(FORCED_OVER_QUOTA).format(admin=rinci["dipaksa_oleh"], alasan=rinci["alasan"])
    code = rinci["kuota"]
    if code:
        text = OUTSIDE_REGION_QUOTA_AFTER_FINAL if rinci["sebelumnya"] else OUTSIDE_REGION_QUOTA
    else:
        text = OUTSIDE_PROGRAM_QUOTA_AFTER_FINAL if rinci["sebelumnya"] else OUTSIDE_PROGRAM_QUOTA
    return translate(text).format(
        wilayah=region_name(code) if code else "",
        kode=code,
        batas=rinci["batas"],
        sebelumnya=rinci["sebelumnya"],
        peringkat=rinci["peringkat"],
    )


@dataclass(frozen=True)
class RegionQuota:
    kode_wilayah: str
    nama_wilayah: str
    kuota: int


@dataclass(frozen=True)
class RankingRow:
    id: int  # the SK row
    peringkat: int | None
    urutan: int
    nik: str
    nama: str
    kode_desa: str
    desa: str
    desil: int | None
    tgl_lahir: date | None
    daftar: str  # the proposal list it came from
    baris: int | None  # its row there
    masuk: bool
    dipaksa_oleh: str
    alasan: str


# Quotas -----------------------------------------------------------------------------------------------------
def _program_for_quota(session, user: CurrentUser, program_id: int) -> Program:
    require(user, Permission.QUOTA_MANAGE)
    program = program_visible(session, user, program_id)
    require_record_in_scope(user, Permission.QUOTA_MANAGE, program.kode_wilayah)
    return program


def _count(value: object, label: str) -> int:
    text = str(value if value is not None else "").replace(".", "").strip() or "0"
    if not text.isdigit():
        raise DomainError(
            N_("{field}: {value} bukan bilangan bulat tak negatif."), field=_(label), value=value
        )
    return int(text)


def set_program_quota(target, user: CurrentUser, program_id: int, kuota: int | str) -> int:
    """The program's total quota (0 = none); admin only."""
    with unit_of_work(target).writing() as uow:
        program = _program_for_quota(uow.session, user, program_id)
        before = program.kuota
        program.kuota = _count(kuota, N_("Kuota program"))
        uow.audit(
            user,
            "kuota.program",
            "program",
            program.id,
            before={"kuota": before},
            after={"kuota": program.kuota},
        )
        uow.commit()
        return program.kuota


def set_region_quota(
    target, user: CurrentUser, program_id: int, kode_wilayah: str, kuota: int | str | None
) -> None:
    """The program's quota for one kecamatan (6 digits) or desa (10 digits) inside its region; admin only.
    None or 0 removes it."""
    with unit_of_work(target).writing() as uow:
        session = uow.session
        program = _program_for_quota(session, user, program_id)
        code = str(kode_wilayah or "").replace(".", "").strip()
        if len(code) not in QUOTA_LEVELS or session.get(Region, code) is None:
            raise DomainError(
                N_("Kuota wilayah: {code} bukan kode kecamatan (6 angka) atau desa (10 angka) Kemendagri."),
                code=code,
            )
        if not code.startswith(program.kode_wilayah):
            raise DomainError(
                N_("Kuota wilayah: {code} berada di luar wilayah program {name} ({region})."),
                code=code,
                name=program.nama,
                region=program.kode_wilayah,
            )
        require_record_in_scope(user, Permission.QUOTA_MANAGE, code)
        number = _count(kuota, N_("Kuota wilayah"))
        existing = session.scalars(
            select(KuotaWilayah).where(
                KuotaWilayah.program_id == program.id,
                KuotaWilayah.kode_wilayah == code,
                KuotaWilayah.deleted_at.is_(None),
            )
        ).first()
        before = existing.kuota if existing else None
        if number == 0:
            if existing is not None:
                existing.deleted_at = utcnow()
        elif existing is None:
            session.add(
                KuotaWilayah(
                    program_id=program.id, kode_wilayah=code, kuota=number, origin_device=uow.device_id
                )
            )
        else:
            existing.kuota = number
        uow.audit(
            user,
            "kuota.wilayah",
            "program",
            program.id,
            before={"kode_wilayah": code, "kuota": before},
            after={"kode_wilayah": code, "kuota": number or None},
        )
        uow.commit()


def list_region_quotas(target, user: CurrentUser, program_id: int) -> list[RegionQuota]:
    require(user, Permission.SK_DRAFT)
    with unit_of_work(target) as uow:
        session = uow.session
        program_visible(session, user, program_id)
        names = _namer(session)
        return [
            RegionQuota(q.kode_wilayah, names(q.kode_wilayah), q.kuota)
            for q in session.scalars(
                select(KuotaWilayah)
                .where(KuotaWilayah.program_id == program_id, KuotaWilayah.deleted_at.is_(None))
                .order_by(KuotaWilayah.kode_wilayah)
            )
        ]


def _namer(session):
    names = {
        code: display_name(name, kind)
        for code, name, kind in session.execute(select(Region.code, Region.name, Region.kind))
    }
    return lambda code: names.get(code, code)


# Ranking ----------------------------------------------------------------------------------------------------
def _places_taken_elsewhere(session, sk: SkPenetapan) -> Counter:
    """Rows in the program's other final SKs, by desa: they hold places of the same quotas. An SK amended by
    a final SK, or by this one, no longer holds any."""
    replaced = set(
        session.scalars(
            select(SkPenetapan.mengubah_sk_id).where(
                SkPenetapan.mengubah_sk_id.is_not(None),
                SkPenetapan.status == SkStatus.FINAL.value,
                SkPenetapan.deleted_at.is_(None),
            )
        )
    )
    if sk.mengubah_sk_id:
        replaced.add(sk.mengubah_sk_id)
    others = [
        i
        for i in session.scalars(
            select(SkPenetapan.id).where(
                SkPenetapan.program_id == sk.program_id,
                SkPenetapan.status == SkStatus.FINAL.value,
                SkPenetapan.deleted_at.is_(None),
                SkPenetapan.id != sk.id,
            )
        )
        if i not in replaced
    ]
    if not others:
        return Counter()
    return Counter(
        session.scalars(
            select(SkPenerima.kode_desa).where(
                SkPenerima.sk_id.in_(others), SkPenerima.masuk.is_(True), SkPenerima.deleted_at.is_(None)
            )
        )
    )


def rank_key(desil: int | None, tgl_lahir: date | None, list_order: int, baris: int, row_id: int):
    """The ranking order of the module docstring."""
    return (desil is None, desil or 0, tgl_lahir is None, tgl_lahir or date.max, list_order, baris, row_id)


# What the ranking decides for each row; `rank_rows` writes back only the rows where one of these changed.
RANKED = ("peringkat", "masuk", "alasan", "alasan_rinci", "urutan")
UPDATE_CHUNK = 10_000  # rows written between two looks at the progress' cancel


@dataclass(frozen=True)
class QuotaState:
    """The quotas a ranking fills: (code, limit) in the order they are tried ("" = the program's total), and
    the places the program's other final SKs already hold, by desa."""

    quotas: list[tuple[str, int]]
    taken_before: Counter
    names: Callable[[str], str]


def quota_state(session, sk: SkPenetapan) -> QuotaState:
    program = session.get(Program, sk.program_id)
    quotas: list[tuple[str, int]] = [
        (q.kode_wilayah, q.kuota)
        for q in session.scalars(
            select(KuotaWilayah).where(
                KuotaWilayah.program_id == sk.program_id, KuotaWilayah.deleted_at.is_(None)
            )
        )
    ]
    if program is not None and program.kuota:
        quotas.append(("", program.kuota))
    return QuotaState(quotas, _places_taken_elsewhere(session, sk), _namer(session))


def assign_ranking(rows: list[dict], keys: dict[int, tuple], state: QuotaState) -> int:
    """Sets each row's rank, whether it is in, why not, and its lampiran number (by desa, then rank), on plain
    dicts (id, kode_desa, nilai, dipaksa_oleh, alasan, alasan_rinci); `keys`: each row's `rank_key` by id.
    Returns the total value of the rows in."""
    rows.sort(key=lambda row: keys[row["id"]])
    quotas, taken_before = state.quotas, state.taken_before
    before = {
        code: sum(n for desa, n in taken_before.items() if desa.startswith(code)) for code, _n in quotas
    }
    used = dict(before)
    covering_of: dict[str, list[tuple[str, int]]] = {}
    for rank, row in enumerate(rows, start=1):
        row["peringkat"] = rank
        if row["dipaksa_oleh"]:
            row["masuk"] = True
            continue
        kode_desa = row["kode_desa"]
        covering = covering_of.get(kode_desa)
        if covering is None:
            covering = covering_of[kode_desa] = [(c, n) for c, n in quotas if kode_desa.startswith(c)]
        full = next(((code, limit) for code, limit in covering if used[code] >= limit), None)
        if full is None:
            row["masuk"], row["alasan"], row["alasan_rinci"] = True, "", None
            for code, _limit in covering:
                used[code] += 1
            continue
        code, limit = full
        row["masuk"] = False
        row["alasan_rinci"] = {"kuota": code, "batas": limit, "sebelumnya": before[code], "peringkat": rank}
        # Stored text, in the language of the decree (Indonesian), like a screening result's reason.
        row["alasan"] = ranking_reason(row["alasan_rinci"], state.names)
    number = 0
    for row in sorted(rows, key=lambda r: (r["kode_desa"], r["peringkat"])):
        if row["masuk"]:
            number += 1
            row["urutan"] = number
        else:
            row["urutan"] = 0
    return sum(row["nilai"] for row in rows if row["masuk"])


def rank_rows(session, sk: SkPenetapan, progress: Progress = NO_PROGRESS) -> None:
    """Ranks the SK's rows, marks who falls outside a quota and why, numbers the lampiran (by desa, then
    rank) and keeps the total. Called by every change of a draft's rows; never on a final SK.

    Set-based: the rows are read as plain values, ranked in Python, and only the rows whose ranking changed
    are written back, in one executemany (a province's SK has 100,000 rows)."""
    found = session.execute(
        select(
            SkPenerima.id, SkPenerima.kode_desa, SkPenerima.nilai, SkPenerima.dipaksa_oleh,
            *(getattr(SkPenerima, name) for name in RANKED),
            SkPenerima.desil, Person.tgl_lahir, Proposal.list_id, Proposal.baris,
        )
        .outerjoin(Person, Person.id == SkPenerima.person_id)
        .outerjoin(Proposal, Proposal.id == SkPenerima.proposal_id)
        .where(SkPenerima.sk_id == sk.id, SkPenerima.deleted_at.is_(None))
    ).all()  # fmt: skip
    rows, keys, stored = [], {}, {}
    for r in found:
        rows.append(
            {"id": r.id, "kode_desa": r.kode_desa, "nilai": r.nilai, "dipaksa_oleh": r.dipaksa_oleh}
            | {name: getattr(r, name) for name in RANKED}
        )
        keys[r.id] = rank_key(r.desil, r.tgl_lahir, r.list_id or 0, r.baris or 0, r.id)
        stored[r.id] = tuple(getattr(r, name) for name in RANKED)
    sk.total_nilai = assign_ranking(rows, keys, quota_state(session, sk))
    now = utcnow()
    changed = [
        {name: row[name] for name in RANKED} | {"updated_at": now, "id": row["id"]}
        for row in rows
        if tuple(row[name] for name in RANKED) != stored[row["id"]]
    ]
    connection = session.connection()
    for start in range(0, len(changed), UPDATE_CHUNK):
        progress.check()
        part = changed[start : start + UPDATE_CHUNK]
        update_many(connection, SkPenerima.__table__, part, unique=("alasan_rinci",))
        record_ids(connection, "sk_penerima", [r["id"] for r in part], columns=RANKED)
        report(progress, min(start + UPDATE_CHUNK, len(changed)), len(changed), N_("Menyusun peringkat..."))
    # SK rows the session holds (a row just forced in or taken out) were written behind its back: read again.
    for instance in list(session.identity_map.values()):
        if isinstance(instance, SkPenerima):
            session.expire(instance)
    session.flush()


def requota_sk(target, user: CurrentUser, sk_id: int, progress: Progress = NO_PROGRESS) -> list[RankingRow]:
    """Ranks a draft again, after the program's quotas or the registry's desil changed. Cancel (between
    chunks of rows written) changes nothing."""
    with unit_of_work(target).writing(waiting_for_writer(progress)) as uow:
        sk = sk_for_change(uow.session, user, sk_id)
        rank_rows(uow.session, sk, progress)
        progress.check()
        uow.audit(user, "sk.kuota_ulang", "sk_penetapan", sk.id, after={"total_nilai": sk.total_nilai})
        ranking = _ranking(uow.session, sk)
        uow.commit()
        return ranking


def sk_ranking(target, user: CurrentUser, sk_id: int) -> list[RankingRow]:
    """Every row of the SK in rank order, with who falls outside a quota and why."""
    with unit_of_work(target) as uow:
        return _ranking(uow.session, sk_in_scope(uow.session, user, sk_id))


def _ranking(session, sk: SkPenetapan) -> list[RankingRow]:
    names = _namer(session)
    rows = session.execute(
        select(
            SkPenerima.id, SkPenerima.peringkat, SkPenerima.urutan, SkPenerima.nik, SkPenerima.nama,
            SkPenerima.kode_desa, SkPenerima.desil, Person.tgl_lahir, ProposalList.nama.label("daftar"),
            Proposal.baris, SkPenerima.masuk, SkPenerima.dipaksa_oleh, SkPenerima.alasan, SkPenerima.alasan_rinci,
        )
        .outerjoin(Person, Person.id == SkPenerima.person_id)
        .outerjoin(Proposal, Proposal.id == SkPenerima.proposal_id)
        .outerjoin(ProposalList, ProposalList.id == Proposal.list_id)
        .where(SkPenerima.sk_id == sk.id, SkPenerima.deleted_at.is_(None))
        .order_by(SkPenerima.peringkat, SkPenerima.urutan, SkPenerima.id)
    ).all()  # fmt: skip
    return [
        RankingRow(
            r.id,
            r.peringkat,
            r.urutan,
            r.nik,
            r.nama,
            r.kode_desa,
            names(r.kode_desa),
            r.desil,
            r.tgl_lahir,
            r.daftar or "",
            r.baris,
            bool(r.masuk),
            r.dipaksa_oleh,
            # In the reader's language; rows ranked before the reasons were kept as data show the stored text.
            ranking_reason(r.alasan_rinci, names, _) if r.alasan_rinci else r.alasan,
        )
        for r in rows
    ]


def _row_of(session, sk: SkPenetapan, penerima_id: int) -> SkPenerima:
    row = session.get(SkPenerima, penerima_id)
    if row is None or row.sk_id != sk.id or row.deleted_at is not None:
        raise NotFound(N_("Baris #{id} tidak ada di SK ini."), id=penerima_id)
    return row


def force_into_sk(target, user: CurrentUser, sk_id: int, penerima_id: int, reason: str) -> list[RankingRow]:
    """Lets a row that falls outside a quota into the SK: the SK then exceeds the quota. Only an admin may
    (Lampiran II: the admin validates the operators' work); the reason is required and audited."""
    reason = (reason or "").strip()
    with unit_of_work(target).writing() as uow:
        session = uow.session
        sk = sk_for_change(session, user, sk_id)
        if not user.can(Permission.QUOTA_MANAGE):
            raise DomainError(
                N_(
                    "Memasukkan penerima melebihi kuota memerlukan persetujuan admin. Minta admin membuka SK ini "
                    "dan memasukkan baris tersebut."
                )
            )
        row = _row_of(session, sk, penerima_id)
        if not reason:
            raise DomainError(N_("Tuliskan alasan memasukkan baris ini melebihi kuota."))
        if row.masuk:
            raise DomainError(
                N_("{nama} sudah masuk SK; tidak perlu dimasukkan melebihi kuota."), nama=row.nama
            )
        before = {"masuk": row.masuk, "alasan": row.alasan}
        row.dipaksa_oleh = user.username
        row.alasan_rinci = {"dipaksa_oleh": user.username, "alasan": reason}
        row.alasan = ranking_reason(row.alasan_rinci, _namer(session))
        rank_rows(session, sk)
        uow.audit(
            user,
            "sk.melebihi_kuota",
            "sk_penerima",
            f"SK #{sk.id} {row.nik}",
            before=before,
            after={"masuk": True, "alasan": reason, "peringkat": row.peringkat},
        )
        ranking = _ranking(session, sk)
        uow.commit()
        return ranking


def remove_from_sk(target, user: CurrentUser, sk_id: int, penerima_id: int, reason: str) -> list[RankingRow]:
    """Takes a row out of a draft (e.g. found ineligible on a field check); the places move down the ranking."""
    reason = (reason or "").strip()
    with unit_of_work(target).writing() as uow:
        session = uow.session
        sk = sk_for_change(session, user, sk_id)
        row = _row_of(session, sk, penerima_id)
        if not reason:
            raise DomainError(N_("Tuliskan alasan mengeluarkan {nama} dari SK."), nama=row.nama)
        row.deleted_at = utcnow()
        rank_rows(session, sk)
        uow.audit(
            user,
            "sk.keluarkan",
            "sk_penerima",
            f"SK #{sk.id} {row.nik}",
            before={"nama": row.nama, "masuk": row.masuk},
            after={"alasan": reason},
        )
        ranking = _ranking(session, sk)
        uow.commit()
        return ranking
