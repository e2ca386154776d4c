"""Impor: start the import wizard, and the list of past import batches with what each one changed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from app.auth.roles import CurrentUser
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.batches import batch_issues, list_batches
from app.registry.fields import ExtractKind
from app.registry.issues_export import export_issues_xlsx
from ui.messages import inform, show_error
from ui.registry.detail_format import local_time, thousands
from ui.style import FLAGGED_COLOUR, REFUSED_COLOUR, STATUS_COLOURS, set_role
from ui.widgets.tables import fill_row, read_only_table, row_data

KIND_LABELS = {"dukcapil": "Dukcapil", "dtks": "DTKS/DTSEN"}


class ImportPage(QWidget):
    import_requested = Signal(str)

    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(set_role(QLabel(_("Impor ekstrak")), "title"))
        intro = set_role(
            QLabel(
                _(
                    "Impor ulang ekstrak terbaru kapan saja: registri dicocokkan (baru, berubah, hilang), tidak diduplikasi, "
                    "dan riwayatnya disimpan. Tidak ada yang tersimpan sebelum Anda menyetujui pratinjau."
                )
            ),
            "subtitle",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        buttons = QHBoxLayout()
        self.dukcapil_button = set_role(QPushButton(_("Impor Dukcapil…")), "primary")
        self.dukcapil_button.clicked.connect(lambda: self.import_requested.emit(ExtractKind.DUKCAPIL.value))
        self.dtks_button = set_role(QPushButton(_("Impor DTKS/DTSEN…")), "primary")
        self.dtks_button.clicked.connect(lambda: self.import_requested.emit(ExtractKind.DTKS.value))
        buttons.addWidget(self.dukcapil_button)
        buttons.addWidget(self.dtks_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        header = QHBoxLayout()
        header.addWidget(set_role(QLabel(_("Riwayat impor")), "section"))
        header.addStretch(1)
        self.export_button = QPushButton(_("Ekspor baris bermasalah…"))
        self.export_button.clicked.connect(self.export_selected_issues)
        header.addWidget(self.export_button)
        layout.addLayout(header)
        self.table = read_only_table(
            [
                _("No."),
                _("Waktu"),
                _("Jenis"),
                _("Berkas"),
                _("Oleh"),
                _("Dibaca"),
                _("Baru"),
                _("Berubah"),
                _("Hilang"),
                _("Ditolak"),
                _("Ditandai"),
            ],
            "batches",
        )
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        layout.addWidget(self.table, 1)
        self.empty = set_role(QLabel(_("Belum ada impor. Mulai dengan ekstrak Dukcapil.")), "subtitle")
        layout.addWidget(self.empty)
        self.refresh()

    def refresh(self) -> None:
        try:
            batches = list_batches(self.db.unit_of_work(), self.user)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.table.setRowCount(0)
        for batch in batches:
            kind = KIND_LABELS.get(batch.kind, batch.kind)
            if batch.kind == "dtks" and batch.source_label:
                kind = batch.source_label
            when = batch.finished_at or batch.started_at
            fill_row(
                self.table,
                [
                    f"#{batch.id}",
                    local_time(when),
                    kind,
                    batch.file_name,
                    batch.imported_by,
                    thousands(batch.rows_read),
                    thousands(batch.added),
                    thousands(batch.changed),
                    thousands(batch.gone),
                    thousands(batch.refused),
                    thousands(batch.flagged),
                ],
                batch.id,
                numeric={5, 6, 7, 8, 9, 10},
                # A colour draws the eye to a count worth a look; a zero is nothing to look at.
                colours={
                    column: colour
                    for column, colour, count in (
                        (6, STATUS_COLOURS["hidup"], batch.added),
                        (8, FLAGGED_COLOUR, batch.gone),
                        (9, REFUSED_COLOUR, batch.refused),
                        (10, FLAGGED_COLOUR, batch.flagged),
                    )
                    if count
                },
            )
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.empty.setVisible(not batches)
        self.export_button.setEnabled(bool(batches))

    def export_selected_issues(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            inform(self, _("Ekspor"), _("Pilih dulu satu impor di tabel."))
            return
        batch_id = int(row_data(self.table, row))
        try:
            issues = batch_issues(self.db.unit_of_work(), self.user, batch_id)
            if not issues:
                inform(
                    self,
                    _("Ekspor"),
                    _("Impor #{batch} tidak memiliki baris bermasalah.").format(batch=batch_id),
                )
                return
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Simpan daftar baris bermasalah"), f"masalah-impor-{batch_id}.xlsx", "Excel (*.xlsx)"
            )
            if not path:
                return
            count = export_issues_xlsx(
                self.db.unit_of_work(), self.user, issues, Path(path), batch_id=batch_id
            )
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        inform(
            self,
            _("Ekspor selesai"),
            _("{n} baris bermasalah ditulis ke {path}.").format(n=thousands(count), path=path),
        )
