"""The synthetic population: deterministic by seed, NIKs by Dukcapil's rule, households consistent, real regions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from app.demo.generator import (
    DTKS_COLUMNS,
    DUKCAPIL_COLUMNS,
    ROLES,
    SNAPSHOT,
    generate_dtks,
    generate_population,
    write_csv,
)
from app.regions import province_regions
from app.registry.nik import parse_nik

PEOPLE = 6_000


@pytest.fixture(scope="module")
def population():
    return generate_population(PEOPLE, 7501)


@pytest.fixture(scope="module")
def frame(population) -> pd.DataFrame:
    return population.frame()


def _write(tmp_path, people: int, seed: int, name: str) -> tuple[bytes, bytes]:
    population = generate_population(people, seed)
    dtks = generate_dtks(population, seed)
    a = write_csv(population, DUKCAPIL_COLUMNS, tmp_path / f"{name}_dukcapil.csv").read_bytes()
    b = write_csv(dtks, DTKS_COLUMNS, tmp_path / f"{name}_dtks.csv").read_bytes()
    return a, b


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = _write(tmp_path, 3_000, 7501, "a")
    again = _write(tmp_path, 3_000, 7501, "b")
    other = _write(tmp_path, 3_000, 7502, "c")
    assert first == again
    assert first[0] != other[0] and first[1] != other[1]
    header = first[0].split(b"\n", 1)[0].decode()
    assert header == ",".join(DUKCAPIL_COLUMNS)
    assert first[1].split(b"\n", 1)[0].decode() == ",".join(DTKS_COLUMNS)


def test_exact_count_and_text_columns(population, frame):
    assert len(population) == PEOPLE
    assert list(frame.columns[:13]) == list(DUKCAPIL_COLUMNS)
    assert frame["nik"].is_unique


def test_every_nik_follows_the_rule_and_agrees_with_birth_and_sex(frame):
    defaults = {"01-01", "07-01", "12-31"}
    for row in frame.rename(columns={"_nik_date_differs": "nik_date_differs"}).itertuples(index=False):
        parts = parse_nik(row.nik)
        assert parts is not None, row.nik
        assert row.nik[12:] != "0000"
        assert parts.female == (row.jenis_kelamin == "P"), row
        born = date.fromisoformat(row.tgl_lahir)
        assert born <= SNAPSHOT
        consistent = (parts.day, parts.month, parts.year_2) == (born.day, born.month, born.year % 100)
        assert consistent or (row.nik_date_differs and row.tgl_lahir[5:] in defaults), row
    # Some older people carry a default birth date; the generator says when the NIK does not.
    assert frame["tgl_lahir"].str.slice(5).isin(defaults).mean() > 0.02
    assert 0 < frame["_nik_date_differs"].sum() < 0.02 * len(frame)


def test_no_kk_and_households(frame):
    assert frame["no_kk"].str.fullmatch(r"\d{16}").all()
    assert (frame["no_kk"].str.slice(12) != "0000").all()
    per_household = frame.groupby("_hh").agg(
        kk=("no_kk", "nunique"),
        alamat=("alamat", "nunique"),
        rt=("rt", "nunique"),
        rw=("rw", "nunique"),
        desa=("kode_desa", "nunique"),
        size=("nik", "size"),
        heads=("hubungan_keluarga", lambda r: (r == "KEPALA KELUARGA").sum()),
    )
    assert (per_household[["kk", "alamat", "rt", "rw", "desa", "heads"]] == 1).all().all()
    assert per_household["size"].between(1, 7).all()
    assert frame.groupby("no_kk")["_hh"].nunique().max() == 1  # one KK number, one household
    assert (frame["no_kk"].str.slice(0, 6) == frame["kode_desa"].str.slice(0, 6)).all()
    assert frame["rt"].str.fullmatch(r"\d{3}").all() and frame["rw"].str.fullmatch(r"\d{3}").all()
    assert set(frame["hubungan_keluarga"]) <= set(ROLES)
    assert 3.2 < per_household["size"].mean() < 4.0


def test_plausible_ages_within_a_household(frame):
    born = pd.to_datetime(frame["tgl_lahir"])
    head_born = born.groupby(frame["_hh"]).transform("first")
    children = frame["hubungan_keluarga"] == "ANAK"
    # A child is born at least ~15 years after the head of the household (or the head is the mother).
    assert ((born[children] - head_born[children]).dt.days > 15 * 365 - 400).mean() > 0.97
    parents = frame["hubungan_keluarga"].isin(["ORANG TUA", "MERTUA"])
    assert (born[parents] < head_born[parents]).all()


def test_region_codes_are_real_and_spread_like_the_province(frame):
    regions = province_regions()
    desa = {r.code for r in regions if r.level == 4}
    kecamatan = {r.code for r in regions if r.level == 3}
    assert set(frame["kode_desa"]) <= desa
    assert len(set(frame["kode_desa"])) > 600  # 6,000 people reach nearly all 729 desa
    share = frame["kode_desa"].str.slice(0, 4).value_counts(normalize=True)
    assert share.idxmax() == "7501" and 0.28 < share["7501"] < 0.38
    assert 0.12 < share["7571"] < 0.20
    issuers = frame["nik"].str.slice(0, 6)
    assert (issuers == frame["kode_desa"].str.slice(0, 6)).mean() > 0.8  # usually the residence kecamatan
    assert issuers.isin(kecamatan).mean() > 0.97


def test_status_names_and_dtks(population, frame):
    status = frame["status"].value_counts(normalize=True)
    assert 0.015 < status["meninggal"] < 0.025 and 0.015 < status["pindah"] < 0.025
    gone = frame[frame["status"] != "hidup"]
    assert (gone["tgl_status"] > gone["tgl_lahir"]).all() and (
        gone["tgl_status"] <= SNAPSHOT.isoformat()
    ).all()
    assert (frame.loc[frame["status"] == "hidup", "tgl_status"] == "").all()
    first_words = frame["nama"].str.split(" ").str[0]
    assert {"MUHAMMAD", "MOH."} <= set(first_words)
    assert frame["nama"].str.fullmatch(r"[A-Z. ]+").all()

    dtks = generate_dtks(population, 7501)
    table = dtks.frame()
    share = table["_hh"].nunique() / frame["_hh"].nunique()
    assert 0.33 < share < 0.47
    assert (
        table.groupby("_hh")["nik"]
        .size()
        .equals(frame[frame["_hh"].isin(table["_hh"])].groupby("_hh").size())
    )
    assert table["id_dtks"].is_unique and table["nik"].isin(frame["nik"]).all()
    desil = table.groupby("_hh")["desil"].first().astype(int)
    assert desil.between(1, 10).all() and (desil <= 4).mean() > 0.5
    pkh = table.groupby("_hh")[["pkh", "desil"]].first()
    assert (pkh.loc[pkh["pkh"] == "1", "desil"].astype(int) <= 4).mean() > 0.9
