"""Consistency of realisasi with the SK penetapan (Pergub 52/2020 Pasal 7 ayat 2 huruf c: monitoring checks
that aid reached the people it was decreed for): who was served without being named, who was named and
never served, who received more than decreed, who was served twice, who was served after their death.

Each problem names its person, a sentence in words and its evidence — the realisasi rows (date, value,
channel, the file row they came from), the SK row, the date of death — so the officer can act on it without
looking anything up. For one SK, or for a program (every final SK of it together). An operator sees the
problems of their own region only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.audit import audit_export
from app.auth.roles import CurrentUser, require
from app.documents.realisasi import READ_PERMISSION, SK_FINAL, current_realisasi, sk_for_realisasi
from app.documents.realisasi_import import DEAD
from app.errors import DomainError
from app.formats import format_number
from app.i18n import N_, _, current_language
from app.office import OfficeDatabase
from app.screening.programs import program_visible, unit_of_work
from app.uow import UnitOfWork
from db.models import Person, Realisasi, SkPenerima, SkPenetapan


class ProblemKind(StrEnum):
    """In the order they are listed: the gravest first."""

    DI_LUAR_SK = "di_luar_sk"
    SETELAH_MENINGGAL = "setelah_meninggal"
    MELEBIHI_NILAI = "melebihi_nilai"
    GANDA = "ganda"
    TIDAK_DISALURKAN = "tidak_disalurkan"


@dataclass(frozen=True)
class ProblemSpec:
    label: str
    sentence: str


# One table of every problem: its name and the sentence that explains one occurrence.
PROBLEMS: dict[ProblemKind, ProblemSpec] = {
    ProblemKind.DI_LUAR_SK: ProblemSpec(
        N_("Menerima tetapi tidak ada di SK"),
        N_("{nama} ({nik}) menerima {nilai} ({n} kali) tetapi tidak tercantum dalam SK {sk}."),
    ),
    ProblemKind.TIDAK_DISALURKAN: ProblemSpec(
        N_("Ada di SK, belum menerima"),
        N_("{nama} ({nik}) ditetapkan dalam SK {sk} (No. {urutan}, {nilai}) tetapi belum tercatat menerima."),
    ),
    ProblemKind.MELEBIHI_NILAI: ProblemSpec(
        N_("Nilai melebihi SK"),
        N_("{nama} ({nik}) menerima {nilai} seluruhnya, melebihi {sk_nilai} yang ditetapkan SK {sk}."),
    ),
    ProblemKind.GANDA: ProblemSpec(
        N_("Menerima lebih dari sekali"),
        N_("{nama} ({nik}) tercatat menerima {n} kali: {dates}."),
    ),
    ProblemKind.SETELAH_MENINGGAL: ProblemSpec(
        N_("Disalurkan setelah meninggal"),
        N_("{nama} ({nik}) tercatat meninggal pada {death}, tetapi disalurkan pada {dates}."),
    ),
}


@dataclass(frozen=True)
class Evidence:
    """One fact a problem rests on: a realisasi row, an SK row, or the registry's date of death."""

    kind: str  # realisasi | sk | meninggal
    text: str


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    nik: str
    nama: str
    kode_desa: str
    sentence: str
    evidence: tuple[Evidence, ...]

    @property
    def label(self) -> str:
        return _(PROBLEMS[self.kind].label)


@dataclass(frozen=True)
class ConsistencyReport:
    scope: str  # "SK 12/2026" or the program's name
    sk_count: int
    recipients: int  # SK rows inside the quota (in the user's region)
    served: int  # of them, served at least once
    realisasi_rows: int
    realisasi_nilai: int
    problems: tuple[Problem, ...]

    def count(self, kind: ProblemKind) -> int:
        return sum(1 for p in self.problems if p.kind is kind)

    def counts(self) -> dict[ProblemKind, int]:
        return {kind: self.count(kind) for kind in ProblemKind}


@lru_cache(maxsize=4096)
def _rupiah_in(value: int, language: str) -> str:
    return "Rp " + format_number(value)


def _rupiah(value: int) -> str:
    # Cached: a bank's list repeats a handful of amounts, and babel takes 0.1 ms a number.
    return _rupiah_in(value, current_language())


