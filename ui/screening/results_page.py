"""Hasil penyaringan: a screened list row by row, coloured by verdict and filtered by verdict, flag or desa, with
the counts of each; the chosen row beside its registry record; decisions and corrections (each with a reason,
run in a worker because they re-screen the list); the export for the desa or OPD that sent the list."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.i18n import _, ngettext
from app.office import OfficeDatabase
from app.screening.batch_review import (
    DEFAULT_MIN_PROBABILITY,
    decide_many,
    find_niks_to_take,
    take_registered_niks,
)
from app.screening.flags import KINDS, VERDICT_LABELS, Verdict
from app.screening.programs import ListStatus, ProposalListData, get_proposal_list, list_proposal_lists
from app.screening.proposal_entry import get_proposal
from app.screening.results import export_results, list_results, result_detail
from app.screening.service import correct, decide, flag_label, screen_list
from ui.jobs import run_in_background
from ui.messages import inform, show_error
from ui.registry.detail_format import thousands
from ui.screening.dialogs import CorrectionDialog, ReasonDialog, TakeNiksDialog
from ui.screening.look import VERDICT_COLOURS, decision_label, desa_label, percent, status_text
from ui.screening.result_detail import ResultDetailPane
from ui.screening.results_model import COLUMNS, ResultsModel
from ui.style import TEXT_MUTED, set_role
from ui.widgets.region_picker import region_name
from ui.widgets.stat_card import StatCard
from ui.widgets.tables import compact_combo, digits_width, header_fits, widen_popup

SEARCH_DELAY_MS = 150
COLUMN_WIDTHS = {
    "baris": 50,
    "hasil": 116,
    "nama": 150,
    "tanda": 230,
    "nik": 150,
    "tgl_lahir": 88,
    "jenis_kelamin": 34,
    "desa": 200,
    "nik_padan": 150,
    "skor": 84,
    "keputusan": 110,
}


def nowrap(text: str) -> str:
    return text.replace(" ", "\u00a0")


def _question(action: str) -> str:
    return {
        "accepted": _(
            "Padanan yang disarankan diterima sebagai orang yang diusulkan. Mengapa padanan ini benar?"
        ),
        "chosen": _("Calon yang dipilih dipakai sebagai orang yang diusulkan. Mengapa calon ini yang benar?"),
        "rejected": _("Padanan ditolak: orang yang diusulkan dianggap tidak ada di data Dukcapil. Mengapa?"),
        "field_check": _(
            "Baris ini ditandai untuk dicek ke lapangan (Pergub 52/2020 Pasal 6 ayat (2)). Apa yang perlu dicek?"
        ),
    }[action]


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower() or "usulan"


class ResultsPage(QWidget):
    list_changed = Signal(int)  # a decision or a correction changed this list's results

    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.proposal_list: ProposalListData | None = None
        self.loaded = False
        self.stale = False  # the lists changed elsewhere: read again when next shown
        self.job = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Hasil penyaringan")), "title"))
        top.addSpacing(12)
        top.addWidget(QLabel(_("Daftar usulan:")))
        self.list_combo = QComboBox()
        self.list_combo.setObjectName("list_choice")
        compact_combo(self.list_combo, 24)
        self.list_combo.activated.connect(self._list_chosen)
        top.addWidget(self.list_combo, 1)
        self.rescreen_button = QPushButton(_("Saring ulang"))
        self.rescreen_button.setObjectName("rescreen")
        self.rescreen_button.clicked.connect(self.rescreen)
        self.export_xlsx_button = QPushButton(_("Ekspor XLSX…"))
        self.export_xlsx_button.setObjectName("export_xlsx")
        self.export_xlsx_button.clicked.connect(lambda: self.export(".xlsx"))
        self.export_csv_button = QPushButton(_("Ekspor CSV…"))
        self.export_csv_button.setObjectName("export_csv")
        self.export_csv_button.clicked.connect(lambda: self.export(".csv"))
        for button in (self.rescreen_button, self.export_xlsx_button, self.export_csv_button):
            top.addWidget(button)
        layout.addLayout(top)
        self.info = set_role(QLabel(), "subtitle")
        self.info.setObjectName("list_info")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        cards = QHBoxLayout()
        cards.setSpacing(8)
        self.cards = {
            "rows": StatCard(_("Jumlah baris")),
            Verdict.PASS.value: StatCard(
                _(VERDICT_LABELS[Verdict.PASS]), VERDICT_COLOURS[Verdict.PASS].name()
            ),
            Verdict.FAIL.value: StatCard(
                _(VERDICT_LABELS[Verdict.FAIL]), VERDICT_COLOURS[Verdict.FAIL].name()
            ),
            Verdict.CHECK.value: StatCard(
                _(VERDICT_LABELS[Verdict.CHECK]), VERDICT_COLOURS[Verdict.CHECK].name()
            ),
            "decided": StatCard(_("Diputuskan operator")),
        }
        for card in self.cards.values():
            cards.addWidget(card)
        layout.addLayout(cards)
        self.flag_strip = QLabel()
        self.flag_strip.setObjectName("flag_strip")
        self.flag_strip.setTextFormat(Qt.TextFormat.RichText)
        self.flag_strip.setWordWrap(True)
        self.flag_strip.linkActivated.connect(self.filter_by_flag)
        layout.addWidget(self.flag_strip)

        filters = QHBoxLayout()
        self.verdict_filter = QComboBox()
        self.verdict_filter.setObjectName("verdict_filter")
        compact_combo(self.verdict_filter, 14)
        self.flag_filter = QComboBox()
        self.flag_filter.setObjectName("flag_filter")
        compact_combo(self.flag_filter, 16)
        self.desa_filter = QComboBox()
        self.desa_filter.setObjectName("desa_filter")
        compact_combo(self.desa_filter, 16)
        self.search = QLineEdit()
        self.search.setObjectName("result_search")
        self.search.setPlaceholderText(_("Cari nama atau NIK…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        for label, widget in (
            (_("Hasil"), self.verdict_filter),
            (_("Tanda"), self.flag_filter),
            (_("Desa"), self.desa_filter),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        self.clear_filters_button = QPushButton(_("Tampilkan semua"))
        self.clear_filters_button.clicked.connect(self.clear_filters)
        filters.addWidget(self.clear_filters_button)
        self.shown_label = set_role(QLabel(), "count")
        self.shown_label.setObjectName("shown_count")
        filters.addWidget(self.shown_label)
        layout.addLayout(filters)
        for combo in (self.verdict_filter, self.flag_filter, self.desa_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _text: self.search_timer.start())

        self.model = ResultsModel(self)
        self.table = QTableView()
        self.table.setObjectName("results")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Many rows at once (shift/ctrl, or every row of the filter) for one decision: batch review.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(26)
        horizontal = self.table.horizontalHeader()
        horizontal.setHighlightSections(False)
        horizontal.setStretchLastSection(True)
        widths = {column: COLUMN_WIDTHS.get(name, 0) for column, name in enumerate(COLUMNS)}
        for name in ("nik", "nik_padan"):
            if name in COLUMNS:
                widths[COLUMNS.index(name)] = digits_width(self.table)
        header_fits(self.table, widths, sortable=True)
        # The written NIK and the registered one side by side, right after the name: the digits an officer
        # compares are on screen without scrolling sideways.
        for name in ("nik_padan", "nik"):
            if name in COLUMNS and "nama" in COLUMNS:
                horizontal.moveSection(
                    horizontal.visualIndex(COLUMNS.index(name)),
                    horizontal.visualIndex(COLUMNS.index("nama")) + 1,
                )
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._enable_batch())
        layout.addLayout(self._batch_bar())

        self.detail = ResultDetailPane()
        self.detail.decision_requested.connect(self.request_decision)
        self.detail.correction_requested.connect(self.request_correction)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([760, 480])  # the pane at its least: both NIK columns in view
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self.empty = set_role(
            QLabel(
                _(
                    "Belum ada daftar usulan yang disaring. Impor atau ketik usulan di halaman Program & usulan."
                )
            ),
            "subtitle",
        )
        layout.addWidget(self.empty)
        self._enable()

    # loading ----------------------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded or self.stale:
            self.refresh()

    def mark_stale(self) -> None:
        self.stale = True

    def refresh(self) -> None:
        """Reloads the choice of lists and the list shown."""
        self.loaded, self.stale = True, False
        self._fill_lists()
        if self.proposal_list is not None and self.list_combo.findData(self.proposal_list.id) < 0:
            self.proposal_list = None  # deleted meanwhile
            self.model.set_rows([])
            self.detail.clear()
            self.info.clear()
        if self.proposal_list is not None:
            self.open_list(self.proposal_list.id, keep=self.current_proposal_id())
        elif self.list_combo.count():
            screened = next(
                (
                    i
                    for i in range(self.list_combo.count())
                    if self.list_combo.itemData(i, Qt.ItemDataRole.UserRole + 1)
                ),
                0,
            )
            self.open_list(int(self.list_combo.itemData(screened)))
        self._enable()

    def _fill_lists(self) -> None:
        try:
            lists = list_proposal_lists(self.db.unit_of_work(), self.user)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.list_combo.blockSignals(True)
        self.list_combo.clear()
        for item in lists:
            program = f"{item.program_nama} — " if item.program_nama else ""
            self.list_combo.addItem(
                f"{program}{item.nama}  ({status_text(item.status)}, {thousands(item.row_count)} "
                + _("baris")
                + ")",
                item.id,
            )
            self.list_combo.setItemData(
                self.list_combo.count() - 1, item.last_run_id is not None, Qt.ItemDataRole.UserRole + 1
            )
        if self.proposal_list is not None:
            self.list_combo.setCurrentIndex(max(0, self.list_combo.findData(self.proposal_list.id)))
        self.list_combo.blockSignals(False)
        self.list_combo.setToolTip(self.list_combo.currentText())
        widen_popup(self.list_combo)
        self.empty.setVisible(not lists)

    def _list_chosen(self, index: int) -> None:
        list_id = self.list_combo.itemData(index)
        if list_id is not None and (self.proposal_list is None or list_id != self.proposal_list.id):
            self.clear_filters(apply=False)
            self.open_list(int(list_id))

    def open_list(self, list_id: int, keep: int | None = None) -> None:
        """Shows a list; `keep`: the proposal to select again (after a decision or a correction)."""
        self.loaded, self.stale = True, False
        try:
            proposal_list = get_proposal_list(self.db.unit_of_work(), self.user, list_id)
            rows = list_results(self.db, self.user, list_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        if self.proposal_list is None or self.proposal_list.id != list_id:
            self.model.pin(None)
        self.proposal_list = proposal_list
        if self.list_combo.findData(list_id) < 0:
            self._fill_lists()
        self.list_combo.setCurrentIndex(max(0, self.list_combo.findData(list_id)))
        self.model.pin(keep)
        self.model.set_rows(rows)
        self._render_list_info(proposal_list)
        self._fill_filters()
        self.apply_filters(keep=keep)
        self._enable()

    def _render_list_info(self, item: ProposalListData) -> None:
        parts = []
        if item.program_nama:
            parts.append(_("Program: {program}").format(program=item.program_nama))
        if item.sumber:
            parts.append(_("Pengusul: {source}").format(source=item.sumber))
        code = item.kode_wilayah_sumber
        parts.append(
            _("Wilayah: {region}").format(region=desa_label(code) if len(code) == 10 else region_name(code))
        )
        if item.file_name:
            parts.append(_("Berkas: {file}").format(file=item.file_name))
        # Short parts never break inside ("Status: Sudah / disaring"); the line wraps between parts.
        parts.append(nowrap(_("Status: {status}").format(status=status_text(item.status))))
        if item.last_run_id is None:
            parts.append(nowrap(_("belum disaring")))
        self.info.setText("  ·  ".join(parts))
        rows = self.model.rows
        counts = self.model.verdict_counts()
        self.cards["rows"].set(len(rows))
        for verdict in Verdict:
            self.cards[verdict.value].set(counts.get(verdict.value, 0))
        self.cards["decided"].set(self.model.decided())
        flags = self.model.flag_counts()
        flags_title = _("Tanda:")
        links = [
            f"<a href='{code}' style='color:#1d5b8f;text-decoration:none;white-space:nowrap'>"
            f"{escape(flag_label(code))} ({thousands(flags[code])})</a>"
            for code in KINDS
            if flags.get(code)
        ]
        self.flag_strip.setText(
            f"<span style='color:{TEXT_MUTED}'>{escape(flags_title)}</span> " + " &nbsp;·&nbsp; ".join(links)
            if links
            else ""
        )

    # filters ----------------------------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        def refill(combo: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
            chosen = combo.currentData() or ""
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, "")
            for data, label in items:
                combo.addItem(label, data)
            position = combo.findData(chosen)
            if position < 0 and chosen:  # still filtered by it: keep it, with nothing left
                combo.addItem(f"{chosen} (0)", chosen)
                position = combo.count() - 1
            combo.setCurrentIndex(max(0, position))
            combo.blockSignals(False)
            widen_popup(combo)

        verdicts = self.model.verdict_counts()
        refill(
            self.verdict_filter,
            _("Semua hasil ({n})").format(n=thousands(len(self.model.rows))),
            [(v.value, f"{_(VERDICT_LABELS[v])} ({thousands(verdicts.get(v.value, 0))})") for v in Verdict],
        )
        flags = self.model.flag_counts()
        refill(
            self.flag_filter,
            _("Semua tanda"),
            [(code, f"{flag_label(code)} ({thousands(flags[code])})") for code in KINDS if flags.get(code)],
        )
        desa = self.model.desa_counts()
        no_desa = _("(desa tidak diisi)")
        refill(
            self.desa_filter,
            _("Semua desa"),
            sorted(
                (
                    (code, f"{desa_label(code) if code else no_desa} ({thousands(n)})")
                    for code, n in desa.items()
                ),
                key=lambda item: item[1],
            ),
        )

    def apply_filters(self, *_args, keep: int | None = None) -> None:
        self.search_timer.stop()
        if keep is None:
            # The user changed a filter: the filter decides what is shown. Only a reload after a decision
            # or a correction pins the row under review (`open_list(keep=...)`), which may no longer match.
            self.model.pin(None)
            keep = self.current_proposal_id()
        self.model.set_filter(
            self.verdict_filter.currentData() or "",
            self.flag_filter.currentData() or "",
            self.desa_filter.currentData() or "",
            self.search.text(),
        )
        self.shown_label.setText(
            _("{shown} dari {total} baris").format(
                shown=thousands(self.model.rowCount()), total=thousands(len(self.model.rows))
            )
        )
        position = self.model.position_of(keep) if keep is not None else -1
        if position >= 0:
            self.select_position(position)
        elif self.model.rowCount():
            self.select_position(0)
        else:
            self.detail.clear()

    def filter_by_flag(self, code: str) -> None:
        self.flag_filter.setCurrentIndex(max(0, self.flag_filter.findData(code)))

    def clear_filters(self, *_args, apply: bool = True) -> None:
        for combo in (self.verdict_filter, self.flag_filter, self.desa_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.pin(None)
        if apply:
            self.apply_filters()

    # the row under review ---------------------------------------------------------------------------------
    def current_proposal_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row.proposal_id if row is not None else None

    def select_position(self, position: int) -> None:
        index = self.model.index(position, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        self._show(position)

    def select_proposal(self, proposal_id: int) -> bool:
        position = self.model.position_of(proposal_id)
        if position < 0:
            return False
        self.select_position(position)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show(current.row())

    def _show(self, position: int) -> None:
        row = self.model.row_at(position)
        if row is None:
            self.detail.clear()
            return
        if self.detail.detail is not None and self.detail.detail.row == row:
            return
        try:
            detail = result_detail(self.db, self.user, row.proposal_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.detail.show_detail(detail)

    # decisions and corrections ----------------------------------------------------------------------------
    def editable(self) -> bool:
        return (
            self.proposal_list is not None
            and self.proposal_list.status != ListStatus.IN_SK
            and self.user.can(Permission.PROPOSAL_EDIT)
        )

    def request_decision(self, action: str, person_id: int = 0) -> None:
        detail = self.detail.detail
        if detail is None or self.busy:
            return
        if action == "chosen" and not person_id:
            inform(
                self,
                decision_label("chosen"),
                _(
                    "Ada beberapa calon: tekan \u201cPilih calon ini\u201d pada calon yang dimaksud di bagian "
                    "\u201cCalon di registri\u201d."
                ),
            )
            return
        proposal_id = detail.row.proposal_id
        title = decision_label(action)
        question = _("Baris {baris}: {nama}.").format(
            baris=detail.row.baris, nama=detail.row.nama or detail.row.nik
        )
        question += " " + _question(action)
        dialog = ReasonDialog(title, question, self)
        self.reason_dialog = dialog
        if not dialog.exec():
            return
        reason = dialog.reason
        self._run(
            _("Menyimpan keputusan dan menyaring ulang…"),
            lambda _progress: decide(self.db, self.user, proposal_id, action, reason, person_id or None),
            proposal_id,
        )

    def request_correction(self) -> None:
        detail = self.detail.detail
        if detail is None or self.proposal_list is None or self.busy:
            return
        try:
            row = get_proposal(self.db.unit_of_work(), self.user, detail.row.proposal_id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        dialog = CorrectionDialog(self.db, self.user, row, self.proposal_list.kode_wilayah_sumber, self)
        self.correction_dialog = dialog
        if not dialog.exec():
            return
        changes, reason = dialog.changes, dialog.reason_text
        self._run(
            _("Menyimpan perbaikan dan menyaring ulang…"),
            lambda progress: correct(self.db, self.user, row.id, changes, reason, progress),
            row.id,
        )

    def rescreen(self) -> None:
        if self.proposal_list is None or self.busy:
            return
        list_id = self.proposal_list.id
        self._run(
            _("Menyaring daftar usulan…"),
            lambda progress: screen_list(self.db, self.user, list_id, progress),
            self.current_proposal_id(),
        )

    # batch review -----------------------------------------------------------------------------------------
    def _batch_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.selected_label = set_role(QLabel(), "count")
        self.selected_label.setObjectName("selected_count")
        bar.addWidget(self.selected_label)
        self.select_all_button = QPushButton(_("Pilih semua baris di filter ini"))
        self.select_all_button.setObjectName("select_all_shown")
        self.select_all_button.clicked.connect(self.select_all_shown)
        bar.addWidget(self.select_all_button)
        bar.addStretch(1)
        self.batch_buttons = {}
        for action, text in (
            ("accepted", _("Terima terpilih…")),
            ("rejected", _("Tolak terpilih…")),
            ("field_check", _("Cek lapangan terpilih…")),
        ):
            button = QPushButton(text)
            button.setObjectName(f"batch_{action}")
            button.setToolTip(
                _("{decision}, untuk semua baris terpilih").format(decision=decision_label(action))
            )
            button.clicked.connect(lambda _checked=False, action=action: self.request_batch_decision(action))
            bar.addWidget(button)
            self.batch_buttons[action] = button
        self.take_niks_button = QPushButton(_("Ambil NIK terdaftar…"))
        self.take_niks_button.setObjectName("take_niks")
        self.take_niks_button.setToolTip(
            _(
                "Untuk setiap NIK salah ketik atau tidak sah yang padanannya meyakinkan: lihat dulu "
                "perubahannya, lalu simpan."
            )
        )
        self.take_niks_button.clicked.connect(self.request_take_niks)
        bar.addWidget(self.take_niks_button)
        return bar

    def selected_proposal_ids(self) -> list[int]:
        ids = []
        for index in self.table.selectionModel().selectedRows():
            row = self.model.row_at(index.row())
            if row is not None:
                ids.append(row.proposal_id)
        return ids

    def select_all_shown(self) -> None:
        """Every row the current filter shows (the filter "NIK salah ketik", say), for one decision."""
        self.table.selectAll()

    def _enable_batch(self) -> None:
        if not hasattr(self, "batch_buttons"):
            return
        selected = len(self.table.selectionModel().selectedRows())
        self.selected_label.setText(
            ngettext("{n} baris dipilih", "{n} baris dipilih", selected).format(n=thousands(selected))
        )
        allowed = (
            self.editable() and self.proposal_list is not None and self.proposal_list.last_run_id is not None
        )
        for button in self.batch_buttons.values():
            button.setEnabled(allowed and selected > 0)
        self.select_all_button.setEnabled(self.model.rowCount() > 0)
        self.take_niks_button.setEnabled(allowed)

    def request_batch_decision(self, action: str) -> None:
        ids = self.selected_proposal_ids()
        if not ids or self.busy:
            return
        title = decision_label(action)
        question = _("{n} baris terpilih.").format(n=thousands(len(ids))) + " " + _question(action)
        dialog = ReasonDialog(title, question, self)
        self.reason_dialog = dialog
        if not dialog.exec():
            return
        reason = dialog.reason
        self._run(
            _("Menyimpan keputusan untuk {n} baris dan menyaring ulang…").format(n=thousands(len(ids))),
            lambda progress: decide_many(self.db, self.user, ids, action, reason, progress),
            self.current_proposal_id(),
        )

    def request_take_niks(self) -> None:
        if self.proposal_list is None or self.busy:
            return
        list_id = self.proposal_list.id
        try:
            rows = find_niks_to_take(self.db, self.user, list_id, DEFAULT_MIN_PROBABILITY)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        title = _("Ambil NIK terdaftar untuk NIK salah ketik atau tidak sah")
        if not rows:
            inform(
                self,
                title,
                _(
                    "Tidak ada NIK salah ketik atau tidak sah dengan keyakinan sedikitnya {p} yang belum "
                    "diperbaiki."
                ).format(p=percent(DEFAULT_MIN_PROBABILITY)),
            )
            return
        dialog = TakeNiksDialog(rows, DEFAULT_MIN_PROBABILITY, self)
        self.take_niks_dialog = dialog
        if not dialog.exec():
            return
        ids, reason = dialog.proposal_ids, dialog.reason.text().strip()
        self._run(
            _("Mengambil NIK terdaftar dan menyaring ulang…"),
            lambda progress: take_registered_niks(
                self.db, self.user, list_id, ids, DEFAULT_MIN_PROBABILITY, reason, progress
            ),
            self.current_proposal_id(),
        )

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def _run(self, title: str, work, keep: int | None) -> None:
        list_id = self.proposal_list.id

        def done(_summary) -> None:
            self.detail.detail = None  # read again: the row changed
            self.open_list(list_id, keep=keep)
            self.list_changed.emit(list_id)

        def failed(_error: BaseException) -> None:
            self.detail.detail = None
            self.open_list(list_id, keep=keep)

        self.job = run_in_background(self, title, work, done, failed)

    # export -----------------------------------------------------------------------------------------------
    def export(self, suffix: str) -> None:
        if self.proposal_list is None or self.busy:
            return
        file_filter = "Excel (*.xlsx)" if suffix == ".xlsx" else "CSV (*.csv)"
        suggested = str(Path.home() / f"hasil-{_slug(self.proposal_list.nama)}{suffix}")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Simpan hasil penyaringan"), suggested, file_filter
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        list_id = self.proposal_list.id

        def written(count: int) -> None:
            inform(
                self,
                _("Ekspor selesai"),
                _("{n} baris hasil penyaringan ditulis ke {path}.").format(n=thousands(count), path=path),
            )

        self.job = run_in_background(
            self,
            _("Mengekspor hasil penyaringan…"),
            lambda _progress: export_results(self.db, self.user, list_id, Path(path)),
            written,
        )

    def _enable(self) -> None:
        has_list = self.proposal_list is not None
        screened = has_list and self.proposal_list.last_run_id is not None
        self.rescreen_button.setEnabled(
            has_list
            and self.proposal_list.status != ListStatus.IN_SK
            and self.user.can(Permission.SCREENING_RUN)
        )
        self.rescreen_button.setText(_("Saring ulang") if screened else _("Saring"))
        self.export_xlsx_button.setEnabled(screened)
        self.export_csv_button.setEnabled(screened)
        self.detail.set_editable(self.editable() and screened)
        self._enable_batch()
