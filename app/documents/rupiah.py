"""Amounts and dates as an Indonesian official document writes them, whatever the program's language: an SK is
a state document, written in Bahasa Indonesia (UU 24/2009 Pasal 27), so "Rp1.500.000", "seribu lima ratus"
and "27 Oktober 2020" never follow the user's locale."""

from __future__ import annotations

from datetime import date

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_SATUAN = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_RIBUAN = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))


def rupiah(value: int) -> str:
    """1500000 -> "1.500.000" (thousands grouped with dots, no decimals: aid is paid in whole rupiah)."""
    return f"{value:,}".replace(",", ".")


def tanggal_indonesia(value: date | None) -> str:
    """date(2026, 3, 5) -> "5 Maret 2026"; no date yet (a draft) -> a dotted blank to fill in by hand."""
    if value is None:
        return "...................."
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def _below_thousand(value: int) -> str:
    words = []
    hundreds, rest = divmod(value, 100)
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_SATUAN[hundreds]} ratus")
    if 10 <= rest < 20:
        if rest == 10:
            words.append("sepuluh")
        elif rest == 11:
            words.append("sebelas")
        else:
            words.append(f"{_SATUAN[rest - 10]} belas")
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            words.append(f"{_SATUAN[tens]} puluh")
        if ones:
            words.append(_SATUAN[ones])
    return " ".join(words)


def terbilang(value: int) -> str:
    """A whole number in Indonesian words, as written after an amount in a decree:
    1500000 -> "satu juta lima ratus ribu"; 1000 -> "seribu" (not "satu ribu")."""
    if value == 0:
        return "nol"
    if value < 0:
        return "minus " + terbilang(-value)
    words = []
    for size, name in _RIBUAN:
        count, value = divmod(value, size)
        if count:
            words.append("seribu" if size == 1000 and count == 1 else f"{terbilang(count)} {name}")
    if value:
        words.append(_below_thousand(value))
    return " ".join(words)
