"""Importing a proposal (usulan) file: inspect → map columns → prepare a preview → commit one list.

A proposal is what a desa or an OPD typed, often by hand in Excel: only a NIK or a name is required per row
(DESIGN.md "Interchange files"), and a doubtful value is kept with a warning rather than refused, because
screening will find the person by name, birth date and address and say how sure it is. Refused are only rows
that screening could not use at all (neither NIK nor name). Every cell is kept as text in `Proposal.input`
under the file's own header, and `ProposalList.input_headers` keeps the headers in order, so an export gives
the file back unchanged beside the results.

Row numbers (`Proposal.baris`): the spreadsheet row, the header being row 1, so the first data row is 2. When a
list comes from several tables (sheets or files), `baris` runs on across them as if the tables were pasted
below one another without their header rows: table 2's row 2 follows table 1's last row. Each row then also
keeps its own place in `input` under the reserved keys `_berkas` ("file [sheet]") and `_baris` (its row in
that table); they are not in `input_headers`, so an export leaves them out. Refused and flagged rows are
always reported with the table's own file, sheet and row.

Nothing is written before `commit`, which creates the list, its rows, the remembered column mapping and the
audit entry in ONE transaction; a cancel or an error leaves no list behind.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError
from app.formats import format_number
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.office import OfficeDatabase
from app.registry import fields as registry_fields
from app.registry.dates import parse_dates
from app.registry.fields import Field, header_signature, limit_of, normalise_header, recognise_fields
from app.registry.importer import sha256_of
from app.registry.issues import RowIssue, Severity
from app.registry.sources import (
    SheetInfo,
    open_source,
    shown_text,
    source_chunks,
    tables_of,
    unreadable_cells,
)
from app.registry.validation import SEX_VALUES
from app.screening.programs import list_audit_view, new_proposal_list
from app.uow import UnitOfWork
from db.models import ColumnMapping, Proposal, ProposalList, Region, utcnow

KIND = "usulan"  # ColumnMapping.kind of a remembered proposal mapping
INSERT_BATCH = 5_000
SOURCE_KEY, ROW_KEY = "_berkas", "_baris"  # a row's own table and row, kept when a list has several tables


def _extend(base: Field, *variants: str) -> Field:
    # Every field is optional on its own: a row needs a NIK or a name (checked per row).
    return Field(base.name, base.label, False, (*base.variants, *variants))


NIK = _extend(registry_fields.NIK, "NIK PENERIMA", "NIK CALON PENERIMA", "NIK KPM", "NO KTP", "NOMOR KTP")
NAMA = _extend(
    registry_fields.NAMA,
    "NAMA PENERIMA",
    "NAMA CALON PENERIMA",
    "NAMA KPM",
    "NAMA PENERIMA MANFAAT",
    "NAMA CALON PENERIMA MANFAAT",
)
TTL = Field(
    "ttl",
    N_("Tempat, tanggal lahir"),
    False,
    (
        "TTL",
        "TEMPAT TANGGAL LAHIR",
        "TEMPAT TGL LAHIR",
        "TMPT TGL LAHIR",
        "TMP TGL LAHIR",
        "TEMPAT DAN TANGGAL LAHIR",
    ),
)
RT_RW = Field("rt_rw", N_("RT/RW"), False, ("RT RW", "RT DAN RW", "NO RT RW"))
DUSUN = Field(
    "dusun", N_("Dusun/lingkungan"), False, ("DUSUN", "NAMA DUSUN", "LINGKUNGAN", "JAGA", "DUSUN LINGKUNGAN")
)
DESA = Field(
    "desa",
    N_("Nama desa/kelurahan"),
    False,
    ("DESA", "NAMA DESA", "KELURAHAN", "DESA KELURAHAN", "NAMA DESA KELURAHAN", "DESA KEL", "KEL DESA"),
)
KECAMATAN = Field("kecamatan", N_("Nama kecamatan"), False, ("KECAMATAN", "NAMA KECAMATAN", "KEC"))

PROPOSAL_FIELDS: tuple[Field, ...] = (
    NIK,
    NAMA,
    _extend(registry_fields.TGL_LAHIR),
    TTL,
    _extend(registry_fields.JENIS_KELAMIN),
    _extend(registry_fields.ALAMAT),
    _extend(registry_fields.RT),
    _extend(registry_fields.RW),
    RT_RW,
    DUSUN,
    _extend(registry_fields.KODE_DESA),
    DESA,
    KECAMATAN,
)
FIELD_NAMES = tuple(f.name for f in PROPOSAL_FIELDS)
# The columns of a proposal row read from the cells (the Proposal attributes of the same names).
PARSED_COLUMNS = ("nik", "nama", "tgl_lahir", "jenis_kelamin", "alamat", "kode_desa")

MESSAGES: dict[str, str] = {
    "tanpa_nik_nama": N_(
        "Baris ini tidak berisi NIK maupun nama, jadi tidak dapat disaring. Isi salah satunya lalu impor ulang."
    ),
    "terlalu_panjang": N_(
        "Kolom {column} terlalu panjang: {length} karakter, paling banyak {limit}, jadi baris ini tidak "
        "diimpor. Periksa isi kolom itu di berkas lalu impor ulang."
    ),
    "teks_tak_terbaca": N_(
        "Kolom {column} memuat byte yang tidak terbaca sebagai teks {encoding} (rusak, atau bukan teks), jadi "
        "baris ini tidak diimpor. Perbaiki baris itu di berkas, atau simpan ulang berkas sebagai CSV UTF-8, "
        "lalu impor ulang."
    ),
    "nik_angka_excel": N_(
        'NIK terbaca sebagai angka oleh Excel ("{value}"): digit belakangnya hilang. Baris tetap diimpor; '
        "penyaringan akan mencari orangnya menurut nama. Format kolom NIK sebagai Teks di Excel agar tidak "
        "terulang."
    ),
    "nik_15_digit": N_(
        'NIK hanya 15 digit ("{value}"): satu digit hilang, mungkin karena Excel membacanya sebagai angka. '
        "Baris tetap diimpor; penyaringan akan mencari orangnya menurut nama."
    ),
    "tanggal_tak_terbaca": N_(
        'Tanggal lahir "{value}" tidak terbaca (gunakan HH-BB-TTTT, HH/BB/TTTT, TTTT-BB-HH atau "12 Mei '
        '1980"). Baris tetap diimpor tanpa tanggal lahir.'
    ),
    "tanggal_masa_depan": N_(
        "Tanggal lahir {value} berada di masa depan. Baris tetap diimpor tanpa tanggal lahir."
    ),
    "jk_tak_dikenal": N_(
        'Jenis kelamin "{value}" tidak dikenal (gunakan L atau P). Baris tetap diimpor tanpa jenis kelamin.'
    ),
    "kode_desa_salah": N_(
        'Kode desa "{value}" bukan 10 digit kode Kemendagri. Baris tetap diimpor tanpa kode desa.'
    ),
    "desa_tak_dikenal": N_(
        "Kode desa {value} tidak ada dalam daftar desa/kelurahan Kemendagri. Baris tetap diimpor."
    ),
    "desa_luar_wilayah": N_(
        "Kode desa {value} berada di luar wilayah pengusul ({region}). Baris tetap diimpor."
    ),
    "desa_nama_tak_ditemukan": N_(
        'Desa/kelurahan "{value}" tidak ditemukan di wilayah {region}. Baris tetap diimpor tanpa kode desa.'
    ),
    "desa_nama_ganda": N_(
        'Desa/kelurahan "{value}" ada di beberapa kecamatan ({places}). Tambahkan kolom kecamatan atau kode '
        "desa. Baris tetap diimpor tanpa kode desa."
    ),
}
# Rows with these problems are not imported; every other problem is a warning on an imported row.
REFUSING_CODES = frozenset({"tanpa_nik_nama", "terlalu_panjang", "teks_tak_terbaca"})

SEX = {
    **SEX_VALUES,
    "LAKI": "L",
    "LELAKI": "L",
    "LAKI2": "L",
    "L K": "L",
    "PRIA": "L",
    "PEREMPUAN": "P",
    "PERMPUAN": "P",
    "WANITA": "P",
    "W": "P",
}
MONTHS = {
    **dict.fromkeys(("JAN", "JANUARI", "JANUARY"), 1),
    **dict.fromkeys(("FEB", "PEB", "FEBRUARI", "PEBRUARI", "FEBRUARY"), 2),
    **dict.fromkeys(("MAR", "MARET", "MARCH"), 3),
    **dict.fromkeys(("APR", "APRIL"), 4),
    **dict.fromkeys(("MEI", "MAY"), 5),
    **dict.fromkeys(("JUN", "JUNI", "JUNE"), 6),
    **dict.fromkeys(("JUL", "JULI", "JULY"), 7),
    **dict.fromkeys(("AGU", "AGT", "AGS", "AGUS", "AGUSTUS", "AUG", "AUGUST"), 8),
    **dict.fromkeys(("SEP", "SEPT", "SEPTEMBER"), 9),
    **dict.fromkeys(("OKT", "OKTOBER", "OCT", "OCTOBER"), 10),
    **dict.fromkeys(("NOV", "NOP", "NOPEMBER", "NOVEMBER"), 11),
    **dict.fromkeys(("DES", "DESEMBER", "DEC", "DECEMBER"), 12),
}
_WORD_DATE = re.compile(r"(\d{1,2})[\s\-/.]+([A-Z]+)\.?[\s\-/.]+(\d{4})")
_NUMERIC_DATE = re.compile(r"(\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2})")
_EXCEL_NUMBER = r"\d([.,]\d+)?[eE]\+?\d+"
_DUSUN_WORDS = ("DUSUN", "DSN", "LINGKUNGAN", "LINK", "LK", "JAGA")
_REGION_WORDS = re.compile(r"^(DESA|DS|KELURAHAN|KEL|KECAMATAN|KEC)\b\.?\s*")


def message(code: str, **params: object) -> str:
    return _(MESSAGES[code]).format(**params)


def field_labels() -> dict[str, str]:
    return {f.name: _(f.label) for f in PROPOSAL_FIELDS}


def recognise_proposal_columns(headers: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Field → the file's header, for the headers recognised (the canonical name or a known variant)."""
    return recognise_fields(PROPOSAL_FIELDS, headers)


