"""The refused and flagged rows of an import as a table (a large extract can have tens of thousands)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.formats import format_number
from app.i18n import N_, _
from app.registry.fields import field_label
from app.registry.issues import RowIssue, Severity
from ui.style import FLAGGED_COLOUR, REFUSED_COLOUR

HEADERS = (N_("Berkas"), N_("Baris"), N_("Kolom"), N_("Nilai"), N_("Tindakan"), N_("Alasan"))
ACTIONS = {Severity.REFUSED: N_("Ditolak"), Severity.FLAGGED: N_("Ditandai")}


class IssuesModel(QAbstractTableModel):
    def __init__(self, parent=None, label_of: Callable[[str], str] = field_label) -> None:
        super().__init__(parent)
        self.issues: tuple[RowIssue, ...] = ()
        self.label_of = label_of

    def set_issues(self, issues) -> None:
        self.beginResetModel()
        self.issues = tuple(issues)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.issues)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        issue = self.issues[index.row()]
        column = index.column()
        severity = Severity(issue.severity)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (
                issue.source,
                format_number(issue.row_number),
                self.label_of(issue.field),
                issue.value,
                _(ACTIONS[severity]),
                issue.message,
            )
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return REFUSED_COLOUR if severity is Severity.REFUSED else FLAGGED_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None
