"""Dates as extracts write them (DESIGN.md): YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY and Excel serial numbers.

Works on whole pandas columns; an XLSX reader has already turned real Excel date cells into YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

EARLIEST_PLAUSIBLE = pd.Timestamp("1880-01-01")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0, counting its 1900 leap-year bug
_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S")


def parse_dates(values: pd.Series, today: date | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Returns (ISO text or '', unreadable mask, future mask). Empty cells are neither."""
    values = values.astype(str).str.strip()
    empty = values == ""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    pending = ~empty
    for fmt in _FORMATS:
        if not pending.any():
            break
        attempt = pd.to_datetime(values[pending], format=fmt, errors="coerce")
        if attempt.dtype != parsed.dtype:
            try:
                attempt = attempt.astype(parsed.dtype)
            except pd.errors.OutOfBoundsDatetime:
                # A mistyped year such as 2999 is a readable (future) date, beyond nanosecond timestamps:
                # this column goes on at second resolution.
                parsed = parsed.astype("datetime64[s]")
                attempt = attempt.astype("datetime64[s]")
        parsed.loc[attempt.index] = parsed.loc[attempt.index].fillna(attempt)
        pending = pending & parsed.isna()
    if pending.any():
        serial = pd.to_numeric(values[pending], errors="coerce")
        serial = serial[(serial >= 1) & (serial < 80000) & (serial == serial.round())]
        if len(serial):
            parsed.loc[serial.index] = (EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).astype(parsed.dtype)
    limit = pd.Timestamp(today or date.today())
    unreadable = ~empty & (parsed.isna() | (parsed < EARLIEST_PLAUSIBLE))
    future = ~unreadable & ~empty & (parsed > limit)
    iso = parsed.dt.strftime("%Y-%m-%d").where(~unreadable & ~empty, "")
    return iso.fillna(""), unreadable, future
