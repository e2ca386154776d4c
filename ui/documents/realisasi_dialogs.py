"""The realisasi dialogs: one handover typed by the operator, and a bank's or post office's list imported with
a preview of its problem rows before anything is saved (the work runs in the background, `ui/jobs.py`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.realisasi import SALURAN_LABELS, RealisasiInput, RealisasiRow, Saluran, record_realisasi
from app.documents.realisasi_import import RealisasiImport, RealisasiPreview, field_labels
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.fields import field_label
from app.registry.issues_export import export_issues_xlsx
from ui.auth.dialogs import _FormDialog, _header
from ui.jobs import BackgroundJob
from ui.registry.detail_format import thousands
from ui.registry.issues_panel import IssuesPanel
from ui.style import set_role

MAX_RUPIAH = 2_000_000_000  # a QSpinBox holds a 32-bit number; no single handover comes near


def channel_combo() -> QComboBox:
    combo = QComboBox()
    for channel in Saluran:
        combo.addItem(_(SALURAN_LABELS[channel]), channel.value)
    return combo


class HandoverFields:
    """The fields of one handover (NIK, date, value, quantity, channel) in a form: typed new, or a row to be
    corrected shown filled."""

    def __init__(self, row: RealisasiRow | None = None) -> None:
        self.form = QFormLayout()
        self.nik = QLineEdit()
        self.nik.setMaxLength(16)
        self.nik.setPlaceholderText(_("16 digit NIK penerima dalam SK"))
        self.tanggal = QDateEdit(QDate.currentDate())
        self.tanggal.setCalendarPopup(True)
        self.tanggal.setDisplayFormat("dd-MM-yyyy")
        self.nilai = QSpinBox()
        self.nilai.setRange(0, MAX_RUPIAH)
        self.nilai.setGroupSeparatorShown(True)
        self.nilai.setPrefix("Rp ")
        self.jumlah = QDoubleSpinBox()
        self.jumlah.setRange(0, 1_000_000)
        self.jumlah.setDecimals(2)
        self.satuan = QLineEdit()
        self.satuan.setMaxLength(40)
        self.satuan.setPlaceholderText(_("mis. paket, kg"))
        self.saluran = channel_combo()
        self.form.addRow(_("NIK"), self.nik)
        self.form.addRow(_("Tanggal salur"), self.tanggal)
        self.form.addRow(_("Nilai (rupiah)"), self.nilai)
        quantity = QHBoxLayout()
        quantity.addWidget(self.jumlah)
        quantity.addWidget(self.satuan, 1)
        self.form.addRow(_("Jumlah fisik"), quantity)
        self.form.addRow(_("Saluran"), self.saluran)
        if row is not None:
            self.nik.setText(row.nik)
            if row.tanggal:
                self.tanggal.setDate(QDate(row.tanggal))
            self.nilai.setValue(min(row.nilai, MAX_RUPIAH))
            self.jumlah.setValue(row.jumlah_fisik)
            self.satuan.setText(row.satuan)
            self.saluran.setCurrentIndex(max(self.saluran.findData(row.saluran), 0))

    def entry(self) -> RealisasiInput:
        return RealisasiInput(
            self.nik.text(),
            self.tanggal.date().toPython(),
            self.nilai.value(),
            self.saluran.currentData(),
            self.jumlah.value(),
            self.satuan.text(),
        )


class RealisasiEntryDialog(_FormDialog):
    """One handover typed for a recipient of the SK; the service checks it and says what is wrong inline."""

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, sk_id: int, sk_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Tambah realisasi"), _("Simpan"), parent)
        self.db, self.user, self.sk_id = db, user, sk_id
        self.saved: RealisasiRow | None = None
        _header(self.body, _("Tambah realisasi"), _("Penyaluran kepada penerima {sk}.").format(sk=sk_label))
        self.fields = HandoverFields()
        self.nik, self.nilai = self.fields.nik, self.fields.nilai
        self.body.addLayout(self.fields.form)
        self.finish_layout()

    def submit(self) -> bool:
        self.saved = record_realisasi(self.db, self.user, self.sk_id, self.fields.entry())
        return True


class RealisasiImportDialog(QDialog):
    """A file, its channel and whether to keep people outside the SK; then a preview (counts and problem
    rows), then save. Nothing is written before "Simpan"."""

    imported = Signal(int)

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, sk_id: int, sk_label: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db, self.user, self.sk_id = db, user, sk_id
        self.job: RealisasiImport | None = None
        self.preview: RealisasiPreview | None = None
        self.background: BackgroundJob | None = None
        self.setWindowTitle(_("Impor realisasi"))
        self.resize(980, 620)
        body = QVBoxLayout(self)
        body.setContentsMargins(20, 16, 20, 12)
        _header(
            body,
            _("Impor realisasi {sk}").format(sk=sk_label),
            _(
                "Daftar penyaluran dari bank atau kantor pos (XLSX/CSV): kolom NIK, tanggal salur dan nominal "
                "atau jumlah dikenali sendiri; nilai seperti 1.500.000,00 dibaca dengan benar."
            ),
        )
        form = QFormLayout()
        file_row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setObjectName("realisasi_file")
        self.file.setPlaceholderText(_("pilih berkas .xlsx atau .csv"))
        choose = QPushButton(_("Pilih…"))
        choose.clicked.connect(self.choose_file)
        file_row.addWidget(self.file, 1)
        file_row.addWidget(choose)
        form.addRow(_("Berkas"), file_row)
        self.saluran = channel_combo()
        form.addRow(_("Saluran (bila berkas tidak menyebutnya)"), self.saluran)
        self.keep_outside = QCheckBox(_("Catat juga penerima yang tidak ada di SK, untuk diperiksa"))
        form.addRow("", self.keep_outside)
        body.addLayout(form)
        self.counts = set_role(QLabel(""), "subtitle")
        self.counts.setWordWrap(True)
        body.addWidget(self.counts)
        labels = field_labels()
        self.issues_panel = IssuesPanel(
            "masalah-realisasi.xlsx",
            (150, 50, 90, 130),
            wrap=True,
            export=self.export_issues,
            label_of=lambda name: labels.get(name) or field_label(name),
        )
        body.addWidget(self.issues_panel, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.preview_button = QPushButton(_("Pratinjau"))
        self.save_button = set_role(QPushButton(_("Simpan")), "primary")
        close = QPushButton(_("Tutup"))
        for button in (self.preview_button, self.save_button, close):
            buttons.addWidget(button)
        self.preview_button.clicked.connect(self.start_preview)
        self.save_button.clicked.connect(self.start_save)
        close.clicked.connect(self.reject)
        self.save_button.setEnabled(False)
        # A preview holds for the file and options it was made with: any change asks for a new one.
        self.file.textChanged.connect(self._forget_preview)
        self.saluran.currentIndexChanged.connect(self._forget_preview)
        self.keep_outside.toggled.connect(self._forget_preview)
        body.addLayout(buttons)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Pilih daftar realisasi"), "", _("Lembar kerja (*.xlsx *.csv *.csv.gz)")
        )
        if path:
            self.file.setText(path)

    def _forget_preview(self, *_args) -> None:
        self.preview = None
        self.save_button.setEnabled(False)

    def start_preview(self) -> None:
        path = self.file.text().strip()
        if not path:
            self.counts.setText(_("Pilih berkasnya dulu."))
            return
        options = (Path(path), self.saluran.currentData(), self.keep_outside.isChecked())

        def work(progress):
            job = RealisasiImport(self.db, self.user, self.sk_id, [options[0]], options[1], options[2])
            job.inspect()
            job.prepare(progress=progress)
            return job

        self.background = BackgroundJob(self, _("Memeriksa daftar realisasi"), work, self._previewed)
        self.background.start()

    def _previewed(self, job: RealisasiImport) -> None:
        self.job, self.preview = job, job.preview
        preview = job.preview
        text = _(
            "{read} baris dibaca: {ok} dapat diimpor ({total}), {refused} ditolak, {flagged} ditandai, "
            "{outside} di luar SK."
        ).format(
            read=thousands(preview.rows_read),
            ok=thousands(preview.rows_accepted),
            total="Rp " + thousands(preview.total_nilai),
            refused=thousands(preview.rows_refused),
            flagged=thousands(preview.rows_flagged),
            outside=thousands(preview.outside_sk),
        )
        if preview.blocked:
            text += " " + _(
                "Berkas memuat penerima yang tidak ada di SK: periksa NIK-nya, atau centang pilihan mencatat "
                "penerima di luar SK."
            )
        self.counts.setText(text)
        self.issues_panel.show_issues(preview.issues)
        self.save_button.setEnabled(preview.rows_accepted > 0 and not preview.blocked)

    def start_save(self) -> None:
        if self.job is None or self.preview is None:
            return
        job = self.job
        self.save_button.setEnabled(False)
        self.background = BackgroundJob(self, _("Menyimpan realisasi"), job.commit, self._saved)
        self.background.start()

    def _saved(self, result) -> None:
        self.job = None
        self.imported.emit(result.sk_id)
        self.accept()

    def export_issues(self, issues, path: Path) -> int:
        return export_issues_xlsx(self.db.unit_of_work(), self.user, issues, path, files=self.file.text())
