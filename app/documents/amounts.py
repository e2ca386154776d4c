"""Numbers as bank and post office lists write them: "1.500.000,00", "1.500.000", "Rp 1.500.000,-",
"1500000", and the English-looking "1,500,000.00" of a spreadsheet set to English.

The rule, per column:
- "Rp"/"IDR", spaces and a closing ",-" or ".-" are dropped.
- A value with both "." and "," has its decimal separator last ("1.500.000,00" and "1,500,000.00" are one
  amount); the other sign must group digits by three, or the value is refused.
- A separator followed by one or two digits at the end is a decimal separator ("1500,5", "12.25").
- A separator repeated, or followed by three digits and then another separator, groups thousands
  ("1.500.000", "1,500,000").
- A single separator followed by exactly three digits ("1.500", "2,250") is the only case that can be read
  two ways. In a rupiah column it groups thousands either way (rupiah are never written with three
  decimals); in a quantity column it is read by the column's convention — Indonesian (decimal comma) or
  English (decimal point), as its other, unambiguous values show — and refused when the column shows no
  convention or both, with a message saying how to write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

INDONESIAN, ENGLISH = ",", "."  # a convention is named by its decimal separator

_NOISE = re.compile(r"(?i)^\s*(rp\.?|idr)\s*|\s+|[,.]-$")
_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


class NumberProblem(StrEnum):
    UNREADABLE = "tak_terbaca"
    AMBIGUOUS = "rancu"
    NEGATIVE = "negatif"


@dataclass(frozen=True)
class ReadNumber:
    value: float | None
    problem: NumberProblem | None = None


def _clean(text: str) -> str:
    text = str(text).strip()
    while True:
        cleaned = _NOISE.sub("", text)
        if cleaned == text:
            return cleaned
        text = cleaned


def _group_ok(integer_part: str, sep: str) -> bool:
    return _DIGITS.fullmatch(integer_part) is not None or (
        _GROUPED.fullmatch(integer_part) is not None and set(re.sub(r"\d", "", integer_part)) == {sep}
    )


def evidence(text: str) -> str | None:
    """The convention a value shows unambiguously (INDONESIAN or ENGLISH), or None when it shows none."""
    value = _clean(text).lstrip("-")
    has_dot, has_comma = "." in value, "," in value
    if has_dot and has_comma:
        return INDONESIAN if value.rfind(",") > value.rfind(".") else ENGLISH
    for sep, other in ((",", "."), (".", ",")):
        if sep in value:
            head, _, tail = value.rpartition(sep)
            if value.count(sep) > 1:  # repeated: groups thousands, so the other sign is the decimal one
                return INDONESIAN if other == "," else ENGLISH
            if len(tail) in (1, 2) or len(tail) > 3:
                return INDONESIAN if sep == "," else ENGLISH
    return None


def column_convention(values) -> str | None:
    """The convention of a column: the one its values show, or None when they show none or both."""
    seen = {evidence(v) for v in set(values)} - {None}
    return seen.pop() if len(seen) == 1 else None


def read_number(text: str, convention: str | None, money: bool) -> ReadNumber:
    """One cell as a number (None for an empty cell), by the rule above."""
    value = _clean(text)
    if value == "":
        return ReadNumber(None)
    negative = value.startswith("-")
    value = value.lstrip("-")
    if not value or not re.fullmatch(r"[\d.,]+", value) or not value[0].isdigit() or not value[-1].isdigit():
        return ReadNumber(None, NumberProblem.UNREADABLE)
    has_dot, has_comma = "." in value, "," in value
    if has_dot and has_comma:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        group = "." if decimal == "," else ","
        integer, _, fraction = value.rpartition(decimal)
        if decimal in integer or not _group_ok(integer, group):
            return ReadNumber(None, NumberProblem.UNREADABLE)
        number = float(integer.replace(group, "") + "." + fraction)
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        head, _, tail = value.rpartition(sep)
        if value.count(sep) > 1 or (len(tail) == 3 and money):
            if not _group_ok(value, sep):
                return ReadNumber(None, NumberProblem.UNREADABLE)
            number = float(value.replace(sep, ""))
        elif len(tail) == 3:
            if convention is None:
                return ReadNumber(None, NumberProblem.AMBIGUOUS)
            number = float(head + "." + tail) if sep == convention else float(head + tail)
        else:  # one, two, or more than three digits after it: a decimal separator
            number = float(head + "." + tail)
    else:
        number = float(value)
    if negative and number:
        return ReadNumber(None, NumberProblem.NEGATIVE)
    return ReadNumber(number)
