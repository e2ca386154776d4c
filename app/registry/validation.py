"""Row rules of an extract import (issue "registry on the laptop"; DESIGN.md "Interchange files").

Refused — the row is not imported: NIK not 16 digits (letters, 15 digits, an Excel-rounded number), an
impossible birth date inside the NIK (+40 for women), sequence 0000; a missing required field; an unreadable or
future date; a desa outside the office's region or unknown to Kemendagri; a key occurring twice in the file.

Kept but flagged — real registers contain them: a birth date or sex differing from what the NIK says (default
birth dates such as 01-01 or 31-12 are common), and an issuing kecamatan no longer in today's Kemendagri list.

Everything works on a whole chunk (pandas columns); only the problem rows are visited one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from app.i18n import N_, _
from app.regions import issuing_region_exists
from app.registry.dates import parse_dates
from app.registry.fields import FIELD_LIMITS, ExtractKind, fields_of
from app.registry.issues import RowIssue, Severity
from app.registry.nik import nik_checks
from app.registry.sources import shown_text, unreadable_cells

MESSAGES: dict[str, str] = {
    "nik_bukan_16_digit": N_('NIK harus 16 digit angka; tertulis "{value}" ({length} karakter).'),
    "nik_angka_excel": N_(
        'NIK terbaca sebagai angka Excel ("{value}"), digit belakangnya hilang. Format kolom NIK sebagai Teks '
        "di Excel lalu simpan ulang."
    ),
    "nik_tanggal_mustahil": N_(
        'Tanggal lahir di dalam NIK (digit 7–12: "{part}") tidak mungkin, juga setelah hari dikurangi 40 '
        "untuk perempuan."
    ),
    "nik_urut_0000": N_("Nomor urut NIK (4 digit terakhir) 0000 tidak pernah diterbitkan."),
    "kk_bukan_16_digit": N_('No. KK harus 16 digit angka; tertulis "{value}".'),
    "terlalu_panjang": N_(
        "Kolom {label} terlalu panjang: {length} karakter, paling banyak {limit}. Periksa isi kolom itu di "
        "berkas lalu impor ulang."
    ),
    "teks_tak_terbaca": N_(
        "Kolom {label} memuat byte yang tidak terbaca sebagai teks {encoding} (rusak, atau bukan teks), jadi "
        "baris ini tidak diimpor. Perbaiki baris itu di berkas, atau simpan ulang berkas sebagai CSV UTF-8, "
        "lalu impor ulang."
    ),
    "wajib_kosong": N_("Kolom {label} wajib diisi."),
    "tanggal_tak_terbaca": N_(
        'Tanggal "{value}" tidak terbaca. Gunakan TTTT-BB-HH, HH-BB-TTTT, HH/BB/TTTT atau tanggal Excel.'
    ),
    "tanggal_masa_depan": N_("Tanggal {value} berada di masa depan."),
    "jk_tak_dikenal": N_('Jenis kelamin "{value}" tidak dikenal; gunakan L atau P.'),
    "status_tak_dikenal": N_('Status "{value}" tidak dikenal; gunakan hidup, meninggal atau pindah.'),
    "desa_luar_wilayah": N_("Kode desa {value} berada di luar wilayah kerja ({region})."),
    "desa_tak_dikenal": N_("Kode desa {value} tidak ada dalam daftar desa/kelurahan Kemendagri."),
    "desil_tak_valid": N_('Desil harus bilangan 1 sampai 10; tertulis "{value}".'),
    "kk_tak_terdaftar": N_(
        "No. KK {value} tidak ada di registri Dukcapil kantor ini, jadi desilnya tidak dapat diberikan kepada "
        "anggota keluarga. Impor dulu ekstrak Dukcapil yang memuat KK ini, lalu impor ulang berkas ini."
    ),
    "kk_luar_wilayah": N_(
        "Anggota KK {value} tinggal di luar wilayah kerja ({region}); keluarga ini tidak diimpor."
    ),
    "kunci_ganda": N_(
        "{label} {value} muncul lebih dari sekali dalam berkas: {places}. Semua baris itu ditolak."
    ),
    "tgl_lahir_beda_nik": N_(
        "Tanggal lahir {value} berbeda dengan tanggal di NIK ({nik_date}). Data tetap diimpor dan ditandai."
    ),
    "jk_beda_nik": N_(
        "Jenis kelamin {value} berbeda dengan NIK (menunjukkan {nik_sex}). Data tetap diimpor dan ditandai."
    ),
    "wilayah_nik_lama": N_(
        "Kecamatan penerbit NIK ({value}) tidak ada lagi dalam daftar Kemendagri sekarang. Data tetap diimpor "
        "dan ditandai."
    ),
    "status_tanpa_tanggal": N_("Status {value} tanpa tanggal status. Data tetap diimpor dan ditandai."),
}

SEX_VALUES = {
    "L": "L",
    "LK": "L",
    "LAKI LAKI": "L",
    "LAKI-LAKI": "L",
    "LAKILAKI": "L",
    "PRIA": "L",
    "1": "L",
    "M": "L",
    "P": "P",
    "PR": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
    "2": "P",
    "F": "P",
}
STATUS_VALUES = {
    "": "hidup",
    "HIDUP": "hidup",
    "ADA": "hidup",
    "AKTIF": "hidup",
    "MENINGGAL": "meninggal",
    "MENINGGAL DUNIA": "meninggal",
    "MATI": "meninggal",
    "WAFAT": "meninggal",
    "PINDAH": "pindah",
    "PINDAH KELUAR": "pindah",
    "PINDAH DATANG": "hidup",
}
TRUE_FLAGS = {"1", "Y", "YA", "TRUE", "YES", "V"}

# Columns written to the live tables, in order (db.bulk.BulkTarget.columns).
PERSON_COLUMNS = (
    "nik",
    "no_kk",
    "nama",
    "nama_key",
    "tempat_lahir",
    "tgl_lahir",
    "jenis_kelamin",
    "alamat",
    "rt",
    "rw",
    "kode_desa",
    "hubungan_keluarga",
    "status",
    "tgl_status",
)
DTKS_COLUMNS = (
    "id_dtks",
    "nik",
    "no_kk",
    "nama",
    "tgl_lahir",
    "jenis_kelamin",
    "alamat",
    "kode_desa",
    "desil",
    "desil_provinsi",
    "desil_kabupaten_kota",
    "programs",
)
# A DTSEN family file's rows as staged: one per KK; the members' records are made from them and the registry.
FAMILY_COLUMNS = ("no_kk", "desil", "desil_provinsi", "desil_kabupaten_kota", "programs")


@dataclass
class ValidationContext:
    kind: ExtractKind
    region_code: str  # the narrower of the office's region and the user's
    known_desa: frozenset[str]
    today: date = field(default_factory=date.today)


@dataclass
class ValidatedChunk:
    rows: pd.DataFrame  # the accepted rows: target columns, flags, source, row_number
    issues: list[RowIssue]
    refused_rows: int
    flagged_rows: int


def message(code: str, **params: object) -> str:
    return _(MESSAGES[code]).format(**params)


def name_key(names: pd.Series) -> pd.Series:
    """Upper case, letters and digits only: "Siti  Maryam" and "SITIMARYAM" search alike."""
    return names.str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)


def per_unique(values: pd.Series, transform) -> pd.Series:
    """Applies a column transform to the distinct values only and spreads the answers back by position: a
    1.2M-row extract has some 30,000 distinct birth dates and a few hundred desa codes."""
    codes, distinct = pd.factorize(values)
    return _spread(transform(pd.Series(distinct)), codes, values.index)


def _spread(answers: pd.Series, codes, index: pd.Index) -> pd.Series:
    spread = answers.take(codes)
    spread.index = index
    return spread


def _clean_code(values: pd.Series) -> pd.Series:
    # Excel users prefix long numbers with ' to keep them as text; dotted region codes are common too.
    clean = values.str.fullmatch(r"\d*").fillna(False).astype(bool)
    if clean.all():
        return values
    fixed = values[~clean].str.strip().str.lstrip("'").str.replace(r"[ \t\r\n]", "", regex=True)
    return values.where(clean, fixed)


def _pad3(values: pd.Series) -> pd.Series:
    stripped = values.str.strip()
    digits = stripped.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    return stripped.where(~digits, stripped.str.zfill(3)).str.slice(0, 3)


def _upper_single_spaced(values: pd.Series) -> pd.Series:
    # Control characters (tabs and line breaks among them) and no-break spaces become single spaces: a name
    # never carries one (the matching index separates names with the unit separator). One character class,
    # not "\s", which is twice as slow on 1.2M names.
    return values.str.upper().str.replace(r"[\x00-\x20\x7f\xa0]+", " ", regex=True).str.strip()


def _dates(values: pd.Series, context: ValidationContext) -> tuple[pd.Series, pd.Series, pd.Series]:
    codes, distinct = pd.factorize(values)
    iso, unreadable, future = parse_dates(pd.Series(distinct), context.today)
    return (
        _spread(iso, codes, values.index),
        _spread(unreadable, codes, values.index).astype(bool),
        _spread(future, codes, values.index).astype(bool),
    )


class _Collector:
    def __init__(self, source: str, first_row: int, index: pd.Index, kode_desa: pd.Series) -> None:
        self.source = source
        self.first_row = first_row
        self.index = index
        self.kode_desa = kode_desa  # each row's desa, kept with its issues: who may read them (batches.py)
        self.issues: list[RowIssue] = []
        self.refused = pd.Series(False, index=index)
        self.flags: dict[int, list[str]] = {}

    def add(
        self, mask: pd.Series, field_name: str, values: pd.Series, code: str, severity: Severity, **extra
    ) -> None:
        mask = mask & ~self.refused if severity is Severity.FLAGGED else mask
        if not mask.any():
            return
        positions = np.flatnonzero(mask.to_numpy())
        for position in positions:
            label = self.index[position]
            value = "" if values is None else str(values.iloc[position])
            params = {key: (v.iloc[position] if isinstance(v, pd.Series) else v) for key, v in extra.items()}
            self.issues.append(
                RowIssue(
                    self.source,
                    self.first_row + int(position),
                    field_name,
                    value[:200],
                    code,
                    severity,
                    message(code, value=shown_text(value), **params),
                    str(self.kode_desa.iloc[position])[:10],
                )
            )
            if severity is Severity.FLAGGED:
                self.flags.setdefault(label, []).append(code)
        if severity is Severity.REFUSED:
            self.refused |= mask


def validate_chunk(
    frame: pd.DataFrame,
    source: str,
    first_row: int,
    context: ValidationContext,
    unreadable_in: str | None = None,
) -> ValidatedChunk:
    """`frame` has the canonical column names (unmapped optional columns absent) and text values.
    `unreadable_in`: the file's encoding when it holds bytes that were not text (`Chunk.unreadable_in`)."""
    frame = frame.reset_index(drop=True)
    kind = ExtractKind(context.kind)
    out = pd.DataFrame(index=frame.index)

    def column(name: str) -> pd.Series:
        return frame[name].astype(str).str.strip() if name in frame else pd.Series("", index=frame.index)

    kode_desa = per_unique(column("kode_desa"), lambda v: _clean_code(v).str.replace(".", "", regex=False))
    collect = _Collector(source, first_row, frame.index, kode_desa)
    labels = {spec.name: _(spec.label) for spec in fields_of(kind)}
    if unreadable_in is not None:
        found = unreadable_cells(frame)
        for name in frame.columns:
            collect.add(
                found == name,
                name,
                frame[name].astype(str).str.replace("\x00", "\ufffd", regex=False),
                "teks_tak_terbaca",
                Severity.REFUSED,
                label=labels.get(name, name),
                encoding=unreadable_in,
            )
    for name, limit in FIELD_LIMITS.items():
        # The raw length first (no copy); only a column with a long cell is measured again without its spaces.
        if name in frame and (frame[name].astype(str).str.len() > limit).any():
            length = column(name).str.len()
            collect.add(
                length > limit,
                name,
                column(name),
                "terlalu_panjang",
                Severity.REFUSED,
                label=labels.get(name, name),
                length=length,
                limit=limit,
            )

    for spec in fields_of(kind):
        if spec.required:
            values = column(spec.name)
            collect.add(
                values == "", spec.name, values, "wajib_kosong", Severity.REFUSED, label=_(spec.label)
            )
    if kind is ExtractKind.DTSEN_KELUARGA:
        out["no_kk"] = _no_kk(column, collect)
        _welfare_columns(frame, column, collect, out)
        return _accepted(out, collect, source, first_row, FAMILY_COLUMNS)

    nik = _clean_code(column("nik"))
    checks = nik_checks(nik)
    present = nik != ""
    collect.add(present & checks.looks_like_excel_number, "nik", nik, "nik_angka_excel", Severity.REFUSED)
    collect.add(
        present & checks.not_16_digits & ~checks.looks_like_excel_number,
        "nik",
        nik,
        "nik_bukan_16_digit",
        Severity.REFUSED,
        length=nik.str.len(),
    )
    collect.add(
        checks.impossible_date,
        "nik",
        nik,
        "nik_tanggal_mustahil",
        Severity.REFUSED,
        part=nik.str.slice(6, 12),
    )
    collect.add(checks.zero_sequence, "nik", nik, "nik_urut_0000", Severity.REFUSED)
    out["nik"] = nik

    out["no_kk"] = _no_kk(column, collect)

    nama = _upper_single_spaced(column("nama"))
    out["nama"] = nama

    tgl_lahir_raw = column("tgl_lahir")
    tgl_lahir, unreadable, future = _dates(tgl_lahir_raw, context)
    collect.add(unreadable, "tgl_lahir", tgl_lahir_raw, "tanggal_tak_terbaca", Severity.REFUSED)
    collect.add(future, "tgl_lahir", tgl_lahir_raw, "tanggal_masa_depan", Severity.REFUSED)
    out["tgl_lahir"] = tgl_lahir

    sex_raw = column("jenis_kelamin")
    sex = per_unique(sex_raw, lambda v: v.str.upper().map(SEX_VALUES))
    collect.add((sex_raw != "") & sex.isna(), "jenis_kelamin", sex_raw, "jk_tak_dikenal", Severity.REFUSED)
    out["jenis_kelamin"] = sex.fillna("")

    out["alamat"] = column("alamat").str.replace(r"[ \t\r\n]+", " ", regex=True)

    present_desa = kode_desa != ""
    outside = present_desa & ~kode_desa.str.startswith(context.region_code)
    collect.add(
        outside, "kode_desa", kode_desa, "desa_luar_wilayah", Severity.REFUSED, region=context.region_code
    )
    unknown = present_desa & ~outside & ~kode_desa.isin(context.known_desa)
    collect.add(unknown, "kode_desa", kode_desa, "desa_tak_dikenal", Severity.REFUSED)
    out["kode_desa"] = kode_desa

    if kind is ExtractKind.DUKCAPIL:
        out["nama_key"] = name_key(nama)
        out["tempat_lahir"] = per_unique(column("tempat_lahir"), lambda v: v.str.upper())
        out["rt"] = per_unique(column("rt"), _pad3)
        out["rw"] = per_unique(column("rw"), _pad3)
        out["hubungan_keluarga"] = per_unique(column("hubungan_keluarga"), _upper_single_spaced)
        status_raw = column("status")
        status = per_unique(status_raw, lambda v: _upper_single_spaced(v).map(STATUS_VALUES))
        collect.add(status.isna(), "status", status_raw, "status_tak_dikenal", Severity.REFUSED)
        out["status"] = status.fillna("hidup")
        tgl_status_raw = column("tgl_status")
        tgl_status, unreadable, future = _dates(tgl_status_raw, context)
        collect.add(unreadable, "tgl_status", tgl_status_raw, "tanggal_tak_terbaca", Severity.REFUSED)
        collect.add(future, "tgl_status", tgl_status_raw, "tanggal_masa_depan", Severity.REFUSED)
        out["tgl_status"] = tgl_status
        collect.add(
            (out["status"] != "hidup") & (tgl_status == ""),
            "tgl_status",
            out["status"],
            "status_tanpa_tanggal",
            Severity.FLAGGED,
        )
    else:
        out["id_dtks"] = _clean_code(column("id_dtks"))
        _welfare_columns(frame, column, collect, out)

    _flag_nik_disagreements(collect, checks, nik, out, tgl_lahir)

    columns = PERSON_COLUMNS if kind is ExtractKind.DUKCAPIL else DTKS_COLUMNS
    return _accepted(out, collect, source, first_row, columns)


