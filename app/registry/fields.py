"""The canonical columns of the interchange files (DESIGN.md, "Interchange files") and the header variants
real extracts use, so that a file from Dukcapil or Dinsos is recognised without asking the user."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_, _


class ExtractKind(StrEnum):
    DUKCAPIL = "dukcapil"
    DTKS = "dtks"  # one row per member of a DTKS/DTSEN household
    # One row per household (KK) with its desil — the form DTSEN reaches regions in. Imported as DTKS/DTSEN:
    # the desil goes to every member of the KK in the registry.
    DTSEN_KELUARGA = "dtsen_keluarga"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool
    variants: tuple[str, ...] = ()


def _f(name: str, label: str, required: bool, *variants: str) -> Field:
    return Field(name, label, required, variants)


NIK = _f(
    "nik", N_("NIK"), True, "NIK", "NO NIK", "NOMOR NIK", "NIK KTP", "NOMOR INDUK KEPENDUDUKAN", "NIK ART"
)
NO_KK = _f(
    "no_kk",
    N_("No. KK"),
    True,
    "NO KK",
    "NOMOR KK",
    "NKK",
    "NOKK",
    "KK",
    "NO KARTU KELUARGA",
    "NOMOR KARTU KELUARGA",
    "NIK KK",
    "NO KK KEPALA KELUARGA",
)
NAMA = _f(
    "nama",
    N_("Nama"),
    True,
    "NAMA",
    "NAMA LENGKAP",
    "NAMA PENDUDUK",
    "NAMA LGKP",
    "NAMA ART",
    "NAMA ANGGOTA",
    "NAMA ANGGOTA KELUARGA",
    "NAMA SESUAI KTP",
)
TEMPAT_LAHIR = _f(
    "tempat_lahir",
    N_("Tempat lahir"),
    False,
    "TEMPAT LAHIR",
    "TMPT LAHIR",
    "TMP LAHIR",
    "TPT LAHIR",
    "TEMPAT LHR",
    "TMPT LHR",
)
TGL_LAHIR = _f(
    "tgl_lahir",
    N_("Tanggal lahir"),
    True,
    "TGL LAHIR",
    "TANGGAL LAHIR",
    "TGLLAHIR",
    "TGL LHR",
    "TANGGAL LHR",
    "TGL LAHIR DD MM YYYY",
)
JENIS_KELAMIN = _f(
    "jenis_kelamin",
    N_("Jenis kelamin"),
    True,
    "JENIS KELAMIN",
    "JK",
    "KELAMIN",
    "JNS KELAMIN",
    "JNS KLMIN",
    "SEX",
    "L P",
    "GENDER",
)
ALAMAT = _f(
    "alamat", N_("Alamat"), False, "ALAMAT", "ALAMAT LENGKAP", "ALAMAT RUMAH", "ALAMAT TINGGAL", "JALAN"
)
RT = _f("rt", N_("RT"), False, "RT", "NO RT", "NOMOR RT")
RW = _f("rw", N_("RW"), False, "RW", "NO RW", "NOMOR RW")
KODE_DESA = _f(
    "kode_desa",
    N_("Kode desa/kelurahan"),
    True,
    "KODE DESA",
    "KODE WILAYAH",
    "KODE KELURAHAN",
    "KODE DESA KELURAHAN",
    "KODE DESA KEL",
    "KD DESA",
    "KD KEL",
    "KODE WIL",
    "KODE KEL",
    "KDDESA",
    "KODE DESA KEMENDAGRI",
    "KODE WILAYAH DESA",
)
HUBUNGAN = _f(
    "hubungan_keluarga",
    N_("Hubungan keluarga"),
    False,
    "HUBUNGAN KELUARGA",
    "SHDK",
    "HUB KELUARGA",
    "STATUS HUBUNGAN",
    "STATUS HUBUNGAN DALAM KELUARGA",
    "STAT HBKEL",
    "HUBUNGAN",
    "HUB KEL",
)
STATUS = _f(
    "status",
    N_("Status"),
    False,
    "STATUS",
    "STATUS HIDUP",
    "STATUS PENDUDUK",
    "KETERANGAN STATUS",
    "STATUS KEPENDUDUKAN",
)
TGL_STATUS = _f(
    "tgl_status",
    N_("Tanggal status"),
    False,
    "TGL STATUS",
    "TANGGAL STATUS",
    "TGL MENINGGAL",
    "TGL PINDAH",
    "TANGGAL KEJADIAN",
    "TGL KEJADIAN",
    "TMT STATUS",
)
ID_DTKS = _f(
    "id_dtks",
    N_("ID DTKS"),
    True,
    "ID DTKS",
    "IDDTKS",
    "ID DTSEN",
    "ID ART",
    "IDARTBDT",
    "ID ART BDT",
    "ID DTKS ART",
)
DESIL = _f(
    "desil",
    N_("Desil"),
    True,
    "DESIL",
    "PERINGKAT DESIL",
    "DESIL KESEJAHTERAAN",
    "DESIL NASIONAL",
    "STATUS KESEJAHTERAAN",
)
DESIL_PROVINSI = _f("desil_provinsi", N_("Desil provinsi"), False, "DESIL PROVINSI", "DESIL PROV")
DESIL_KABUPATEN_KOTA = _f(
    "desil_kabupaten_kota",
    N_("Desil kabupaten/kota"),
    False,
    "DESIL KABUPATEN KOTA",
    "DESIL KAB KOTA",
    "DESIL KABKOTA",
    "DESIL KABUPATEN",
    "DESIL KOTA",
)
FAMILY_NO_KK = Field("no_kk", NO_KK.label, True, NO_KK.variants)
# A family file's national desil column is named for its level; a plain "DESIL" is read as national too.
FAMILY_DESIL = Field("desil", N_("Desil nasional"), True, ("DESIL NASIONAL", "DESIL NAS", *DESIL.variants))


# The longest text a field may hold, in characters: the registry's column widths (db.models), well above real
# names and addresses (SIAK's full name is at most 60 characters). A longer value is a damaged or hostile file,
# not a name: the row is refused with the limit rather than stored (a 1 MB "address" once was). NIK, No. KK,
# dates, sex, status, desa code and desil are checked by their own formats.
FIELD_LIMITS: dict[str, int] = {
    "nama": 120,
    "tempat_lahir": 80,
    "alamat": 200,
    "hubungan_keluarga": 30,
    "id_dtks": 30,
}
# Any other cell a proposal keeps as the file wrote it (its own columns, given back in the export).
CELL_LIMIT = 500


def limit_of(field_name: str) -> int:
    return FIELD_LIMITS.get(field_name, CELL_LIMIT)


DTKS_NO_KK = Field("no_kk", NO_KK.label, False, NO_KK.variants)
DTKS_TGL_LAHIR = Field("tgl_lahir", TGL_LAHIR.label, False, TGL_LAHIR.variants)
DTKS_JENIS_KELAMIN = Field("jenis_kelamin", JENIS_KELAMIN.label, False, JENIS_KELAMIN.variants)

FIELDS: dict[ExtractKind, tuple[Field, ...]] = {
    ExtractKind.DUKCAPIL: (
        NIK,
        NO_KK,
        NAMA,
        TEMPAT_LAHIR,
        TGL_LAHIR,
        JENIS_KELAMIN,
        ALAMAT,
        RT,
        RW,
        KODE_DESA,
        HUBUNGAN,
        STATUS,
        TGL_STATUS,
    ),
    ExtractKind.DTKS: (
        ID_DTKS,
        NIK,
        DTKS_NO_KK,
        NAMA,
        DTKS_TGL_LAHIR,
        DTKS_JENIS_KELAMIN,
        ALAMAT,
        KODE_DESA,
        DESIL,
        DESIL_PROVINSI,
        DESIL_KABUPATEN_KOTA,
    ),
    ExtractKind.DTSEN_KELUARGA: (FAMILY_NO_KK, FAMILY_DESIL, DESIL_PROVINSI, DESIL_KABUPATEN_KOTA),
}
# Extracts whose rows become DTKS/DTSEN records (dtks_record): batches of the kind "dtks".
WELFARE_KINDS = frozenset({ExtractKind.DTKS, ExtractKind.DTSEN_KELUARGA})

# Aid programs whose household flags a DTKS/DTSEN extract carries as 0/1 columns.
PROGRAM_FLAGS: dict[str, tuple[str, ...]] = {
    "pkh": ("PKH", "FLAG PKH", "PENERIMA PKH"),
    "bpnt": ("BPNT", "SEMBAKO", "FLAG BPNT", "PENERIMA BPNT", "BPNT SEMBAKO"),
    "pbi": ("PBI", "PBI JK", "PBI JKN", "FLAG PBI", "PENERIMA PBI"),
    "pip": ("PIP", "KIP", "PIP KIP"),
    "blt": ("BLT", "BLT DD", "BLT DESA"),
    "rutilahu": ("RUTILAHU", "BEDAH RUMAH"),
}

PROGRAM_LABELS: dict[str, str] = {
    "pkh": "PKH",
    "bpnt": "BPNT/Sembako",
    "pbi": "PBI-JK",
    "pip": "PIP/KIP",
    "blt": "BLT Dana Desa",
    "rutilahu": "Rutilahu",
}

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise_header(header: object) -> str:
    """ "No. KK" → "NO KK", "tgl_lahir" → "TGL LAHIR": the form the variant lists are written in."""
    return _NON_ALNUM.sub(" ", str(header).upper()).strip()


def field_label(name: str) -> str:
    """A registry field (or `program:<name>` flag) in words, in the current language: what the officer reads
    where the program would say `hubungan_keluarga`. An unknown name is returned as it is."""
    if name.startswith("program:"):
        program = name.split(":", 1)[1]
        return _("Program {name}").format(name=PROGRAM_LABELS.get(program, program.upper()))
    for fields in FIELDS.values():
        for field in fields:
            if field.name == name:
                return _(field.label)
    return name


def fields_of(kind: ExtractKind) -> tuple[Field, ...]:
    return FIELDS[ExtractKind(kind)]


def _headers_by_normal_form(headers) -> dict[str, str]:
    by_normal: dict[str, str] = {}
    for header in headers:
        by_normal.setdefault(normalise_header(header), header)
    return by_normal


def recognise_fields(fields, headers) -> dict[str, str]:
    """Field → the file's header, for the headers recognised (the canonical name or a known variant), each
    header taken by one field at most. Every import's mapping page starts from this."""
    by_normal = _headers_by_normal_form(headers)
    mapping: dict[str, str] = {}
    for field in fields:
        for variant in (normalise_header(field.name), *field.variants):
            header = by_normal.get(variant)
            if header is not None and header not in mapping.values():
                mapping[field.name] = header
                break
    return mapping


