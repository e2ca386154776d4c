"""Importing a proposal file into a program: files (and the list's name, proposer, region) → column mapping →
preview with the refused and flagged rows (prepared in a worker, with Batal) → commit (in a worker) → result.

The pages for choosing files and mapping columns are the registry import wizard's, given the proposal fields;
nothing is written before the commit, which creates the list and its rows in one transaction
(`ProposalImport.commit`). A proposal row needs only a NIK or a name, so the mapping asks for one of the two."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.auth.roles import CurrentUser, Permission
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.fields import field_label
from app.registry.issues_export import export_issues_xlsx
from app.screening.programs import ProgramData
from app.screening.proposal_import import (
    PROPOSAL_FIELDS,
    ProposalImport,
    ProposalPlan,
    ProposalPreview,
)
from app.screening.proposal_import import field_labels as proposal_field_labels
from ui.messages import show_error
from ui.registry.detail_format import thousands
from ui.registry.import_wizard import NO_COLUMN, FilesPage, JobWizard, MappingPage
from ui.registry.issues_panel import IssuesPanel
from ui.screening.dialogs import ListFields
from ui.style import set_role
from ui.widgets.screen import bounded_size
from ui.widgets.stat_card import StatCard

FILE_FILTER = N_(
    "Usulan (*.csv *.xlsx *.csv.gz *.gz);;CSV (*.csv *.csv.gz);;Excel (*.xlsx);;Semua berkas (*)"
)
IDENTIFYING = ("nik", "nama")
WRAPPED_ISSUES = 300  # a row is screened by its NIK or, without one, by its name


class ProposalFilesPage(FilesPage):
    def __init__(self, wizard: ProposalImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(_("1. Pilih berkas usulan"))
        self.setSubTitle(
            _(
                "Pilih berkas usulan dari desa atau OPD (CSV atau XLSX). Setiap baris cukup berisi NIK atau nama; "
                "kolom lain (tanggal lahir, alamat, desa) membantu menemukan orangnya."
            )
        )
        self.additions_only.hide()
        box = QGroupBox(_("Daftar usulan program {program}").format(program=wizard.program.nama))
        self.list_fields = ListFields(wizard.user)
        QVBoxLayout(box).addWidget(self.list_fields)
        self.layout().addWidget(box)

    def add_files(self, paths) -> None:
        super().add_files(paths)
        if not self.list_fields.nama.text().strip() and self.files.count():
            self.list_fields.nama.setText(self.paths()[0].stem.replace("_", " "))

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, _("Pilih berkas usulan"), "", _(FILE_FILTER))
        if paths:
            self.add_files(paths)


class ProposalMappingPage(MappingPage):
    def __init__(self, wizard: ProposalImportWizard) -> None:
        super().__init__(wizard)
        self.setSubTitle(
            _(
                "Untuk setiap isian usulan pilih kolom berkas yang berisi datanya. NIK atau nama wajib ada; "
                "kolom berkas yang tidak dipetakan tetap disimpan dan ikut diekspor kembali."
            )
        )

    def initializePage(self) -> None:  # noqa: N802
        plan: ProposalPlan = self.owner.plan
        tables = "; ".join(
            t.label + (f" ({thousands(t.rows)} " + _("baris") + ")" if t.rows is not None else "")
            for t in plan.tables
        )
        lines = [_("Dibaca: {tables}.").format(tables=tables)]
        if plan.remembered:
            lines.append(_("Pemetaan kolom diingat dari impor sebelumnya dengan judul kolom yang sama."))
        else:
            lines.append(_("Kolom dikenali otomatis dari judulnya; periksa sebelum melanjutkan."))
        self.info.setText("\n".join(lines))
        self.table.setRowCount(0)
        self.combos.clear()
        self.required = set(IDENTIFYING)
        self.labels = {field.name: _(field.label) for field in PROPOSAL_FIELDS}
        for field in PROPOSAL_FIELDS:
            row = self.table.rowCount()
            self.table.insertRow(row)
            label_item = QTableWidgetItem(_(field.label) + ("  *" if field.name in IDENTIFYING else ""))
            if field.name in IDENTIFYING:
                bold = QFont(label_item.font())
                bold.setBold(True)
                label_item.setFont(bold)
            self.table.setItem(row, 0, label_item)
            combo = QComboBox()
            combo.setObjectName(f"map_{field.name}")
            combo.addItem(_(NO_COLUMN), "")
            for header in plan.headers:
                combo.addItem(header, header)
            combo.setCurrentIndex(max(0, combo.findData(plan.mapping.get(field.name, ""))))
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(row, 1, combo)
            self.combos[field.name] = combo
        self._changed()

    def missing_fields(self) -> list[str]:
        mapping = self.mapping()
        return [] if any(name in mapping for name in IDENTIFYING) else ["nik_or_nama"]

    def _changed(self, *_args) -> None:
        self.labels["nik_or_nama"] = _("NIK atau nama")
        super()._changed()


class ProposalPreviewPage(QWizardPage):
    def __init__(self, wizard: ProposalImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("3. Pratinjau"))
        self.setSubTitle(
            _(
                "Semua baris sudah dibaca dan diperiksa; belum ada yang disimpan. Baris ditolak tidak diimpor; "
                "baris ditandai diimpor dengan catatannya."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Simpan daftar usulan"))
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.stats = {
            "rows_read": StatCard(_("Baris dibaca")),
            "rows_accepted": StatCard(_("Diimpor"), "#1e7b34"),
            "rows_refused": StatCard(_("Ditolak"), "#c0392b"),
            "rows_flagged": StatCard(_("Ditandai"), "#b7791f"),
            "blank_rows": StatCard(_("Baris kosong"), "#5b6b7c"),
        }
        for position, stat in enumerate(self.stats.values()):
            grid.addWidget(stat, 0, position)
        layout.addLayout(grid)
        labels = proposal_field_labels()
        self.issues_panel = IssuesPanel(
            "masalah-usulan.xlsx",
            (150, 50, 90, 130, 85),
            wrap=True,
            export=self.export_issues,
            label_of=lambda name: labels.get(name) or field_label(name),
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
        self.issues_panel.show_issues(())
        self.owner.prepare(self.owner.mapping_page.mapping())

    def show_preview(self, preview: ProposalPreview) -> None:
        for key, stat in self.stats.items():
            stat.set(getattr(preview, key))
        self.issues_panel.show_issues(preview.issues)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.owner.preview is not None and not self.owner.busy and self.owner.preview.rows_accepted > 0


class ProposalCommitPage(QWizardPage):
    def __init__(self, wizard: ProposalImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(_("4. Simpan daftar usulan"))
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        self.message = set_role(QLabel(), "info")
        self.message.setObjectName("result")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.screen_now = QCheckBox(_("Saring daftar ini sesudah wizard ditutup"))
        self.screen_now.setObjectName("screen_now")
        self.screen_now.setChecked(True)
        layout.addWidget(self.screen_now)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.owner.list_id = None
        self.owner.failed = False
        self.screen_now.setVisible(False)
        self.message.setText(_("Menyimpan daftar usulan…"))
        set_role(self.message, "info")
        self.owner.commit()

    def show_result(self, list_id: int) -> None:
        preview = self.owner.preview
        text = _(
            "Tersimpan sebagai daftar usulan #{id}: {accepted} baris, {refused} ditolak, {flagged} ditandai."
        ).format(
            id=list_id,
            accepted=thousands(preview.rows_accepted),
            refused=thousands(preview.rows_refused),
            flagged=thousands(preview.rows_flagged),
        )
        if preview.rows_refused:
            text += "\n" + _(
                "Baris yang ditolak tidak diimpor; kirim daftarnya ke pengusul untuk diperbaiki."
            )
        self.message.setText(text)
        set_role(self.message, "ok")
        self.screen_now.setVisible(self.owner.can_screen)
        self.completeChanged.emit()

    def show_failure(self) -> None:
        self.message.setText(_("Daftar usulan tidak disimpan. Tidak ada yang berubah."))
        set_role(self.message, "note")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.owner.busy and (self.owner.list_id is not None or self.owner.failed)


class ProposalImportWizard(JobWizard):
    imported = Signal(int, bool)  # list id, screen it now

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, program: ProgramData, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            _("Impor usulan — {program}").format(program=program.nama), _("Simpan daftar usulan"), parent
        )
        self.db, self.user, self.program = db, user, program
        self.kind = None  # what the registry's files page asks: not a DTKS extract
        self.job: ProposalImport | None = None
        self.plan: ProposalPlan | None = None
        self.preview: ProposalPreview | None = None
        self.list_id: int | None = None
        self.can_screen = user.can(Permission.SCREENING_RUN)
        self.files_page = ProposalFilesPage(self)
        self.mapping_page = ProposalMappingPage(self)
        self.preview_page = ProposalPreviewPage(self)
        self.commit_page = ProposalCommitPage(self)
        self.add_pages(self.files_page, self.mapping_page, self.preview_page, self.commit_page)
        self.finished.connect(self._finished)
        self.resize(bounded_size(self, QSize(980, 660)))

    # steps ------------------------------------------------------------------------------------------------
    def inspect_then_continue(self, paths: list[Path], _source_label: str = "") -> bool:
        fields = self.files_page.list_fields
        key = (tuple(paths), fields.nama.text(), fields.sumber.text(), fields.region.region_code())
        if self.plan is not None and self._inspected_for == key:
            return True
        if self.busy:
            return False
        self._close_job()
        self.plan = None
        try:
            job = ProposalImport(
                self.db,
                self.user,
                paths,
                self.program.id,
                fields.nama.text(),
                fields.sumber.text(),
                fields.region.region_code(),
            )
        except Exception as error:  # a refusal (Forbidden, a region outside the program) or an incident
            show_error(self, error)
            return False
        self.job = job

        def inspected(plan: ProposalPlan) -> None:
            self.plan = plan
            self._inspected_for = key
            self.next()

        self._run(_("Membaca judul kolom…"), lambda _progress: job.inspect(), inspected)
        return False

    def prepare(self, mapping: dict[str, str]) -> None:
        job = self.job

        def prepared(preview: ProposalPreview) -> None:
            self.preview = preview
            self.preview_page.show_preview(preview)

        def failed(_error: BaseException) -> None:
            self.back()

        self._run(
            _("Membaca dan memeriksa baris usulan…"),
            lambda progress: job.prepare(mapping, progress),
            prepared,
            failed,
        )

    def commit(self) -> None:
        job = self.job

        def committed(list_id: int) -> None:
            self.list_id = list_id
            self.commit_page.show_result(list_id)

        def failed(_error: BaseException) -> None:
            self.failed = True
            self.commit_page.show_failure()

        self._run(_("Menyimpan daftar usulan…"), lambda progress: job.commit(progress), committed, failed)

    def _finished(self, _result: int) -> None:
        if self.list_id is not None:
            screen = self.can_screen and self.commit_page.screen_now.isChecked()
            self.imported.emit(self.list_id, screen)
