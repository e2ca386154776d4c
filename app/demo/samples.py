"""Small extracts a new user imports to learn the program, written beside the demo database.

- `contoh_dukcapil_baru.xlsx` / `.csv`: a few hundred people new to the register, all of one desa, with the
  headers and formats real Dukcapil files use ("NIK", "No. KK", "NAMA LENGKAP", "TGL LAHIR" as DD-MM-YYYY,
  "JENIS KELAMIN" as LAKI-LAKI/PEREMPUAN, dotted "KODE WILAYAH"...) and a handful of deliberately bad rows
  (`BAD_ROWS`): the preview shows them refused or flagged, each with its reason.
- `contoh_dukcapil_pembaruan.csv`: the next extract of one kecamatan: some households moved, a few people
  died or moved out, a few are missing, a few babies were born.
- `contoh_dtks.xlsx`: the next DTKS/DTSEN extract of that kecamatan: households re-ranked, a few added,
  a few dropped; birth dates as Excel date cells.
- `contoh_dtsen_keluarga.csv`: a DTSEN family file of one desa of that kecamatan, as DTSEN sends it: one row
  per KK with its national, provincial and kabupaten/kota desil, `|`-separated; one KK is not in the register.
- `contoh_usulan_sembako_lansia.csv` / `.xlsx`: a proposal list for the demo program, with the mistakes real
  lists carry (`app.demo.proposals`); the CSV is imported and screened by the build.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.demo import names as N
from app.demo.generator import (
    DUKCAPIL_COLUMNS,
    PROGRAM_P,
    SNAPSHOT,
    SNAPSHOT_D,
    Extract,
    generate_population,
    region_tables,
    rng_for,
    used_sequences,
    write_csv,
)
from app.demo.proposals import ProposalSample, write_proposal_samples

SAMPLE_DESA = "7501102005"  # Desa Tuladenggi, Kec. Telaga Biru, Kab. Gorontalo
UPDATE_KECAMATAN = "750101"  # Kec. Limboto, Kab. Gorontalo
NEW_PEOPLE = 300
OUTSIDE_DESA = "73.71.01.1001"  # a kelurahan of Kota Makassar: outside Gorontalo
NEW_FILE_CSV = "contoh_dukcapil_baru.csv"
NEW_FILE_XLSX = "contoh_dukcapil_baru.xlsx"
UPDATE_FILE = "contoh_dukcapil_pembaruan.csv"
DTKS_FILE = "contoh_dtks.xlsx"
DTSEN_FAMILY_FILE = "contoh_dtsen_keluarga.csv"
DTSEN_FAMILY_HEADERS = ("nomor_kartu_keluarga", "desil_nasional", "desil_provinsi", "desil_kabupaten_kota")
README_FILE = "BACA_SAYA.txt"
NEW_HEADERS = (
    "NIK",
    "No. KK",
    "NAMA LENGKAP",
    "TEMPAT LAHIR",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "ALAMAT",
    "RT",
    "RW",
    "KODE WILAYAH",
    "SHDK",
    "STATUS",
)
DTKS_HEADERS = (
    "ID DTKS",
    "NIK",
    "NO KK",
    "NAMA",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "ALAMAT",
    "KODE DESA",
    "DESIL",
    "PKH",
    "BPNT",
    "PBI JK",
)
XLSX_CREATED = datetime(SNAPSHOT.year, SNAPSHOT.month, SNAPSHOT.day, 8, 0, 0)  # fixed: same seed, same bytes


@dataclass(frozen=True)
class BadRow:
    row: int  # spreadsheet row (header = 1)
    code: str  # the importer's issue code
    refused: bool
    what: str  # what was done to the row, for the README


@dataclass
class SampleSummary:
    folder: Path
    new_people: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    update_kecamatan: str = UPDATE_KECAMATAN
    update_rows: int = 0
    update_counts: dict[str, int] = field(default_factory=dict)
    dtks_rows: int = 0
    dtks_counts: dict[str, int] = field(default_factory=dict)
    family_desa: str = ""
    family_rows: int = 0
    family_unknown_kk: str = ""
    proposals: ProposalSample | None = None


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}-{iso[5:7]}-{iso[0:4]}" if len(iso) == 10 else iso


def _dotted(code: str) -> str:
    return f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"


def _rows_of(extract: Extract, column: str, prefix: str) -> np.ndarray:
    return np.asarray(
        pc.starts_with(extract.table[column], prefix).to_numpy(zero_copy_only=False), dtype=bool
    )


# New people of one desa, with bad rows -------------------------------------------------------------------
def new_people(population: Extract, seed: int) -> tuple[list[list[str]], list[BadRow]]:
    nik_taken = used_sequences(population.table["nik"].to_numpy(zero_copy_only=False))
    kk_taken = used_sequences(population.table["no_kk"].to_numpy(zero_copy_only=False))
    fresh = generate_population(
        NEW_PEOPLE, seed, stream="baru", only_desa=SAMPLE_DESA, taken_nik=nik_taken, taken_kk=kk_taken
    ).frame()
    rows = [
        [
            r.nik,
            r.no_kk,
            r.nama,
            r.tempat_lahir,
            _dmy(r.tgl_lahir),
            "LAKI-LAKI" if r.jenis_kelamin == "L" else "PEREMPUAN",
            r.alamat,
            r.rt,
            r.rw,
            _dotted(r.kode_desa),
            r.hubungan_keluarga,
            "HIDUP",
        ]
        for r in fresh.itertuples(index=False)
    ]
    rng = rng_for(seed, "baris_salah")
    adults = [i for i, r in enumerate(fresh.itertuples(index=False)) if "1940" < r.tgl_lahir < "2000"]
    picked = [int(i) for i in rng.choice(adults, size=6, replace=False)]
    picked.sort()
    bad: list[BadRow] = []
    NIK, TGL, KODE = 0, 4, 9

    # 1. A letter O typed for a zero (or any digit) in the NIK.
    row = rows[picked[0]]
    row[NIK] = row[NIK][:10] + "O" + row[NIK][11:]
    bad.append(BadRow(picked[0] + 2, "nik_bukan_16_digit", True, "NIK berisi huruf O, bukan angka 0"))
    # 2. A NIK of 15 digits: the last one left out.
    row = rows[picked[1]]
    row[NIK] = row[NIK][:15]
    bad.append(BadRow(picked[1] + 2, "nik_bukan_16_digit", True, "NIK hanya 15 digit"))
    # 3. A birth date in the future: 19xx typed as 20xx.
    row = rows[picked[2]]
    row[TGL] = row[TGL][:6] + "20" + row[TGL][8:]
    bad.append(
        BadRow(picked[2] + 2, "tanggal_masa_depan", True, "tanggal lahir di masa depan (19xx diketik 20xx)")
    )
    # 4. A kode desa outside Gorontalo.
    row = rows[picked[3]]
    row[KODE] = OUTSIDE_DESA
    bad.append(
        BadRow(picked[3] + 2, "desa_luar_wilayah", True, "kode desa di luar Provinsi Gorontalo (Makassar)")
    )
    # 5. A birth date contradicting the NIK (the year off by one): imported, flagged.
    row = rows[picked[4]]
    row[TGL] = row[TGL][:6] + str(int(row[TGL][6:]) - 1)
    bad.append(
        BadRow(picked[4] + 2, "tgl_lahir_beda_nik", False, "tanggal lahir berbeda dengan tanggal di NIK")
    )
    # 6. A NIK as Excel shows a long number ("7,50110E+15"): its last digits are lost.
    row = rows[picked[5]]
    row[NIK] = f"{int(row[NIK][:6]) / 100_000:.5f}E+15"
    bad.append(BadRow(picked[5] + 2, "nik_angka_excel", True, "NIK rusak menjadi angka Excel"))
    # 7. The same NIK twice: a person typed in a second time, name spelled differently; both rows refused.
    source = next(
        i
        for i in range(min(60, len(rows) // 3), len(rows))
        if i not in picked and rows[i][10] == "KEPALA KELUARGA"
    )
    twice = list(rows[source])
    twice[2] = twice[2].title()
    insert_at = min(len(rows), source + 40)
    rows.insert(insert_at, twice)
    bad = [BadRow(b.row + (1 if b.row - 2 >= insert_at else 0), b.code, b.refused, b.what) for b in bad]
    first_row = source + 2 if source < insert_at else source + 3
    bad.append(BadRow(first_row, "kunci_ganda", True, "NIK yang sama muncul dua kali (baris ini)"))
    bad.append(BadRow(insert_at + 2, "kunci_ganda", True, "NIK yang sama muncul dua kali (baris kedua)"))
    bad.sort(key=lambda b: b.row)
    return rows, bad


def write_rows_csv(path: Path, headers: tuple[str, ...], rows: list[list[str]]) -> Path:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
    return Path(path)


def write_rows_xlsx(
    path: Path, sheet_name: str, headers: tuple[str, ...], rows: list[list], date_columns=()
) -> Path:
    """Every cell text (NIK and No. KK keep all 16 digits), except `date_columns`, written as Excel dates."""
    import xlsxwriter

    # In memory: xlsxwriter otherwise assembles the parts in the system temp folder, where a kill leaves them.
    workbook = xlsxwriter.Workbook(
        str(path), {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    workbook.set_properties(
        {"title": sheet_name, "author": "e-JPS Desktop (data demo sintetis)", "created": XLSX_CREATED}
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet(sheet_name[:31])
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
        width = max([len(header)] + [len(str(r[column])) for r in rows[:200]]) + 2
        sheet.set_column(column, column, min(width, 40), dates if column in date_columns else text)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if column in date_columns and isinstance(value, datetime):
                sheet.write_datetime(number, column, value, dates)
            else:
                sheet.write_string(number, column, str(value), text)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    workbook.close()
    return Path(path)


# The next extract of one kecamatan ------------------------------------------------------------------------
def _update_kecamatan(population: Extract) -> str:
    if _rows_of(population, "kode_desa", UPDATE_KECAMATAN).any():
        return UPDATE_KECAMATAN
    counts = (
        pd.Series(population.table["kode_desa"].to_numpy(zero_copy_only=False)).str.slice(0, 6).value_counts()
    )
    return str(counts.index[0])


def _later_date(rng: np.random.Generator, days: int = 90) -> str:
    return str(SNAPSHOT_D + np.timedelta64(int(rng.integers(1, days + 1)), "D"))


def update_extract(population: Extract, seed: int, kecamatan: str) -> tuple[pd.DataFrame, dict[str, int]]:
    rng = rng_for(seed, "pembaruan")
    frame = population.frame(_rows_of(population, "kode_desa", kecamatan))
    frame = frame.reset_index(drop=True)
    frame["_order"] = np.arange(len(frame), dtype=float)
    households = frame["_hh"].unique()
    regions = region_tables()
    desa_here = [str(c) for c in regions.desa_codes if str(c).startswith(kecamatan)]
    counts = {"pindah_alamat": 0, "meninggal": 0, "pindah": 0, "hilang": 0, "lahir": 0}

    # Households that moved house (a third of them to another desa of the kecamatan).
    movers = households[rng.random(len(households)) < 0.04]
    if not len(movers) and len(households):
        movers = households[:1]
    for household in movers.tolist():
        members = frame["_hh"] == household
        street = N.URBAN_STREETS[int(rng.integers(0, len(N.URBAN_STREETS)))]
        frame.loc[members, "alamat"] = f"{street} NO. {int(rng.integers(1, 120))}"
        frame.loc[members, "rt"] = f"{int(rng.integers(1, 9)):03d}"
        frame.loc[members, "rw"] = f"{int(rng.integers(1, 6)):03d}"
        if len(desa_here) > 1 and rng.random() < 0.33:
            frame.loc[members, "kode_desa"] = desa_here[int(rng.integers(0, len(desa_here)))]
        counts["pindah_alamat"] += int(members.sum())

    living = np.flatnonzero((frame["status"] == "hidup").to_numpy())
    chosen = rng.permutation(living)
    died = chosen[: max(2, round(0.006 * len(frame)))]
    moved = chosen[len(died) : len(died) + max(1, round(0.004 * len(frame)))]
    for index in died.tolist():
        frame.loc[index, ["status", "tgl_status"]] = ["meninggal", _later_date(rng)]
    for index in moved.tolist():
        frame.loc[index, ["status", "tgl_status"]] = ["pindah", _later_date(rng)]
    counts["meninggal"], counts["pindah"] = len(died), len(moved)

    # Babies born since the last extract, in young families.
    heads = frame[
        (frame["hubungan_keluarga"] == "KEPALA KELUARGA")
        & (frame["status"] == "hidup")
        & (frame["tgl_lahir"] > "1980")
    ]
    parents = heads.sample(
        n=min(len(heads), max(1, round(0.005 * len(households)))), random_state=rng.integers(2**31)
    )
    nik_taken = used_sequences(population.table["nik"].to_numpy(zero_copy_only=False))
    births = []
    for head in parents.to_dict("records"):
        born = _later_date(rng, 60)
        female = bool(rng.random() < 0.5)
        day = int(born[8:10]) + (40 if female else 0)
        prefix = int(f"{kecamatan}{day:02d}{born[5:7]}{born[2:4]}")
        sequence = nik_taken.get(prefix, 0) + 1
        nik_taken[prefix] = sequence
        pool = N.FEMALE_MODERN if female else N.MALE_MODERN
        family = head["nama"].split(" ")[-1]
        given = pool[int(rng.integers(0, len(pool)))]
        births.append(
            {
                **head,
                "nik": f"{prefix}{sequence:04d}",
                "tgl_lahir": born,
                "jenis_kelamin": "P" if female else "L",
                "nama": f"{given} {family}" if family in N.FAMILY_NAMES else given,
                "hubungan_keluarga": "ANAK",
                "tempat_lahir": "LIMBOTO" if kecamatan == "750101" else head["tempat_lahir"],
                "status": "hidup",
                "tgl_status": "",
                "_order": head["_order"] + 0.5,
            }
        )
    counts["lahir"] = len(births)

    # A few people missing from the new extract, without explanation (the program shows them as gone).
    others = np.setdiff1d(np.arange(len(frame)), np.concatenate([died, moved]))
    missing = rng.choice(others, size=min(len(others), max(2, round(0.005 * len(frame)))), replace=False)
    counts["hilang"] = len(missing)
    frame = frame.drop(index=missing)
    if births:
        frame = pd.concat([frame, pd.DataFrame(births)], ignore_index=True)
    frame = frame.sort_values("_order", kind="stable").reset_index(drop=True)
    return frame, counts


# The next DTKS extract of that kecamatan ------------------------------------------------------------------
def dtks_update(
    population: Extract, dtks: Extract, seed: int, kecamatan: str
) -> tuple[list[list], dict[str, int]]:
    rng = rng_for(seed, "contoh_dtks")
    frame = dtks.frame(_rows_of(dtks, "kode_desa", kecamatan)).reset_index(drop=True)
    counts = {"desil_berubah": 0, "keluar": 0, "baru": 0}
    households = frame["_hh"].unique()
    reranked = households[rng.random(len(households)) < 0.12]
    for household in reranked.tolist():
        members = frame["_hh"] == household
        old = int(frame.loc[members, "desil"].iloc[0])
        new = int(np.clip(old + rng.choice([-2, -1, 1, 2]), 1, 10))
        frame.loc[members, "desil"] = str(new)
        for name, p in PROGRAM_P.items():
            frame.loc[members, name] = "1" if rng.random() < p[new - 1] else "0"
        counts["desil_berubah"] += 1
    dropped = households[rng.random(len(households)) < 0.03]
    frame = frame[~frame["_hh"].isin(dropped)]
    counts["keluar"] = len(dropped)

    # Households of the register newly listed.
    people = population.frame(_rows_of(population, "kode_desa", kecamatan))
    candidates = np.setdiff1d(people["_hh"].unique(), households)
    added = candidates[rng.random(len(candidates)) < 0.05] if len(candidates) else candidates
    if not len(added) and len(candidates):
        added = candidates[:1]
    last_number = (
        frame.groupby("kode_desa")["id_dtks"].max().str.slice(10).astype(int).to_dict() if len(frame) else {}
    )
    new_rows = []
    for household in added.tolist():
        members = people[people["_hh"] == household]
        desil = int(
            1 + rng.choice(10, p=np.array([0.24, 0.2, 0.16, 0.12, 0.09, 0.07, 0.05, 0.04, 0.02, 0.01]))
        )
        flags = {name: "1" if rng.random() < p[desil - 1] else "0" for name, p in PROGRAM_P.items()}
        for person in members.itertuples(index=False):
            number = last_number.get(person.kode_desa, 0) + 1
            last_number[person.kode_desa] = number
            new_rows.append(
                {
                    "id_dtks": f"{person.kode_desa}{number:07d}",
                    "nik": person.nik,
                    "no_kk": person.no_kk,
                    "nama": person.nama,
                    "tgl_lahir": person.tgl_lahir,
                    "jenis_kelamin": person.jenis_kelamin,
                    "alamat": f"{person.alamat} RT {person.rt} RW {person.rw}",
                    "kode_desa": person.kode_desa,
                    "desil": str(desil),
                    **flags,
                    "_hh": household,
                }
            )
    counts["baru"] = len(added)
    if new_rows:
        frame = pd.concat([frame, pd.DataFrame(new_rows)], ignore_index=True)
    frame = frame.sort_values(["kode_desa", "id_dtks"], kind="stable")
    rows = [
        [
            r.id_dtks,
            r.nik,
            r.no_kk,
            r.nama,
            datetime.fromisoformat(r.tgl_lahir),
            r.jenis_kelamin,
            r.alamat,
            r.kode_desa,
            r.desil,
            r.pkh,
            r.bpnt,
            r.pbi,
        ]
        for r in frame.itertuples(index=False)
    ]
    return rows, counts


# A DTSEN family file of one desa -------------------------------------------------------------------------
def dtsen_family_file(dtks: Extract, seed: int, kecamatan: str) -> tuple[list[list[str]], str, str]:
    """The DTKS households of the kecamatan's first desa, one row per KK: the national desil as listed, the
    provincial and kabupaten/kota ranks a step away at times (a household poorer than the nation's average
    ranks lower at home), and one KK the register does not hold. Returns rows, the desa and that KK."""
    rng = rng_for(seed, "contoh_dtsen_keluarga")
    frame = dtks.frame(_rows_of(dtks, "kode_desa", kecamatan))
    if not len(frame):
        return [], "", ""
    desa = min(frame["kode_desa"])
    families = frame[frame["kode_desa"] == desa].drop_duplicates("no_kk").sort_values("no_kk")
    nasional = families["desil"].astype(int).to_numpy()
    provinsi = np.clip(nasional + rng.choice([-1, 0, 0, 1], size=len(nasional)), 1, 10)
    kabupaten = np.clip(provinsi + rng.choice([-1, 0, 0, 1], size=len(nasional)), 1, 10)
    rows = [
        [no_kk, str(n), str(p), str(k)]
        for no_kk, n, p, k in zip(families["no_kk"], nasional, provinsi, kabupaten, strict=True)
    ]
    unknown_kk = f"{desa[:6]}0000000001"  # date digits 000000: never issued, so never in the register
    rows.insert(len(rows) // 2, [unknown_kk, "2", "2", "1"])
    return rows, desa, unknown_kk


def write_family_csv(path: Path, rows: list[list[str]]) -> Path:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="|", lineterminator="\n")
        writer.writerow(DTSEN_FAMILY_HEADERS)
        writer.writerows(rows)
    return Path(path)


# All of them ----------------------------------------------------------------------------------------------
def write_samples(folder: Path, population: Extract, dtks: Extract, seed: int) -> SampleSummary:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = SampleSummary(folder)

    rows, bad = new_people(population, seed)
    write_rows_csv(folder / NEW_FILE_CSV, NEW_HEADERS, rows)
    write_rows_xlsx(folder / NEW_FILE_XLSX, "Penduduk Baru", NEW_HEADERS, rows)
    summary.new_people, summary.bad_rows = len(rows), bad

    kecamatan = _update_kecamatan(population)
    summary.update_kecamatan = kecamatan
    update, counts = update_extract(population, seed, kecamatan)
    write_csv(
        pa.Table.from_pandas(update[list(DUKCAPIL_COLUMNS)], preserve_index=False),
        DUKCAPIL_COLUMNS,
        folder / UPDATE_FILE,
    )
    summary.update_rows, summary.update_counts = len(update), counts

    dtks_rows, dtks_counts = dtks_update(population, dtks, seed, kecamatan)
    write_rows_xlsx(folder / DTKS_FILE, "DTKS", DTKS_HEADERS, dtks_rows, date_columns=(4,))
    summary.dtks_rows, summary.dtks_counts = len(dtks_rows), dtks_counts

    family_rows, summary.family_desa, summary.family_unknown_kk = dtsen_family_file(dtks, seed, kecamatan)
    write_family_csv(folder / DTSEN_FAMILY_FILE, family_rows)
    summary.family_rows = len(family_rows)

    summary.proposals = write_proposal_samples(folder, population, seed)
    return summary
