"""The demo's aid program and a practice proposal list for it, typed from the demo registry with the mistakes
real lists carry, so that the demo opens on a screened list with something to review.

`contoh_usulan_sembako_lansia.csv` / `.xlsx`: elderly people of Kab. Gorontalo proposed by the Dinas Sosial for
"Bantuan Sembako Lansia 2026", as an OPD types them (names in title case, dd-mm-yyyy, desa and kecamatan by
name, no codes). Most rows are exact; the others (`PlantedRow`) are the cases screening is for: a NIK one digit
off or with two digits swapped, no NIK, a NIK Excel turned into a number, people who died or moved out, the same
person twice, husband and wife of one KK, someone not in the register, a row with only a name, someone living
outside the program's region, a day and month swapped, an impossible date, and a row with neither NIK nor name
(refused by the import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from app.demo.generator import SNAPSHOT, Extract, rng_for

PROGRAM = {
    "nama": "Bantuan Sembako Lansia 2026",
    "sumber_dana": "APBD_KABKOTA",
    "tahun": 2026,
    "opd": "Dinas Sosial Kab. Gorontalo",
    "jenis_bantuan": "Paket sembako bulanan",
    "nilai_per_penerima": 300_000,
    "kuota": 250,
    "kode_wilayah": "7501",  # Kab. Gorontalo
    "desil_min": 1,
    "desil_max": 5,
}
LIST_NAME = "Usulan Sembako Lansia tahap 1"
LIST_SOURCE = "Dinas Sosial Kab. Gorontalo"
LIST_REGION = "7501"
OUTSIDE_KABKOTA = "7571"  # Kota Gorontalo: outside the program's region
PROPOSAL_CSV = "contoh_usulan_sembako_lansia.csv"
PROPOSAL_XLSX = "contoh_usulan_sembako_lansia.xlsx"
HEADERS = ("No", "NIK", "NAMA PENERIMA", "TGL LAHIR", "JK", "ALAMAT", "DESA/KEL", "KECAMATAN", "KETERANGAN")
EXACT_ROWS = 24
ELDERLY_BORN_BEFORE = date(SNAPSHOT.year - 60, SNAPSHOT.month, SNAPSHOT.day).isoformat()
NOT_REGISTERED = ("HADIJAH POLAPA", "1952-03-14", "P")


@dataclass(frozen=True)
class PlantedRow:
    row: int  # spreadsheet row (header = 1)
    what: str  # what is wrong, for the README
    expect: str  # what the import or the screening says


@dataclass
class ProposalSample:
    rows: list[list[str]] = field(default_factory=list)
    planted: list[PlantedRow] = field(default_factory=list)


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    from app.regions import province_regions

    return {r.code: r.name for r in province_regions()}


ROMAN = frozenset({"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"})


def _title(text: str) -> str:
    """Title case as typed by hand, keeping the roman numerals of a dusun or lingkungan ("Dusun III")."""
    return " ".join(word if word.upper() in ROMAN else word.capitalize() for word in str(text).split(" "))


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}-{iso[5:7]}-{iso[0:4]}" if len(iso) == 10 else iso


def _typed(person: pd.Series, **cells: str) -> dict[str, str]:
    """A registered person as an OPD types them."""
    names = _region_names()
    desa = str(person["kode_desa"])
    row = {
        "NIK": str(person["nik"]),
        "NAMA PENERIMA": _title(person["nama"]),
        "TGL LAHIR": _dmy(str(person["tgl_lahir"])),
        "JK": str(person["jenis_kelamin"]),
        "ALAMAT": f"{_title(person['alamat'])} RT {int(person['rt'])}/RW {int(person['rw'])}",
        "DESA/KEL": _title(names.get(desa, desa)),
        "KECAMATAN": _title(names.get(desa[:6], desa[:6])),
        "KETERANGAN": "",
    }
    return row | cells


def _slip(nik: str, taken: set[str], rng: np.random.Generator) -> str:
    """The NIK with one digit of its sequence number changed, to a NIK nobody holds."""
    for _attempt in range(20):
        position = int(rng.integers(12, 16))
        digit = str((int(nik[position]) + int(rng.integers(1, 9))) % 10)
        typed = nik[:position] + digit + nik[position + 1 :]
        if typed not in taken:
            return typed
    return nik[:15] + str((int(nik[15]) + 5) % 10)


def _swap(nik: str) -> str:
    for position in range(14, 11, -1):
        if nik[position] != nik[position + 1]:
            return nik[:position] + nik[position + 1] + nik[position] + nik[position + 2 :]
    return nik


def _excel_number(nik: str) -> str:
    return f"{nik[0]}.{nik[1:6]}E+15"


def proposal_sample(population: Extract, seed: int) -> ProposalSample:
    """The rows of the practice list (without the "No" column) and what was planted where. Works for any demo
    size: a case without a suitable person in a small demo is left out."""
    rng = rng_for(seed, "usulan")
    frame = population.frame()
    taken = set(frame["nik"])
    adults = frame[frame["tgl_lahir"] < "1976-01-01"]
    here = adults[adults["kode_desa"].str.startswith(PROGRAM["kode_wilayah"])]
    alive = here[here["status"] == "hidup"]
    elderly = alive[alive["tgl_lahir"] < ELDERLY_BORN_BEFORE]
    pool = (elderly if len(elderly) >= 12 else alive).sample(frac=1.0, random_state=rng.integers(2**31))
    used: set[str] = set()

    def take(candidates: pd.DataFrame) -> pd.Series | None:
        for _index, person in candidates.iterrows():
            if person["nik"] not in used:
                used.add(person["nik"])
                return person
        return None

    def shuffled(candidates: pd.DataFrame) -> pd.DataFrame:
        return candidates.sample(frac=1.0, random_state=rng.integers(2**31))

    typed: list[tuple[dict[str, str], str, str]] = []  # row, what, expect ("" for an exact row)
    exact: list[pd.Series] = []
    for _number in range(EXACT_ROWS):
        person = take(pool)
        if person is None:
            break
        exact.append(person)
        typed.append((_typed(person), "", ""))

    def plant(person: pd.Series | None, what: str, expect: str, **cells: str) -> None:
        if person is not None:
            typed.append((_typed(person, **cells), what, expect))

    person = take(pool)
    if person is not None:
        plant(
            person,
            "NIK salah satu angka",
            "NIK_SALAH_KETIK (perlu cek)",
            NIK=_slip(person["nik"], taken, rng),
        )
    person = take(pool)
    if person is not None:
        plant(
            person,
            "NIK salah satu angka",
            "NIK_SALAH_KETIK (perlu cek)",
            NIK=_slip(person["nik"], taken, rng),
        )
    person = take(pool)
    if person is not None and _swap(person["nik"]) not in taken:
        plant(person, "dua angka NIK tertukar", "NIK_SALAH_KETIK (perlu cek)", NIK=_swap(person["nik"]))
    for _number in range(2):
        plant(
            take(pool),
            "tanpa NIK (dicari dari nama, tanggal lahir, alamat)",
            "NIK_KOSONG; ditemukan dari nama, tanggal lahir dan alamat",
            NIK="",
        )
    person = take(pool)
    if person is not None:
        plant(
            person,
            "NIK terbaca sebagai angka oleh Excel",
            "impor: DITANDAI; NIK_TIDAK_SAH (perlu cek), dicari menurut nama",
            NIK=_excel_number(person["nik"]),
        )
    for _number in range(2):
        plant(
            take(shuffled(here[here["status"] == "meninggal"])), "sudah meninggal", "MENINGGAL (tidak lolos)"
        )
    plant(take(shuffled(here[here["status"] == "pindah"])), "sudah pindah keluar", "PINDAH (tidak lolos)")
    person = take(pool)
    if person is not None:
        born = str(person["tgl_lahir"])
        if int(born[8:10]) <= 12 and born[5:7] != born[8:10]:
            swapped = f"{born[5:7]}-{born[8:10]}-{born[0:4]}"
            plant(
                person,
                "tanggal dan bulan lahir tertukar",
                "DATA_BERBEDA (hanya catatan)",
                **{"TGL LAHIR": swapped},
            )
        else:
            plant(
                person,
                "tanggal lahir mustahil (31 Februari)",
                "impor: DITANDAI, tanggal lahir dikosongkan",
                **{"TGL LAHIR": f"31-02-{born[:4]}"},
            )
    # Husband and wife of one KK, both proposed.
    free = pool[~pool["nik"].isin(used)]
    kk_sizes = free.groupby("no_kk")["nik"].transform("size")
    for kk in free.loc[kk_sizes >= 2, "no_kk"].head(1):
        first, second = (take(free[free["no_kk"] == kk].iloc[[i]]) for i in (0, 1))
        plant(first, "suami dan istri satu KK diusulkan", "yang pertama dari KK itu")
        plant(second, "suami dan istri satu KK diusulkan", "SATU_KK (perlu cek)")
    outside = adults[adults["kode_desa"].str.startswith(OUTSIDE_KABKOTA) & (adults["status"] == "hidup")]
    plant(
        take(shuffled(outside)),
        "tinggal di Kota Gorontalo",
        "impor: DITANDAI (desa); LUAR_WILAYAH (tidak lolos)",
    )
    person = take(pool)
    if person is not None:
        typed.append(
            (
                {"NAMA PENERIMA": _title(person["nama"])},
                "hanya nama",
                "dicari menurut nama saja: KANDIDAT_RAGU atau TIDAK_DITEMUKAN",
            )
        )
    name, born, sex = NOT_REGISTERED
    typed.append(
        (
            {
                "NIK": f"750101{int(born[8:10]) + 40:02d}{born[5:7]}{born[2:4]}0999",
                "NAMA PENERIMA": _title(name),
                "TGL LAHIR": _dmy(born),
                "JK": sex,
                "ALAMAT": "Dusun II RT 2/RW 1",
                "KETERANGAN": "",
            },
            "tidak ada di data Dukcapil",
            "TIDAK_DITEMUKAN (tidak lolos)",
        )
    )
    typed.append(
        (
            {"ALAMAT": "Dusun III", "KETERANGAN": "nama menyusul"},
            "tanpa NIK dan nama",
            "impor: DITOLAK (tidak diimpor)",
        )
    )

    order = rng.permutation(len(typed)).tolist()
    rows = [typed[i] for i in order]
    # The same person twice: copies placed after their first row, one typed a little differently.
    for number, person in enumerate(exact[:2]):
        first = next(i for i, (row, _w, _e) in enumerate(rows) if row.get("NIK") == person["nik"])
        copy = _typed(person, KETERANGAN="diusulkan ulang")
        if number == 1:
            copy = copy | {"NIK": "", "NAMA PENERIMA": str(person["nama"]).upper()}
        at = int(rng.integers(first + 1, len(rows) + 1))
        rows.insert(at, (copy, "orang yang sama diusulkan dua kali", "GANDA_DAFTAR (tidak lolos)"))

    sample = ProposalSample()
    for number, (row, what, expect) in enumerate(rows, start=1):
        sample.rows.append([str(number)] + [row.get(h, "") for h in HEADERS[1:]])
        if what:
            sample.planted.append(PlantedRow(number + 1, what, expect))
    return sample


def write_proposal_samples(folder: Path, population: Extract, seed: int) -> ProposalSample:
    from app.demo.samples import write_rows_csv, write_rows_xlsx

    sample = proposal_sample(population, seed)
    write_rows_csv(Path(folder) / PROPOSAL_CSV, HEADERS, sample.rows)
    write_rows_xlsx(Path(folder) / PROPOSAL_XLSX, "Usulan", HEADERS, sample.rows)
    return sample