# Reading the cells of rows -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadContext:
    """What reading a row needs besides its cells: the list's region and the Kemendagri desa list."""

    region_code: str
    desa: dict[str, tuple[str, str, str]]  # desa code → (desa name key, kecamatan name key, kecamatan name)
    today: date

    @classmethod
    def load(cls, session: Session, region_code: str, today: date | None = None) -> ReadContext:
        kecamatan = dict(session.execute(select(Region.code, Region.name).where(Region.level == 3)).all())
        desa = {
            code: (_name_key(name), _name_key(kecamatan.get(parent, "")), kecamatan.get(parent, ""))
            for code, name, parent in session.execute(
                select(Region.code, Region.name, Region.parent_code).where(Region.level == 4)
            )
        }
        return cls(region_code, desa, today or date.today())


@dataclass
class ReadRows:
    rows: pd.DataFrame  # PARSED_COLUMNS; tgl_lahir as ISO text or ""
    refused: pd.Series  # bool per row
    issues: list[RowIssue]


def _name_key(name: str) -> str:
    text = _REGION_WORDS.sub("", re.sub(r"\s+", " ", str(name).upper().strip()))
    return re.sub(r"[^0-9A-Z]", "", text)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(str).str.replace(r"\s+", " ", regex=True).str.strip()


