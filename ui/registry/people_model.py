"""A virtual table of people: rows are fetched from the database on demand, a page at a time, and the latest
pages kept in a small LRU cache — 1.2 million rows scroll without ever being held in memory.

With no query the model shows everybody in the user's region in id order (keyset paging from the page before
when scrolling on, an OFFSET jump when the scroll bar is dragged far); with a query it shows the ids the search
returned, fetching their rows by id.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.auth.roles import CurrentUser
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.people import status_label
from app.registry.search import PersonRow, count_people, page_people, people_at, people_by_ids
from ui.style import MISSING_BACKGROUND, STATUS_COLOURS

PAGE_SIZE = 200
CACHED_PAGES = 50
COLUMNS = ("nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "kode_desa", "hubungan_keluarga", "status")
HEADERS = {
    "nik": "NIK", "no_kk": "No. KK", "nama": "Nama", "tgl_lahir": "Tgl lahir", "jenis_kelamin": "JK",
    "kode_desa": "Kode desa", "hubungan_keluarga": "Hubungan", "status": "Status",
}


def format_date(value) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def person_status_text(person: PersonRow) -> str:
    text = status_label(person.status)
    if person.missing:
        text += " · " + _("tidak ada di ekstrak terbaru")
    return text


class PersonTableModel(QAbstractTableModel):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent=None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.ids: tuple[int, ...] | None = None  # None: everybody in the region
        self._count = 0
        self._pages: OrderedDict[int, list[PersonRow]] = OrderedDict()
        self.fetches = 0  # pages read from the database (for tests and tuning)
        self._mono = QFont("DejaVu Sans Mono")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)

    # what is shown ----------------------------------------------------------------------------------------
    def show_all(self) -> None:
        self.beginResetModel()
        self.ids = None
        self._pages.clear()
        self._count = count_people(self.db.unit_of_work(), self.user)
        self.endResetModel()

    def show_ids(self, ids: tuple[int, ...]) -> None:
        self.beginResetModel()
        self.ids = tuple(ids)
        self._pages.clear()
        self._count = len(self.ids)
        self.endResetModel()

    def refresh(self) -> None:
        if self.ids is None:
            self.show_all()
        else:
            self.show_ids(self.ids)

    # paging -----------------------------------------------------------------------------------------------
    def _page(self, number: int) -> list[PersonRow]:
        rows = self._pages.get(number)
        if rows is not None:
            self._pages.move_to_end(number)
            return rows
        self.fetches += 1
        if self.ids is not None:
            chunk = list(self.ids[number * PAGE_SIZE:(number + 1) * PAGE_SIZE])
            rows = people_by_ids(self.db.unit_of_work(), self.user, chunk)
        else:
            before = self._pages.get(number - 1)
            if before and len(before) == PAGE_SIZE:
                rows = page_people(self.db.unit_of_work(), self.user, before[-1].id, PAGE_SIZE)
            else:
                rows = people_at(self.db.unit_of_work(), self.user, number * PAGE_SIZE, PAGE_SIZE)
        self._pages[number] = rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def person_at(self, row: int) -> PersonRow | None:
        if not 0 <= row < self._count:
            return None
        rows = self._page(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def row_of(self, person_id: int) -> int:
        """The row showing `person_id` among the cached pages, or -1."""
        for number, rows in self._pages.items():
            for offset, person in enumerate(rows):
                if person.id == person_id:
                    return number * PAGE_SIZE + offset
        return -1

    # Qt model ---------------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[COLUMNS[section]])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        person = self.person_at(index.row())
        if person is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "tgl_lahir":
                return format_date(person.tgl_lahir)
            if column == "status":
                return person_status_text(person)
            return getattr(person, column)
        if role == Qt.ItemDataRole.UserRole:
            return person.id
        if role == Qt.ItemDataRole.ForegroundRole and column == "status":
            return STATUS_COLOURS["missing"] if person.missing else STATUS_COLOURS.get(person.status)
        if role == Qt.ItemDataRole.BackgroundRole and person.missing:
            return MISSING_BACKGROUND
        if role == Qt.ItemDataRole.FontRole and column in ("nik", "no_kk", "kode_desa"):
            return self._mono
        if role == Qt.ItemDataRole.ToolTipRole and person.flags:
            return _("Data ditandai saat impor: {flags}").format(flags=person.flags.replace(";", ", "))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "jenis_kelamin":
            return Qt.AlignmentFlag.AlignCenter
        return None
