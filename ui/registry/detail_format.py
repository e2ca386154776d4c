"""Number formatting shared by the registry pages: Indonesian thousands separator (1.204)."""

from __future__ import annotations

from datetime import UTC


def thousands(number: int | None) -> str:
    return f"{number or 0:,}".replace(",", ".")


def local_time(moment, with_seconds: bool = False) -> str:
    """A stored UTC time (SQLite returns it without zone) as the laptop's local time, dd-mm-yyyy hh:mm."""

    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d-%m-%Y %H:%M:%S" if with_seconds else "%d-%m-%Y %H:%M")
