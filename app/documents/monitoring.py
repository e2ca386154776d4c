"""Monitoring and evaluation of aid programs (Pergub 52/2020 Pasal 7 ayat 2): per program, funding source and
region, (a) achievement against the target, (b) targeting accuracy, (c) consistency of the realisasi with the
names the SK penetapan fixed.

Readings of the Pergub a district officer would expect, stated once here:
- The target of a program in a region is its quota there (`KuotaWilayah`, else the program's own `kuota` when the
  program lies inside the region) and the recipients its final SKs name (`SkPenerima.masuk`); an SK amended by a
  later final SK no longer counts. Its budget target is the sum of those recipients' values.
- Achievement is who was served (`Realisasi`) by the end of the semester (the programs are of the semester's
  year, so this is the year so far):
  people, physical quantity and rupiah; "semester ini" counts those served within the semester itself.
- Accuracy (ayat 2 b): the share of recipients (of the SK and of the realisasi, each counted once per program)
  found in DTKS/DTSEN, by desil 1–10 at the level the program cuts by, and those the registry now lists as dead
  or moved out.
- Consistency (ayat 2 c), per recipient: served but not in the SK; in the SK but never served; served more in
  rupiah than the SK gives them; served more than once (an SK row gives one value, handed over once); served
  after the date of death — counted from the consistency check's own problems (`consistency.program_problems`),
  over the SKs in force and the realisasi by the semester's end.

Every figure is a count of people, never a name: a guest may see them (Lampiran I–II: "pemantauan informasi yang
dipublikasi"). Figures cover only recipients whose desa lies in the user's region. Everything is computed with
SQL aggregates, so a province of 1.2 million people takes seconds (`tests/bench/semester_report.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date

from sqlalchemy import bindparam, text

from app.auth.roles import CurrentUser, Permission, require, scope_prefix
from app.documents.consistency import Problem, ProblemKind, program_problems
from app.documents.realisasi import current_realisasi_sql
from app.errors import DomainError, NotFound
from app.i18n import N_
from app.office import OfficeDatabase
from app.regions import display_name
from app.uow import UnitOfWork

DESIL_CLASSES = tuple(range(1, 11))  # DTSEN ranks households 1 (poorest) to 10
SEMESTER_PATTERN = re.compile(r"^\s*(\d{4})\s*[-/]\s*([12])\s*$")
ROMAN = {1: "I", 2: "II"}
# One level below the scope: a province's figures by kabupaten/kota, a kabupaten's by kecamatan, below by desa.
CHILD_LENGTH = {2: 4, 4: 6, 6: 10}
GROUP_LENGTHS = (4, 6, 10)
# Sorts after any digit: with `>= prefix`, the range of codes a prefix covers, read through the index.
PREFIX_END = "\U0010ffff"


@dataclass(frozen=True)
class Semester:
    """A half year of the six-monthly report (Pasal 7 ayat 4): "2026-1" is January–June, "2026-2" July–December."""

    tahun: int
    ke: int

    @classmethod
    def parse(cls, value: str) -> Semester:
        match = SEMESTER_PATTERN.match(str(value or ""))
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise DomainError(
                N_(
                    'Semester "{value}" tidak dikenal: tulis TAHUN-1 untuk Januari–Juni atau TAHUN-2 untuk '
                    "Juli–Desember, mis. 2026-1."
                ),
                value=value,
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Semester:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def code(self) -> str:
        return f"{self.tahun}-{self.ke}"

    @property
    def roman(self) -> str:
        return ROMAN[self.ke]

    @property
    def start(self) -> date:
        return date(self.tahun, 1 if self.ke == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.tahun, 6, 30) if self.ke == 1 else date(self.tahun, 12, 31)


@dataclass(frozen=True)
class Accuracy:
    """Targeting accuracy of a set of recipients (Pasal 7 ayat 2 b)."""

    penerima: int = 0
    desil: tuple[int, ...] = (0,) * len(DESIL_CLASSES)  # recipients in desil 1..10
    dtks_tanpa_desil: int = 0  # in DTKS/DTSEN, with no desil at the program's level
    bukan_dtks: int = 0
    meninggal: int = 0
    pindah: int = 0

    @property
    def dtks(self) -> int:
        return sum(self.desil) + self.dtks_tanpa_desil

    @property
    def persen_dtks(self) -> float | None:
        return percent(self.dtks, self.penerima)

    def __add__(self, other: Accuracy) -> Accuracy:
        return Accuracy(
            self.penerima + other.penerima,
            tuple(a + b for a, b in zip(self.desil, other.desil, strict=True)),
            self.dtks_tanpa_desil + other.dtks_tanpa_desil,
            self.bukan_dtks + other.bukan_dtks,
            self.meninggal + other.meninggal,
            self.pindah + other.pindah,
        )


@dataclass(frozen=True)
class Consistency:
    """SK/realisasi consistency (Pasal 7 ayat 2 c): recipients in each kind of disagreement."""

    tidak_di_sk: int = 0  # served, not named in a final SK of the program
    tidak_tersalur: int = 0  # named in the SK, never served
    melebihi_sk: int = 0  # served more rupiah than the SK gives them
    ganda: int = 0  # served more than once
    setelah_meninggal: int = 0  # served after their date of death

    @property
    def jumlah(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def __add__(self, other: Consistency) -> Consistency:
        return Consistency(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Figures:
    """Target against achievement (Pasal 7 ayat 2 a), with the accuracy and consistency of the same recipients."""

    kuota: int | None = None  # None: no quota set for this region
    target_penerima: int = 0  # recipients of the final SKs
    target_nilai: int = 0  # rupiah
    tersalur_penerima: int = 0  # served by the semester's end
    tersalur_semester: int = 0  # served within the semester
    tersalur_fisik: float = 0.0
    tersalur_nilai: int = 0  # rupiah
    ketepatan_sk: Accuracy = field(default_factory=Accuracy)
    ketepatan_realisasi: Accuracy = field(default_factory=Accuracy)
    konsistensi: Consistency = field(default_factory=Consistency)

    @property
    def persen_penerima(self) -> float | None:
        return percent(self.tersalur_penerima, self.target_penerima)

    @property
    def persen_nilai(self) -> float | None:
        return percent(self.tersalur_nilai, self.target_nilai)

    def __add__(self, other: Figures) -> Figures:
        kuota = None if self.kuota is None and other.kuota is None else (self.kuota or 0) + (other.kuota or 0)
        return Figures(
            kuota,
            self.target_penerima + other.target_penerima,
            self.target_nilai + other.target_nilai,
            self.tersalur_penerima + other.tersalur_penerima,
            self.tersalur_semester + other.tersalur_semester,
            self.tersalur_fisik + other.tersalur_fisik,
            self.tersalur_nilai + other.tersalur_nilai,
            self.ketepatan_sk + other.ketepatan_sk,
            self.ketepatan_realisasi + other.ketepatan_realisasi,
            self.konsistensi + other.konsistensi,
        )


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def total(figures: Iterable[Figures]) -> Figures:
    result = Figures()
    for item in figures:
        result = result + item
    return result


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    nama: str
    sumber_dana: str
    tahun: int
    opd: str
    kode_wilayah: str
    kuota: int
    nilai_per_penerima: int
    desil_acuan: str


@dataclass(frozen=True)
class RegionFigures:
    program_id: int | None  # None on a row summed over programs
    kode_wilayah: str
    nama_wilayah: str
    figures: Figures


@dataclass(frozen=True)
class MonitoringReport:
    semester: Semester
    kode_wilayah: str  # the scope the figures cover
    nama_wilayah: str
    group_length: int  # the rows' region level: 4 kabupaten/kota, 6 kecamatan, 10 desa
    sumber_dana: str | None
    programs: tuple[ProgramInfo, ...]
    rows: tuple[RegionFigures, ...]  # per program and region, regions with no figure left out
    program_quotas: dict[int, int] = field(default_factory=dict)  # each program's quota in the whole scope

    def program_rows(self, program_id: int) -> list[RegionFigures]:
        return [row for row in self.rows if row.program_id == program_id]

    def program_total(self, program_id: int) -> Figures:
        figures = total(row.figures for row in self.program_rows(program_id))
        return replace(figures, kuota=self.program_quotas.get(program_id))
        return figures

    def region_totals(self) -> list[RegionFigures]:
        """Per region, summed over the programs (a person in two programs counts in each)."""
        by_region: dict[str, RegionFigures] = {}
        for row in self.rows:
            known = by_region.get(row.kode_wilayah)
            by_region[row.kode_wilayah] = RegionFigures(
                None,
                row.kode_wilayah,
                row.nama_wilayah,
                row.figures if known is None else known.figures + row.figures,
            )
        return [by_region[code] for code in sorted(by_region)]

    @property
    def total(self) -> Figures:
        return total(self.program_total(p.id) for p in self.programs)


def unit_of_work(target: OfficeDatabase | UnitOfWork) -> UnitOfWork:
    return target if isinstance(target, UnitOfWork) else target.unit_of_work()


def monitoring_figures(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    semester: Semester | str,
    *,
    program_id: int | None = None,
    sumber_dana: str | None = None,
    region: str | None = None,
    group_length: int | None = None,
) -> MonitoringReport:
    """The monitoring figures of the programs of the semester's year, in the user's region (narrowed to
    `region` when given), per program and region of `group_length` digits (bawaan: one level below)."""
    require(user, Permission.AGGREGATE_READ, region=region or None)
    semester = semester if isinstance(semester, Semester) else Semester.parse(semester)
    prefix = scope_prefix(user, region or None)
    length = group_length or CHILD_LENGTH.get(len(prefix), 10)
    if length not in GROUP_LENGTHS or length < len(prefix):
        length = CHILD_LENGTH.get(len(prefix), 10)
    with unit_of_work(target) as uow:
        session = uow.session
        programs = _programs(session, prefix, semester, program_id, sumber_dana)
        region_rows = session.execute(
            text(
                "SELECT code, name, kind FROM region WHERE code = :prefix "
                "OR (code >= :prefix AND code < :end AND length(code) = :n)"
            ),
            {"prefix": prefix, "end": prefix + PREFIX_END, "n": length},
        ).all()
        names = {code: display_name(name, kind) for code, name, kind in region_rows}
        scope_name = names.pop(prefix, prefix)
        figures = _figures(session, [p.id for p in programs], prefix, length, semester) if programs else {}
        quotas, program_quotas = _quotas(session, programs, prefix, length)
    rows = []
    for (pid, code), values in sorted(figures.items()):
        rows.append(
            RegionFigures(
                pid, code, names.get(code, code or "—"), replace(values, kuota=quotas.get((pid, code)))
            )
        )
    for (pid, code), kuota in sorted(quotas.items()):
        if (pid, code) not in figures:
            rows.append(RegionFigures(pid, code, names.get(code, code), Figures(kuota=kuota)))
    rows.sort(key=lambda row: (row.program_id, row.kode_wilayah))
    return MonitoringReport(
        semester,
        prefix,
        scope_name,
        length,
        sumber_dana or None,
        tuple(programs),
        tuple(rows),
        program_quotas,
    )


def monitored_programs(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, tahun: int, sumber_dana: str | None = None
) -> list[ProgramInfo]:
    """The programs of a year the user's figures cover (for choosing one): names and sources, no person."""
    require(user, Permission.AGGREGATE_READ)
    with unit_of_work(target) as uow:
        return _programs(uow.session, user.region_code, Semester(int(tahun), 1), None, sumber_dana)


