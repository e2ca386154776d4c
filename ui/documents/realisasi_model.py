"""An SK's realisasi rows as a lazily fetching table model: the filter goes to the query
(`app.documents.realisasi_list`), the count is read once, and rows arrive a page at a time as the view scrolls
(Qt's canFetchMore/fetchMore), so an SK of 100,000 served recipients never sits in the widgets whole."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.auth.roles import CurrentUser
from app.documents.realisasi import SALURAN_LABELS, STATUS_LABELS, RealisasiRow, RealisasiStatus, Saluran
from app.documents.realisasi_list import (
    PAGE_SIZE,
    RealisasiCount,
    RealisasiFilter,
    count_realisasi,
    find_realisasi,
)
from app.formats import date_text
from app.i18n import N_, _
from app.office import OfficeDatabase
from ui.registry.detail_format import thousands

HEADERS = (
    N_("NIK"),
    N_("Nama"),
    N_("Desa"),
    N_("Tanggal"),
    N_("Nilai"),
    N_("Jumlah"),
    N_("Saluran"),
    N_("Status"),
    N_("Sumber"),
)
NUMERIC = {4, 5}
REPLACED_COLOUR = QColor("#8a8f98")  # superseded and cancelled rows: shown, greyed, not counted
Index = QModelIndex | QPersistentModelIndex


def status_text(row: RealisasiRow) -> str:
    state = RealisasiStatus(row.status) if row.status in set(RealisasiStatus) else None
    if state is RealisasiStatus.DIBATALKAN:
        when = date_text(row.dibatalkan_at.date()) if row.dibatalkan_at else ""
        return _("Dibatalkan oleh {who} {when}: {why}").format(
            who=row.dibatalkan_oleh, when=when, why=row.alasan
        )
    if row.menggantikan_id is not None and state is RealisasiStatus.BERLAKU:
        return _("Koreksi atas #{id}: {why}").format(id=row.menggantikan_id, why=row.alasan)
    return _(STATUS_LABELS[state]) if state else row.status


class RealisasiModel(QAbstractTableModel):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent=None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.sk_id: int | None = None
        self.chosen = RealisasiFilter()
        self.count = RealisasiCount(0, 0, 0)
        self.rows: list[RealisasiRow] = []
        # Desa names by code, from the page's desa filter: an officer reads "Desa Bua", not 7501032002.
        self.desa_names: dict[str, str] = {}

    def load(self, sk_id: int | None, chosen: RealisasiFilter) -> RealisasiCount:
        """Counts the rows the filter shows and reads the first page; raises what the services raise."""
        self.beginResetModel()
        try:
            self.sk_id, self.chosen, self.rows = sk_id, chosen, []
            self.count = RealisasiCount(0, 0, 0)
            if sk_id is not None:
                self.count = count_realisasi(self.db, self.user, sk_id, chosen)
                self.rows = find_realisasi(self.db, self.user, sk_id, chosen, 0, PAGE_SIZE)
        finally:
            self.endResetModel()
        return self.count

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and len(self.rows) < self.count.rows

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if parent.isValid() or self.sk_id is None:
            return
        more = find_realisasi(self.db, self.user, self.sk_id, self.chosen, len(self.rows), PAGE_SIZE)
        if not more:  # rows removed meanwhile: stop asking
            self.count = RealisasiCount(len(self.rows), self.count.current_rows, self.count.current_nilai)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def row_at(self, number: int) -> RealisasiRow | None:
        return self.rows[number] if 0 <= number < len(self.rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 2:
                return self.desa_names.get(row.kode_desa, row.kode_desa)
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 7):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and not row.current:
            return REPLACED_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    @staticmethod
    def _text(row: RealisasiRow, column: int) -> str:
        if column == 0:
            return row.nik
        if column == 1:
            return row.nama
        if column == 2:
            return row.kode_desa
        if column == 3:
            return date_text(row.tanggal)
        if column == 4:
            return "Rp " + thousands(row.nilai)
        if column == 5:
            return f"{thousands(row.jumlah_fisik)} {row.satuan}".strip() if row.jumlah_fisik else ""
        if column == 6:
            return _(SALURAN_LABELS[Saluran(row.saluran)]) if row.saluran in set(Saluran) else row.saluran
        if column == 7:
            return status_text(row)
        return row.sumber
