"""The realisasi page: pick a final SK, see who received what, add a handover or import a bank's or post
office's list, and on the "Konsistensi" tab the problems against the SK with their evidence, exportable.
Every rule is in app/; the consistency check and the import run in the background (`ui/jobs.py`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.consistency import PROBLEMS, ConsistencyReport, check_consistency, export_consistency
from app.documents.realisasi import (
    RECORD_PERMISSION,
    SALURAN_LABELS,
    Saluran,
    list_realisasi,
    list_sks_for_realisasi,
)
from app.formats import date_text
from app.i18n import _
from app.office import OfficeDatabase
from ui.documents.realisasi_dialogs import RealisasiEntryDialog, RealisasiImportDialog
from ui.jobs import BackgroundJob
from ui.messages import inform, show_error
from ui.registry.detail_format import thousands
from ui.style import set_role
from ui.widgets.tables import fill_row, read_only_table

SHOWN_ROWS = 5_000  # the realisasi table shows this many; the count and the check cover them all


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
        self.rows_table = read_only_table(
            [
                _("NIK"),
                _("Nama"),
                _("Desa"),
                _("Tanggal"),
                _("Nilai"),
                _("Jumlah"),
                _("Saluran"),
                _("Sumber"),
            ],
            "realisasi_rows",
        )
        for column, width in enumerate((150, 220, 100, 90, 110, 90, 110)):
            self.rows_table.setColumnWidth(column, width)
        rows_layout.addWidget(self.rows_table)
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
        self.report = None
        self.rows_table.setRowCount(0)
        self.problems_table.setRowCount(0)
        self.counts_label.setText("")
        sk_id = self.sk_id()
        if sk_id is None:
            self.summary.setText("")
            return
        try:
            rows = list_realisasi(self.db, self.user, sk_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.rows_table.setUpdatesEnabled(False)
        for row in rows[:SHOWN_ROWS]:
            quantity = f"{thousands(row.jumlah_fisik)} {row.satuan}".strip() if row.jumlah_fisik else ""
            channel = _(SALURAN_LABELS[Saluran(row.saluran)]) if row.saluran in set(Saluran) else row.saluran
            fill_row(
                self.rows_table,
                [row.nik, row.nama, row.kode_desa, date_text(row.tanggal), _rupiah(row.nilai), quantity, channel,
                 row.sumber],
                row.id,
                numeric={4, 5},
            )  # fmt: skip
        self.rows_table.setUpdatesEnabled(True)
        self.summary.setText(
            _("{n} baris realisasi, seluruhnya {total}.").format(
                n=thousands(len(rows)), total=_rupiah(sum(r.nilai for r in rows))
            )
            + (
                " " + _("Tabel menampilkan {shown} baris pertama.").format(shown=thousands(SHOWN_ROWS))
                if len(rows) > SHOWN_ROWS
                else ""
            )
        )
        if self.tabs.currentIndex() == 1:
            self.run_check()

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
        for problem in report.problems[:SHOWN_ROWS]:
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

    def import_realisasi(self) -> RealisasiImportDialog | None:
        sk_id = self.sk_id()
        if sk_id is None:
            return None
        dialog = RealisasiImportDialog(self.db, self.user, sk_id, self.sk_label(), self)
        dialog.imported.connect(lambda _sk: self.refresh_rows())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
