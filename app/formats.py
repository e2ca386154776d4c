"""How numbers and dates read for the user, in the current language: one place, so a page never mixes
"1.204" and "1,204", or "1960-01-01" and "01-01-1960".

Numbers follow the language's locale through Babel (Indonesian 1.234.567, English 1,234,567). Dates are
always dd-mm-yyyy, the form Dukcapil documents and the officers' files use, in both languages.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.numbers import format_decimal

from app.i18n import current_language

DATE_FORMAT = "%d-%m-%Y"


def format_number(value: int | float | None) -> str:
    """A count or an amount grouped in the current language: 1.234 (Indonesian), 1,234 (English)."""
    return format_decimal(value or 0, locale=current_language())


def format_percent(probability: float | None) -> str:
    """A probability (0..1) as a percentage with one decimal in the current language: "87,5 %" (Indonesian),
    "87.5 %" (English). A probability below 1 never reads "100 %": the officer would take a likely match
    for a certain one, so more decimals are shown (0.9997 -> "99,97 %") and, past three, it is cut down.
    The space before "%" does not break: never "100,0" at a line's end and "%" on the next."""
    if probability is None:
        return ""
    value = probability * 100
    for decimals in (1, 2, 3):
        text = format_decimal(value, format="0." + "0" * decimals, locale=current_language())
        if value >= 100 or not text.startswith("100"):
            return text + "\u00a0%"
    floored = math.floor(value * 1000) / 1000  # 99.9999 -> 99.999: still short of certain
    return format_decimal(floored, format="0.000", locale=current_language()) + "\u00a0%"


def date_text(value: date | datetime | str | None) -> str:
    """A date as dd-mm-yyyy; an ISO text ("1960-01-01") is read first; anything else is shown as it is."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime(DATE_FORMAT)