def clean_nik(values: pd.Series) -> pd.Series:
    """The NIK as typed, without spaces, a leading apostrophe (Excel's "keep as text") or a trailing ".0"."""
    values = values.astype(str).str.replace(r"\s+", "", regex=True).str.lstrip("'`")
    return values.str.replace(r"^(\d+)\.0+$", r"\1", regex=True).str.slice(0, 40)


def _word_date(text: str) -> str:
    """ "12 Mei 1980" → "12-05-1980", "Gorontalo, 12-05-1980" → "12-05-1980"; other text unchanged."""
    upper = text.upper()
    found = _WORD_DATE.search(upper)
    if found and found.group(2) in MONTHS:
        return f"{int(found.group(1)):02d}-{MONTHS[found.group(2)]:02d}-{found.group(3)}"
    if re.search("[A-Z]", upper):  # a place of birth before the date
        numeric = _NUMERIC_DATE.search(upper)
        if numeric:
            return numeric.group(1)
    return text


def _pad3(values: pd.Series) -> pd.Series:
    digits = values.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    return values.where(~digits, values.str.zfill(3))


def _append(base: pd.Series, part: pd.Series, prefix: str) -> pd.Series:
    present = part != ""
    return (base + " " + prefix + part).where(present, base)


class _Issues:
    def __init__(self, source: str, row_numbers: np.ndarray, index: pd.Index) -> None:
        self.source = source
        self.row_numbers = row_numbers
        self.issues: list[RowIssue] = []
        self.refused = pd.Series(False, index=index)

    def add(self, mask: pd.Series, field_name: str, values: pd.Series, code: str, **params: object) -> None:
        if not mask.any():
            return
        severity = Severity.REFUSED if code in REFUSING_CODES else Severity.FLAGGED
        for position in np.flatnonzero(mask.to_numpy()):
            value = str(values.iloc[position])
            extra = {k: (v.iloc[position] if isinstance(v, pd.Series) else v) for k, v in params.items()}
            self.issues.append(
                RowIssue(
                    self.source,
                    int(self.row_numbers[position]),
                    field_name,
                    value[:200],
                    code,
                    severity,
                    message(code, value=shown_text(value), **extra),
                )
            )
        if severity is Severity.REFUSED:
            self.refused |= mask