def recognise_columns(kind: ExtractKind, headers: list[str]) -> dict[str, str]:
    """Canonical field (or `program:<name>` for a DTKS flag) → the file's header, for what is recognised."""
    by_normal = _headers_by_normal_form(headers)
    mapping = recognise_fields(fields_of(kind), headers)
    used = set(mapping.values())
    if ExtractKind(kind) in WELFARE_KINDS:
        for program, variants in PROGRAM_FLAGS.items():
            for variant in variants:
                header = by_normal.get(variant)
                if header is not None and header not in used:
                    mapping[f"program:{program}"] = header
                    used.add(header)
                    break
    return mapping


def _has_any(by_normal: set[str], field: Field) -> bool:
    return any(v in by_normal for v in (normalise_header(field.name), *field.variants))


def is_family_file(headers: list[str]) -> bool:
    """A DTSEN family file: a KK column and a desil column, but no column naming a person (NIK or DTKS member
    id). Such a file cannot be read as a member-level extract — it is told apart by its headers alone."""
    normal = {normalise_header(h) for h in headers}
    has_level_desil = _has_any(normal, DESIL_PROVINSI) or _has_any(normal, DESIL_KABUPATEN_KOTA)
    return (
        _has_any(normal, NO_KK)
        and (_has_any(normal, FAMILY_DESIL) or has_level_desil)
        and not _has_any(normal, NIK)
        and not _has_any(normal, ID_DTKS)
    )


def missing_required(kind: ExtractKind, mapping: dict[str, str]) -> list[Field]:
    return [field for field in fields_of(kind) if field.required and not mapping.get(field.name)]


def header_signature(kind: ExtractKind, headers: list[str]) -> str:
    """Identifies a source by its kind and its set of headers: the key a confirmed mapping is kept under."""
    normal = sorted({normalise_header(h) for h in headers if str(h).strip()})
    return hashlib.sha256("\x1f".join([str(kind), *normal]).encode("utf-8")).hexdigest()
