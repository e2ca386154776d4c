"""Small, realistic extract files for tests: NIKs built by the rule, real Kemendagri codes of Kab. Gorontalo."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

DUKCAPIL_HEADERS = [
    "nik",
    "no_kk",
    "nama",
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
]
DTKS_HEADERS = [
    "id_dtks",
    "nik",
    "no_kk",
    "nama",
    "tgl_lahir",
    "jenis_kelamin",
    "alamat",
    "kode_desa",
    "desil",
    "pkh",
    "bpnt",
    "pbi",
]
DESA_LIMBOTO = "7501011001"  # Kel. Kayubulan, Kec. Limboto
DESA_TELAGA = "7501022011"  # Desa Bulila, Kec. Telaga
DESA_BOALEMO = "7502012004"  # Bongo Nol, Kab. Boalemo: outside Kab. Gorontalo


def nik_for(kecamatan: str, born: date, sex: str, sequence: int) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{sequence:04d}"


@dataclass(frozen=True)
class PersonRecord:
    nik: str
    no_kk: str
    nama: str
    tempat_lahir: str
    tgl_lahir: str
    jenis_kelamin: str
    alamat: str
    rt: str
    rw: str
    kode_desa: str
    hubungan_keluarga: str
    status: str = "hidup"
    tgl_status: str = ""

    def but(self, **changes) -> PersonRecord:
        return replace(self, **changes)


FIRST_NAMES_L = ["MUHAMMAD", "MOH.", "RIZAL", "ABDUL", "HARIS", "YUSUF", "IRFAN", "RAHMAT"]
FIRST_NAMES_P = ["SITI", "NURHAYATI", "HALIMAH", "FATMAWATI", "SRI", "RAHMA", "MARYAM", "NURDIANA"]
FAMILY_NAMES = ["LASENA", "HULOPI", "TAMBIPI", "LIHAWA", "AKUBA", "BADERAN", "PALILATI", "MOHAMAD"]


def household(index: int, kode_desa: str = DESA_LIMBOTO, size: int = 3) -> list[PersonRecord]:
    """A KK of `size` members: head, wife, children; deterministic by index."""
    kecamatan = kode_desa[:6]
    no_kk = f"{kecamatan}0102{11 + index % 10:02d}{index + 1:04d}"
    family = FAMILY_NAMES[index % len(FAMILY_NAMES)]
    address = f"JL. RAJIMAN NO. {index + 1}"
    members = []
    for position in range(size):
        if position == 0:
            sex, relation, born = (
                "L",
                "KEPALA KELUARGA",
                date(1970 + index % 20, 1 + index % 12, 1 + index % 28),
            )
            name = f"{FIRST_NAMES_L[index % 8]} {family}"
        elif position == 1:
            sex, relation, born = (
                "P",
                "ISTRI",
                date(1972 + index % 20, 1 + (index + 3) % 12, 1 + (index + 5) % 28),
            )
            name = f"{FIRST_NAMES_P[index % 8]} {FAMILY_NAMES[(index + 3) % 8]}"
        else:
            sex = "L" if position % 2 else "P"
            relation, born = (
                "ANAK",
                date(2000 + position, 1 + (index + position) % 12, 1 + (index * 3 + position) % 28),
            )
            pool = FIRST_NAMES_L if sex == "L" else FIRST_NAMES_P
            name = f"{pool[(index + position) % 8]} {family}"
        nik = nik_for(kecamatan, born, sex, index * 10 + position + 1)
        members.append(
            PersonRecord(
                nik, no_kk, name, "LIMBOTO", born.isoformat(), sex, address, "002", "001", kode_desa, relation
            )
        )
    return members


def people(households: int, kode_desa: str = DESA_LIMBOTO) -> list[PersonRecord]:
    return [p for i in range(households) for p in household(i, kode_desa)]


def write_csv(
    path: Path, records, headers: list[str] | None = None, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    rows = [asdict(r) if isinstance(r, PersonRecord) else dict(r) for r in records]
    headers = headers or DUKCAPIL_HEADERS
    with Path(path).open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return Path(path)


def write_xlsx(path: Path, records, headers: list[str] | None = None, sheets: int = 1) -> Path:
    import xlsxwriter

    rows = [asdict(r) if isinstance(r, PersonRecord) else dict(r) for r in records]
    headers = headers or DUKCAPIL_HEADERS
    workbook = xlsxwriter.Workbook(str(path))
    per_sheet = max(1, -(-len(rows) // sheets))
    for number in range(sheets):
        sheet = workbook.add_worksheet(f"Data{number + 1}")
        sheet.write_row(0, 0, headers)
        for index, row in enumerate(rows[number * per_sheet : (number + 1) * per_sheet], start=1):
            sheet.write_row(index, 0, [row.get(h, "") for h in headers])
    workbook.close()
    return Path(path)


def dtks_rows(records: list[PersonRecord], desil: int = 3) -> list[dict]:
    return [
        {
            "id_dtks": f"{r.kode_desa}{i + 1:07d}",
            "nik": r.nik,
            "no_kk": r.no_kk,
            "nama": r.nama,
            "tgl_lahir": r.tgl_lahir,
            "jenis_kelamin": r.jenis_kelamin,
            "alamat": f"{r.alamat} RT 002 RW 001",
            "kode_desa": r.kode_desa,
            "desil": str(desil),
            "pkh": "1" if i % 2 == 0 else "0",
            "bpnt": "1",
            "pbi": "0",
        }
        for i, r in enumerate(records)
    ]