def read_rows(
    frame: pd.DataFrame,
    source: str,
    row_numbers,
    context: ReadContext,
    others: pd.DataFrame | None = None,
    unreadable_in: str | None = None,
) -> ReadRows:
    """Reads proposal rows. `frame` has field names as columns (unmapped fields absent) and text cells;
    `row_numbers` are the rows as the user sees them in `source`. Works on whole columns. `others`: the
    file's unmapped columns (by header), kept in `Proposal.input` and so checked too; `unreadable_in`: the
    file's encoding when it holds bytes that were not text (`Chunk.unreadable_in`)."""
    frame = frame.reset_index(drop=True)
    index = frame.index
    issues = _Issues(source, np.asarray(row_numbers), index)
    empty = pd.Series("", index=index, dtype=object)

    def column(name: str) -> pd.Series:
        return _text(frame[name]) if name in frame else empty

    others = pd.DataFrame(index=index) if others is None else others.reset_index(drop=True)
    _refuse_unusable_cells(frame, others, issues, unreadable_in)

    out = pd.DataFrame(index=index)
    nik = clean_nik(column("nik"))
    nama = column("nama").str.slice(0, 200)
    issues.add((nik == "") & (nama == ""), "nik", nik, "tanpa_nik_nama")
    issues.add(nik.str.fullmatch(_EXCEL_NUMBER).fillna(False).astype(bool), "nik", nik, "nik_angka_excel")
    issues.add(nik.str.fullmatch(r"\d{15}").fillna(False).astype(bool), "nik", nik, "nik_15_digit")
    out["nik"], out["nama"] = nik, nama

    # A "tempat, tanggal lahir" column gives the date where no birth-date column (or cell) does.
    born_raw = column("tgl_lahir")
    if "ttl" in frame:
        born_raw = born_raw.where(born_raw != "", column("ttl"))
    born_field = "tgl_lahir" if "tgl_lahir" in frame or "ttl" not in frame else "ttl"
    codes, distinct = pd.factorize(born_raw)
    texts = pd.Series(distinct, dtype=object).map(_word_date)
    # A year past 2200 is in the future; pandas' timestamps (the date parser's) end in 2262.
    far = texts.str.contains(r"(?<!\d)(?:2[2-9]|[3-9]\d)\d\d(?!\d)", regex=True).fillna(False).astype(bool)
    iso, unreadable, future = parse_dates(texts.where(~far, ""), context.today)
    future = future | far
    iso, unreadable, future = (
        pd.Series(s.to_numpy()[codes] if len(distinct) else [], index=index)
        for s in (iso, unreadable, future)
    )
    issues.add(unreadable.astype(bool), born_field, born_raw, "tanggal_tak_terbaca")
    issues.add(future.astype(bool), born_field, born_raw, "tanggal_masa_depan")
    out["tgl_lahir"] = iso.where(~(unreadable.astype(bool) | future.astype(bool)), "").fillna("")

    sex_raw = column("jenis_kelamin")
    sex = sex_raw.str.upper().str.replace(r"\s*-\s*", "-", regex=True).str.rstrip(".").map(SEX)
    issues.add((sex_raw != "") & sex.isna(), "jenis_kelamin", sex_raw, "jk_tak_dikenal")
    out["jenis_kelamin"] = sex.fillna("")

    alamat = column("alamat")
    rt, rw = _pad3(column("rt")), _pad3(column("rw"))
    if "rt_rw" in frame:
        parts = column("rt_rw").str.extract(r"^\D*(\d{1,3})\D+(\d{1,3})\D*$").fillna("")
        rt = rt.where(rt != "", _pad3(parts[0]))
        rw = rw.where(rw != "", _pad3(parts[1]))
    dusun = column("dusun")
    named = dusun.str.upper().str.match(rf"({'|'.join(_DUSUN_WORDS)})\b").fillna(False).astype(bool)
    dusun = dusun.where(named | (dusun == ""), "DUSUN " + dusun)
    alamat = _append(_append(_append(alamat, rt, "RT "), rw, "RW "), dusun, "")
    out["alamat"] = alamat.str.strip().str.slice(0, 300)

    out["kode_desa"] = _kode_desa(frame, column, issues, context)
    # A refused row is reported for why it is refused, not for what else it holds.
    refused_rows = {int(n) for n in np.asarray(row_numbers)[issues.refused.to_numpy()]}
    kept = [i for i in issues.issues if i.severity is Severity.REFUSED or i.row_number not in refused_rows]
    return ReadRows(out, issues.refused, kept)


