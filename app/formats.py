"""How numbers and dates read for the user, in the current language: one place, so a page never mixes
"1.204" and "1,204", or "1960-01-01" and "01-01-1960".

Numbers follow the language's locale through Babel (Indonesian 1.234.567, English 1,234,567). Dates are
always dd-mm-yyyy, the form Dukcapil documents and the officers' files use, in both languages.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal

from app.i18n import current_language

DATE_FORMAT = "%d-%m-%Y"


def format_number(value: int | float | None) -> str:
    """A count or an amount grouped in the current language: 1.234 (Indonesian), 1,234 (English)."""
    return format_decimal(value or 0, locale=current_language())


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
