"""The synthetic population of the demo region: a Dukcapil extract and a DTKS extract of Gorontalo province.

Nothing here describes a real person: names, dates and numbers are drawn at random. What is real is the
shape: the Kemendagri codes of the 6 kab/kota, 77 kecamatan and 729 desa/kelurahan, people spread over them
roughly as in reality, households (KK) of 1–7 members with plausible ages and relations, NIKs and KK numbers
built by Dukcapil's rule, Gorontalo names with the spellings registers carry, about 2 % dead and 2 % moved,
and a DTKS covering about 40 % of the households, ranked by desil with program flags that fit the desil.

Everything is drawn from numpy generators seeded by (seed, stream), column by column, so a run is
deterministic (same seed → byte-identical CSV files) and 1.2 million people take seconds. All dates are
relative to `SNAPSHOT`, the fixed date of the extract, not to today: today would break determinism.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.demo import names as N
from app.regions import province_regions

SNAPSHOT = date(2026, 6, 30)  # the date of the synthetic extracts
SNAPSHOT_D = np.datetime64(SNAPSHOT.isoformat(), "D")

DUKCAPIL_COLUMNS = (
    "nik", "no_kk", "nama", "tempat_lahir", "tgl_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kode_desa",
    "hubungan_keluarga", "status", "tgl_status",
)  # fmt: skip
DTKS_COLUMNS = (
    "id_dtks", "nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "alamat", "kode_desa", "desil", "pkh", "bpnt",
    "pbi",
)  # fmt: skip

# Share of the population by kab/kota (BPS projections, rounded).
KABKOTA_SHARE = {"7501": 0.33, "7571": 0.16, "7503": 0.14, "7504": 0.13, "7502": 0.12, "7505": 0.11}
# Household (KK) size 1..7: mean about 3.6, as in Gorontalo.
HOUSEHOLD_SIZE_P = np.array([0.08, 0.18, 0.23, 0.23, 0.14, 0.09, 0.05])

ROLES = ("KEPALA KELUARGA", "ISTRI", "SUAMI", "ANAK", "MENANTU", "CUCU", "ORANG TUA", "MERTUA", "FAMILI LAIN")
HEAD, ISTRI, SUAMI, ANAK, MENANTU, CUCU, ORANG_TUA, MERTUA, FAMILI = range(9)
# Order of the members on a KK: head, spouse, children, in-laws, grandchildren, parents, others.
ROLE_RANK = np.array([0, 1, 1, 2, 3, 4, 5, 6, 7])

DEAD_SHARE = 0.02
MOVED_SHARE = 0.02
DTKS_SHARE = 0.40
DESIL_P = np.array([0.20, 0.17, 0.14, 0.12, 0.10, 0.08, 0.07, 0.05, 0.04, 0.03])
# Share of DTKS households receiving each program, by desil 1..10 (PKH desil 1–4, Sembako/BPNT and PBI-JK
# desil 1–5 since DTSEN; older decisions linger a little above the cut).
PROGRAM_P = {
    "pkh": np.array([0.42, 0.33, 0.25, 0.18, 0.03, 0.02, 0.01, 0.01, 0.0, 0.0]),
    "bpnt": np.array([0.66, 0.58, 0.50, 0.42, 0.33, 0.05, 0.03, 0.02, 0.01, 0.01]),
    "pbi": np.array([0.92, 0.88, 0.82, 0.75, 0.65, 0.35, 0.25, 0.15, 0.10, 0.05]),
}
DEFAULT_BIRTH_DAYS = ((1, 1), (7, 1), (12, 31))  # (month, day): 01-01, 01-07, 31-12
STREAMS = {
    "penduduk": 1,
    "dtks": 2,
    "baru": 3,
    "pembaruan": 4,
    "contoh_dtks": 5,
    "baris_salah": 6,
    "usulan": 7,
    "contoh_dtsen_keluarga": 8,
}


def rng_for(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), STREAMS[stream]])


@dataclass
class Extract:
    """An extract as an Arrow table of text columns, with what the generator knows about each row."""

    table: pa.Table
    household: np.ndarray  # household number of each row, 0.. in file order
    nik_date_differs: np.ndarray | None = None  # a defaulted birth date the NIK does not carry

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def households(self) -> int:
        return int(len(np.unique(self.household)))

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The rows (all, a mask or indices) as a pandas frame of text, with `_hh` (and `_nik_date_differs`)."""
        index = np.arange(len(self)) if rows is None else np.asarray(rows)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        frame = self.table.take(pa.array(index, pa.int64())).to_pandas()
        frame["_hh"] = self.household[index]
        if self.nik_date_differs is not None:
            frame["_nik_date_differs"] = self.nik_date_differs[index]
        return frame


