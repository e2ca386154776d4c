"""A virtual table of people: rows are fetched from the database on demand, a page at a time, and the latest
pages kept in a small LRU cache — 1.2 million rows scroll without ever being held in memory.

With no query the model shows everybody in the user's region in id order (keyset paging from the page before
when scrolling on, an OFFSET jump when the scroll bar is dragged far); with a query it shows the ids the search
returned, fetching their rows by id.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from app.auth.roles import CurrentUser
from app.formats import date_text
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.people import sex_letter, status_label
from app.registry.search import PersonRow, count_people, page_people, people_at, people_by_ids
from ui.style import MISSING_BACKGROUND, STATUS_COLOURS

PAGE_SIZE = 200
CACHED_PAGES = 50
JUMP_DELAY_MS = 60  # a dragged scroll bar asks for the page where it stops, not every page it passes
COLUMNS = ("nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "kode_desa", "hubungan_keluarga", "status")
HEADERS = {
    "nik": N_("NIK"),
    "no_kk": N_("No. KK"),
    "nama": N_("Nama"),
    "tgl_lahir": N_("Tgl lahir"),
    "jenis_kelamin": N_("JK"),
    "kode_desa": N_("Kode desa"),
    "hubungan_keluarga": N_("Hubungan"),
    "status": N_("Status"),
}


def format_date(value) -> str:
    return date_text(value)


def person_status_text(person: PersonRow) -> str:
    text = status_label(person.status)
    if person.missing:
        text += " · " + _("tidak ada di ekstrak terbaru")
    return text


class _LoadSignals(QObject):
    loaded = Signal(int, int, object)  # generation, page number, rows
    failed = Signal(int, int, object)


class _PageLoad(QRunnable):
    def __init__(self, signals: _LoadSignals, generation: int, number: int, fetch) -> None:
        super().__init__()
        self.signals, self.generation, self.number, self.fetch = signals, generation, number, fetch

    def run(self) -> None:
        try:
            rows = self.fetch()
        except Exception as error:  # reported on the GUI thread
            self.signals.failed.emit(self.generation, self.number, error)
        else:
            self.signals.loaded.emit(self.generation, self.number, rows)


class PersonTableModel(QAbstractTableModel):
    """Sequential pages (scrolling on) are read at once by keyset — milliseconds at any size. A far jump of the
    scroll bar needs an OFFSET scan, which takes long on a province-sized registry: that page is read in a
    background thread while its rows show "…", so the window never freezes."""

    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent=None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.ids: tuple[int, ...] | None = None  # None: everybody in the region
        self._count = 0
        self._pages: OrderedDict[int, list[PersonRow]] = OrderedDict()
        self.fetches = 0  # pages read from the database (for tests and tuning)
        self._generation = 0  # bumped on every reset: late answers for an old listing are dropped
        self._wanted: list[int] = []
        self._loading: set[int] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _LoadSignals(self)
        self._signals.loaded.connect(self._loaded, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._load_failed, Qt.ConnectionType.QueuedConnection)
        self._jump_timer = QTimer(self)
        self._jump_timer.setSingleShot(True)
        self._jump_timer.setInterval(JUMP_DELAY_MS)
        self._jump_timer.timeout.connect(self._start_loads)
        self._mono = QFont("DejaVu Sans Mono")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)

    # what is shown ----------------------------------------------------------------------------------------
    def _reset_pages(self) -> None:
        self._pages.clear()
        self._generation += 1
        self._wanted.clear()
        self._loading.clear()

    def show_all(self) -> None:
        self.beginResetModel()
        self.ids = None
        self._reset_pages()
        self._count = count_people(self.db.unit_of_work(), self.user)
        self.endResetModel()

    def show_ids(self, ids: tuple[int, ...]) -> None:
        self.beginResetModel()
        self.ids = tuple(ids)
        self._reset_pages()
        self._count = len(self.ids)
        self.endResetModel()

    def refresh(self) -> None:
        if self.ids is None:
            self.show_all()
        else:
            self.show_ids(self.ids)

    # paging -----------------------------------------------------------------------------------------------
    def _quick_fetch(self, number: int):
        """A fetch that is fast at any registry size, or None when only an OFFSET scan can read the page."""
        if self.ids is not None:
            chunk = list(self.ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE])
            return lambda: people_by_ids(self.db.unit_of_work(), self.user, chunk)
        before = self._pages.get(number - 1)
        if before and len(before) == PAGE_SIZE:
            after = before[-1].id
            return lambda: page_people(self.db.unit_of_work(), self.user, after, PAGE_SIZE)
        if number == 0:
            return lambda: people_at(self.db.unit_of_work(), self.user, 0, PAGE_SIZE)
        return None

    def _offset_fetch(self, number: int):
        return lambda: people_at(self.db.unit_of_work(), self.user, number * PAGE_SIZE, PAGE_SIZE)

    def _store(self, number: int, rows: list[PersonRow]) -> list[PersonRow]:
        self._pages[number] = rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def _page(self, number: int, wait: bool = True) -> list[PersonRow] | None:
        rows = self._pages.get(number)
        if rows is not None:
            self._pages.move_to_end(number)
            return rows
        fetch = self._quick_fetch(number)
        if fetch is None and not wait:
            self._request(number)
            return None
        self.fetches += 1
        return self._store(number, (fetch or self._offset_fetch(number))())

    # far jumps, in the background -------------------------------------------------------------------------
    def _request(self, number: int) -> None:
        if number in self._loading:
            return
        if number in self._wanted:
            self._wanted.remove(number)
        self._wanted.append(number)
        self._jump_timer.start()

    def _start_loads(self) -> None:
        # Only the pages asked for last (where the view stopped) are worth reading.
        for number in self._wanted[-3:]:
            if number not in self._pages and number not in self._loading:
                self._loading.add(number)
                self.fetches += 1
                self._pool.start(
                    _PageLoad(self._signals, self._generation, number, self._offset_fetch(number))
                )
        self._wanted.clear()

    def _loaded(self, generation: int, number: int, rows: list[PersonRow]) -> None:
        if generation != self._generation:
            return
        self._loading.discard(number)
        self._store(number, rows)
        first = number * PAGE_SIZE
        last = min(self._count, first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _load_failed(self, generation: int, number: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._loading.discard(number)
        import logging

        logging.getLogger("ejps.ui").error(
            "page %s of the registry not read", number, exc_info=(type(error), error, error.__traceback__)
        )

    def wait_for_loads(self) -> None:
        """Blocks until background page reads are done (for tests and scripts)."""
        self._start_loads()
        self._pool.waitForDone()
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()

    def person_at(self, row: int, wait: bool = True) -> PersonRow | None:
        if not 0 <= row < self._count:
            return None
        rows = self._page(row // PAGE_SIZE, wait)
        if rows is None:
            return None
        offset = row % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def lists(self, person_id: int) -> bool:
        """Whether the current listing holds `person_id` (everybody in the region does, with no query)."""
        return self.ids is None or person_id in self.ids

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

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[COLUMNS[section]])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        person = self.person_at(index.row(), wait=False)
        if person is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "tgl_lahir":
                return format_date(person.tgl_lahir)
            if column == "status":
                return person_status_text(person)
            if column == "jenis_kelamin":
                return sex_letter(person.jenis_kelamin)
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
