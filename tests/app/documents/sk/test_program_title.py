"""The program's name as the decree prints it: one "Tahun Anggaran", never the year twice."""

from __future__ import annotations

import pytest

from app.documents.sk_content import program_name_without_year, program_with_year


@pytest.mark.parametrize(
    ("nama", "expected"),
    [
        ("Bantuan Rehab Rumah Lansia 2026", "Bantuan Rehab Rumah Lansia Tahun Anggaran 2026"),
        ("Bantuan Sembako Lansia", "Bantuan Sembako Lansia Tahun Anggaran 2026"),
        ("BLT Dana Desa Tahun 2026", "BLT Dana Desa Tahun Anggaran 2026"),
        ("PKH Daerah (2026)", "PKH Daerah Tahun Anggaran 2026"),
        ("Bantuan Pangan TA 2026", "Bantuan Pangan Tahun Anggaran 2026"),
        # Another year is part of the name (a program carried over), not the budget year.
        ("Lanjutan Program 2025", "Lanjutan Program 2025 Tahun Anggaran 2026"),
    ],
)
def test_the_budget_year_is_printed_once(nama, expected):
    assert program_with_year(nama, 2026) == expected


def test_a_name_that_is_only_a_year_stays_whole():
    assert program_name_without_year("2026", 2026) == "2026"