def _refuse_unusable_cells(
    frame: pd.DataFrame, others: pd.DataFrame, issues: _Issues, unreadable_in: str | None
) -> None:
    """Refuses rows with a cell longer than its limit (fields.FIELD_LIMITS) or holding bytes that were not
    text: every cell of a proposal row is kept and exported, so none may be absurd or unreadable."""
    labels = field_labels()
    columns = [(frame, name, name, labels.get(name, name)) for name in frame.columns]
    columns += [(others, header, header, header) for header in others.columns]
    if unreadable_in is not None:
        found_fields, found_others = unreadable_cells(frame), unreadable_cells(others)
        for table, name, field_name, label in columns:
            found = found_fields if table is frame else found_others
            values = table[name].astype(str).str.replace("\x00", "\ufffd", regex=False)
            issues.add(
                found == name, field_name, values, "teks_tak_terbaca", column=label, encoding=unreadable_in
            )
    for table, name, field_name, label in columns:
        values = _text(table[name])
        length = values.str.len()
        limit = limit_of(field_name if table is frame else "")
        issues.add(
            length > limit, field_name, values, "terlalu_panjang", column=label, length=length, limit=limit
        )


def _kode_desa(frame: pd.DataFrame, column, issues: _Issues, context: ReadContext) -> pd.Series:
    raw = column("kode_desa")
    code = raw.str.lstrip("'`").str.replace(r"\.0+$", "", regex=True).str.replace(r"[\s.\-]", "", regex=True)
    well_formed = code.str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    issues.add((code != "") & ~well_formed, "kode_desa", raw, "kode_desa_salah")
    code = code.where(well_formed, "")
    known = code.isin(context.desa.keys())
    issues.add(well_formed & ~known, "kode_desa", code, "desa_tak_dikenal")
    issues.add(
        known & ~code.str.startswith(context.region_code),
        "kode_desa",
        code,
        "desa_luar_wilayah",
        region=context.region_code,
    )
    if "desa" not in frame:
        return code
    # No code but a desa name (and perhaps a kecamatan name): the one desa of that name in the list's region.
    desa, kecamatan = column("desa"), column("kecamatan")
    wanted = (code == "") & (desa != "")
    pairs = pd.Series(list(zip(desa, kecamatan, strict=True)), index=code.index, dtype=object)
    answers: dict[tuple[str, str], tuple[str, str, str]] = {}  # pair → (code, problem, kecamatan names)
    for name, district in set(pairs[wanted]):
        key, district_key = _name_key(name), _name_key(district)
        candidates = {
            c: kecamatan_name
            for c, (desa_key, kecamatan_key, kecamatan_name) in context.desa.items()
            if desa_key == key
            and c.startswith(context.region_code)
            and (not district_key or kecamatan_key == district_key)
        }
        if len(candidates) == 1:
            answers[(name, district)] = (next(iter(candidates)), "", "")
        elif candidates:
            answers[(name, district)] = ("", "desa_nama_ganda", ", ".join(sorted(set(candidates.values()))))
        else:
            answers[(name, district)] = ("", "desa_nama_tak_ditemukan", "")
    answer = pairs.where(wanted, None).map(
        lambda pair: answers.get(pair, ("", "", "")) if pair else ("", "", "")
    )
    problem = answer.map(lambda a: a[1])
    places = answer.map(lambda a: a[2])
    for problem_code in ("desa_nama_tak_ditemukan", "desa_nama_ganda"):
        issues.add(
            problem == problem_code, "desa", desa, problem_code, region=context.region_code, places=places
        )
    return code.where(~wanted, answer.map(lambda a: a[0]))


# The import ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalPlan:
    """What inspecting the files found: tables, every header in order, and the proposed column mapping."""

    files: tuple[Path, ...]
    tables: tuple[SheetInfo, ...]
    headers: tuple[str, ...]  # the columns of every table in order; they become the list's input_headers
    mapping: dict[str, str]  # field → header
    remembered: bool  # the mapping was confirmed by a user before for files with these headers

    @property
    def identifies_rows(self) -> bool:
        """A NIK or a name column is mapped: without one, nothing can be screened."""
        return bool(self.mapping.get("nik") or self.mapping.get("nama"))


@dataclass(frozen=True)
class ProposalPreview:
    rows_read: int  # data rows that are not blank
    rows_accepted: int
    rows_refused: int
    rows_flagged: int  # accepted rows with at least one warning
    blank_rows: int  # wholly empty rows, skipped silently
    issues: tuple[RowIssue, ...]


