"""The structure of a NIK (Nomor Induk Kependudukan), as Dukcapil issues it:

    digits 1–6   kecamatan of issue (kab/kota 4 + kecamatan 2)
    digits 7–12  birth date DDMMYY, with 40 added to the day for women
    digits 13–16 sequence, never 0000

Scalar helpers serve single lookups (screening, the search box); the `*_checks` function works on a whole
pandas column at once, because an import validates 1.2 million NIKs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40  # the day of birth of a woman is written +40
_DIGITS16 = re.compile(r"\d{16}")


@dataclass(frozen=True)
class NikParts:
    kecamatan_code: str
    day: int
    month: int
    year_2: int
    female: bool
    sequence: str

    def birth_date(self, reference_year: int) -> date | None:
        """The full birth date, choosing the century that puts it at or before `reference_year`."""
        year = 2000 + self.year_2
        if year > reference_year:
            year -= 100
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return None


def parse_nik(nik: str) -> NikParts | None:
    """The parts of a well-formed NIK, or None when it is not 16 digits with a possible date and sequence."""
    nik = nik.strip()
    if not _DIGITS16.fullmatch(nik):
        return None
    day, month, year_2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > FEMALE_DAY_OFFSET
    if female:
        day -= FEMALE_DAY_OFFSET
    sequence = nik[12:]
    if sequence == "0000" or not _possible_day_month(day, month):
        return None
    return NikParts(nik[:6], day, month, year_2, female, sequence)


def _possible_day_month(day: int, month: int) -> bool:
    try:
        date(2000, month, day)  # 2000 is a leap year: 29 February is possible
    except ValueError:
        return False
    return True


@dataclass
class NikChecks:
    """Boolean masks over a column of NIKs (True = the problem is there)."""

    not_16_digits: pd.Series
    impossible_date: pd.Series
    zero_sequence: pd.Series
    looks_like_excel_number: pd.Series
    female: pd.Series
    day: pd.Series
    month: pd.Series
    year_2: pd.Series

    @property
    def invalid(self) -> pd.Series:
        return self.not_16_digits | self.impossible_date | self.zero_sequence


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def nik_checks(niks: pd.Series) -> NikChecks:
    niks = niks.astype(str)
    well_formed = niks.str.fullmatch(r"\d{16}").fillna(False).astype(bool)
    padded = niks.where(well_formed, "0" * NIK_LENGTH)
    raw_day = padded.str.slice(6, 8).astype(int)
    month = padded.str.slice(8, 10).astype(int)
    year_2 = padded.str.slice(10, 12).astype(int)
    female = raw_day > FEMALE_DAY_OFFSET
    day = raw_day.where(~female, raw_day - FEMALE_DAY_OFFSET)
    month_ok = month.between(1, 12)
    max_day = pd.Series(_DAYS_IN_MONTH[month.clip(0, 12).to_numpy()], index=niks.index)
    date_ok = month_ok & (day >= 1) & (day <= max_day)
    zero_sequence = padded.str.slice(12, 16) == "0000"
    excel_number = niks.str.fullmatch(r"\d(\.\d+)?[eE]\+?\d+").fillna(False).astype(bool)
    return NikChecks(
        not_16_digits=~well_formed,
        impossible_date=well_formed & ~date_ok,
        zero_sequence=well_formed & zero_sequence,
        looks_like_excel_number=excel_number,
        female=female & well_formed,
        day=day,
        month=month,
        year_2=year_2,
    )
