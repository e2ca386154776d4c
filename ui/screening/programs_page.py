"""Program & usulan: the aid programs of the region and, for the chosen program, its proposal lists with their
status and verdict counts. From here a list is imported from a file or typed, screened (in a worker, with
Batal), and opened for review."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.fields import PROGRAM_LABELS
from app.screening.desil import DESIL_LEVEL_LABELS, DesilLevel
from app.screening.flags import Verdict
from app.screening.programs import (
    FUNDING_SOURCE_LABELS,
    ListStatus,
    ProgramData,
    ProposalListData,
    delete_proposal_list,
    get_proposal_list,
    list_programs,
    list_proposal_lists,
)
from app.screening.service import RunSummary, screen_list
from ui.jobs import run_in_background
from ui.messages import confirm, inform, show_error
from ui.registry.detail_format import local_time, thousands
from ui.screening.dialogs import NewListDialog, ProgramDialog
from ui.screening.look import VERDICT_COLOURS, rupiah, status_text
from ui.style import set_role
from ui.widgets.region_picker import region_name
from ui.widgets.tables import fill_row, read_only_table, row_data

ALL_YEARS = 0


def target_text(program: ProgramData) -> str:
    """Whom the program serves, in a few words: "desil 1–5 · hanya DTKS/DTSEN · PKH"."""
    parts = []
    if program.desil_min is not None or program.desil_max is not None:
        cut = _("desil {low}–{high}").format(low=program.desil_min or 1, high=program.desil_max or 10)
        if program.desil_acuan != DesilLevel.NASIONAL:  # the national desil goes without saying
            cut += f" ({_(DESIL_LEVEL_LABELS[DesilLevel(program.desil_acuan)])})"
        parts.append(cut)
    if program.hanya_dtks:
        parts.append(_("hanya DTKS/DTSEN"))
    if program.kode_program_dtks:
        parts.append(PROGRAM_LABELS.get(program.kode_program_dtks, program.kode_program_dtks.upper()))
    return " · ".join(parts) or _("semua")


class ProgramsPage(QWidget):
    results_requested = Signal(int)  # list id
    lists_changed = Signal()  # a list was added, typed into, screened or deleted

    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.programs: list[ProgramData] = []
        self.lists: list[ProposalListData] = []
        self.loaded = False
        self.wizard = None
        self.entry_dialog = None
        self.job = None
        can = user.can
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Program & usulan")), "title"))
        top.addStretch(1)
        top.addWidget(QLabel(_("Tahun")))
        self.year = QComboBox()
        self.year.setObjectName("program_year")
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.year)
        self.new_program_button = set_role(QPushButton(_("Program baru…")), "primary")
        self.new_program_button.setObjectName("new_program")
        self.new_program_button.clicked.connect(self.new_program)
        self.edit_program_button = QPushButton(_("Ubah program…"))
        self.edit_program_button.setObjectName("edit_program")
        self.edit_program_button.clicked.connect(self.edit_program)
        for button in (self.new_program_button, self.edit_program_button):
            button.setVisible(can(Permission.PROGRAM_MANAGE))
            top.addWidget(button)
        layout.addLayout(top)
        intro = set_role(
            QLabel(
                _(
                    "Usulan dari desa atau OPD disaring terhadap registri Dukcapil dan DTKS/DTSEN (filterisasi dan "
                    "pemadanan, Pergub 52/2020 Pasal 6): apakah orangnya ada, masih hidup, masih tinggal di sana, "
                    "tidak diusulkan dua kali. Pilih program, lalu impor atau ketik daftar usulannya."
                )
            ),
            "subtitle",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.program_table = read_only_table(
            [
                _("Program"),
                _("Tahun"),
                _("OPD"),
                _("Sumber dana"),
                _("Bantuan per penerima"),
                _("Kuota"),
                _("Wilayah"),
                _("Sasaran"),
                _("Daftar"),
            ],
            "programs",
        )
        self.program_table.horizontalHeader().setStretchLastSection(False)
        self.program_table.itemSelectionChanged.connect(self._program_selected)
        self.program_table.cellDoubleClicked.connect(lambda _r, _c: self.edit_program())

        lists_box = QWidget()
        lists_layout = QVBoxLayout(lists_box)
        lists_layout.setContentsMargins(0, 6, 0, 0)
        lists_layout.setSpacing(6)
        header = QHBoxLayout()
        self.lists_title = set_role(QLabel(_("Daftar usulan")), "section")
        header.addWidget(self.lists_title)
        header.addStretch(1)
        lists_layout.addLayout(header)
        actions = QHBoxLayout()
        self.import_button = set_role(QPushButton(_("Impor berkas usulan…")), "primary")
        self.import_button.setObjectName("import_proposals")
        self.import_button.clicked.connect(self.import_file)
        self.new_list_button = QPushButton(_("Daftar baru (ketik)…"))
        self.new_list_button.setObjectName("new_list")
        self.new_list_button.clicked.connect(self.new_typed_list)
        self.type_button = QPushButton(_("Ketik usulan…"))
        self.type_button.setObjectName("type_rows")
        self.type_button.clicked.connect(lambda: self.open_entry())
        self.screen_button = set_role(QPushButton(_("Saring")), "primary")
        self.screen_button.setObjectName("screen_list")
        self.screen_button.clicked.connect(lambda: self.screen())
        self.results_button = QPushButton(_("Lihat hasil"))
        self.results_button.setObjectName("open_results")
        self.results_button.clicked.connect(self.open_results)
        self.delete_button = QPushButton(_("Hapus daftar…"))
        self.delete_button.setObjectName("delete_list")
        self.delete_button.clicked.connect(self.delete_list)
        for button in (
            self.import_button,
            self.new_list_button,
            self.type_button,
            self.screen_button,
            self.results_button,
            self.delete_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        lists_layout.addLayout(actions)
        self.list_table = read_only_table(
            [
                _("Daftar usulan"),
                _("Pengusul"),
                _("Wilayah pengusul"),
                _("Status"),
                _("Jumlah baris"),
                _("Lolos"),
                _("Tidak lolos"),
                _("Perlu cek"),
                _("Dibuat"),
            ],
            "lists",
        )
        self.list_table.horizontalHeader().setStretchLastSection(False)
        self.list_table.itemSelectionChanged.connect(self._enable)
        self.list_table.cellDoubleClicked.connect(lambda _r, _c: self.open_selected_list())
        lists_layout.addWidget(self.list_table, 1)
        self.hint = set_role(QLabel(), "subtitle")
        self.hint.setWordWrap(True)
        lists_layout.addWidget(self.hint)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.program_table)
        splitter.addWidget(lists_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([220, 520])
        layout.addWidget(splitter, 1)
        self._fill_years()
        self._enable()

    # loading ----------------------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def _fill_years(self) -> None:
        self.year.blockSignals(True)
        chosen = self.year.currentData()
        self.year.clear()
        self.year.addItem(_("Semua"), ALL_YEARS)
        this_year = date.today().year
        years = {p.tahun for p in self.programs} | {this_year}
        for year in sorted(years, reverse=True):
            self.year.addItem(str(year), year)
        self.year.setCurrentIndex(max(0, self.year.findData(chosen if chosen is not None else ALL_YEARS)))
        self.year.blockSignals(False)

    def refresh(self, select_program: int | None = None, select_list: int | None = None) -> None:
        if self.loaded:
            self.lists_changed.emit()  # what is reloaded here may have changed for the results page too
        self.loaded = True
        chosen_program = select_program if select_program is not None else self.selected_program_id()
        chosen_list = select_list if select_list is not None else self.selected_list_id()
        year = self.year.currentData() or None
        try:
            self.programs = list_programs(self.db.unit_of_work(), self.user, tahun=year)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        if year is None:
            self._fill_years()
        table = self.program_table
        table.blockSignals(True)
        table.setRowCount(0)
        for program in self.programs:
            aid = " · ".join(
                part for part in (program.jenis_bantuan, rupiah(program.nilai_per_penerima)) if part
            )
            fill_row(
                table,
                [
                    program.nama,
                    program.tahun,
                    program.opd,
                    _(FUNDING_SOURCE_LABELS.get(program.sumber_dana, program.sumber_dana)),
                    aid,
                    thousands(program.kuota),
                    region_name(program.kode_wilayah),
                    target_text(program),
                    thousands(program.list_count),
                ],
                program.id,
                numeric={1, 5, 8},
            )
        table.resizeColumnsToContents()
        # The program's name in full; the OPD gives way when the page is narrow.
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.blockSignals(False)
        row = next(
            (i for i, p in enumerate(self.programs) if p.id == chosen_program), 0 if self.programs else -1
        )
        if row >= 0:
            table.selectRow(row)
        self._load_lists(chosen_list)

    def selected_program(self) -> ProgramData | None:
        row = self.program_table.currentRow()
        if row < 0 or not self.program_table.selectedItems():
            return None
        program_id = row_data(self.program_table, row)
        return next((p for p in self.programs if p.id == program_id), None)

    def selected_program_id(self) -> int | None:
        program = self.selected_program()
        return program.id if program else None

    def selected_list(self) -> ProposalListData | None:
        row = self.list_table.currentRow()
        if row < 0 or not self.list_table.selectedItems():
            return None
        list_id = row_data(self.list_table, row)
        return next((item for item in self.lists if item.id == list_id), None)

    def selected_list_id(self) -> int | None:
        item = self.selected_list()
        return item.id if item else None

    def _program_selected(self) -> None:
        self._load_lists()

    def _load_lists(self, select_list: int | None = None) -> None:
        program = self.selected_program()
        self.lists = []
        if program is not None:
            try:
                self.lists = list_proposal_lists(self.db.unit_of_work(), self.user, program.id)
            except Exception as error:  # shown or logged with an incident id
                show_error(self, error)
        self.lists_title.setText(
            _("Daftar usulan: {program}").format(program=program.nama) if program else _("Daftar usulan")
        )
        table = self.list_table
        table.blockSignals(True)
        table.setRowCount(0)
        for item in self.lists:
            screened = item.last_run_id is not None
            position = fill_row(
                table,
                [
                    item.nama,
                    item.sumber,
                    region_name(item.kode_wilayah_sumber),
                    status_text(item.status),
                    thousands(item.row_count),
                    thousands(item.lolos) if screened else "–",
                    thousands(item.tidak_lolos) if screened else "–",
                    thousands(item.perlu_cek) if screened else "–",
                    local_time(item.created_at)[:10],
                ],
                item.id,
                numeric={4, 5, 6, 7},
                colours={
                    5: VERDICT_COLOURS[Verdict.PASS],
                    6: VERDICT_COLOURS[Verdict.FAIL],
                    7: VERDICT_COLOURS[Verdict.CHECK],
                },
            )
            table.item(position, 0).setToolTip(self._list_note(item))
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.blockSignals(False)
        row = next(
            (i for i, item in enumerate(self.lists) if item.id == select_list), 0 if self.lists else -1
        )
        if row >= 0:
            table.selectRow(row)
        if program is None:
            self.hint.setText(
                _("Belum ada program. Buat program dulu dengan \u201cProgram baru…\u201d.")
                if not self.programs
                else _("Pilih satu program di tabel atas.")
            )
        elif not self.lists:
            self.hint.setText(
                _("Program ini belum memiliki daftar usulan. Impor berkas usulan atau ketik daftar baru.")
            )
        else:
            self.hint.setText(
                _(
                    "Klik dua kali satu daftar untuk membuka hasilnya (atau mengetik barisnya bila belum disaring)."
                )
            )
        self._enable()

    def _enable(self) -> None:
        can = self.user.can
        program = self.selected_program()
        chosen = self.selected_list()
        open_list = chosen is not None and chosen.status != ListStatus.IN_SK
        self.edit_program_button.setEnabled(program is not None)
        self.import_button.setEnabled(program is not None and can(Permission.PROPOSAL_EDIT))
        self.new_list_button.setEnabled(program is not None and can(Permission.PROPOSAL_EDIT))
        self.type_button.setEnabled(open_list and can(Permission.PROPOSAL_EDIT))
        self.screen_button.setEnabled(open_list and can(Permission.SCREENING_RUN) and chosen.row_count > 0)
        self.screen_button.setText(
            _("Saring ulang") if chosen is not None and chosen.last_run_id is not None else _("Saring")
        )
        self.results_button.setEnabled(chosen is not None and can(Permission.PERSON_READ))
        self.delete_button.setEnabled(open_list and can(Permission.PROPOSAL_EDIT))
        for button in (self.import_button, self.new_list_button, self.type_button, self.delete_button):
            button.setVisible(can(Permission.PROPOSAL_EDIT))
        if chosen is not None:
            self.hint.setText(self._list_note(chosen))

    @staticmethod
    def _list_note(item: ProposalListData) -> str:
        """What the table leaves out: where the list came from, who made it, how to open it."""
        origin = _("Berkas: {file}").format(file=item.file_name) if item.file_name else _("Diketik")
        made = _("dibuat {when} oleh {user}").format(when=local_time(item.created_at), user=item.created_by)
        return f"#{item.id} · {origin} · {made}. " + (
            _("Klik dua kali untuk membuka hasilnya.")
            if item.last_run_id is not None
            else _("Klik dua kali untuk mengetik barisnya.")
        )

    # programs ---------------------------------------------------------------------------------------------
    def new_program(self) -> None:
        dialog = ProgramDialog(self.db, self.user, None, self)
        if dialog.exec() and dialog.saved is not None:
            self.year.blockSignals(True)
            self.year.setCurrentIndex(0)
            self.year.blockSignals(False)
            self.refresh(select_program=dialog.saved.id)

    def edit_program(self) -> None:
        program = self.selected_program()
        if program is None or not self.user.can(Permission.PROGRAM_MANAGE):
            return
        dialog = ProgramDialog(self.db, self.user, program, self)
        if dialog.exec() and dialog.saved is not None:
            self.refresh(select_program=dialog.saved.id)

    # lists ------------------------------------------------------------------------------------------------
    def import_file(self):
        from ui.screening.import_wizard import ProposalImportWizard

        program = self.selected_program()
        if program is None:
            return None
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        self.wizard = ProposalImportWizard(self.db, self.user, program, self)
        self.wizard.imported.connect(self._imported)
        self.wizard.open()
        return self.wizard

    def _imported(self, list_id: int, screen_now: bool) -> None:
        self.refresh(select_list=list_id)
        if screen_now:
            self.screen(list_id)

    def new_typed_list(self):
        program = self.selected_program()
        if program is None:
            return None
        dialog = NewListDialog(self.db, self.user, program, self)
        if not dialog.exec() or dialog.list_id is None:
            return None
        self.refresh(select_list=dialog.list_id)
        return self.open_entry(dialog.list_id)

    def open_entry(self, list_id: int | None = None):
        from ui.screening.entry_dialog import ProposalEntryDialog

        list_id = list_id or self.selected_list_id()
        if list_id is None:
            return None
        try:
            proposal_list = get_proposal_list(self.db.unit_of_work(), self.user, list_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return None
        self.entry_dialog = ProposalEntryDialog(self.db, self.user, proposal_list, self)
        self.entry_dialog.rows_changed.connect(lambda changed: self.refresh(select_list=changed))
        self.entry_dialog.screen_requested.connect(self.screen)
        self.entry_dialog.open()
        return self.entry_dialog

    def open_selected_list(self) -> None:
        chosen = self.selected_list()
        if chosen is None:
            return
        if chosen.last_run_id is not None or not self.user.can(Permission.PROPOSAL_EDIT):
            self.open_results()
        else:
            self.open_entry(chosen.id)

    def open_results(self) -> None:
        list_id = self.selected_list_id()
        if list_id is not None:
            self.results_requested.emit(list_id)

    def screen(self, list_id: int | None = None) -> None:
        list_id = list_id or self.selected_list_id()
        if list_id is None or (self.job is not None and self.job.running):
            return

        def screened(summary: RunSummary) -> None:
            self.refresh(select_list=list_id)
            self.results_requested.emit(list_id)
            window = self.window()
            bar = window.statusBar() if hasattr(window, "statusBar") else None
            if bar is not None:
                bar.showMessage(
                    _(
                        "Disaring: {rows} baris, {lolos} lolos, {gagal} tidak lolos, {cek} perlu cek ({seconds} detik)."
                    ).format(
                        rows=thousands(summary.rows),
                        lolos=thousands(summary.lolos),
                        gagal=thousands(summary.tidak_lolos),
                        cek=thousands(summary.perlu_cek),
                        seconds=f"{summary.seconds:.1f}",
                    ),
                    15000,
                )

        self.job = run_in_background(
            self,
            _("Menyaring daftar usulan…"),
            lambda progress: screen_list(self.db, self.user, list_id, progress),
            screened,
            lambda _error: self.refresh(select_list=list_id),
        )

    def delete_list(self) -> None:
        chosen = self.selected_list()
        if chosen is None:
            return
        if not confirm(
            self,
            _("Hapus daftar usulan"),
            _(
                "Hapus daftar \u201c{name}\u201d beserta {n} barisnya? Hasil penyaringannya ikut terhapus."
            ).format(name=chosen.nama, n=thousands(chosen.row_count)),
        ):
            return
        reason, ok = QInputDialog.getText(
            self, _("Hapus daftar usulan"), _("Alasan penghapusan (dicatat di log audit):")
        )
        if not ok:
            return
        try:
            delete_proposal_list(self.db.unit_of_work(), self.user, chosen.id, reason)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        inform(
            self,
            _("Hapus daftar usulan"),
            _("Daftar \u201c{name}\u201d sudah dihapus.").format(name=chosen.nama),
        )
        self.refresh()
