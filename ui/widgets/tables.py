"""Small read-only tables filled from a list of plain values (users, batches, summaries, audit entries)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QTableView, QTableWidget, QTableWidgetItem

SORT_ARROW_ROOM = 22  # the header's sort indicator sits right of the title: never on top of it
CELL_PADDING = 18
NIK_SAMPLE = "8" * 16  # the widest 16-digit number: a NIK or No. KK is never cut short


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


def header_fits(view: QTableView, widths: dict[int, int] | None = None, sortable: bool = False) -> None:
    """Gives every column at least the width of its (bold) title, plus the sort arrow when the table sorts:
    a title never ends in "…" and an arrow never covers it. `widths` are the wanted widths, kept when wider.
    """
    header = view.horizontalHeader()
    font = QFont(header.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    model = view.model()
    for column in range(model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        needed = metrics.horizontalAdvance(title) + CELL_PADDING + (SORT_ARROW_ROOM if sortable else 0)
        wanted = (widths or {}).get(column, view.columnWidth(column))
        view.setColumnWidth(column, max(needed, wanted))


def digits_width(view: QTableView, bold: bool = True) -> int:
    """The width a column needs for a whole NIK or No. KK, in bold too (a highlighted row)."""
    font = QFont(view.font())
    font.setBold(bold)
    return QFontMetrics(font).horizontalAdvance(NIK_SAMPLE) + CELL_PADDING


def compact_combo(combo: QComboBox, characters: int) -> QComboBox:
    """A filter combo sized for `characters`, not for its longest item: a long desa name or list name must
    not widen the page beyond a 1366-px screen. The open list still shows every item whole."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
    return combo


def widen_popup(combo: QComboBox) -> None:
    """Lets the open list of a compact combo be as wide as its longest item."""
    view = combo.view()
    view.setMinimumWidth(max(combo.width(), view.sizeHintForColumn(0) + 30))
