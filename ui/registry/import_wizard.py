"""The import wizard: files → column mapping → preview (prepared in a worker, with Batal) → commit (in a
worker, with Batal) → result. Nothing is written to the registry before the commit step, and the commit is one
transaction: closing or cancelling anywhere leaves the database as it was (`RegistryImport.close`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.auth.roles import CurrentUser
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.fields import PROGRAM_FLAGS, PROGRAM_LABELS, WELFARE_KINDS, ExtractKind, fields_of
from app.registry.importer import ImportPlan, ImportPreview, ImportResult, RegistryImport
from app.registry.issues_export import export_issues_xlsx
from app.screening.service import prepare_matching_index
from ui.jobs import BackgroundJob
from ui.messages import show_error
from ui.registry.detail_format import local_time, thousands
from ui.registry.issues_panel import IssuesPanel
from ui.style import set_role
from ui.widgets.screen import bounded_size
from ui.widgets.stat_card import StatCard

KIND_TITLES = {
    ExtractKind.DUKCAPIL: N_("Impor ekstrak Dukcapil"),
    ExtractKind.DTKS: N_("Impor ekstrak DTKS/DTSEN"),
}
FILE_FILTER = N_(
    "Ekstrak (*.csv *.xlsx *.csv.gz *.gz);;CSV (*.csv *.csv.gz);;Excel (*.xlsx);;Semua berkas (*)"
)
NO_COLUMN = N_("(tidak ada)")


class FilesPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("1. Pilih berkas"))
        self.setSubTitle(
            _(
                "Pilih satu atau beberapa berkas ekstrak (CSV, CSV.GZ atau XLSX). Beberapa berkas atau "
                "lembar dengan judul kolom yang sama diimpor sebagai satu ekstrak."
            )
        )
        layout = QVBoxLayout(self)
        self.files = QListWidget()
        self.files.setObjectName("files")
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.files, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Tambah berkas…"))
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton(_("Hapus dari daftar"))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.source_group = QButtonGroup(self)
        self.source_box = QGroupBox(_("Sumber data kesejahteraan"))
        source_layout = QHBoxLayout(self.source_box)
        for label in ("DTKS", "DTSEN"):
            button = QRadioButton(label)
            button.setObjectName(f"source_{label}")
            self.source_group.addButton(button)
            source_layout.addWidget(button)
            button.setChecked(label == "DTSEN")
        source_layout.addWidget(
            set_role(QLabel(_("Sejak Inpres 4/2025 DTSEN menjadi acuan tunggal.")), "subtitle")
        )
        source_layout.addStretch(1)
        self.source_box.setVisible(wizard.kind is ExtractKind.DTKS)
        layout.addWidget(self.source_box)
        self.additions_only = QCheckBox(
            _(
                "Berkas hanya berisi tambahan atau perubahan: jangan tandai orang yang tidak ada di berkas "
                "sebagai hilang"
            )
        )
        self.additions_only.setObjectName("additions_only")
        self.additions_only.setToolTip(
            _(
                "Tanpa pilihan ini berkas dianggap ekstrak lengkap desa-desa yang dimuatnya: orang di desa itu "
                "yang tidak ada di berkas ditandai hilang (tidak dihapus)."
            )
        )
        layout.addWidget(self.additions_only)

    def paths(self) -> list[Path]:
        return [
            Path(self.files.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(self.files.count())
        ]

    def source_label(self) -> str:
        checked = self.source_group.checkedButton()
        return checked.text() if checked is not None and self.owner.kind is ExtractKind.DTKS else "DTKS"

    def add_files(self, paths) -> None:
        known = set(self.paths())
        for path in map(Path, paths):
            if path not in known:
                self.files.addItem(f"{path.name}    —    {path.parent}")
                item = self.files.item(self.files.count() - 1)
                item.setData(Qt.ItemDataRole.UserRole, str(path))
                known.add(path)
        self.completeChanged.emit()

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, _("Pilih berkas ekstrak"), "", _(FILE_FILTER))
        if paths:
            self.add_files(paths)

    def remove_selected(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.files.count() > 0

    def validatePage(self) -> bool:  # noqa: N802
        return self.owner.inspect_then_continue(self.paths(), self.source_label())


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("2. Cocokkan kolom"))
        self.setSubTitle(
            _(
                "Untuk setiap kolom e-JPS pilih kolom berkas yang berisi datanya. Kolom bertanda * "
                "wajib. Pemetaan yang dikonfirmasi diingat untuk berkas berjudul kolom sama."
            )
        )
        layout = QVBoxLayout(self)
        self.info = set_role(QLabel(), "info")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        # Two columns: the field in words and the file's column. The program's own field names
        # (hubungan_keluarga, program:pkh) mean nothing to an officer.
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("mapping")
        self.table.setHorizontalHeaderLabels([_("Kolom e-JPS"), _("Kolom di berkas")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(32)
        layout.addWidget(self.table, 1)
        self.missing = set_role(QLabel(), "error")
        self.missing.setWordWrap(True)
        layout.addWidget(self.missing)
        self.combos: dict[str, QComboBox] = {}
        self.required: set[str] = set()
        self.labels: dict[str, str] = {}

    def initializePage(self) -> None:  # noqa: N802
        plan: ImportPlan = self.owner.plan
        tables = "; ".join(
            t.label + (f" ({thousands(t.rows)} " + _("baris") + ")" if t.rows is not None else "")
            for t in plan.tables
        )
        lines = [_("Dibaca: {tables}.").format(tables=tables)]
        if plan.kind is ExtractKind.DTSEN_KELUARGA:
            lines.append(
                _(
                    "Dikenali dari judul kolomnya sebagai berkas keluarga DTSEN (satu baris per KK): desil tiap KK "
                    "diberikan kepada semua anggotanya di registri Dukcapil; KK yang tidak ada di registri ditolak."
                )
            )
        if plan.skipped:
            lines.append(
                _("Dilewati karena judul kolomnya berbeda dari tabel pertama: {tables}.").format(
                    tables=", ".join(plan.skipped)
                )
            )
        if plan.remembered:
            lines.append(_("Pemetaan kolom diingat dari impor sebelumnya dengan judul kolom yang sama."))
        else:
            lines.append(_("Kolom dikenali otomatis dari judulnya; periksa sebelum melanjutkan."))
        self.info.setText("\n".join(lines))
        rows: list[tuple[str, str, bool]] = [(f.name, _(f.label), f.required) for f in fields_of(plan.kind)]
        if plan.kind in WELFARE_KINDS:
            rows += [
                (
                    f"program:{name}",
                    _("Program {name}").format(name=PROGRAM_LABELS.get(name, name.upper())),
                    False,
                )
                for name in PROGRAM_FLAGS
            ]
        self.table.setRowCount(0)
        self.combos.clear()
        self.required = {name for name, _label, required in rows if required}
        self.labels = {name: label for name, label, _required in rows}
        for name, label, required in rows:
            row = self.table.rowCount()
            self.table.insertRow(row)
            label_item = QTableWidgetItem(label + ("  *" if required else ""))
            if required:
                bold = QFont(label_item.font())
                bold.setBold(True)
                label_item.setFont(bold)
            self.table.setItem(row, 0, label_item)
            combo = QComboBox()
            combo.setObjectName(f"map_{name}")
            combo.addItem(_(NO_COLUMN), "")
            for header in plan.headers:
                combo.addItem(header, header)
            chosen = plan.mapping.get(name, "")
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(row, 1, combo)
            self.combos[name] = combo
        self._changed()

    def mapping(self) -> dict[str, str]:
        return {name: combo.currentData() for name, combo in self.combos.items() if combo.currentData()}

    def set_column(self, field: str, header: str) -> None:
        combo = self.combos[field]
        combo.setCurrentIndex(max(0, combo.findData(header)))

    def missing_fields(self) -> list[str]:
        mapping = self.mapping()
        return [name for name in self.combos if name in self.required and name not in mapping]

    def _changed(self, *_args) -> None:
        missing = self.missing_fields()
        self.missing.setText(
            _("Kolom wajib belum dipetakan: {fields}.").format(
                fields=", ".join(self.labels[m] for m in missing)
            )
            if missing
            else ""
        )
        self.missing.setVisible(bool(missing))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.combos) and not self.missing_fields()


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("3. Pratinjau"))
        self.setSubTitle(
            _(
                "Semua baris sudah dibaca dan diperiksa; registri belum diubah. Periksa angka di bawah, "
                "lalu tekan \u201cSimpan ke registri\u201d."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Simpan ke registri"))
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.stats = {
            "rows_read": StatCard(_("Baris dibaca")),
            "added": StatCard(_("Baru"), "#1e7b34"),
            "changed": StatCard(_("Berubah"), "#1d5b8f"),
            "unchanged": StatCard(_("Tidak berubah"), "#5b6b7c"),
            "gone": StatCard(_("Hilang dari ekstrak"), "#b7791f"),
            "refused_rows": StatCard(_("Ditolak"), "#c0392b"),
            "flagged_rows": StatCard(_("Ditandai"), "#b7791f"),
        }
        for position, stat in enumerate(self.stats.values()):
            grid.addWidget(stat, 0, position)
        layout.addLayout(grid)
        self.note = set_role(QLabel(), "note")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.issues_panel = IssuesPanel(
            "masalah-impor.xlsx", (140, 60, 110, 150, 80), wrap=True, export=self.export_issues
        )
        # The page's own names for the panel's parts (tests and the wizard use them).
        self.issues, self.issues_model = self.issues_panel.table, self.issues_panel.model
        self.export_button, self.issues_title = self.issues_panel.export_button, self.issues_panel.title
        layout.addWidget(self.issues_panel, 1)

    def export_issues(self, issues: tuple, path: Path) -> int:
        owner = self.owner
        files = "; ".join(p.name for p in owner.job.files) if owner.job is not None else ""
        return export_issues_xlsx(owner.db.unit_of_work(), owner.user, issues, path, files=files)

    def initializePage(self) -> None:  # noqa: N802
        self.owner.preview = None
        for stat in self.stats.values():
            stat.value.setText("–")
        self.note.hide()
        self.issues_panel.show_issues(())
        self.owner.prepare(self.owner.mapping_page.mapping())

    def show_preview(self, preview: ImportPreview) -> None:
        for key, stat in self.stats.items():
            stat.set(getattr(preview, key))
        notes = []
        if preview.previous_import_at:
            notes.append(
                _("Berkas yang sama sudah pernah diimpor pada {when}.").format(
                    when=local_time(preview.previous_import_at)
                )
            )
        if preview.nothing_to_do:
            notes.append(_("Tidak ada yang perlu disimpan: registri sudah sama dengan berkas ini."))
        if preview.gone and preview.mark_missing:
            notes.append(
                _(
                    "{n} orang di {desa} desa yang dimuat berkas tidak ada di berkas ini dan akan ditandai "
                    "hilang (tidak dihapus)."
                ).format(n=thousands(preview.gone), desa=thousands(preview.desa_covered))
            )
        if preview.returned:
            notes.append(
                _("{n} orang yang sebelumnya hilang muncul kembali.").format(n=thousands(preview.returned))
            )
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        self.issues_panel.show_issues(preview.issues)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        # "Simpan ke registri" only when there is something to save.
        preview = self.owner.preview
        return preview is not None and not self.owner.busy and not preview.nothing_to_do


class CommitPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("4. Simpan ke registri"))
        # A subtitle like every other step: the wizard draws the step's header the same way.
        self.setSubTitle(
            _("Hasil penyimpanan. Baris bermasalah dapat diekspor untuk dikirim ke sumber data.")
        )
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        self.message = set_role(QLabel(), "info")
        self.message.setObjectName("result")
        self.message.setWordWrap(True)
        # Its own height at the top, not a box stretched over the page when there are no problem rows.
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignTop)
        self.issues_panel = IssuesPanel(
            "masalah-impor.xlsx", (140, 60, 110, 150, 80), wrap=True, export=self.export_issues
        )
        self.issues_panel.hide()
        layout.addWidget(self.issues_panel, 1)

    def export_issues(self, issues: tuple, path: Path) -> int:
        # Saved: the export is recorded against the import batch the rows belong to.
        owner = self.owner
        batch_id = owner.result.batch_id if owner.result is not None else None
        files = "; ".join(p.name for p in owner.job.files) if owner.job is not None else ""
        return export_issues_xlsx(
            owner.db.unit_of_work(), owner.user, issues, path, batch_id=batch_id, files=files
        )

    def initializePage(self) -> None:  # noqa: N802
        self.owner.result = None
        self.owner.failed = False
        self.message.setText(_("Menyimpan ke registri…"))
        set_role(self.message, "info")
        self.owner.commit()

    def show_result(self, result: ImportResult) -> None:
        preview = result.preview
        if result.imported:
            text = (
                _("Tersimpan sebagai impor #{batch}.").format(batch=result.batch_id)
                + "\n\n"
                + _(
                    "{added} baru, {changed} berubah, {gone} ditandai hilang dari ekstrak, {refused} baris ditolak, "
                    "{flagged} ditandai."
                ).format(
                    added=thousands(preview.added),
                    changed=thousands(preview.changed),
                    gone=thousands(preview.gone),
                    refused=thousands(preview.refused_rows),
                    flagged=thousands(preview.flagged_rows),
                )
            )
            if preview.refused_rows:
                text += "\n" + _(
                    "Baris yang ditolak tidak diimpor; kirim daftarnya ke sumber data untuk diperbaiki."
                )
            set_role(self.message, "ok")
        else:
            text = _("Tidak ada yang diimpor: registri sudah sama dengan berkas ini.")
        self.message.setText(text)
        # The refused and flagged rows stay at hand after saving, to export for the data source.
        self.issues_panel.show_issues(preview.issues)
        self.issues_panel.setVisible(bool(preview.issues))
        self.completeChanged.emit()

    def show_failure(self) -> None:
        self.message.setText(_("Impor tidak disimpan. Registri tidak berubah."))
        set_role(self.message, "note")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.owner.busy and (self.owner.result is not None or self.owner.failed)


class JobWizard(QWizard):
    """The frame both import wizards share: files, mapping, preview and commit pages driven by one import job,
    whose slow steps run in a background worker with progress; closing while a step runs stops it first."""

    def __init__(self, title: str, commit_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = None
        self.plan = None
        self.preview = None
        self.failed = False
        self.background: BackgroundJob | None = None
        self._inspected_for: tuple | None = None
        self.setWindowTitle(title)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, _("Lanjut >"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("< Kembali"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Batal"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Selesai"))
        self.setButtonText(QWizard.WizardButton.CommitButton, commit_text)

    def add_pages(self, *pages: QWizardPage) -> None:
        for page in pages:
            self.addPage(page)

    @property
    def busy(self) -> bool:
        return self.background is not None and self.background.running

    def _run(self, title: str, work, on_success, on_failure=None) -> None:
        self.background = BackgroundJob(self, title, work, on_success, on_failure)
        self.background.start()

    def _close_job(self) -> None:
        if self.job is not None:
            self.job.close()
            self.job = None

    def done(self, result: int) -> None:
        if self.busy:
            # The worker is using the job (its file, its staging connection): ask it to stop; close after.
            self.background.cancel()
            self.background.finished.connect(lambda: self.done(result))
            return
        self._close_job()
        super().done(result)


class ImportWizard(JobWizard):
    imported = Signal(int)

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, kind: ExtractKind, parent: QWidget | None = None
    ) -> None:
        kind = ExtractKind(kind)
        super().__init__(_(KIND_TITLES[kind]), _("Simpan ke registri"), parent)
        self.db, self.user, self.kind = db, user, kind
        self.job: RegistryImport | None = None
        self.plan: ImportPlan | None = None
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        self.files_page = FilesPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.commit_page = CommitPage(self)
        self.add_pages(self.files_page, self.mapping_page, self.preview_page, self.commit_page)
        self.resize(bounded_size(self, QSize(980, 660)))

    # steps ------------------------------------------------------------------------------------------------
    def inspect_then_continue(self, paths: list[Path], source_label: str) -> bool:
        key = (tuple(paths), source_label)
        if self.plan is not None and self._inspected_for == key:
            return True
        if self.busy:
            return False
        self._close_job()
        self.plan = None
        try:
            job = RegistryImport(self.db, self.user, self.kind, paths, source_label=source_label)
        except Exception as error:  # a refusal (Forbidden, no file) or an incident
            show_error(self, error)
            return False
        self.job = job

        def inspected(plan: ImportPlan) -> None:
            self.plan = plan
            self._inspected_for = key
            self.next()

        self._run(_("Membaca judul kolom…"), lambda _progress: job.inspect(), inspected)
        return False

    def prepare(self, mapping: dict[str, str]) -> None:
        job = self.job

        def prepared(preview: ImportPreview) -> None:
            self.preview = preview
            self.preview_page.show_preview(preview)

        def failed(_error: BaseException) -> None:
            self.back()

        self._run(
            _("Membaca dan memeriksa baris…"),
            lambda progress: job.prepare(
                mapping, progress, mark_missing=not self.files_page.additions_only.isChecked()
            ),
            prepared,
            failed,
        )

    def commit(self) -> None:
        job = self.job

        def committed(result: ImportResult) -> None:
            self.result = result
            self.commit_page.show_result(result)
            if result.batch_id is not None:
                self.imported.emit(result.batch_id)

        def failed(_error: BaseException) -> None:
            self.failed = True
            self.commit_page.show_failure()

        def commit_then_index(progress) -> ImportResult:
            result = job.commit(progress)
            if result.imported and job.changes_matching:
                # Here, once, rather than in the officer's first screening; Batal now skips only this step.
                prepare_matching_index(self.db, progress)
            return result

        self._run(_("Menyimpan ke registri…"), commit_then_index, committed, failed)