def _day(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "-"


def check_consistency(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    sk_id: int | None = None,
    program_id: int | None = None,
) -> ConsistencyReport:
    """The problems of one SK (`sk_id`) or of a program's SKs in force together (`program_id`)."""
    require(user, READ_PERMISSION)
    if (sk_id is None) == (program_id is None):
        raise DomainError(N_("Pilih satu SK atau satu program untuk diperiksa."))
    with unit_of_work(target) as uow:
        session = uow.session
        if sk_id is not None:
            sk = sk_for_realisasi(session, user, sk_id)
            sks = {sk.id: sk.nomor or f"#{sk.id}"}
            scope = _("SK {nomor}").format(nomor=sks[sk.id])
            realisasi_where = [Realisasi.sk_id == sk.id]
        else:
            program = program_visible(session, user, program_id)
            sks = sks_in_force(session, program.id)
            scope = program.nama
            realisasi_where = [Realisasi.program_id == program.id]
        sk_rows, realisasi, deaths = _read(session, sks, realisasi_where, user.region_code)
    problems = _problems(sks, sk_rows, realisasi, deaths)
    served = {r.nik for r in realisasi}
    named = {r.nik for r in sk_rows}
    return ConsistencyReport(
        scope,
        len(sks),
        len(named),
        len(named & served),
        len(realisasi),
        sum(r.nilai for r in realisasi),
        tuple(problems),
    )


def sks_in_force(session, program_id: int, until: date | None = None) -> dict[int, str]:
    """The program's final SKs (dated by `until`, when given) whose recipients stand: an SK amended by a later
    final SK no longer counts, as its recipients were replaced (`sk_final.freeze`)."""
    dated = (lambda column: column.is_(None) | (column <= until)) if until else (lambda column: True)
    amending = aliased(SkPenetapan)
    superseded = (
        select(amending.id)
        .where(
            amending.mengubah_sk_id == SkPenetapan.id,
            amending.status == SK_FINAL,
            amending.deleted_at.is_(None),
            dated(amending.tanggal),
        )
        .exists()
    )
    return {
        row.id: row.nomor or f"#{row.id}"
        for row in session.execute(
            select(SkPenetapan.id, SkPenetapan.nomor).where(
                SkPenetapan.program_id == program_id,
                SkPenetapan.status == SK_FINAL,
                SkPenetapan.deleted_at.is_(None),
                dated(SkPenetapan.tanggal),
                ~superseded,
            )
        )
    }


def program_problems(session, program_id: int, region: str, until: date) -> list[Problem]:
    """The problems of a program's SKs in force on `until`, over what was handed over by then, for recipients
    in `region`. No permission is checked: monitoring counts these (counts only, no names) for any reader of
    aggregates; a caller that shows the problems must check `READ_PERMISSION` itself."""
    sks = sks_in_force(session, program_id, until)
    where = [Realisasi.program_id == program_id, Realisasi.tanggal <= until]
    return _problems(sks, *_read(session, sks, where, region))


def _read(session, sks: dict[int, str], realisasi_where, region: str):
    """The SK rows inside the quota and the realisasi rows of recipients in `region`, and the dates of death
    of the people served."""
    connection = session.connection()  # Core: no ORM row handling for 100,000 rows
    sk_rows = connection.execute(
        select(
            SkPenerima.sk_id,
            SkPenerima.urutan,
            SkPenerima.nik,
            SkPenerima.nama,
            SkPenerima.kode_desa,
            SkPenerima.nilai,
            SkPenetapan.nilai_per_penerima,
        )
        .join(SkPenetapan, SkPenetapan.id == SkPenerima.sk_id)
        .where(
            SkPenerima.sk_id.in_(list(sks) or [-1]),
            SkPenerima.masuk.is_(True),
            SkPenerima.deleted_at.is_(None),
            SkPenerima.kode_desa.startswith(region),
        )
    ).all()
    realisasi = connection.execute(
        select(
            Realisasi.id,
            Realisasi.sk_id,
            Realisasi.nik,
            Realisasi.nama,
            Realisasi.kode_desa,
            Realisasi.tanggal,
            Realisasi.nilai,
            Realisasi.jumlah_fisik,
            Realisasi.satuan,
            Realisasi.saluran,
            Realisasi.sumber,
            Realisasi.person_id,
        )
        .where(*realisasi_where, current_realisasi(), Realisasi.kode_desa.startswith(region))
        .order_by(Realisasi.tanggal, Realisasi.id)
    ).all()
    deaths = _deaths(session, realisasi_where, {r.nik for r in realisasi if r.person_id is None})
    return sk_rows, realisasi, deaths


def _deaths(session, realisasi_where, unlinked: set[str]) -> dict[str, date]:
    """People served whom the registry records as dead, with the date: one join over the linked rows, and
    a look-up by NIK for the few rows linked to no person."""
    found = dict(
        session.execute(
            select(Person.nik, Person.tgl_status)
            .join(Realisasi, Realisasi.person_id == Person.id)
            .where(
                *realisasi_where, current_realisasi(), Person.status == DEAD, Person.tgl_status.is_not(None)
            )
            .distinct()
        ).all()
    )
    niks = sorted(unlinked)
    for start in range(0, len(niks), 900):
        found.update(
            session.execute(
                select(Person.nik, Person.tgl_status).where(
                    Person.nik.in_(niks[start : start + 900]),
                    Person.status == DEAD,
                    Person.tgl_status.is_not(None),
                )
            ).all()
        )
    return found


def _realisasi_evidence(row) -> Evidence:
    amount = _rupiah(row.nilai) if row.nilai else ""
    quantity = f"{format_number(row.jumlah_fisik)} {row.satuan}".strip() if row.jumlah_fisik else ""
    where = f"; {row.sumber}" if row.sumber else ""
    return Evidence(
        "realisasi",
        _("Realisasi {date}: {what}, {channel}{where}").format(
            date=_day(row.tanggal),
            what=", ".join(x for x in (amount, quantity) if x) or "-",
            channel=row.saluran or "-",
            where=where,
        ),
    )


def _problems(sks: dict[int, str], sk_rows, realisasi, deaths: dict[str, date]) -> list[Problem]:
    named: dict[str, list] = defaultdict(list)
    for row in sk_rows:
        named[row.nik].append(row)
    served: dict[str, list] = defaultdict(list)
    for row in realisasi:
        served[row.nik].append(row)
    problems: list[Problem] = []

    def add(kind: ProblemKind, nik: str, nama: str, kode_desa: str, evidence: list[Evidence], **params):
        sentence = _(PROBLEMS[kind].sentence).format(nama=nama or "-", nik=nik, **params)
        problems.append(Problem(kind, nik, nama, kode_desa, sentence, tuple(evidence)))

    def sk_evidence(row) -> Evidence:
        value = row.nilai or row.nilai_per_penerima
        return Evidence(
            "sk",
            _("SK {sk} No. {urutan}: {nilai}").format(
                sk=sks[row.sk_id], urutan=row.urutan, nilai=_rupiah(value)
            ),
        )

    for nik, rows in served.items():
        first = rows[0]
        total = sum(r.nilai for r in rows)
        decreed = named.get(nik)
        sk_value = sum(r.nilai or r.nilai_per_penerima for r in decreed) if decreed else 0
        if decreed and total <= sk_value and len(rows) == 1:
            continue  # served once, within the SK's value: the common case, with nothing to say
        evidence = [_realisasi_evidence(r) for r in rows]
        if not decreed:
            add(
                ProblemKind.DI_LUAR_SK, nik, first.nama, first.kode_desa, evidence,
                nilai=_rupiah(total), n=len(rows), sk=", ".join(sks[s] for s in sorted({r.sk_id for r in rows} & set(sks))) or "-",
            )  # fmt: skip
            continue
        if total > sk_value:
            add(
                ProblemKind.MELEBIHI_NILAI, nik, first.nama, first.kode_desa,
                [*map(sk_evidence, decreed), *evidence],
                nilai=_rupiah(total), sk_nilai=_rupiah(sk_value), sk=", ".join(sks[r.sk_id] for r in decreed),
            )  # fmt: skip
        if len(rows) > 1:
            add(
                ProblemKind.GANDA, nik, first.nama, first.kode_desa, evidence,
                n=len(rows), dates=", ".join(_day(r.tanggal) for r in rows),
            )  # fmt: skip
    for nik, rows in served.items():
        death = deaths.get(nik)
        after = [r for r in rows if death is not None and r.tanggal is not None and r.tanggal > death]
        if after:
            add(
                ProblemKind.SETELAH_MENINGGAL, nik, rows[0].nama, rows[0].kode_desa,
                [Evidence("meninggal", _("Registri: meninggal {date}").format(date=_day(death))),
                 *map(_realisasi_evidence, after)],
                death=_day(death), dates=", ".join(_day(r.tanggal) for r in after),
            )  # fmt: skip
    for nik, decreed in named.items():
        if nik in served:
            continue
        row = decreed[0]
        add(
            ProblemKind.TIDAK_DISALURKAN, nik, row.nama, row.kode_desa, [sk_evidence(r) for r in decreed],
            sk=sks[row.sk_id], urutan=row.urutan, nilai=_rupiah(row.nilai or row.nilai_per_penerima),
        )  # fmt: skip
    order = list(ProblemKind)
    problems.sort(key=lambda p: (order.index(p.kind), p.kode_desa, p.nama, p.nik))
    return problems


EXPORT_HEADERS = (
    N_("Masalah"),
    N_("NIK"),
    N_("Nama"),
    N_("Kode desa"),
    N_("Keterangan"),
    N_("Bukti"),
)


def export_consistency(
    db: OfficeDatabase, user: CurrentUser, path: Path, sk_id: int | None = None, program_id: int | None = None
) -> int:
    """Writes the problems with their evidence to CSV or XLSX (by the extension); returns the rows written.
    The file holds names and NIKs: the export is in the audit log, or not on the disk."""
    from app.screening.results import write_export

    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise DomainError(N_("Ekspor hanya ke berkas .csv atau .xlsx, bukan {name}."), name=path.name)
    report = check_consistency(db, user, sk_id=sk_id, program_id=program_id)
    rows = [
        [p.label, p.nik, p.nama, p.kode_desa, p.sentence, "\n".join(e.text for e in p.evidence)]
        for p in report.problems
    ]
    count = write_export(path, [_(h) for h in EXPORT_HEADERS], rows)
    entity, ref = ("sk_penetapan", sk_id) if sk_id is not None else ("program", program_id)
    audit_export(db.unit_of_work(), user, "export.realisasi_consistency", entity, ref, path, count)
    return count
