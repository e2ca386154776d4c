"""Amounts and dates as an Indonesian decree writes them, whatever the program's language."""

from __future__ import annotations

from datetime import date

import pytest

from app.documents.rupiah import rupiah, tanggal_indonesia, terbilang
from app.i18n import set_language


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "nol"),
        (11, "sebelas"),
        (19, "sembilan belas"),
        (100, "seratus"),
        (1_000, "seribu"),
        (1_500_000, "satu juta lima ratus ribu"),
        (225_000_000, "dua ratus dua puluh lima juta"),
        (15_000_000_000, "lima belas miliar"),
        (10_001, "sepuluh ribu satu"),
    ],
)
def test_terbilang_writes_whole_numbers_in_indonesian_words(value, words):
    assert terbilang(value) == words


def test_rupiah_and_dates_stay_indonesian_in_the_english_program():
    set_language("en")
    assert rupiah(15_000_000_000) == "15.000.000.000"
    assert tanggal_indonesia(date(2026, 3, 5)) == "5 Maret 2026"
    assert tanggal_indonesia(None).startswith("....")
