"""The "problem rows" part of an import preview (registry extracts and proposal lists alike): a title with
the count, the table of refused and flagged rows, and their export to XLSX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.registry.fields import field_label
from ui.messages import inform, show_error
from ui.registry.detail_format import thousands
from ui.registry.issues_model import IssuesModel
from ui.style import set_role

WRAPPED_ISSUES = 200  # up to this many problems, each reason is shown whole (rows grow to fit)


class IssuesPanel(QWidget):
    def __init__(
        self,
        export_name: str,
        column_widths: tuple[int, ...],
        wrap: bool,
        export: Callable[[tuple, Path], int],
        parent=None,
        label_of: Callable[[str], str] = field_label,
    ) -> None:
        """`export(issues, path)` writes the rows through app/ (audited: they carry NIKs and names);
        `label_of(field)` names a row's field in words (the import's own fields)."""
        super().__init__(parent)
        self.export_name = export_name
        self.export_issues = export
        self.wrap = wrap
        self._issues: tuple = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.title = set_role(QLabel(_("Baris bermasalah")), "section")
        header.addWidget(self.title)
        header.addStretch(1)
        self.export_button = QPushButton(_("Ekspor ke XLSX…"))
        self.export_button.setObjectName("export_issues")
        self.export_button.clicked.connect(self.export)
        header.addWidget(self.export_button)
        layout.addLayout(header)
        self.model = IssuesModel(self, label_of)
        self.table = QTableView()
        self.table.setObjectName("issues")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(wrap)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(column_widths):
            self.table.setColumnWidth(column, width)
        # A long file name keeps its end (the sheet, the extension) visible: "contoh_…baru.csv".
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        if wrap:
            # The reason column takes the room left: when that changes, rows are measured again so a
            # reason is read whole, never cut after its third line.
            self.table.horizontalHeader().sectionResized.connect(self._fit_rows)
        layout.addWidget(self.table, 1)
        # Said in words when every row was read well, instead of an empty table that looks unfinished.
        self.none_label = set_role(
            QLabel(_("Tidak ada baris bermasalah: semua baris terbaca dengan baik.")), "ok"
        )
        self.none_label.setObjectName("no_issues")
        layout.addWidget(self.none_label, 1, Qt.AlignmentFlag.AlignTop)
        self.show_issues(())

    def _fit_rows(self, *_args) -> None:
        if self.wrap and self._issues and len(self._issues) <= WRAPPED_ISSUES:
            self.table.resizeRowsToContents()  # the whole reason readable; a long list keeps one line each

    def show_issues(self, issues) -> None:
        self._issues = tuple(issues)
        self.model.set_issues(self._issues)
        self._fit_rows()
        self.title.setText(
            _("Baris bermasalah ({n})").format(n=thousands(len(self._issues)))
            if self._issues
            else _("Baris bermasalah")
        )
        self.export_button.setEnabled(bool(self._issues))
        self.table.setVisible(bool(self._issues))
        self.none_label.setVisible(not self._issues)

    def export(self) -> None:
        if not self._issues:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Simpan daftar baris bermasalah"), self.export_name, "Excel (*.xlsx)"
        )
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        try:
            count = self.export_issues(self._issues, Path(path))
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        inform(
            self,
            _("Ekspor selesai"),
            _("{n} baris bermasalah ditulis ke {path}.").format(n=thousands(count), path=path),
        )