# Regions ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionTables:
    kab_codes: np.ndarray  # U4
    kec_codes: np.ndarray  # U6
    kec_kab: np.ndarray  # kab index of each kecamatan
    kec_birthplace: np.ndarray  # upper-case place name people of the kecamatan give as birthplace
    desa_codes: np.ndarray  # U10
    desa_names: np.ndarray
    desa_kec: np.ndarray  # kecamatan index of each desa
    desa_kelurahan: np.ndarray  # bool

    def desa_index(self, code: str) -> int:
        found = np.flatnonzero(self.desa_codes == code)
        if not len(found):
            raise ValueError(f"unknown desa {code}")
        return int(found[0])


@lru_cache(maxsize=1)
def region_tables() -> RegionTables:
    regions = sorted(province_regions(), key=lambda r: r.code)
    kabs = [r for r in regions if r.level == 2]
    kecs = [r for r in regions if r.level == 3]
    desas = [r for r in regions if r.level == 4]
    kab_codes = np.array([r.code for r in kabs])
    kec_codes = np.array([r.code for r in kecs])
    kab_pos = {c: i for i, c in enumerate(kab_codes)}
    kec_pos = {c: i for i, c in enumerate(kec_codes)}
    birthplace = np.array(["GORONTALO" if r.code.startswith("7571") else r.name.upper() for r in kecs])
    return RegionTables(
        kab_codes=kab_codes,
        kec_codes=kec_codes,
        kec_kab=np.array([kab_pos[r.code[:4]] for r in kecs]),
        kec_birthplace=birthplace,
        desa_codes=np.array([r.code for r in desas]),
        desa_names=np.array([r.name.upper() for r in desas]),
        desa_kec=np.array([kec_pos[r.code[:6]] for r in desas]),
        desa_kelurahan=np.array([r.kind == "kelurahan" for r in desas]),
    )


# Small vectorised helpers -------------------------------------------------------------------------------
def _soft_clip(rng: np.random.Generator, values: np.ndarray, low: float, high: float, spread: float = 5.0):
    """Values outside [low, high] moved a random bit inside, not piled up on the bound."""
    values = np.where(values < low, low + spread * rng.random(len(values)), values)
    return np.where(values > high, high - spread * rng.random(len(values)), values)


def _zipf_weights(count: int, skew: float = 0.7, offset: float = 6.0) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + offset) ** skew
    return weights / weights.sum()


def _weighted_sample(
    rng: np.random.Generator, weights: np.ndarray, k: int, allowed: np.ndarray
) -> np.ndarray:
    """k distinct indices drawn with probability proportional to `weights` (Efraimidis–Spirakis)."""
    k = min(k, int(allowed.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(rng.random(len(weights))) / np.maximum(weights, 1e-12)
    keys[~allowed] = -np.inf
    chosen = np.argpartition(-keys, k - 1)[:k]
    return np.sort(chosen)


def _ddmmyy(days: np.ndarray, female: np.ndarray | None = None) -> np.ndarray:
    """DDMMYY as an integer (day + 40 for women when `female` is given)."""
    dates = pd.DatetimeIndex(days.astype("datetime64[D]"))
    day = dates.day.to_numpy().astype(np.int64)
    if female is not None:
        day = day + 40 * female.astype(np.int64)
    return day * 10_000 + dates.month.to_numpy() * 100 + dates.year.to_numpy() % 100


def assign_sequences(
    rng: np.random.Generator, prefixes: np.ndarray, taken: dict[int, int] | None = None
) -> np.ndarray:
    """A sequence 1, 2, 3… within each prefix (random order among equals), after what `taken` already used."""
    n = len(prefixes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((rng.random(n), prefixes))
    ordered = prefixes[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.arange(n) - first + 1
    if taken:
        rank = rank + pd.Series(ordered).map(taken).fillna(0).astype(np.int64).to_numpy()
    if rank.max() > 9999:
        raise ValueError("sequence overflow")
    sequence = np.empty(n, dtype=np.int64)
    sequence[order] = rank
    return sequence


def used_sequences(numbers: pd.Series | np.ndarray) -> dict[int, int]:
    """Highest sequence used per 12-digit prefix in existing 16-digit numbers (NIK or No. KK)."""
    values = pd.Series(numbers).astype(str)
    values = values[values.str.fullmatch(r"\d{16}")]
    prefix = values.str.slice(0, 12).astype(np.int64)
    sequence = values.str.slice(12).astype(np.int64)
    return sequence.groupby(prefix).max().to_dict()


# Households ---------------------------------------------------------------------------------------------
def _household_sizes(rng: np.random.Generator, people: int) -> np.ndarray:
    sizes = rng.choice(np.arange(1, 8), size=int(people / 3.5) + 16, p=HOUSEHOLD_SIZE_P)
    while sizes.sum() < people:
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, 8), size=64, p=HOUSEHOLD_SIZE_P)])
    total = np.cumsum(sizes)
    count = int(np.searchsorted(total, people) + 1)
    sizes = sizes[:count].copy()
    sizes[-1] -= int(total[count - 1] - people)
    return sizes