def _no_kk(column, collect: _Collector) -> pd.Series:
    no_kk = _clean_code(column("no_kk"))
    collect.add(
        (no_kk != "") & ~no_kk.str.fullmatch(r"\d{16}").fillna(False).astype(bool),
        "no_kk",
        no_kk,
        "kk_bukan_16_digit",
        Severity.REFUSED,
    )
    return no_kk


def _welfare_columns(frame: pd.DataFrame, column, collect: _Collector, out: pd.DataFrame) -> None:
    """The desil of each level (1–10 or empty) and the program flags of a DTKS/DTSEN row."""
    for name in ("desil", "desil_provinsi", "desil_kabupaten_kota"):
        desil_raw = column(name)
        desil = pd.to_numeric(desil_raw, errors="coerce")
        bad_desil = (desil_raw != "") & ~(desil.between(1, 10) & (desil == desil.round()))
        collect.add(bad_desil, name, desil_raw, "desil_tak_valid", Severity.REFUSED)
        out[name] = desil.where(~bad_desil).astype("Int64").astype(str).replace("<NA>", "")
    programs = sorted(c.split(":", 1)[1] for c in frame.columns if c.startswith("program:"))
    if programs:
        parts = [
            f'"{p}": ' + column(f"program:{p}").str.upper().isin(TRUE_FLAGS).map({True: "1", False: "0"})
            for p in programs
        ]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined + ", " + part
        out["programs"] = "{" + joined + "}"
    else:
        out["programs"] = "{}"


