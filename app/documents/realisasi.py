"""Realisasi: who actually received a program's aid, when, how much and through which channel (Pergub
52/2020 Pasal 7 ayat 2), recorded against the final SK penetapan that decreed it.

A row is linked to the SK's lampiran row of the same NIK (`sk_penerima_id`) and to the registry's person;
the person also becomes a recipient of the program (`AidRecipient`, source "realisasi"), so that screening a
later list finds them. Typed here (`record_realisasi`) or imported from a bank's or post office's list
(`app.documents.realisasi_import`); both check the same rules, named here once.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, aliased

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError, Forbidden, NotFound
from app.i18n import N_
from app.office import OfficeDatabase
from app.screening.programs import overlaps, unit_of_work
from app.uow import UnitOfWork
from db.bulk_insert import insert_many
from db.models import AidRecipient, Person, Program, Realisasi, SkPenerima, SkPenetapan, utcnow
from sync.changes import record_ids, record_uids

# Recording realisasi is the operator's "input/import ... dalam wilayahnya" (Lampiran I–II); reading it
# shows names and NIKs, so it needs the right to read personal records. A guest has neither.
RECORD_PERMISSION = Permission.PROGRAM_MANAGE
READ_PERMISSION = Permission.PERSON_READ
SK_FINAL = "final"
AID_SOURCE = "realisasi"


class RealisasiStatus(StrEnum):
    """Realisasi are append-only (a correction supersedes): a row is never edited nor deleted, it changes
    state once, and only a current (berlaku) row counts."""

    BERLAKU = "berlaku"
    DIGANTIKAN = "digantikan"  # superseded by the correction naming it (`menggantikan_id`)
    DIBATALKAN = "dibatalkan"  # cancelled, with who, when and why


STATUS_LABELS = {
    RealisasiStatus.BERLAKU: N_("Berlaku"),
    RealisasiStatus.DIGANTIKAN: N_("Digantikan koreksi"),
    RealisasiStatus.DIBATALKAN: N_("Dibatalkan"),
}


def current_realisasi(table=Realisasi) -> ColumnElement[bool]:
    """The one condition for a realisasi row that counts — in the consistency check, monitoring, the
    semester report, the lists and the SK's served counts: not deleted, neither superseded nor cancelled.
    `table` is `Realisasi` or an alias of it."""
    return and_(table.deleted_at.is_(None), table.status == RealisasiStatus.BERLAKU.value)


def current_realisasi_sql(alias: str) -> str:
    """`current_realisasi` as SQL text over the table aliased `alias`, for the queries written in SQL."""
    condition = current_realisasi(aliased(Realisasi, name=alias))
    return str(condition.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


class Saluran(StrEnum):
    BANK = "bank"
    POS = "pos"
    NATURA = "natura"  # in kind (goods handed over)


SALURAN_LABELS = {
    Saluran.BANK: N_("Bank"),
    Saluran.POS: N_("Kantor pos"),
    Saluran.NATURA: N_("Natura (barang)"),
}


@dataclass(frozen=True)
class SkRef:
    """What recording against an SK needs of it, read once."""

    id: int
    program_id: int
    nomor: str
    tanggal: date | None
    kode_wilayah: str
    nilai_per_penerima: int


class SkRecipient(NamedTuple):
    """One lampiran row inside the quota: who the SK names, and for how much. (A tuple: an SK of 100,000
    recipients is read at every import.)"""

    id: int
    nik: str
    nama: str
    kode_desa: str
    nilai: int
    person_id: int | None


@dataclass(frozen=True)
class RealisasiInput:
    nik: str
    tanggal: date
    nilai: int  # rupiah
    saluran: str
    jumlah_fisik: float = 0
    satuan: str = ""


@dataclass(frozen=True)
class RealisasiRow:
    id: int
    sk_id: int | None
    nik: str
    nama: str
    kode_desa: str
    tanggal: date | None
    jumlah_fisik: float
    satuan: str
    nilai: int
    saluran: str
    sumber: str
    in_sk: bool
    status: str = RealisasiStatus.BERLAKU.value
    menggantikan_id: int | None = None
    alasan: str = ""  # why it corrects the row it replaces, or why it was cancelled
    dibatalkan_oleh: str = ""
    dibatalkan_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.status == RealisasiStatus.BERLAKU


def realisasi_row(r: Realisasi) -> RealisasiRow:
    return RealisasiRow(
        r.id, r.sk_id, r.nik, r.nama, r.kode_desa, r.tanggal, r.jumlah_fisik, r.satuan, r.nilai, r.saluran,
        r.sumber, r.sk_penerima_id is not None, r.status, r.menggantikan_id, r.alasan_batal or r.alasan,
        r.dibatalkan_oleh, r.dibatalkan_at,
    )  # fmt: skip


def sk_for_realisasi(session: Session, user: CurrentUser, sk_id: int) -> SkRef:
    """The final SK realisasi is recorded against or checked for, when the user's region overlaps it."""
    sk = session.get(SkPenetapan, sk_id)
    if sk is None or sk.deleted_at is not None:
        raise NotFound(
            N_("SK #{id} tidak ditemukan. Periksa nomornya dengan 'ejps sk list' atau di halaman SK."),
            id=sk_id,
        )
    if not overlaps(user, sk.kode_wilayah):
        raise Forbidden(
            N_("SK {nomor} untuk wilayah {region} berada di luar wilayah kerja Anda ({own})."),
            nomor=sk.nomor or f"#{sk.id}",
            region=sk.kode_wilayah,
            own=user.region_code,
        )
    return SkRef(sk.id, sk.program_id, sk.nomor, sk.tanggal, sk.kode_wilayah, sk.nilai_per_penerima)