def _desa_weights(rng: np.random.Generator, regions: RegionTables) -> np.ndarray:
    """Probability of each desa: its kab/kota's share spread over its desa, bigger kelurahan, some variety."""
    raw = rng.lognormal(0.0, 0.45, len(regions.desa_codes))
    kab_of_desa = regions.kec_kab[regions.desa_kec]
    city = regions.kab_codes[kab_of_desa] == "7571"
    raw = raw * np.where(regions.desa_kelurahan & ~city, 1.8, 1.0)
    weights = np.zeros_like(raw)
    for index, code in enumerate(regions.kab_codes):
        inside = kab_of_desa == index
        weights[inside] = KABKOTA_SHARE[str(code)] * raw[inside] / raw[inside].sum()
    return weights / weights.sum()


def _allocate_households(rng: np.random.Generator, households: int, regions: RegionTables) -> np.ndarray:
    weights = _desa_weights(rng, regions)
    desa_count = len(weights)
    counts = rng.multinomial(households, weights)
    if households >= 2 * desa_count:
        # Every desa inhabited: an empty one takes a household from the fullest desa of its kab/kota.
        kab_of_desa = regions.kec_kab[regions.desa_kec]
        for empty in np.flatnonzero(counts == 0).tolist():
            same = np.flatnonzero(kab_of_desa == kab_of_desa[empty])
            fullest = same[np.argmax(counts[same])]
            counts[fullest] -= 1
            counts[empty] += 1
    return np.repeat(np.arange(desa_count), counts)