@dataclass
class ProposalImport:
    db: OfficeDatabase
    user: CurrentUser
    files: tuple[Path, ...]
    program_id: int | None
    list_name: str = ""
    sumber: str = ""
    kode_wilayah_sumber: str = ""
    plan: ProposalPlan | None = None
    preview: ProposalPreview | None = None
    _sources: list = field(default_factory=list, repr=False)
    _rows: list[dict] = field(default_factory=list, repr=False)
    _sha256: str = field(default="", repr=False)
    _input_headers: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        require(self.user, Permission.PROPOSAL_EDIT)
        self.files = tuple(Path(f) for f in self.files)
        if not self.files:
            raise DomainError(N_("Pilih minimal satu berkas untuk diimpor."))
        self.list_name = (self.list_name or "").strip() or self.files[0].stem
        with self.db.sessions() as session:
            # Role, region and program are checked before any file is read.
            checked = self._new_list(session)
        self.kode_wilayah_sumber = checked.kode_wilayah_sumber

    def _new_list(self, session: Session) -> ProposalList:
        return new_proposal_list(
            session, self.user, self.program_id, self.list_name, self.sumber, self.kode_wilayah_sumber
        )

    def _refuse_same_file(self, session: Session) -> None:
        """Pergub 52/2020 Pasal 6: one proposal is screened once per program; the same file twice would
        duplicate every row."""
        if self.program_id is None:
            return
        earlier = session.scalars(
            select(ProposalList)
            .where(
                ProposalList.program_id == self.program_id,
                ProposalList.sha256 == self._sha256,
                ProposalList.deleted_at.is_(None),
            )
            .order_by(ProposalList.id)
        ).first()
        if earlier is not None:
            raise DomainError(
                N_(
                    'Berkas {file} sudah pernah diimpor ke program ini sebagai daftar "{list}" (#{id}, '
                    "{date}, oleh {user}). Buka daftar itu, atau hapus dulu bila ingin mengimpor ulang."
                ),
                file=", ".join(p.name for p in self.files),
                list=earlier.nama,
                id=earlier.id,
                date=f"{earlier.created_at:%d-%m-%Y}" if earlier.created_at else "",
                user=earlier.created_by,
            )

    # 1. inspect -----------------------------------------------------------------------------------------
    def inspect(self) -> ProposalPlan:
        tables: list[SheetInfo] = []
        self._sources = []
        for path in self.files:
            source = open_source(path)
            self._sources.append(source)
            tables.extend(tables_of(source))
        self._sha256 = sha256_of(self.files)
        headers, _keys = input_columns(tables)
        mapping, remembered = recognise_proposal_columns(tables[0].headers), False
        with self.db.sessions() as session:
            self._refuse_same_file(session)
            saved = session.scalars(
                select(ColumnMapping).where(
                    ColumnMapping.kind == KIND,
                    ColumnMapping.header_signature == header_signature(KIND, list(headers)),
                )
            ).first()
            if saved is not None:
                mapping = {k: v for k, v in saved.mapping.items() if v in headers and k in FIELD_NAMES}
                remembered = True
        self.plan = ProposalPlan(self.files, tuple(tables), headers, mapping, remembered)
        return self.plan

    # 2. prepare -----------------------------------------------------------------------------------------
    def prepare(
        self, mapping: dict[str, str] | None = None, progress: Progress = NO_PROGRESS
    ) -> ProposalPreview:
        """Reads and checks every row; writes nothing. `mapping`: field → header, as the user confirmed it."""
        self.preview, self._rows = None, []  # a failed or cancelled prepare leaves nothing to commit
        plan = self.plan or self.inspect()
        mapping = {k: v for k, v in (mapping if mapping is not None else plan.mapping).items() if v}
        unknown_fields = sorted(set(mapping) - set(FIELD_NAMES))
        if unknown_fields:
            raise DomainError(N_("Isian usulan tidak dikenal: {fields}."), fields=", ".join(unknown_fields))
        unknown = [h for h in mapping.values() if h not in plan.headers]
        if unknown:
            raise DomainError(N_("Kolom {columns} tidak ada di berkas."), columns=", ".join(unknown))
        per_table = [_table_mapping(table, plan.tables[0], mapping) for table in plan.tables]
        for table, table_mapping in zip(plan.tables, per_table, strict=True):
            if not (table_mapping.get("nik") or table_mapping.get("nama")):
                raise DomainError(
                    N_(
                        "Berkas {file} tidak memiliki kolom NIK maupun kolom nama, jadi usulannya tidak dapat "
                        "disaring. Kolom di berkas: {headers}. Tambahkan kolom NIK atau Nama di berkas, atau "
                        "pilih kolomnya pada pemetaan kolom."
                    ),
                    file=table.label,
                    headers=", ".join(table.headers) or "-",
                )
        self.plan = ProposalPlan(plan.files, plan.tables, plan.headers, mapping, plan.remembered)
        with self.db.sessions() as session:
            self._refuse_same_file(session)
            context = ReadContext.load(session, self.kode_wilayah_sumber)
        try:
            counts = self._read_all(per_table, context, progress)
        except BaseException:
            self._rows = []
            raise
        rows_read, refused, blank, flagged_rows, issues = counts
        self._input_headers = _without_unnamed_empty_columns(self._rows, self.plan)
        issues.sort(key=lambda i: (i.source, i.row_number, i.severity != Severity.REFUSED))
        refused_places = {(i.source, i.row_number) for i in issues if i.severity is Severity.REFUSED}
        self.preview = ProposalPreview(
            rows_read,
            rows_read - refused,
            refused,
            len(flagged_rows - refused_places),
            blank,
            tuple(issues),
        )
        return self.preview

    def _read_all(self, per_table: list[dict[str, str]], context: ReadContext, progress: Progress):
        """Reads every table into `self._rows`: (rows read, refused, blank, flagged places, issues)."""
        plan = self.plan
        several = len(plan.tables) > 1
        _headers, keys = input_columns(plan.tables)
        issues: list[RowIssue] = []
        rows_read = refused = blank = 0
        flagged_rows: set[tuple[str, int]] = set()
        offset, current, last_row = 0, None, 1
        for path, source in zip(self.files, self._sources, strict=True):
            tables = [t for t in plan.tables if t.path == path]
            for chunk in source_chunks(source, tables):
                progress.check()
                table = chunk.sheet
                if table != current:
                    offset += last_row - 1 if current is not None else 0
                    current, last_row = table, 1
                table_mapping = per_table[plan.tables.index(table)]
                frame = chunk.frame
                last_row = chunk.first_row + len(frame) - 1
                cells = frame.apply(lambda c: c.str.strip())
                filled = (cells != "").any(axis=1).to_numpy()
                blank += int((~filled).sum())
                frame = frame[filled]
                row_numbers = chunk.first_row + np.flatnonzero(filled)
                canonical = pd.DataFrame({name: frame[header] for name, header in table_mapping.items()})
                canonical.index = frame.index
                others = frame[[h for h in frame.columns if h not in table_mapping.values()]]
                read = read_rows(canonical, table.label, row_numbers, context, others, chunk.unreadable_in)
                rows_read += len(frame)
                refused += int(read.refused.sum())
                issues.extend(read.issues)
                flagged_rows.update(
                    (i.source, i.row_number) for i in read.issues if i.severity is Severity.FLAGGED
                )
                accepted = ~read.refused.to_numpy()
                inputs = frame[accepted].rename(columns=keys[table]).to_dict("records")
                parsed = read.rows[accepted]
                numbers = row_numbers[accepted]
                for record, row_input, number in zip(
                    parsed.itertuples(index=False), inputs, numbers.tolist(), strict=True
                ):
                    if several:
                        row_input[SOURCE_KEY], row_input[ROW_KEY] = table.label, number
                    self._rows.append(
                        {
                            "baris": offset + number,
                            "input": row_input,
                            "nik": record.nik,
                            "nama": record.nama,
                            "tgl_lahir": date.fromisoformat(record.tgl_lahir) if record.tgl_lahir else None,
                            "jenis_kelamin": record.jenis_kelamin,
                            "alamat": record.alamat,
                            "kode_desa": record.kode_desa,
                        }
                    )
                progress.report(
                    chunk.done,
                    chunk.total,
                    _("Membaca {file}: {rows} baris").format(file=table.label, rows=format_number(rows_read)),
                )
        return rows_read, refused, blank, flagged_rows, issues

    # 3. commit ------------------------------------------------------------------------------------------
    def commit(self, progress: Progress = NO_PROGRESS) -> int:
        """Creates the list and its rows in one transaction; returns the list's id."""
        with self.db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
            list_id = self.write(uow, progress)
            uow.commit()
        self.close()
        return list_id

    def write(self, uow: UnitOfWork, progress: Progress = NO_PROGRESS) -> int:
        """Adds the list, its rows, the remembered mapping and the audit entry to the caller's transaction,
        without committing it; returns the list's id. `ejps screen` commits the list with its screening."""
        if self.preview is None or self.plan is None:
            raise DomainError(N_("Impor belum disiapkan: buat pratinjau dulu."))
        if not self._rows:
            raise DomainError(
                N_("Berkas {file} tidak memuat satu pun baris usulan yang dapat diimpor."),
                file=", ".join(p.name for p in self.files),
            )
        require(self.user, Permission.PROPOSAL_EDIT)
        plan, preview = self.plan, self.preview
        session = uow.session
        self._refuse_same_file(session)
        proposal_list = self._new_list(session)
        proposal_list.file_name = "; ".join(p.name for p in self.files)[:260]
        proposal_list.sha256 = self._sha256
        proposal_list.input_headers = list(self._input_headers)
        proposal_list.mapping = dict(plan.mapping)
        proposal_list.origin_device = uow.device_id
        session.add(proposal_list)
        session.flush()
        now = utcnow()
        total = len(self._rows)
        for start in range(0, total, INSERT_BATCH):
            progress.check()
            batch = self._rows[start : start + INSERT_BATCH]
            session.execute(
                insert(Proposal),
                [
                    row
                    | {
                        "list_id": proposal_list.id,
                        "uid": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "origin_device": uow.device_id,
                    }
                    for row in batch
                ],
            )
            done = min(start + INSERT_BATCH, total)
            progress.report(done, total, _("Menyimpan usulan: {rows} baris").format(rows=done))
        self._remember_mapping(session, plan)
        uow.audit(
            self.user,
            "proposal_list.import",
            "proposal_list",
            proposal_list.id,
            after=list_audit_view(proposal_list)
            | {
                "sha256": self._sha256,
                "rows_read": preview.rows_read,
                "accepted": preview.rows_accepted,
                "refused": preview.rows_refused,
                "flagged": preview.rows_flagged,
                "mapping": dict(plan.mapping),
            },
        )
        progress.check()
        session.flush()
        return proposal_list.id

    def _remember_mapping(self, session: Session, plan: ProposalPlan) -> None:
        signature = header_signature(KIND, list(plan.headers))
        saved = session.scalars(
            select(ColumnMapping).where(
                ColumnMapping.kind == KIND, ColumnMapping.header_signature == signature
            )
        ).first()
        if saved is None:
            session.add(ColumnMapping(kind=KIND, header_signature=signature, mapping=dict(plan.mapping)))
        else:
            saved.mapping = dict(plan.mapping)

    def close(self) -> None:
        """Forgets the prepared rows; nothing was written. Safe to call more than once."""
        self._rows = []


