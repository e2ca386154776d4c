"""Formatting shared by the detail panes: grouped numbers in the current language, times, table cells."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from app.formats import format_number


def thousands(value: int | None) -> str:
    """A count in the current language's grouping (app/formats.py): 1.204 in Indonesian, 1,204 in English."""
    return format_number(value)


def local_time(moment, with_seconds: bool = False) -> str:
    """A stored UTC time (SQLite returns it without zone) as the laptop's local time, dd-mm-yyyy hh:mm."""

    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%d-%m-%Y %H:%M:%S" if with_seconds else "%d-%m-%Y %H:%M")


def table_item(text: str, data: object = None) -> QTableWidgetItem:
    """A read-only detail-table cell, optionally carrying a value for the program (UserRole)."""
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def shown(value) -> str:
    """A value as a detail pane shows it: a dash for nothing."""
    return "—" if value in (None, "") else str(value)