def _programs(session, prefix: str, semester: Semester, program_id: int | None, sumber_dana: str | None):
    """The programs of the semester's year whose region overlaps the scope (a kabupaten's program is monitored
    by each of its kecamatan, a province's by each kabupaten)."""
    conditions = ["deleted_at IS NULL", "tahun = :tahun"]
    params: dict = {"tahun": semester.tahun}
    if program_id is not None:
        conditions.append("id = :program_id")
        params["program_id"] = int(program_id)
    if sumber_dana:
        conditions.append("sumber_dana = :sumber_dana")
        params["sumber_dana"] = sumber_dana
    found = [
        ProgramInfo(*row)
        for row in session.execute(
            text(
                "SELECT id, nama, sumber_dana, tahun, opd, kode_wilayah, kuota, nilai_per_penerima, desil_acuan "
                f"FROM program WHERE {' AND '.join(conditions)} ORDER BY nama, id"
            ),
            params,
        )
    ]
    visible = [p for p in found if p.kode_wilayah.startswith(prefix) or prefix.startswith(p.kode_wilayah)]
    if program_id is not None and not visible:
        raise NotFound(
            N_("Program #{id} tahun {tahun} tidak ditemukan di wilayah kerja Anda."),
            id=program_id,
            tahun=semester.tahun,
        )
    return visible