def input_columns(tables) -> tuple[tuple[str, ...], dict[SheetInfo, dict[str, str]]]:
    """Every table's columns in order of first appearance, and for each table its header → the key its cells
    are kept under. "NIK" in one table and "nik" in the next are one column, under the first spelling; two
    columns of one table that look alike ("No" and "No.") stay apart."""
    first: dict[object, str] = {}
    keys: dict[SheetInfo, dict[str, str]] = {}
    for table in tables:
        keys[table] = {}
        here: set[object] = set()
        for header in table.headers:
            normal: object = normalise_header(header) or (header,)
            if normal in here:
                normal = (header,)
            here.add(normal)
            keys[table][header] = first.setdefault(normal, header)
    return tuple(first.values()), keys


def _table_mapping(table: SheetInfo, first: SheetInfo, mapping: dict[str, str]) -> dict[str, str]:
    """The mapping as it applies to one table: each field's column found by its normalised header. A table
    whose headers differ from the first table's also has the fields left unmapped recognised by itself."""
    by_normal = {normalise_header(h): h for h in table.headers}
    result = {
        name: by_normal[normalise_header(header)]
        for name, header in mapping.items()
        if normalise_header(header) in by_normal
    }
    if {normalise_header(h) for h in table.headers} == {normalise_header(h) for h in first.headers}:
        return result
    used = set(result.values())
    for name, header in recognise_proposal_columns(table.headers).items():
        if name not in result and header not in used:
            result[name] = header
            used.add(header)
    return result


_UNNAMED = re.compile(r"Kolom \d+")


def _without_unnamed_empty_columns(rows: list[dict], plan: ProposalPlan) -> tuple[str, ...]:
    """The input headers, less any column with no title and no value anywhere (Excel's formatting beyond
    the data, or a CSV's trailing separators); their empty cells are dropped from the rows too."""
    unnamed = [h for h in plan.headers if _UNNAMED.fullmatch(h) and h not in plan.mapping.values()]
    empty = {h for h in unnamed if not any(str(row["input"].get(h, "")).strip() for row in rows)}
    if empty:
        for row in rows:
            for header in empty:
                row["input"].pop(header, None)
    return tuple(h for h in plan.headers if h not in empty)