# The population -----------------------------------------------------------------------------------------
def generate_population(
    people: int,
    seed: int,
    *,
    stream: str = "penduduk",
    only_desa: str | None = None,
    taken_nik: dict[int, int] | None = None,
    taken_kk: dict[int, int] | None = None,
) -> Extract:
    """A Dukcapil extract of `people` persons: the canonical columns as text, ordered by desa and KK, with
    each row's household and whether its defaulted birth date differs from the one in its NIK. `only_desa` puts everyone in one desa; `taken_*` are sequences already issued
    (`used_sequences`), so that a second population never repeats a NIK or No. KK of the first."""
    if people < 1:
        raise ValueError("people must be at least 1")
    rng = rng_for(seed, stream)
    regions = region_tables()

    sizes = _household_sizes(rng, people)
    households = len(sizes)
    if only_desa:
        desa = np.full(households, regions.desa_index(only_desa))
    else:
        desa = _allocate_households(rng, households, regions)
    kec = regions.desa_kec[desa]
    kab = regions.kec_kab[kec]
    hh = np.repeat(np.arange(households), sizes)
    position = np.arange(people) - np.repeat(np.cumsum(sizes) - sizes, sizes)

    # Household composition.
    head_male = rng.random(households) < np.where(sizes == 1, 0.55, 0.88)
    has_spouse = (sizes >= 2) & (rng.random(households) < np.where(head_male, 0.93, 0.30))
    head_age = np.where(sizes == 1, rng.normal(50, 17, households), rng.normal(43, 12, households))
    head_age = _soft_clip(rng, head_age + np.where(head_male, 0, 7), 19, 92)
    spouse_age = np.where(
        head_male, head_age - rng.normal(3.5, 4, households), head_age + rng.normal(3, 4, households)
    )
    spouse_age = _soft_clip(rng, spouse_age, 17, 95)
    mother_age = np.where(head_male, np.where(has_spouse, spouse_age, head_age - 4), head_age)

    role = np.full(people, ANAK)
    role[position == 0] = HEAD
    spouse_slot = (position == 1) & has_spouse[hh]
    role[spouse_slot] = np.where(head_male[hh[spouse_slot]], ISTRI, SUAMI)
    other = position >= 1 + has_spouse[hh]
    drawn = np.array([ANAK, CUCU, FAMILI, ORANG_TUA, MERTUA, MENANTU])[
        rng.choice(6, size=int(other.sum()), p=[0.80, 0.095, 0.028, 0.022, 0.017, 0.038])
    ]
    their_head_age = head_age[hh[other]]
    drawn = np.where(np.isin(drawn, (CUCU, MENANTU)) & (their_head_age < 45), ANAK, drawn)
    drawn = np.where(np.isin(drawn, (ORANG_TUA, MERTUA)) & (their_head_age > 62), FAMILI, drawn)
    role[other] = drawn

    u = rng.random(people)
    age = np.select(
        [
            role == HEAD,
            np.isin(role, (ISTRI, SUAMI)),
            role == ANAK,
            role == CUCU,
            role == MENANTU,
            np.isin(role, (ORANG_TUA, MERTUA)),
        ],
        [
            head_age[hh],
            spouse_age[hh],
            _children_ages(rng, role == ANAK, hh, mother_age),
            u * np.clip(head_age[hh] - 38, 0.1, 20),
            np.maximum(head_age[hh] - 20 - 12 * u, 17),
            np.minimum(head_age[hh] + 20 + 12 * u, 98),
        ],
        3 + 72 * u,
    )
    male = np.select(
        [role == HEAD, role == ISTRI, role == SUAMI, np.isin(role, (ORANG_TUA, MERTUA)), role == MENANTU],
        [head_male[hh], False, True, rng.random(people) < 0.35, rng.random(people) < 0.45],
        rng.random(people) < 0.51,
    )

    # Members in KK order; households stay in desa order.
    order = np.lexsort((-age, ROLE_RANK[role], hh))
    role, age, male, position = role[order], age[order], male[order], position[order]
    female = ~male

    days_old = np.floor(age * 365.2425).astype(np.int64) + 1
    birth = SNAPSHOT_D - days_old.astype("timedelta64[D]")

    # Names.
    birth_year = pd.DatetimeIndex(birth).year.to_numpy()
    javanese_household = rng.random(households) < np.where(
        np.isin(regions.kec_codes[kec], list(N.TRANSMIGRANT_KECAMATAN)), 0.55, 0.02
    )
    javanese = javanese_household[hh] & (birth_year < 1990)
    classic = rng.random(people) < np.select([birth_year < 1985, birth_year < 2000], [0.88, 0.55], 0.2)
    pools = [
        N.MALE_CLASSIC,
        N.MALE_MODERN,
        N.FEMALE_CLASSIC,
        N.FEMALE_MODERN,
        N.JAVANESE_MALE,
        N.JAVANESE_FEMALE,
    ]
    pool = np.where(
        javanese, np.where(male, 4, 5), np.where(male, np.where(classic, 0, 1), np.where(classic, 2, 3))
    )
    words = np.array([w for p in pools for w in p])
    offsets = np.cumsum([0] + [len(p) for p in pools])
    first = np.zeros(people, dtype=np.int64)
    second = np.zeros(people, dtype=np.int64)
    for k, words_of_pool in enumerate(pools):
        inside = pool == k
        weights = _zipf_weights(len(words_of_pool), skew=0.45)
        first[inside] = offsets[k] + rng.choice(len(words_of_pool), size=int(inside.sum()), p=weights)
        second[inside] = offsets[k] + rng.choice(len(words_of_pool), size=int(inside.sum()), p=weights)
    has_second = (rng.random(people) < np.where(javanese, 0.1, 0.45)) & (second != first)
    muhammad = male & ~javanese & (rng.random(people) < 0.16)
    spellings = [s for s, _p in N.MUHAMMAD_SPELLINGS]
    spelling = rng.choice(len(spellings), size=people, p=[p for _s, p in N.MUHAMMAD_SPELLINGS])

    family_weights = _zipf_weights(len(N.FAMILY_NAMES), skew=0.5, offset=10)
    fam_head = np.where(
        rng.random(households) < 0.08, -1, rng.choice(len(N.FAMILY_NAMES), size=households, p=family_weights)
    )
    fam_spouse = np.where(
        rng.random(households) < 0.08, -1, rng.choice(len(N.FAMILY_NAMES), size=households, p=family_weights)
    )
    fam_father = np.where(head_male | ~has_spouse, fam_head, fam_spouse)
    fam_random = np.where(
        rng.random(people) < 0.08, -1, rng.choice(len(N.FAMILY_NAMES), size=people, p=family_weights)
    )
    fam = np.select(
        [
            role == HEAD,
            np.isin(role, (ISTRI, SUAMI)),
            role == ANAK,
            role == CUCU,
            (role == ORANG_TUA) & male,
            (role == MERTUA) & male,
        ],
        [
            fam_head[hh],
            fam_spouse[hh],
            np.where(rng.random(people) < 0.05, -1, fam_father[hh]),
            np.where(rng.random(people) < 0.5, fam_father[hh], fam_random),
            fam_head[hh],
            fam_spouse[hh],
        ],
        fam_random,
    )
    fam = np.where(javanese_household[hh], -1, fam)

    # Default birth dates of older people (unknown day): 01-01, 01-07 or 31-12 of the year.
    defaulted = (birth_year < 1972) & (rng.random(people) < 0.3)
    which = rng.choice(3, size=people, p=[0.45, 0.35, 0.20])
    months = np.array([m for m, _d in DEFAULT_BIRTH_DAYS])[which]
    days = np.array([d for _m, d in DEFAULT_BIRTH_DAYS])[which]
    default_dates = (
        (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[M]")
        + (months - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (days - 1).astype("timedelta64[D]")
    nik_birth = birth.copy()
    birth = np.where(defaulted, default_dates, birth)
    # Most carry the default in the NIK too; some NIKs were issued with the real date.
    nik_differs = defaulted & (rng.random(people) < 0.1)
    nik_birth = np.where(nik_differs, nik_birth, birth)

    # People sharing a name and a birth date: next to someone of the same sex and family name born days
    # earlier, take over their given names and birth date.
    sharing = _share_names(rng, people, male, fam, birth, hh)
    if len(sharing):
        takers, givers = sharing[:, 0], sharing[:, 1]
        for array in (first, second, has_second, muhammad, spelling, pool, birth):
            array[takers] = array[givers]
        nik_birth[takers] = birth[givers]
        nik_differs[takers] = False

    text_words = pa.array(words, pa.string())
    given = text_words.take(first)
    given = pc.if_else(
        pa.array(has_second), pc.binary_join_element_wise(given, text_words.take(second), " "), given
    )
    given = pc.if_else(
        pa.array(muhammad), pc.binary_join_element_wise(pa.array(spellings).take(spelling), given, " "), given
    )
    family_words = pa.array(N.FAMILY_NAMES, pa.string())
    nama = pc.if_else(
        pa.array(fam >= 0),
        pc.binary_join_element_wise(given, family_words.take(np.maximum(fam, 0)), " "),
        given,
    )
    del given, first, second

    # NIK: kecamatan of issue + DDMMYY (+40 for women) + sequence.
    age_now = (SNAPSHOT_D - birth).astype(np.int64) / 365.2425
    issuer = _issuing_kecamatan(rng, people, kec[hh], kab[hh], age_now, regions)
    prefix = issuer * 1_000_000 + _ddmmyy(nik_birth, female)
    sequence = assign_sequences(rng, prefix, taken_nik)
    nik = pc.cast(pa.array(prefix * 10_000 + sequence), pa.string())

    # No. KK: kecamatan of residence + issue date (after the youngest member's birth) + sequence.
    starts = np.r_[0, np.flatnonzero(np.diff(hh)) + 1]
    youngest = np.maximum.reduceat(birth.astype(np.int64), starts)
    earliest = np.maximum(youngest + 1, np.datetime64("2008-01-01", "D").astype(np.int64))
    latest = SNAPSHOT_D.astype(np.int64) - 1
    earliest = np.minimum(earliest, latest)
    issued = earliest + np.floor(rng.random(households) ** 0.7 * (latest - earliest + 1)).astype(np.int64)
    kk_prefix = regions.kec_codes[kec].astype(np.int64) * 1_000_000 + _ddmmyy(issued.astype("datetime64[D]"))
    kk_sequence = assign_sequences(rng, kk_prefix, taken_kk)
    no_kk = pc.cast(pa.array(kk_prefix * 10_000 + kk_sequence), pa.string())

    # Address per household.
    alamat, rt, rw = _addresses(rng, households, desa, regions)

    # Status: about 2 % dead (mostly old), 2 % moved out (mostly young adults).
    status = np.zeros(people, dtype=np.int8)  # 0 hidup, 1 meninggal, 2 pindah
    status_day = np.zeros(people, dtype=np.int64)
    dead = _weighted_sample(rng, 1 + (age_now / 25) ** 4, round(DEAD_SHARE * people), np.ones(people, bool))
    alive = np.ones(people, bool)
    alive[dead] = False
    moved = _weighted_sample(
        rng, 1 + 3 * np.exp(-(((age_now - 26) / 9) ** 2)), round(MOVED_SHARE * people), alive
    )
    for chosen, code in ((dead, 1), (moved, 2)):
        if not len(chosen):
            continue
        status[chosen] = code
        born = birth[chosen].astype(np.int64)
        low = np.minimum(np.maximum(born + 1, latest - 3650), latest)
        status_day[chosen] = low + np.floor(rng.random(len(chosen)) * (latest - low + 1)).astype(np.int64)

    places, place = _birthplaces(rng, people, desa[hh], kec[hh], kab[hh], javanese, regions)

    table = pa.table(
        {
            "nik": nik,
            "no_kk": no_kk.take(hh),
            "nama": nama,
            "tempat_lahir": places.take(place),
            "tgl_lahir": _iso_dates(birth.astype(np.int64)),
            "jenis_kelamin": pc.if_else(pa.array(male), "L", "P"),
            "alamat": alamat.take(hh),
            "rt": rt.take(hh),
            "rw": rw.take(hh),
            "kode_desa": pa.array(regions.desa_codes, pa.string()).take(desa[hh]),
            "hubungan_keluarga": pa.array(ROLES, pa.string()).take(role),
            "status": pa.array(["hidup", "meninggal", "pindah"], pa.string()).take(status),
            "tgl_status": pc.if_else(pa.array(status > 0), _iso_dates(status_day), ""),
        }
    )
    return Extract(table, hh, nik_differs)


def _iso_dates(days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(days.astype(np.int32), pa.int32()).cast(pa.date32()), pa.string())


def _children_ages(rng, is_child, hh, mother_age) -> np.ndarray:
    """Ages of the children (0 elsewhere): the youngest first, then older siblings a gap of a year or more
    apart, all born when the mother was 17 to 44 (gaps compressed where that would not fit)."""
    ages = np.zeros(len(hh))
    index = np.flatnonzero(is_child)
    if not len(index):
        return ages
    child_hh = hh[index]
    mother = mother_age[child_hh]
    low = np.maximum(mother - 44, 0)
    high = np.maximum(mother - 17, 0.05 + rng.random(len(index)))
    gaps = 1.0 + rng.gamma(2.0, 0.9, len(index))
    first = np.r_[True, child_hh[1:] != child_hh[:-1]]
    gaps[first] = 0
    cumulative = np.cumsum(gaps)
    cumulative -= np.maximum.accumulate(np.where(first, cumulative, 0))
    youngest = low + (high - low) * rng.beta(1.3, 2.5, len(index))
    base = np.maximum.accumulate(np.where(first, np.arange(len(index)), 0))
    youngest = youngest[base]
    span = pd.Series(cumulative).groupby(child_hh).transform("max").to_numpy()
    # Too many siblings for the room: the youngest younger first (but not all newborn), then gaps compressed.
    fitted = np.minimum(youngest, high - span)
    squeezed = low + rng.random(len(index))[base] * np.minimum(2.0, high - low)
    youngest = np.where(fitted >= low, fitted, squeezed)
    room = np.maximum(high - youngest, 0)
    scale = np.where(span > room, room / np.maximum(span, 1e-9), 1.0)
    ages[index] = youngest + cumulative * scale
    return ages


def _share_names(rng, people, male, fam, birth, hh) -> np.ndarray:
    """Pairs (taker, giver): same sex and family name, born within 60 days, different households."""
    share = rng.random(people) < 0.006
    if not share.any():
        return np.zeros((0, 2), dtype=np.int64)
    order = np.lexsort((birth.astype(np.int64), fam, male))
    ordered_taker = order[1:]
    ordered_giver = order[:-1]
    ok = (
        share[ordered_taker]
        & (male[ordered_taker] == male[ordered_giver])
        & (fam[ordered_taker] == fam[ordered_giver])
        & (hh[ordered_taker] != hh[ordered_giver])
        & (np.abs(birth[ordered_taker].astype(np.int64) - birth[ordered_giver].astype(np.int64)) <= 60)
    )
    pairs = np.stack([ordered_taker[ok], ordered_giver[ok]], axis=1)
    # A giver must not itself be a taker in this round (chains would copy a copy).
    takers = set(pairs[:, 0].tolist())
    keep = np.array([g not in takers for g in pairs[:, 1].tolist()], dtype=bool)
    return pairs[keep] if len(pairs) else pairs


def _issuing_kecamatan(rng, people, residence_kec, residence_kab, age, regions: RegionTables) -> np.ndarray:
    """Usually the kecamatan of residence; sometimes another of the kab/kota or the province, a neighbouring
    province, or (older NIKs) a kecamatan code that no longer exists."""
    u = rng.random(people)
    child = age < 17
    kec_codes = regions.kec_codes.astype(np.int64)
    issuer = kec_codes[residence_kec].copy()
    same_kab = np.where(child, (u >= 0.97), (u >= 0.86) & (u < 0.945))
    for kab_index in range(len(regions.kab_codes)):
        chosen = same_kab & (residence_kab == kab_index)
        candidates = np.flatnonzero(regions.kec_kab == kab_index)
        issuer[chosen] = kec_codes[candidates[rng.integers(0, len(candidates), int(chosen.sum()))]]
    province = ~child & (u >= 0.945) & (u < 0.98)
    issuer[province] = kec_codes[rng.integers(0, len(kec_codes), int(province.sum()))]
    outside = ~child & (u >= 0.98) & (u < 0.995)
    outside_codes = np.array(N.OUTSIDE_ISSUERS).astype(np.int64)
    issuer[outside] = outside_codes[rng.integers(0, len(outside_codes), int(outside.sum()))]
    former_kab = np.isin(regions.kab_codes[residence_kab], ["7501", "7505"])
    former = ~child & (u >= 0.995) & (age >= 35) & former_kab
    former_codes = np.array(N.FORMER_ISSUERS).astype(np.int64)
    issuer[former] = former_codes[rng.integers(0, len(former_codes), int(former.sum()))]
    return issuer


def _addresses(rng, households, desa, regions: RegionTables) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Per household: street and number (towns), lingkungan (other kelurahan) or dusun (villages); RT/RW."""
    kelurahan = regions.desa_kelurahan[desa]
    city = regions.kab_codes[regions.kec_kab[regions.desa_kec[desa]]] == "7571"
    u = rng.random(households)
    street_kind = np.where(kelurahan, np.where(city | (u < 0.7), 0, 1), np.where(u < 0.8, 2, 3))
    # 0 urban street, 1 lingkungan, 2 dusun, 3 rural street
    number = 1 + np.floor(rng.gamma(1.5, 25, households)).astype(np.int64)
    urban = rng.integers(0, len(N.URBAN_STREETS), households)
    rural = rng.integers(0, len(N.RURAL_STREETS), households)
    dusun_number = rng.choice(5, size=households, p=[0.3, 0.28, 0.22, 0.13, 0.07])
    dusun_number = np.where(street_kind == 1, np.minimum(dusun_number, len(N.LINGKUNGAN) - 1), dusun_number)
    streets = pa.array(N.URBAN_STREETS + N.RURAL_STREETS, pa.string())
    street = streets.take(np.where(street_kind == 0, urban, len(N.URBAN_STREETS) + rural))
    with_number = pc.binary_join_element_wise(street, pc.cast(pa.array(number), pa.string()), " NO. ")
    areas = pa.array(N.LINGKUNGAN + N.DUSUN, pa.string())
    area = areas.take(np.where(street_kind == 1, dusun_number, len(N.LINGKUNGAN) + dusun_number))
    alamat = pc.if_else(pa.array(np.isin(street_kind, (1, 2))), area, with_number)
    rw = np.where(street_kind >= 1, dusun_number + 1, rng.integers(1, 7, households))
    rt = rng.integers(1, 5, households) + np.where(street_kind == 0, rng.integers(0, 9, households), 0)
    return alamat, _padded(rt, 3), _padded(rw, 3)


def _padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width, "0")


def _birthplaces(rng, people, desa, kec, kab, javanese, regions: RegionTables) -> tuple[pa.Array, np.ndarray]:
    """The place list and each person's index in it: own kecamatan or desa, the city, the kab/kota town, a
    city elsewhere in Sulawesi or Java; older Javanese transmigrants mostly born in Java."""
    towns = [N.KABKOTA_TOWN[str(c)] for c in regions.kab_codes]
    parts = [
        list(regions.kec_birthplace),
        list(regions.desa_names),
        ["GORONTALO"],
        towns,
        list(N.OTHER_BIRTHPLACES),
        list(N.JAVANESE_BIRTHPLACES),
    ]
    offset = np.cumsum([0] + [len(p) for p in parts])
    u = rng.random(people)
    other = rng.integers(0, len(N.OTHER_BIRTHPLACES), people)
    java = rng.integers(0, len(N.JAVANESE_BIRTHPLACES), people)
    place = np.select(
        [u < 0.45, u < 0.70, u < 0.80, u < 0.92],
        [offset[0] + kec, offset[1] + desa, np.full(people, offset[2]), offset[3] + kab],
        offset[4] + other,
    )
    place = np.where(javanese & (rng.random(people) < 0.7), offset[5] + java, place)
    return pa.array([w for p in parts for w in p], pa.string()), place


# DTKS -------------------------------------------------------------------------------------------------------
def generate_dtks(population: Extract, seed: int) -> Extract:
    """About 40 % of the households (more in villages than in towns), all their members, the household's
    desil skewed to the poor, and program flags that fit the desil."""
    rng = rng_for(seed, "dtks")
    hh = population.household
    starts = np.r_[0, np.flatnonzero(np.diff(hh)) + 1]
    households = len(starts)  # numbered 0.. in file order
    regions = region_tables()
    kode_desa = np.asarray(population.table["kode_desa"].take(starts).to_pylist())
    kelurahan = regions.desa_kelurahan[np.searchsorted(regions.desa_codes, kode_desa)]
    selected = rng.random(households) < np.where(kelurahan, 0.31, 0.425)
    desil = 1 + rng.choice(10, size=households, p=DESIL_P)
    flags = {name: rng.random(households) < p[desil - 1] for name, p in PROGRAM_P.items()}

    rows = np.flatnonzero(selected[hh])
    members = population.table.take(pa.array(rows, pa.int64()))
    member_hh = hh[rows]
    dtks_desa = members["kode_desa"].combine_chunks()
    desa_index = np.searchsorted(regions.desa_codes, np.asarray(dtks_desa.to_pylist())) if len(rows) else rows
    # id_dtks: desa code + a 7-digit number within the desa.
    new_desa = np.r_[True, desa_index[1:] != desa_index[:-1]] if len(rows) else np.zeros(0, bool)
    run_start = np.maximum.accumulate(np.where(new_desa, np.arange(len(rows)), 0)) if len(rows) else rows
    number = np.arange(len(rows)) - run_start + 1
    table = pa.table(
        {
            "id_dtks": pc.binary_join_element_wise(dtks_desa, _padded(number, 7), ""),
            "nik": members["nik"],
            "no_kk": members["no_kk"],
            "nama": _dtks_spelling(rng, members["nama"].combine_chunks()),
            "tgl_lahir": members["tgl_lahir"],
            "jenis_kelamin": members["jenis_kelamin"],
            "alamat": pc.binary_join_element_wise(
                members["alamat"], "RT", members["rt"], "RW", members["rw"], " "
            ),
            "kode_desa": dtks_desa,
            "desil": pc.cast(pa.array(desil[member_hh]), pa.string()),
            **{name: pc.if_else(pa.array(flags[name][member_hh]), "1", "0") for name in PROGRAM_P},
        }
    )
    return Extract(table, member_hh)


_MUHAMMAD = tuple(s for s, _p in N.MUHAMMAD_SPELLINGS)


def respell(name: str, rng: np.random.Generator) -> str:
    """The name as another office typed it: another MUHAMMAD spelling, DJ/J, a doubled or dropped letter."""
    words = name.split(" ")
    if words[0] in _MUHAMMAD:
        words[0] = [s for s in _MUHAMMAD if s != words[0]][int(rng.integers(0, len(_MUHAMMAD) - 1))]
        return " ".join(words)
    choice = int(rng.integers(0, 4))
    if choice == 0 and "DJ" in name:
        return name.replace("DJ", "J", 1)
    if choice == 1 and len(words) > 2:
        return " ".join(words[:1] + words[2:])  # a middle name dropped
    if choice == 2 and name.startswith("SITI "):
        return "SITTI " + name[5:]
    index = int(rng.integers(1, max(len(words[-1]), 2)))
    last = words[-1]
    words[-1] = last[:index] + last[index - 1] + last[index:] if len(last) > 3 else last  # a doubled letter
    return " ".join(words)


def _dtks_spelling(rng: np.random.Generator, nama: pa.Array) -> pa.Array:
    """About 1.5 % of the names spelled as another office typed them."""
    changed = np.flatnonzero(rng.random(len(nama)) < 0.015)
    if not len(changed):
        return nama
    respelled = [respell(name, rng) for name in nama.take(pa.array(changed, pa.int64())).to_pylist()]
    position = np.arange(len(nama))
    position[changed] = len(nama) + np.arange(len(changed))
    return pa.concat_arrays([nama, pa.array(respelled, pa.string())]).take(pa.array(position, pa.int64()))


# Writing ------------------------------------------------------------------------------------------------
def write_csv(extract: Extract | pa.Table, columns: tuple[str, ...], path: Path) -> Path:
    """UTF-8, comma-separated, header row, every value text without quotes (none needs them), LF line ends."""
    import pyarrow.csv as pacsv

    table = extract.table if isinstance(extract, Extract) else extract
    path = Path(path)
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(columns) + "\n").encode("utf-8"))
        pacsv.write_csv(
            table.select(list(columns)),
            sink,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )
    return path
