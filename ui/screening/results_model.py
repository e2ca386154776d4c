"""The rows of a screened list as a table model: every row coloured by its verdict, filtered by verdict, flag,
desa and a typed text without asking the database again (a list of 10,000 rows is a few megabytes), sortable
by any column. The row being reviewed can be pinned so that it stays in view after a decision changed it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.formats import format_number
from app.i18n import N_, _
from app.screening.results import ResultRow, flag_counts
from app.screening.service import flag_label
from ui.screening.look import (
    DECISION_SHORT,
    VERDICT_BACKGROUNDS,
    VERDICT_COLOURS,
    desa_label,
    format_date,
    percent,
    verdict_of,
    verdict_text,
)
from ui.style import REFUSED_COLOUR

# The reason (flags) right after the name: why a row fails is seen without scrolling sideways.
COLUMNS = (
    "baris",
    "hasil",
    "nama",
    "tanda",
    "nik",
    "tgl_lahir",
    "jenis_kelamin",
    "desa",
    "nik_padan",
    "skor",
    "keputusan",
)
HEADERS = {
    "baris": N_("Baris"),
    "hasil": N_("Hasil"),
    "nik": N_("NIK usulan"),
    "nama": N_("Nama"),
    "tgl_lahir": N_("Tgl lahir"),
    "jenis_kelamin": N_("JK"),
    "desa": N_("Desa/kelurahan"),
    "nik_padan": N_("NIK padan"),
    "skor": N_("Keyakinan"),
    "tanda": N_("Tanda"),
    "keputusan": N_("Keputusan"),
}
# Flags that say something is wrong come first in the "Tanda" column; plain information last.
QUIET_FLAGS = ("DTKS", "BUKAN_DTKS", "NIK_KOSONG", "DATA_BERBEDA")


# Flags that say the NIK written is not the registered one, whatever part of the registered NIK is shown.
WRITTEN_NIK_FLAGS = ("NIK_SALAH_KETIK", "NIK_TIDAK_SAH")


def written_nik_differs(row: ResultRow) -> bool:
    """True when the NIK written differs from the registered one. A registered person outside the user's
    region shows a masked NIK (750203******0001): the hidden digits are not a difference, so only the digits
    shown are compared, besides the flags that say the written NIK is not theirs."""
    if not row.nik or not row.nik_padan:
        return False
    if "*" not in row.nik_padan:
        return row.nik != row.nik_padan
    if any(code in row.tanda for code in WRITTEN_NIK_FLAGS):
        return True
    return len(row.nik) != len(row.nik_padan) or any(
        shown not in ("*", written) for written, shown in zip(row.nik, row.nik_padan, strict=True)
    )


def flag_summary(codes: tuple[str, ...]) -> str:
    ordered = sorted(codes, key=lambda code: code in QUIET_FLAGS)
    return ", ".join(flag_label(code) for code in ordered)


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[ResultRow] = []
        self.visible: list[int] = []  # positions in `rows`, in the order shown
        self.verdict = ""
        self.flag = ""
        self.desa = ""
        self.text = ""
        self.pinned: int | None = None  # a proposal id kept in view whatever the filter
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # data -------------------------------------------------------------------------------------------------
    def set_rows(self, rows: list[ResultRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._apply()
        self.endResetModel()

    def set_filter(self, verdict: str = "", flag: str = "", desa: str = "", text: str = "") -> None:
        self.beginResetModel()
        self.verdict, self.flag, self.desa, self.text = verdict, flag, desa, text.strip().upper()
        self._apply()
        self.endResetModel()

    def pin(self, proposal_id: int | None) -> None:
        self.pinned = proposal_id

    def _keep(self, row: ResultRow) -> bool:
        if row.proposal_id == self.pinned:
            return True
        if self.verdict and row.hasil != self.verdict:
            return False
        if self.flag and self.flag not in row.tanda:
            return False
        if self.desa and row.kode_desa != self.desa:
            return False
        if (
            self.text
            and self.text not in row.nama.upper()
            and self.text not in row.nik
            and self.text not in row.nik_padan
        ):
            return False
        return True

    def _apply(self) -> None:
        self.visible = [i for i, row in enumerate(self.rows) if self._keep(row)]
        if self._sort is not None:
            self._sort_visible(*self._sort)

    # counts (over the whole list, not the filtered view) ---------------------------------------------------
    def verdict_counts(self) -> Counter:
        return Counter(row.hasil for row in self.rows)

    def flag_counts(self) -> Counter:
        return flag_counts(self.rows)

    def desa_counts(self) -> Counter:
        return Counter(row.kode_desa for row in self.rows)

    def decided(self) -> int:
        return sum(1 for row in self.rows if row.keputusan)

    # lookup -----------------------------------------------------------------------------------------------
    def row_at(self, position: int) -> ResultRow | None:
        return self.rows[self.visible[position]] if 0 <= position < len(self.visible) else None

    def position_of(self, proposal_id: int) -> int:
        for position, index in enumerate(self.visible):
            if self.rows[index].proposal_id == proposal_id:
                return position
        return -1

    # Qt ---------------------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(HEADERS[COLUMNS[section]])
        return None

    def text_of(self, row: ResultRow, column: str) -> str:
        if column == "baris":
            return format_number(row.baris)
        if column == "hasil":
            return verdict_text(row.hasil)
        if column == "tgl_lahir":
            return format_date(row.tgl_lahir)
        if column == "desa":
            return desa_label(row.kode_desa)
        if column == "skor":
            return percent(row.skor_padan) if row.nik_padan else ""
        if column == "tanda":
            return flag_summary(row.tanda)
        if column == "keputusan":
            return _(DECISION_SHORT[row.keputusan]) if row.keputusan in DECISION_SHORT else ""
        return str(getattr(row, column) or "")

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text_of(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.alasan or None
        verdict = verdict_of(row.hasil)
        if role == Qt.ItemDataRole.BackgroundRole:
            return VERDICT_BACKGROUNDS.get(verdict) if verdict else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "hasil" and verdict:
                return VERDICT_COLOURS[verdict]
            if column == "nik" and written_nik_differs(row):
                return REFUSED_COLOUR
            return None
        if role == Qt.ItemDataRole.FontRole and column == "hasil":
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("baris", "skor"):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.UserRole:
            return row.proposal_id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_visible(column, order)
        self.layoutChanged.emit()

    def _sort_visible(self, column: int, order: Qt.SortOrder) -> None:
        name = COLUMNS[column]

        def key(index: int):
            row = self.rows[index]
            if name == "baris":
                return (row.baris,)
            if name == "skor":
                return (row.skor_padan or 0.0, row.baris)
            if name == "tgl_lahir":
                return (row.tgl_lahir.isoformat() if row.tgl_lahir else "", row.baris)
            return (self.text_of(row, name), row.baris)

        self.visible.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
