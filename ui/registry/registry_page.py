"""Registri: search by NIK, No. KK or name as you type, browse everybody in the region, see one person."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.search import SearchTooShort, search_people
from ui.messages import show_error
from ui.registry.detail_format import thousands
from ui.registry.people_model import COLUMNS, PersonTableModel
from ui.registry.person_detail import PersonDetailPane
from ui.style import set_role
from ui.widgets.tables import digits_width, header_fits

SEARCH_DELAY_MS = 150
COLUMN_WIDTHS = {"nama": 172, "tgl_lahir": 88, "jenis_kelamin": 36, "kode_desa": 96, "hubungan_keluarga": 130}
# What an officer reads first comes first: a 1366-px screen shows NIK to JK beside the detail pane.
VISUAL_ORDER = (
    "nik",
    "nama",
    "status",
    "tgl_lahir",
    "jenis_kelamin",
    "no_kk",
    "kode_desa",
    "hubungan_keluarga",
)


class RegistryPage(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        top = QHBoxLayout()
        title = set_role(QLabel(_("Registri penduduk")), "title")
        top.addWidget(title)
        top.addStretch(1)
        self.count_label = set_role(QLabel(), "count")
        self.count_label.setObjectName("count")
        top.addWidget(self.count_label)
        layout.addLayout(top)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Cari NIK, No. KK atau nama… (hasil muncul saat mengetik)"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self.timer.start())

        self.model = PersonTableModel(db, user, self)
        self.table = QTableView()
        self.table.setObjectName("people")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never measures 1.2 million rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(26)
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        horizontal.setHighlightSections(False)
        widths = {COLUMNS.index(name): width for name, width in COLUMN_WIDTHS.items()}
        widths[COLUMNS.index("nik")] = widths[COLUMNS.index("no_kk")] = digits_width(self.table, bold=False)
        header_fits(self.table, widths)
        # Status right after the name: a dead, moved or missing person is seen without scrolling sideways.
        for position, name in enumerate(VISUAL_ORDER):
            horizontal.moveSection(horizontal.visualIndex(COLUMNS.index(name)), position)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.detail = PersonDetailPane(db, user)
        self.detail.person_requested.connect(self.open_person)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        # The table first: its six columns whole on a 1366-px laptop, the detail pane at its minimum.
        splitter.setSizes([760, 430])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout.addWidget(splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reloads what is shown (after an import): the same query, fresh rows."""
        self.run_search()

    def run_search(self) -> None:
        self.timer.stop()
        query = self.search.text().strip()
        try:
            if not query:
                self.model.show_all()
                self.count_label.setText(
                    _("{n} penduduk di wilayah Anda").format(n=thousands(self.model.rowCount()))
                )
            else:
                result = search_people(self.db.unit_of_work(), self.user, query)
                self.model.show_ids(result.ids)
                if result.truncated:
                    text = _("Lebih dari {n} hasil; persempit pencarian.").format(
                        n=thousands(len(result.ids))
                    )
                elif not result.ids:
                    text = _("Tidak ada yang cocok dengan \u201c{q}\u201d.").format(q=query)
                else:
                    text = _("{n} hasil untuk \u201c{q}\u201d").format(n=thousands(len(result.ids)), q=query)
                self.count_label.setText(text)
        except SearchTooShort as error:  # said beside the box while typing, not in a dialog
            self.model.show_ids(())
            self.count_label.setText(str(error))
        except Exception as error:  # shown (DomainError) or logged with an incident id
            show_error(self, error)
            return
        if self.model.rowCount() == 1:
            self.table.selectRow(0)
        elif self.detail.detail is None or not self.model.lists(self.detail.detail.person.id):
            # The pane never shows someone the new search did not find.
            self.table.clearSelection()
            self.detail.clear()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        person = self.model.person_at(current.row()) if current.isValid() else None
        if person is not None:
            self.detail.show_person(person.id)

    def open_person(self, person_id: int) -> None:
        """Shows a person (e.g. a household member); selects their row when it is on a loaded page."""
        row = self.model.row_of(person_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)
        else:
            self.table.clearSelection()
            self.detail.show_person(person_id)