def _quotas(
    session, programs: list[ProgramInfo], prefix: str, length: int
) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """The quota of each program in each row's region, and in the whole scope.

    In a region: the program's regional quotas (KuotaWilayah) lying inside it, else the program's own quota when
    the program's region lies inside it. In the scope: the program's own quota when the program lies inside the
    scope, else its regional quotas inside the scope or the one set for the scope itself."""
    by_region: dict[tuple[int, str], int] = {}
    by_program: dict[int, int] = {}
    if not programs:
        return by_region, by_program
    regional = session.execute(
        text(
            "SELECT program_id, kode_wilayah, kuota FROM kuota_wilayah WHERE deleted_at IS NULL "
            "AND program_id IN :programs"
        ).bindparams(bindparam("programs", expanding=True)),
        {"programs": [p.id for p in programs]},
    ).all()
    with_regional = {pid for pid, _code, _kuota in regional}
    for pid, code, kuota in regional:
        if code.startswith(prefix):
            by_program[pid] = by_program.get(pid, 0) + kuota
        if len(code) >= length and code.startswith(prefix):
            key = (pid, code[:length])
            by_region[key] = by_region.get(key, 0) + kuota
    for program in programs:
        if program.kuota and program.kode_wilayah.startswith(prefix):
            by_program[program.id] = program.kuota
        if program.id in with_regional or not program.kuota:
            continue
        if len(program.kode_wilayah) >= length and program.kode_wilayah.startswith(prefix):
            by_region[(program.id, program.kode_wilayah[:length])] = program.kuota
    return by_region, by_program


