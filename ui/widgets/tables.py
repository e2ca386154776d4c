"""Small read-only tables filled from a list of plain values (users, batches, summaries, audit entries)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem


def read_only_table(headers: list[str], object_name: str = "") -> QTableWidget:
    table = QTableWidget(0, len(headers))
    if object_name:
        table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setHighlightSections(False)
    return table


def fill_row(
    table: QTableWidget,
    values: list,
    data: object = None,
    *,
    bold: bool = False,
    colours: dict[int, QColor] | None = None,
    numeric: set[int] | None = None,
) -> int:
    row = table.rowCount()
    table.insertRow(row)
    for column, value in enumerate(values):
        item = QTableWidgetItem("" if value is None else str(value))
        if data is not None:
            item.setData(Qt.ItemDataRole.UserRole, data)
        if bold:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        if colours and column in colours:
            item.setForeground(colours[column])
        if numeric and column in numeric:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, column, item)
    return row


def row_data(table: QTableWidget, row: int):
    item = table.item(row, 0)
    return item.data(Qt.ItemDataRole.UserRole) if item else None
