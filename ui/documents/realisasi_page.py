"""The realisasi page: pick a final SK, see who received what (filtered, counted, fetched a page at a time),
add a handover or import a bank's or post office's list, correct or cancel a wrong row, and on the
"Konsistensi" tab the problems against the SK with their evidence, exportable. Every rule is in app/; the
consistency check and the import run in the background (`ui/jobs.py`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.consistency import PROBLEMS, ConsistencyReport, check_consistency, export_consistency
from app.documents.realisasi import (
    RECORD_PERMISSION,
    RealisasiRow,
    list_sks_for_realisasi,
)
from app.documents.realisasi_list import RealisasiFilter, realisasi_desa
from app.i18n import _
from app.office import OfficeDatabase
from ui.documents.realisasi_dialogs import RealisasiEntryDialog, RealisasiImportDialog, channel_combo
from ui.documents.realisasi_koreksi_dialogs import RealisasiCancelDialog, RealisasiCorrectionDialog
from ui.documents.realisasi_model import RealisasiModel
from ui.jobs import BackgroundJob
from ui.messages import inform, show_error
from ui.registry.detail_format import thousands
from ui.style import set_role
from ui.widgets.tables import compact_combo, fill_row, read_only_table

SHOWN_PROBLEMS = 5_000  # the problems table shows this many; the count and the export cover them all
SEARCH_DELAY_MS = 300  # a typed filter is applied once typing pauses, not at every key


def _rupiah(value: int) -> str:
    return "Rp " + thousands(value)


class RealisasiPage(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.loaded = False
        self.report: ConsistencyReport | None = None
        self.background: BackgroundJob | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        title = set_role(QLabel(_("Realisasi bantuan")), "title")
        layout.addWidget(title)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("SK penetapan")))
        self.sk_combo = QComboBox()
        self.sk_combo.setObjectName("sk_choice")
        self.sk_combo.setMinimumContentsLength(28)
        self.sk_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sk_combo.currentIndexChanged.connect(lambda _i: self.refresh_rows())
        bar.addWidget(self.sk_combo, 1)
        self.add_button = QPushButton(_("Tambah…"))
        self.import_button = QPushButton(_("Impor realisasi…"))
        set_role(self.import_button, "primary")
        self.add_button.clicked.connect(self.add_realisasi)
        self.import_button.clicked.connect(self.import_realisasi)
        may_record = user.can(RECORD_PERMISSION)
        for button in (self.add_button, self.import_button):
            button.setVisible(may_record)  # a courtesy: the services refuse anyway
            bar.addWidget(button)
        layout.addLayout(bar)
        self.summary = set_role(QLabel(""), "subtitle")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        rows_tab = QWidget()
        rows_layout = QVBoxLayout(rows_tab)
        rows_layout.setContentsMargins(0, 8, 0, 0)
        rows_layout.addLayout(self._filter_bar(may_record))
        self.rows_model = RealisasiModel(db, user, self)
        self.rows_view = QTableView()
        self.rows_view.setObjectName("realisasi_rows")
        self.rows_view.setModel(self.rows_model)
        self.rows_view.verticalHeader().hide()
        self.rows_view.verticalHeader().setDefaultSectionSize(26)
        self.rows_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rows_view.setAlternatingRowColors(True)
        self.rows_view.setShowGrid(False)
        self.rows_view.setWordWrap(False)
        self.rows_view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 200, 95, 90, 105, 80, 95, 280)):
            self.rows_view.setColumnWidth(column, width)
        self.rows_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_row_buttons())
        self.rows_view.doubleClicked.connect(lambda _i: self.correct_selected())
        rows_layout.addWidget(self.rows_view)
        self.tabs.addTab(rows_tab, _("Realisasi"))

        check_tab = QWidget()
        check_layout = QVBoxLayout(check_tab)
        check_layout.setContentsMargins(0, 8, 0, 0)
        check_bar = QHBoxLayout()
        self.counts_label = QLabel("")
        self.counts_label.setWordWrap(True)
        check_bar.addStretch(1)
        self.check_button = QPushButton(_("Periksa ulang"))
        self.check_button.clicked.connect(self.run_check)
        self.export_button = QPushButton(_("Ekspor…"))
        self.export_button.setObjectName("export_consistency")
        self.export_button.clicked.connect(self.export)
        check_bar.addWidget(self.check_button)
        check_bar.addWidget(self.export_button)
        check_layout.addLayout(check_bar)
        check_layout.addWidget(self.counts_label)
        self.problems_table = read_only_table(
            [_("Masalah"), _("NIK"), _("Keterangan"), _("Bukti")], "consistency_problems"
        )
        self.problems_table.setWordWrap(True)
        for column, width in enumerate((220, 150, 430)):
            self.problems_table.setColumnWidth(column, width)
        check_layout.addWidget(self.problems_table)
        self.tabs.addTab(check_tab, _("Konsistensi"))
        self.tabs.currentChanged.connect(
            lambda index: index == 1 and self.report is None and self.run_check()
        )
        layout.addWidget(self.tabs, 1)
        self.empty_label = set_role(
            QLabel(_("Belum ada SK final di wilayah Anda. Realisasi dicatat untuk SK yang sudah final.")),
            "subtitle",
        )
        layout.addWidget(self.empty_label)

    def _filter_bar(self, may_record: bool) -> QVBoxLayout:
        # Two rows: in one, the Indonesian labels of the filters and buttons needed 1,255 px with the
        # stylesheet's padding, wider than a 1366 px screen leaves beside the navigation.
        rows = QVBoxLayout()
        bar = QHBoxLayout()
        second = QHBoxLayout()
        rows.addLayout(bar)
        rows.addLayout(second)
        self.search = QLineEdit()
        self.search.setObjectName("realisasi_search")
        self.search.setPlaceholderText(_("Cari NIK atau nama"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)  # a NIK (16 digits) or a name must show whole while typed
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.reload_rows)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        bar.addWidget(self.search, 2)
        self.desa_filter = compact_combo(QComboBox(), 16)
        self.desa_filter.setObjectName("desa_filter")
        self.channel_filter = channel_combo()
        self.channel_filter.insertItem(0, _("Semua saluran"), "")
        self.channel_filter.setCurrentIndex(0)
        self.problems_only = QCheckBox(_("Hanya yang bermasalah"))
        self.show_replaced = QCheckBox(_("Tampilkan yang digantikan/dibatalkan"))
        for combo in (self.desa_filter, self.channel_filter):
            combo.currentIndexChanged.connect(lambda _i: self.reload_rows())
            bar.addWidget(combo)
        for box in (self.problems_only, self.show_replaced):
            box.toggled.connect(lambda _c: self.reload_rows())
            second.addWidget(box)
        second.addStretch(1)
        self.correct_button = QPushButton(_("Koreksi…"))
        self.cancel_button = QPushButton(_("Batalkan…"))
        self.correct_button.clicked.connect(self.correct_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        for button in (self.correct_button, self.cancel_button):
            button.setVisible(may_record)  # a courtesy: the services refuse anyway
            button.setEnabled(False)
            second.addWidget(button)
        return rows

    def row_filter(self) -> RealisasiFilter:
        return RealisasiFilter(
            text=self.search.text().strip(),
            kode_desa=self.desa_filter.currentData() or "",
            saluran=self.channel_filter.currentData() or "",
            problems_only=self.problems_only.isChecked(),
            include_replaced=self.show_replaced.isChecked(),
        )

    def selected_row(self) -> RealisasiRow | None:
        rows = self.rows_view.selectionModel().selectedRows()
        return self.rows_model.row_at(rows[0].row()) if rows else None

    def _update_row_buttons(self) -> None:
        row = self.selected_row()
        for button in (self.correct_button, self.cancel_button):
            button.setEnabled(row is not None and row.current)

    # loading ---------------------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        chosen = self.sk_id()
        self.sk_combo.blockSignals(True)
        self.sk_combo.clear()
        try:
            sks = list_sks_for_realisasi(self.db, self.user)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            sks = []
        for sk in sks:
            self.sk_combo.addItem(f"{sk.nomor or '#' + str(sk.id)} — {sk.program} ({sk.tahun})", sk.id)
        index = self.sk_combo.findData(chosen)
        self.sk_combo.setCurrentIndex(max(index, 0))
        self.sk_combo.blockSignals(False)
        self.empty_label.setVisible(not sks)
        self.tabs.setEnabled(bool(sks))
        for button in (self.add_button, self.import_button, self.export_button, self.check_button):
            button.setEnabled(bool(sks))
        self.refresh_rows()

    def sk_id(self) -> int | None:
        return self.sk_combo.currentData()

    def sk_label(self) -> str:
        return self.sk_combo.currentText().split(" — ")[0]

    def refresh_rows(self) -> None:
        """A new SK: its desa for the filter, then its rows."""
        self.report = None
        self.problems_table.setRowCount(0)
        self.counts_label.setText("")
        sk_id = self.sk_id()
        self.desa_filter.blockSignals(True)
        self.desa_filter.clear()
        self.desa_filter.addItem(_("Semua desa"), "")
        self.rows_model.desa_names = {}
        if sk_id is not None:
            try:
                for code, name in realisasi_desa(self.db, self.user, sk_id):
                    self.desa_filter.addItem(f"{name} ({code})", code)
                    self.rows_model.desa_names[code] = name
            except Exception as error:  # shown or logged with an incident id
                show_error(self, error)
        self.desa_filter.blockSignals(False)
        self.reload_rows()
        if sk_id is not None and self.tabs.currentIndex() == 1:
            self.run_check()

    def reload_rows(self) -> None:
        """The rows the filter shows, counted; the table fetches more as it is scrolled."""
        self.search_timer.stop()
        sk_id = self.sk_id()
        try:
            count = self.rows_model.load(sk_id, self.row_filter())
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        finally:
            self._update_row_buttons()
        if sk_id is None:
            self.summary.setText("")
            return
        text = _("{n} baris realisasi, seluruhnya {total}.").format(
            n=thousands(count.current_rows), total=_rupiah(count.current_nilai)
        )
        replaced = count.rows - count.current_rows
        if replaced:
            text += " " + _("{n} baris digantikan atau dibatalkan ikut ditampilkan, tidak dihitung.").format(
                n=thousands(replaced)
            )
        self.summary.setText(text)

    # consistency -----------------------------------------------------------------------------------------
    def run_check(self) -> None:
        sk_id = self.sk_id()
        if sk_id is None or (self.background is not None and self.background.running):
            return
        self.background = BackgroundJob(
            self,
            _("Memeriksa konsistensi dengan SK"),
            lambda _progress: check_consistency(self.db, self.user, sk_id=sk_id),
            self.show_report,
        )
        self.background.start()

    def show_report(self, report: ConsistencyReport) -> None:
        self.report = report
        counts = report.counts()
        self.counts_label.setText(
            _("{served} dari {named} penerima SK sudah menerima. ").format(
                served=thousands(report.served), named=thousands(report.recipients)
            )
            + "; ".join(f"{_(PROBLEMS[kind].label)}: {thousands(n)}" for kind, n in counts.items())
        )
        table = self.problems_table
        table.setUpdatesEnabled(False)
        table.setRowCount(0)
        for problem in report.problems[:SHOWN_PROBLEMS]:
            fill_row(
                table,
                [problem.label, problem.nik, problem.sentence, "\n".join(e.text for e in problem.evidence)],
                problem.nik,
            )
        table.resizeRowsToContents()
        table.setUpdatesEnabled(True)
        self.export_button.setEnabled(bool(report.problems))

    def export(self) -> None:
        sk_id = self.sk_id()
        if sk_id is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Simpan daftar masalah konsistensi"),
            "konsistensi-realisasi.xlsx",
            "Excel (*.xlsx);;CSV (*.csv)",
        )
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".xlsx"
        try:
            count = export_consistency(self.db, self.user, Path(path), sk_id=sk_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        inform(
            self,
            _("Ekspor selesai"),
            _("{n} masalah ditulis ke {path}.").format(n=thousands(count), path=path),
        )

    # recording -------------------------------------------------------------------------------------------
    def add_realisasi(self) -> None:
        sk_id = self.sk_id()
        if sk_id is None:
            return
        dialog = RealisasiEntryDialog(self.db, self.user, sk_id, self.sk_label(), self)
        if dialog.exec():
            self.refresh_rows()

    def correct_selected(self) -> RealisasiCorrectionDialog | None:
        return self._open_row_dialog(RealisasiCorrectionDialog)

    def cancel_selected(self) -> RealisasiCancelDialog | None:
        return self._open_row_dialog(RealisasiCancelDialog)

    def _open_row_dialog(self, kind):
        row = self.selected_row()
        if row is None or not row.current or not self.user.can(RECORD_PERMISSION):
            return None
        dialog = kind(self.db, self.user, row, self)
        dialog.accepted.connect(self.refresh_rows)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def import_realisasi(self) -> RealisasiImportDialog | None:
        sk_id = self.sk_id()
        if sk_id is None:
            return None
        dialog = RealisasiImportDialog(self.db, self.user, sk_id, self.sk_label(), self)
        dialog.imported.connect(lambda _sk: self.refresh_rows())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