# Consistency (ayat 2 c) has one definition, the consistency check's (`consistency.program_problems`): its
# problems are counted here, one person per kind, so the dashboard, the semester report and the list of
# problems with their evidence can never disagree.
CONSISTENCY_FIELDS = {
    ProblemKind.DI_LUAR_SK: "tidak_di_sk",
    ProblemKind.TIDAK_DISALURKAN: "tidak_tersalur",
    ProblemKind.MELEBIHI_NILAI: "melebihi_sk",
    ProblemKind.GANDA: "ganda",
    ProblemKind.SETELAH_MENINGGAL: "setelah_meninggal",
}
# The figures are counted over three small temporary tables (in memory: temp_store = MEMORY), each read from the
# office's tables once: every recipient once per program, in the SK and in the realisasi, and every recipient
# person once with their registry status and DTKS/DTSEN desil. Counting straight from the office's tables read
# the same 1.2M-person indexes once per figure (two minutes at province scale, against seconds).
TEMP_TABLES = ("monev_sk", "monev_real", "monev_person")
# The recipients of the programs' final SKs, once per program and person (a row with no NIK counts alone); an SK
# amended by a later final SK no longer counts.
SK_RECIPIENTS = """
CREATE TEMP TABLE monev_sk AS
  SELECT s.program_id AS program_id,
         CASE WHEN sp.nik <> '' THEN sp.nik ELSE 'sk:' || sp.id END AS nik,
         max(sp.person_id) AS person_id, max(sp.kode_desa) AS kode_desa, sum(sp.nilai) AS nilai
  FROM sk_penerima sp JOIN sk_penetapan s ON s.id = sp.sk_id
  WHERE s.status = 'final' AND s.deleted_at IS NULL AND sp.deleted_at IS NULL AND sp.masuk
    AND s.program_id IN :programs AND (s.tanggal IS NULL OR s.tanggal <= :end)
    AND sp.kode_desa >= :prefix AND sp.kode_desa < :prefix_end
    AND NOT EXISTS (SELECT 1 FROM sk_penetapan n WHERE n.mengubah_sk_id = s.id AND n.status = 'final'
                    AND n.deleted_at IS NULL AND (n.tanggal IS NULL OR n.tanggal <= :end))
  GROUP BY s.program_id, 2"""