def require_final(session: Session, sk: SkRef) -> None:
    """Aid is handed over on a decree that is signed: a draft SK may still change its recipients."""
    status = session.scalar(select(SkPenetapan.status).where(SkPenetapan.id == sk.id))
    if status != SK_FINAL:
        raise DomainError(
            N_(
                "SK {nomor} masih draf. Realisasi hanya dicatat untuk SK yang sudah final; finalkan SK itu "
                "dulu."
            ),
            nomor=sk.nomor or f"#{sk.id}",
        )


def sk_recipients(session: Session, sk: SkRef) -> dict[str, SkRecipient]:
    """The SK's recipients by NIK: the lampiran rows inside the quota (`masuk`)."""
    rows = session.connection().execute(  # Core: no ORM row handling for 100,000 rows
        select(
            SkPenerima.id,
            SkPenerima.nik,
            SkPenerima.nama,
            SkPenerima.kode_desa,
            SkPenerima.nilai,
            SkPenerima.person_id,
        ).where(SkPenerima.sk_id == sk.id, SkPenerima.masuk.is_(True), SkPenerima.deleted_at.is_(None))
    )
    fallback = sk.nilai_per_penerima
    return {r[1]: SkRecipient(r[0], r[1], r[2], r[3], r[4] or fallback, r[5]) for r in rows}


def clean_nik(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).lstrip("'`").removesuffix(".0")


def write_rows(uow: UnitOfWork, user: CurrentUser, sk: SkRef, rows: list[dict], reference: str) -> list[int]:
    """Inserts realisasi rows (dicts of Realisasi columns) and makes each person a recipient of the program
    once per SK; returns the new rows' ids. Adds to the caller's transaction, which commits."""
    session, now = uow.session, utcnow()
    common = {
        "created_at": now,
        "updated_at": now,
        "origin_device": uow.device_id,
        "created_by": user.username,
        "status": RealisasiStatus.BERLAKU.value,
    }
    first_id = (session.scalar(select(Realisasi.id).order_by(Realisasi.id.desc()).limit(1)) or 0) + 1
    # In NIK order: the NIK indexes then grow page by page instead of at random (a bank's list is in its
    # own order), which halves the time SQLite takes on 100,000 rows.
    ordered = sorted(rows, key=lambda row: row["nik"])
    records = [
        row | common | {"id": first_id + i, "uid": uuid.uuid4(), "program_id": sk.program_id, "sk_id": sk.id}
        for i, row in enumerate(ordered)
    ]
    connection = session.connection()
    insert_many(connection, Realisasi.__table__, records)
    record_ids(connection, "realisasi", [r["id"] for r in records])
    known = set(
        session.scalars(
            select(AidRecipient.nik).where(AidRecipient.sk_id == sk.id, AidRecipient.source == AID_SOURCE)
        )
    )
    recipients, seen = [], set(known)
    for row in ordered:
        if row["nik"] in seen:
            continue
        seen.add(row["nik"])
        recipients.append(
            {
                "uid": uuid.uuid4(),
                "program_id": sk.program_id,
                "nik": row["nik"],
                "source": AID_SOURCE,
                "reference": reference[:120],
                "tanggal": row["tanggal"],
                "sk_id": sk.id,
                "person_id": row["person_id"],
            }
            | {k: v for k, v in common.items() if k not in ("created_by", "status")}
        )
    insert_many(connection, AidRecipient.__table__, recipients)
    record_uids(connection, "aid_recipient", [r["uid"] for r in recipients])
    return [r["id"] for r in records]


def persons_by_nik(session: Session, niks) -> dict[str, tuple[int, str, str]]:
    """Registry people by NIK: (id, name, desa)."""
    found: dict[str, tuple[int, str, str]] = {}
    niks = list(niks)
    for start in range(0, len(niks), 900):
        for r in session.execute(
            select(Person.id, Person.nik, Person.nama, Person.kode_desa).where(
                Person.nik.in_(niks[start : start + 900])
            )
        ):
            found[r.nik] = (r.id, r.nama, r.kode_desa)
    return found


def _saluran(value: str) -> str:
    try:
        return Saluran(str(value).strip().lower()).value
    except ValueError:
        raise DomainError(
            N_('Saluran "{value}" tidak dikenal: pilih bank, pos atau natura.'), value=value
        ) from None