def _accepted(
    out: pd.DataFrame, collect: _Collector, source: str, first_row: int, columns: tuple[str, ...]
) -> ValidatedChunk:
    accepted = ~collect.refused
    rows = out[accepted].copy()
    rows = rows[list(columns)]
    flags = pd.Series(
        [";".join(collect.flags.get(label, ())) for label in rows.index], index=rows.index, dtype=str
    )
    rows["flags"] = flags
    rows["source"] = source
    rows["row_number"] = first_row + rows.index.to_numpy()
    flagged_rows = sum(1 for label in collect.flags if accepted.loc[label])
    return ValidatedChunk(rows, collect.issues, int(collect.refused.sum()), flagged_rows)


def _flag_nik_disagreements(
    collect: _Collector, checks, nik: pd.Series, out: pd.DataFrame, tgl_lahir: pd.Series
) -> None:
    valid = ~checks.invalid & (nik != "")
    has_date = valid & (tgl_lahir != "")
    nik_date = (
        checks.day.astype(str).str.zfill(2)
        + "-"
        + checks.month.astype(str).str.zfill(2)
        + "-"
        + checks.year_2.astype(str).str.zfill(2)
    )
    column_date = (
        tgl_lahir.str.slice(8, 10) + "-" + tgl_lahir.str.slice(5, 7) + "-" + tgl_lahir.str.slice(2, 4)
    )
    # Shown as the officer's files write dates (dd-mm-yyyy), beside the NIK's dd-mm-yy: one form a sentence.
    shown_date = (
        tgl_lahir.str.slice(8, 10) + "-" + tgl_lahir.str.slice(5, 7) + "-" + tgl_lahir.str.slice(0, 4)
    )
    collect.add(
        has_date & (nik_date != column_date),
        "tgl_lahir",
        shown_date,
        "tgl_lahir_beda_nik",
        Severity.FLAGGED,
        nik_date=nik_date,
    )
    nik_sex = checks.female.map({True: "P", False: "L"})
    sex = out["jenis_kelamin"]
    collect.add(
        valid & (sex != "") & (sex != nik_sex),
        "jenis_kelamin",
        sex,
        "jk_beda_nik",
        Severity.FLAGGED,
        nik_sex=nik_sex,
    )
    issuing = nik.str.slice(0, 6)
    known = {code: issuing_region_exists(code) for code in issuing[valid].unique()}
    collect.add(
        valid & ~issuing.map(known).fillna(True).astype(bool),
        "nik",
        issuing,
        "wilayah_nik_lama",
        Severity.FLAGGED,
    )
