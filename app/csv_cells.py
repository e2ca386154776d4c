"""Cells of a CSV export that a spreadsheet must show as text, never run as a formula.

An XLSX export writes every cell as a string, which Excel and LibreOffice never evaluate. A CSV has no cell
types: Excel runs a cell beginning with =, +, -, @ (or a tab or carriage return before one) as a formula, so a
proposal cell "=HYPERLINK(...)" sent by anyone would become a live link or command on the officer's laptop
(OWASP "CSV injection"). Such text gets a leading apostrophe, which the spreadsheet shows as plain text. Plain
numbers (a NIK, "-5", "+6281234567890") are left as they are: they are no formula, and a NIK must stay intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def formula_safe(text: str) -> str:
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def formula_safe_row(cells: Iterable[str]) -> list[str]:
    return [formula_safe(cell) for cell in cells]