def checked_entry(entry: RealisasiInput) -> tuple[str, str]:
    """A typed handover's NIK and channel, or the DomainError saying which field is wrong."""
    nik = clean_nik(entry.nik)
    if not re.fullmatch(r"\d{16}", nik):
        raise DomainError(
            N_('Kolom NIK: "{value}" bukan NIK 16 digit. Perbaiki lalu simpan lagi.'), value=nik
        )
    saluran = _saluran(entry.saluran)
    if entry.tanggal is None:
        raise DomainError(N_("Kolom tanggal salur wajib diisi."))
    if entry.tanggal > date.today():
        raise DomainError(
            N_("Kolom tanggal salur: {date} berada di masa depan."), date=entry.tanggal.strftime("%d-%m-%Y")
        )
    if entry.nilai < 0 or entry.jumlah_fisik < 0:
        raise DomainError(N_("Kolom nilai dan jumlah tidak boleh negatif."))
    if entry.nilai == 0 and entry.jumlah_fisik == 0:
        raise DomainError(N_("Isi nilai (rupiah) atau jumlah fisik yang diserahkan: keduanya masih nol."))
    return nik, saluran


def recipient_in_scope(session: Session, user: CurrentUser, sk: SkRef, nik: str) -> SkRecipient:
    """The SK's lampiran row of `nik`, when the SK names them and they live in the user's region."""
    recipient = sk_recipients(session, sk).get(nik)
    if recipient is None:
        raise DomainError(
            N_(
                "NIK {nik} tidak tercantum dalam SK {nomor}. Realisasi hanya dicatat untuk penerima yang "
                "ditetapkan SK; periksa NIK-nya."
            ),
            nik=nik,
            nomor=sk.nomor,
        )
    if not user.covers(recipient.kode_desa):
        raise Forbidden(
            N_("Penerima {nik} tinggal di wilayah {region}, di luar wilayah kerja Anda ({own})."),
            nik=nik,
            region=recipient.kode_desa,
            own=user.region_code,
        )
    return recipient


def typed_row(session: Session, recipient: SkRecipient, entry: RealisasiInput, saluran: str) -> dict:
    """The Realisasi columns of a handover typed for `recipient`."""
    nik = recipient.nik
    return {
        "sk_penerima_id": recipient.id,
        "person_id": recipient.person_id or persons_by_nik(session, [nik]).get(nik, (None,))[0],
        "nik": nik,
        "nama": recipient.nama,
        "kode_desa": recipient.kode_desa,
        "tanggal": entry.tanggal,
        "jumlah_fisik": float(entry.jumlah_fisik),
        "satuan": entry.satuan.strip()[:40],
        "nilai": int(entry.nilai),
        "saluran": saluran,
        "sumber": "",
    }


def record_realisasi(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, sk_id: int, entry: RealisasiInput
) -> RealisasiRow:
    """Records one handover typed by the operator, for a recipient the final SK names, in their region."""
    require(user, RECORD_PERMISSION)
    nik, saluran = checked_entry(entry)
    with unit_of_work(target).writing() as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        require_final(uow.session, sk)
        recipient = recipient_in_scope(uow.session, user, sk, nik)
        row = typed_row(uow.session, recipient, entry, saluran)
        (new_id,) = write_rows(uow, user, sk, [row], sk.nomor)
        uow.audit(user, "realisasi.add", "realisasi", new_id, after=row | {"sk_id": sk.id})
        uow.commit()
    return RealisasiRow(
        new_id, sk.id, nik, recipient.nama, recipient.kode_desa, entry.tanggal, float(entry.jumlah_fisik),
        row["satuan"], int(entry.nilai), saluran, "", True,
    )  # fmt: skip


def list_realisasi(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, sk_id: int, limit: int | None = None
) -> list[RealisasiRow]:
    """The SK's current realisasi rows in the user's region, by date then NIK (the whole of a large SK, with
    filters and superseded rows, is `app.documents.realisasi_list.find_realisasi`)."""
    require(user, READ_PERMISSION)
    with unit_of_work(target) as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        query = (
            select(Realisasi)
            .where(
                Realisasi.sk_id == sk.id,
                current_realisasi(),
                Realisasi.kode_desa.startswith(user.region_code),
            )
            .order_by(Realisasi.tanggal, Realisasi.nik, Realisasi.id)
        )
        if limit:
            query = query.limit(limit)
        return [realisasi_row(r) for r in uow.session.scalars(query)]


@dataclass(frozen=True)
class SkChoice:
    id: int
    nomor: str
    program_id: int
    program: str
    tahun: int
    status: str


def list_sks_for_realisasi(target: OfficeDatabase | UnitOfWork, user: CurrentUser) -> list[SkChoice]:
    """Final SKs whose region overlaps the user's: what realisasi may be recorded against."""
    require(user, READ_PERMISSION)
    with unit_of_work(target) as uow:
        rows = uow.session.execute(
            select(SkPenetapan, Program.nama)
            .join(Program, Program.id == SkPenetapan.program_id)
            .where(SkPenetapan.deleted_at.is_(None), SkPenetapan.status == SK_FINAL)
            .order_by(SkPenetapan.tahun.desc(), SkPenetapan.id.desc())
        )
        return [
            SkChoice(sk.id, sk.nomor, sk.program_id, nama, sk.tahun, sk.status)
            for sk, nama in rows
            if overlaps(user, sk.kode_wilayah)
        ]