# What was handed over by the semester's end, per program and person, where the recipient lives in the scope;
# the desa is the realisasi's own, else the registry's.
CURRENT_REALISASI = current_realisasi_sql("r")
REALISASI_RECIPIENTS = f"""
CREATE TEMP TABLE monev_real AS
  SELECT program_id, nik, max(person_id) AS person_id, max(kode_desa) AS kode_desa, count(*) AS kali,
         sum(nilai) AS nilai, sum(jumlah_fisik) AS fisik, max(tanggal >= :start) AS di_semester,
         max(tanggal) AS terakhir
  FROM (
    SELECT r.program_id AS program_id, CASE WHEN r.nik <> '' THEN r.nik ELSE 'r:' || r.id END AS nik,
           r.person_id AS person_id,
           CASE WHEN r.kode_desa <> '' THEN r.kode_desa
                ELSE coalesce((SELECT kode_desa FROM person WHERE id = r.person_id), '') END AS kode_desa,
           r.tanggal AS tanggal, r.jumlah_fisik AS jumlah_fisik, r.nilai AS nilai
    FROM realisasi r
    WHERE {CURRENT_REALISASI} AND r.program_id IN :programs AND r.tanggal <= :end
  )
  WHERE kode_desa >= :prefix AND kode_desa < :prefix_end
  GROUP BY program_id, nik"""
# Each recipient person once: the registry's status, and the smallest desil of each level among their current
# DTKS/DTSEN records (`records` 0: outside DTKS/DTSEN).
RECIPIENT_PEOPLE = """
CREATE TEMP TABLE monev_person AS
  SELECT k.nik AS nik, pe.status AS status, pe.tgl_status AS tgl_status, count(d.id) AS records,
         min(d.desil) AS desil_nasional, min(d.desil_provinsi) AS desil_provinsi,
         min(d.desil_kabupaten_kota) AS desil_kabupaten_kota
  FROM (
    SELECT nik, max(person_id) AS person_id
    FROM (SELECT nik, person_id FROM monev_sk UNION ALL SELECT nik, person_id FROM monev_real)
    GROUP BY nik
  ) k
  LEFT JOIN person pe ON pe.id = coalesce(k.person_id, (SELECT id FROM person WHERE nik = k.nik))
  LEFT JOIN dtks_record d ON d.nik = k.nik AND d.deleted_at IS NULL AND d.missing_since_batch_id IS NULL
  GROUP BY k.nik"""
# The recipients by DTKS/DTSEN class — the desil at the program's level (`desil_acuan`), 0 for a member without
# one, NULL outside DTKS/DTSEN — and by the registry's status.
ACCURACY = """
SELECT b.program_id, substr(b.kode_desa, 1, :n),
  CASE WHEN pp.records > 0 THEN coalesce(CASE p.desil_acuan WHEN 'provinsi' THEN pp.desil_provinsi
                                         WHEN 'kabupaten_kota' THEN pp.desil_kabupaten_kota
                                         ELSE pp.desil_nasional END, 0) END,
  count(*), sum(pp.status = 'meninggal'), sum(pp.status = 'pindah')
FROM {table} b JOIN program p ON p.id = b.program_id JOIN monev_person pp ON pp.nik = b.nik
GROUP BY 1, 2, 3"""


def _figures(
    session, program_ids: list[int], prefix: str, length: int, semester: Semester
) -> dict[tuple[int, str], Figures]:
    params = {
        "programs": program_ids,
        "prefix": prefix,
        "prefix_end": prefix + PREFIX_END,
        "n": length,
        "start": semester.start.isoformat(),
        "end": semester.end.isoformat(),
    }

    def query(sql: str):
        statement = text(sql)
        if ":programs" in sql:
            statement = statement.bindparams(bindparam("programs", expanding=True))
        return session.execute(statement, params)

    _drop_temp_tables(session)
    try:
        for statement in (
            SK_RECIPIENTS,
            "CREATE INDEX temp.monev_sk_key ON monev_sk (program_id, nik)",
            REALISASI_RECIPIENTS,
            "CREATE INDEX temp.monev_real_key ON monev_real (program_id, nik)",
            RECIPIENT_PEOPLE,
            "CREATE UNIQUE INDEX temp.monev_person_key ON monev_person (nik)",
        ):
            query(statement)
        entries = _count(query)
    finally:
        _drop_temp_tables(session)
    for program_id in program_ids:
        _count_problems(
            entries, program_id, program_problems(session, program_id, prefix, semester.end), length
        )
    return {key: _as_figures(entry) for key, entry in entries.items()}


def _count_problems(entries: dict, program_id: int, problems: list[Problem], length: int) -> None:
    for problem in problems:
        entry = entries.setdefault((program_id, problem.kode_desa[:length]), {})
        name = CONSISTENCY_FIELDS[problem.kind]
        entry[name] = entry.get(name, 0) + 1


def _drop_temp_tables(session) -> None:
    for table in TEMP_TABLES:
        session.execute(text(f"DROP TABLE IF EXISTS temp.{table}"))


def _count(query) -> dict[tuple[int, str], dict]:
    values: dict[tuple[int, str], dict] = {}

    def cell(pid: int, code: str) -> dict:
        return values.setdefault((pid, code), {})

    for pid, code, people, nilai in query(
        "SELECT program_id, substr(kode_desa, 1, :n), count(*), sum(nilai) FROM monev_sk GROUP BY 1, 2"
    ):
        cell(pid, code).update(target_penerima=people, target_nilai=nilai or 0)
    for pid, code, people, in_semester, fisik, nilai in query(
        "SELECT program_id, substr(kode_desa, 1, :n), count(*), sum(di_semester), sum(fisik), sum(nilai) "
        "FROM monev_real GROUP BY 1, 2"
    ):
        cell(pid, code).update(
            tersalur_penerima=people,
            tersalur_semester=in_semester or 0,
            tersalur_fisik=float(fisik or 0),
            tersalur_nilai=nilai or 0,
        )
    for basis, table in (("ketepatan_sk", "monev_sk"), ("ketepatan_realisasi", "monev_real")):
        for pid, code, kelas, people, dead, moved in query(ACCURACY.format(table=table)):
            entry = cell(pid, code).setdefault(basis, {"desil": [0] * len(DESIL_CLASSES)})
            entry["penerima"] = entry.get("penerima", 0) + people
            entry["meninggal"] = entry.get("meninggal", 0) + (dead or 0)
            entry["pindah"] = entry.get("pindah", 0) + (moved or 0)
            if kelas is None:
                entry["bukan_dtks"] = entry.get("bukan_dtks", 0) + people
            elif kelas in DESIL_CLASSES:
                entry["desil"][kelas - 1] += people
            else:
                entry["dtks_tanpa_desil"] = entry.get("dtks_tanpa_desil", 0) + people
    return values


def _as_figures(entry: dict) -> Figures:
    def accuracy(name: str) -> Accuracy:
        raw = dict(entry.get(name, {}))
        raw["desil"] = tuple(raw.get("desil", (0,) * len(DESIL_CLASSES)))
        return Accuracy(**raw)

    return Figures(
        target_penerima=entry.get("target_penerima", 0),
        target_nilai=entry.get("target_nilai", 0),
        tersalur_penerima=entry.get("tersalur_penerima", 0),
        tersalur_semester=entry.get("tersalur_semester", 0),
        tersalur_fisik=entry.get("tersalur_fisik", 0.0),
        tersalur_nilai=entry.get("tersalur_nilai", 0),
        ketepatan_sk=accuracy("ketepatan_sk"),
        ketepatan_realisasi=accuracy("ketepatan_realisasi"),
        konsistensi=Consistency(
            entry.get("tidak_di_sk", 0),
            entry.get("tidak_tersalur", 0),
            entry.get("melebihi_sk", 0),
            entry.get("ganda", 0),
            entry.get("setelah_meninggal", 0),
        ),
    )
