"""The Sinkronisasi page: where this installation's enrollment stands (and the form to enroll it), the last sync,
what is waiting to go, the ledger of what was sent and what the server confirmed, and the conflicts to judge.

Syncing over the network and the USB exchange run in the background (`ui/jobs.py`) with progress and Batal;
when the device is approved and a server is set, a timer tries again every few minutes by itself (backing off
while the server cannot be reached), never while a sync runs, and says so in the status line. Every rule is in
app/sync/; this page only shows and asks.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.i18n import _
from app.office import OfficeDatabase
from app.sync import attempts
from app.sync.enrollment import APPROVED, PENDING, REVOKED, EnrollmentState
from app.sync.status import (
    ATTEMPT_KINDS,
    SEARCH_PERMISSION,
    ConflictView,
    LedgerFilter,
    SyncOverview,
    conflict_fields,
    export_ledger_csv,
    ledger_kinds,
    open_conflicts,
    sync_ledger,
    sync_overview,
    sync_ready,
    waiting_by_kind,
)
from ui.jobs import BackgroundJob, _Worker
from ui.messages import inform
from ui.registry.detail_format import local_time, thousands
from ui.style import FLAGGED_COLOUR, REFUSED_COLOUR, set_role
from ui.widgets.stat_card import StatCard
from ui.widgets.tables import fill_row, header_fits, read_only_table, row_data

AUTO_SYNC_MINUTES = 5  # the pause between automatic tries while the server answers
AUTO_SYNC_MAX_MINUTES = 60  # the longest pause while it does not: an office cut off for a day still retries
LEDGER_SHOWN = 500  # bundles shown; the CSV export holds them all
SEARCH_DELAY_MS = 300
UNREACHABLE_CODES = {"unreachable", "timeout", "server_failed"}


class _QuietJob(BackgroundJob):
    """An automatic sync: no dialog pops up every few minutes; its progress goes to the page's status line."""

    def start(self) -> BackgroundJob:
        BackgroundJob._running.add(self)
        QThreadPool.globalInstance().start(_Worker(self.work, self.signals, self.cancel_event))
        return self


def _enroll_client(url: str):
    from sync.client import SyncClient  # the HTTP stack is loaded when first needed, not at start-up

    return SyncClient(url)


class SyncPage(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.loaded = False
        self.overview: SyncOverview | None = None
        self.job: BackgroundJob | None = None
        self.conflicts: list[ConflictView] = []
        # The exchange a sync button runs: app/sync/attempts.run_exchange (replaceable in tests).
        self.exchange = attempts.run_exchange
        self.auto_minutes = AUTO_SYNC_MINUTES
        self.automatic_ready = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Sinkronisasi")), "title"))
        top.addStretch(1)
        self.sync_button = QPushButton(_("Sinkronkan sekarang"))
        set_role(self.sync_button, "primary")
        self.export_button = QPushButton(_("Ekspor ke USB…"))
        self.import_button = QPushButton(_("Impor jawaban…"))
        self.sync_button.clicked.connect(lambda: self.start_sync(attempts.HTTP))
        self.export_button.clicked.connect(self.export_usb)
        self.import_button.clicked.connect(self.import_answer)
        for button in (self.export_button, self.import_button, self.sync_button):
            top.addWidget(button)
        layout.addLayout(top)
        self.status_line = set_role(QLabel(""), "subtitle")
        self.status_line.setObjectName("sync_status_line")
        self.status_line.setWordWrap(True)
        layout.addWidget(self.status_line)

        self.enrollment = QStackedWidget()
        self.enrollment.setObjectName("enrollment_state")
        self.enrollment.addWidget(self._not_enrolled_panel())
        self.enrollment.addWidget(self._pending_panel())
        self.enrollment.addWidget(self._approved_panel())
        self.enrollment.addWidget(self._revoked_panel())
        layout.addWidget(self.enrollment)

        cards = QHBoxLayout()
        self.last_card = StatCard(_("Sinkronisasi terakhir"))
        self.waiting_card = StatCard(_("Menunggu dikirim"))
        self.unanswered_card = StatCard(_("Terkirim, belum dijawab"), FLAGGED_COLOUR.name())
        if user.can(SEARCH_PERMISSION):  # who sees the Konflik tab decides there
            self.conflict_card = StatCard(_("Konflik perlu diputuskan"), REFUSED_COLOUR.name())
        else:
            # A guest cannot open the conflicts, nor decide them: the count is told as information, in a calm
            # colour, with who acts on it — no call to an action this user has no way to take.
            self.conflict_card = StatCard(_("Konflik menunggu keputusan operator"))
            self.conflict_card.setToolTip(
                _("Konflik diputuskan oleh operator atau admin kantor ini di tab Konflik halaman ini.")
            )
        for card in (self.last_card, self.waiting_card, self.unanswered_card, self.conflict_card):
            cards.addWidget(card, 1)
        layout.addLayout(cards)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._waiting_tab(), _("Menunggu dikirim"))
        self.tabs.addTab(self._ledger_tab(), _("Buku kiriman"))
        self.conflicts_tab = self._conflicts_tab()
        if user.can(SEARCH_PERMISSION):
            self.tabs.addTab(self.conflicts_tab, _("Konflik"))
        layout.addWidget(self.tabs, 1)

        self.auto_timer = QTimer(self)
        self.auto_timer.setSingleShot(True)
        self.auto_timer.timeout.connect(self.auto_sync_tick)
        self.clock = QTimer(self)  # "5 menit lagi" in the status line stays true
        self.clock.setInterval(30_000)
        self.clock.timeout.connect(self._show_status)

    # building --------------------------------------------------------------------------------------------
    def _card(self) -> tuple[QFrame, QVBoxLayout]:
        frame = set_role(QFrame(), "card")
        box = QVBoxLayout(frame)
        box.setContentsMargins(14, 10, 14, 10)
        return frame, box

    def _not_enrolled_panel(self) -> QWidget:
        frame, box = self._card()
        self.not_enrolled_text = QLabel("")
        self.not_enrolled_text.setWordWrap(True)
        box.addWidget(self.not_enrolled_text)
        self.enroll_form = QWidget()
        form = QFormLayout(self.enroll_form)
        form.setContentsMargins(0, 4, 0, 0)
        self.server_url = QLineEdit()
        self.server_url.setObjectName("server_url")
        self.server_url.setPlaceholderText("https://ejps.gorontaloprov.go.id")
        self.office_name = QLineEdit(self.db.office.name)
        self.office_name.setObjectName("office_name")
        self.enroll_button = QPushButton(_("Daftarkan perangkat"))
        set_role(self.enroll_button, "primary")
        self.enroll_button.clicked.connect(self.enroll)
        form.addRow(_("Alamat server"), self.server_url)
        form.addRow(_("Nama kantor"), self.office_name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enroll_button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        box.addWidget(self.enroll_form)
        return frame

    def _pending_panel(self) -> QWidget:
        frame, box = self._card()
        box.addWidget(
            QLabel(_("Permintaan pendaftaran terkirim. Kode sekali pakai untuk admin Dinas Sosial Provinsi:"))
        )
        row = QHBoxLayout()
        self.code_label = QLabel("")
        self.code_label.setObjectName("enrollment_code")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(22)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.code_label)
        self.copy_button = QPushButton(_("Salin kode"))
        self.copy_button.clicked.connect(self.copy_code)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        self.check_button = QPushButton(_("Periksa status"))
        set_role(self.check_button, "primary")
        self.check_button.clicked.connect(self.check_status)
        row.addWidget(self.check_button)
        box.addLayout(row)
        self.pending_text = QLabel("")
        self.pending_text.setWordWrap(True)
        box.addWidget(self.pending_text)
        return frame

    def _approved_panel(self) -> QWidget:
        frame, box = self._card()
        row = QHBoxLayout()
        self.approved_text = QLabel("")
        self.approved_text.setWordWrap(True)
        row.addWidget(self.approved_text, 1)
        self.recheck_button = QPushButton(_("Periksa status"))
        self.recheck_button.clicked.connect(self.check_status)
        row.addWidget(self.recheck_button)
        box.addLayout(row)
        return frame

    def _revoked_panel(self) -> QWidget:
        frame, box = self._card()
        self.revoked_text = set_role(QLabel(""), "note")
        self.revoked_text.setWordWrap(True)
        box.addWidget(self.revoked_text)
        row = QHBoxLayout()
        self.reenroll_button = QPushButton(_("Daftarkan ulang…"))
        self.reenroll_button.clicked.connect(lambda: self._show_panel(0))
        row.addWidget(self.reenroll_button)
        row.addStretch(1)
        box.addLayout(row)
        return frame

    def _waiting_tab(self) -> QWidget:
        tab = QWidget()
        box = QVBoxLayout(tab)
        box.setContentsMargins(0, 8, 0, 0)
        self.waiting_table = read_only_table(
            [_("Jenis data"), _("Perubahan belum terkirim")], "waiting_by_kind"
        )
        self.waiting_table.horizontalHeader().setStretchLastSection(False)
        header_fits(self.waiting_table, {0: 300, 1: 200})
        box.addWidget(self.waiting_table)
        self.waiting_empty = set_role(
            QLabel(_("Tidak ada yang menunggu: semua perubahan sudah terkirim.")), "ok"
        )
        box.addWidget(self.waiting_empty)
        return tab

    def _ledger_tab(self) -> QWidget:
        tab = QWidget()
        box = QVBoxLayout(tab)
        box.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("ledger_kind")
        self.kind_filter.setMinimumContentsLength(16)
        self.kind_filter.currentIndexChanged.connect(lambda _i: self.reload_ledger())
        bar.addWidget(QLabel(_("Jenis data")))
        bar.addWidget(self.kind_filter)
        self.search = QLineEdit()
        self.search.setObjectName("ledger_search")
        self.search.setPlaceholderText(_("Cari NIK atau nama"))
        self.search.setClearButtonEnabled(True)
        self.search.setVisible(self.user.can(SEARCH_PERMISSION))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.reload_ledger)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.setMinimumWidth(260)
        bar.addWidget(self.search)
        self.ledger_count = set_role(QLabel(""), "count")
        bar.addWidget(self.ledger_count)
        bar.addStretch(1)
        self.ledger_export = QPushButton(_("Ekspor CSV…"))
        self.ledger_export.clicked.connect(self.export_ledger)
        bar.addWidget(self.ledger_export)
        box.addLayout(bar)
        self.ledger_table = read_only_table(
            [
                _("Dikirim"),
                _("Nomor perubahan"),
                _("Perubahan"),
                _("Diterapkan"),
                _("Duplikat"),
                _("Konflik"),
                _("Ditolak"),
                _("Belum dijawab"),
                _("Dijawab server"),
                _("Jenis data"),
            ],
            "sync_ledger",
        )
        header_fits(self.ledger_table, dict(enumerate((125, 120, 80, 85, 75, 65, 65, 110, 130))))
        box.addWidget(self.ledger_table)
        self.ledger_empty = set_role(
            QLabel(_("Belum ada yang terkirim. Kiriman dan jawaban server akan tercatat di sini.")), "info"
        )
        self.ledger_empty.setWordWrap(True)
        box.addWidget(self.ledger_empty)
        return tab

    def _conflicts_tab(self) -> QWidget:
        tab = QWidget()
        box = QVBoxLayout(tab)
        box.setContentsMargins(0, 8, 0, 0)
        self.conflicts_empty = set_role(
            QLabel(
                _(
                    "Tidak ada konflik. Bila data yang sama diubah di kantor ini dan di tempat lain, server "
                    "menahannya di sini untuk Anda putuskan."
                )
            ),
            "ok",
        )
        self.conflicts_empty.setWordWrap(True)
        box.addWidget(self.conflicts_empty)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.conflict_list = read_only_table([_("Data"), _("Jenis"), _("Oleh")], "conflict_list")
        # NIK and name whole at 1366 px: the officer recognises the person by them.
        self.conflict_list.setColumnWidth(0, 330)
        self.conflict_list.setColumnWidth(1, 120)
        self.conflict_list.itemSelectionChanged.connect(self._show_conflict)
        splitter.addWidget(self.conflict_list)
        detail = QWidget()
        detail_box = QVBoxLayout(detail)
        detail_box.setContentsMargins(8, 0, 0, 0)
        self.conflict_heading = QLabel("")
        self.conflict_heading.setWordWrap(True)
        detail_box.addWidget(self.conflict_heading)
        self.conflict_values = read_only_table(
            [_("Kolom"), _("Data saya"), _("Data server")], "conflict_values"
        )
        self.conflict_values.setColumnWidth(0, 150)
        self.conflict_values.setColumnWidth(1, 200)
        detail_box.addWidget(self.conflict_values, 1)
        buttons = QHBoxLayout()
        self.take_theirs = QPushButton(_("Pakai data server"))
        self.take_mine = QPushButton(_("Pakai data saya"))
        self.edit_value = QPushButton(_("Ubah nilai…"))
        self.take_theirs.clicked.connect(lambda: self.resolve_selected("theirs"))
        self.take_mine.clicked.connect(lambda: self.resolve_selected("mine"))
        self.edit_value.clicked.connect(self.edit_selected_value)
        for button in (self.take_theirs, self.take_mine, self.edit_value):
            buttons.addWidget(button)
        buttons.addStretch(1)
        detail_box.addLayout(buttons)
        splitter.addWidget(detail)
        splitter.setSizes([560, 580])
        self.conflict_splitter = splitter
        box.addWidget(splitter, 1)
        return tab

    # loading ---------------------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        self.overview = sync_overview(self.db.unit_of_work(), self.user)
        self._show_enrollment(self.overview.enrollment)
        self._show_cards(self.overview)
        self._fill_waiting()
        self._fill_kinds()
        self.reload_ledger()
        if self.tabs.indexOf(self.conflicts_tab) >= 0:
            self._fill_conflicts()
        self._update_buttons()
        self._schedule_auto()
        self._show_status()

    def _show_panel(self, index: int) -> None:
        # A stacked widget is as tall as its tallest panel: only the shown one should count.
        for i in range(self.enrollment.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.enrollment.widget(i).setSizePolicy(policy, policy)
        self.enrollment.setCurrentIndex(index)
        self.enrollment.adjustSize()

    def _show_enrollment(self, state: EnrollmentState) -> None:
        may_enroll = self.overview.may_enroll
        if state.status == PENDING:
            self._show_panel(1)
            self.code_label.setText(state.code)
            self.pending_text.setText(
                _(
                    "Sampaikan kode ini kepada admin Dinas Sosial Provinsi (telepon atau surat resmi), bersama "
                    "sidik kunci perangkat {fingerprint} dan nama kantor \u201c{office}\u201d. Admin menyetujuinya "
                    "dengan perintah \u2018ejps device approve KODE\u2019. Kode berlaku sampai {until}. Setelah "
                    "itu tekan \u201cPeriksa status\u201d."
                ).format(
                    fingerprint=state.fingerprint or "–",
                    office=state.office_name or self.db.office.name,
                    until=local_time(state.code_expires_at) or "–",
                )
            )
            self.check_button.setVisible(may_enroll)
        elif state.status == APPROVED:
            self._show_panel(2)
            self.approved_text.setText(
                _("Perangkat terdaftar untuk {office}, wilayah {region}, pada server {url}.").format(
                    office=state.office_name or self.db.office.name,
                    region=state.region or "–",
                    url=state.server_url,
                )
            )
            self.recheck_button.setVisible(may_enroll)
        elif state.status == REVOKED:
            self._show_panel(3)
            reason = state.note or _(
                "Perangkat ini telah dicabut oleh admin provinsi dan tidak dapat bersinkron."
            )
            self.revoked_text.setText(
                reason
                + "\n"
                + _(
                    "Data di komputer ini tetap aman dan perubahan yang belum terkirim tetap tersimpan. Tanyakan "
                    "alasannya kepada admin Dinas Sosial Provinsi; bila perangkat ini boleh dipakai lagi, "
                    "daftarkan ulang."
                )
            )
            self.reenroll_button.setVisible(may_enroll)
        else:
            self._show_panel(0)
            if may_enroll:
                text = _(
                    "Perangkat ini belum terdaftar pada server provinsi. Isi alamat server, lalu tekan "
                    "\u201cDaftarkan perangkat\u201d: program mencetak kode sekali pakai untuk admin provinsi."
                )
            else:
                text = _(
                    "Perangkat ini belum terdaftar pada server provinsi. Pendaftaran dilakukan oleh admin kantor."
                )
            if state.note:
                text = state.note + "\n" + text
            self.not_enrolled_text.setText(text)
            self.enroll_form.setVisible(may_enroll)
            if state.server_url and not self.server_url.text():
                self.server_url.setText(state.server_url)

    def _show_cards(self, overview: SyncOverview) -> None:
        last = overview.last_attempt
        self.last_card.value.setText(local_time(last.finished_at) if last else _("Belum pernah"))
        self.last_card.value.setStyleSheet(f"color: {REFUSED_COLOUR.name()};" if last and not last.ok else "")
        self.waiting_card.set(overview.waiting)
        self.unanswered_card.set(overview.unanswered)
        self.conflict_card.set(overview.open_conflicts)

    def _fill_waiting(self) -> None:
        kinds = waiting_by_kind(self.db.unit_of_work(), self.user)
        self.waiting_table.setRowCount(0)
        for kind in kinds:
            fill_row(self.waiting_table, [kind.label, thousands(kind.count)], kind.entity, numeric={1})
        self.waiting_table.setVisible(bool(kinds))
        self.waiting_empty.setVisible(not kinds)

    def _fill_kinds(self) -> None:
        current = self.kind_filter.currentData()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(_("Semua jenis"), "")
        for kind in ledger_kinds(self.db.unit_of_work(), self.user):
            self.kind_filter.addItem(kind.label, kind.entity)
        index = self.kind_filter.findData(current)
        self.kind_filter.setCurrentIndex(max(0, index))
        self.kind_filter.blockSignals(False)

    def ledger_filter(self) -> LedgerFilter:
        return LedgerFilter(kind=self.kind_filter.currentData() or "", text=self.search.text().strip())

    def reload_ledger(self) -> None:
        filters = self.ledger_filter()
        page = sync_ledger(self.db.unit_of_work(), self.user, filters, 0, LEDGER_SHOWN)
        self.ledger_table.setRowCount(0)
        for row in page.rows:
            colours = {}
            if row.refused:
                colours[6] = REFUSED_COLOUR
            if row.conflict:
                colours[5] = FLAGGED_COLOUR
            if row.unanswered:
                colours[7] = FLAGGED_COLOUR
            line = fill_row(
                self.ledger_table,
                [
                    local_time(row.sent_at) or "–",
                    f"{row.seq_from}–{row.seq_to}",
                    thousands(row.changes),
                    thousands(row.applied),
                    thousands(row.duplicate),
                    thousands(row.conflict),
                    thousands(row.refused),
                    thousands(row.unanswered),
                    local_time(row.answered_at) if row.confirmed else _("belum"),
                    ", ".join(row.kinds),
                ],
                row.bundle_id,
                colours=colours,
                numeric={2, 3, 4, 5, 6, 7},
            )
            self.ledger_table.item(line, 9).setToolTip(", ".join(row.kinds))
        filtered = bool(filters.kind or filters.text)
        self.ledger_count.setText(
            _("{shown} dari {total} kiriman").format(
                shown=thousands(len(page.rows)), total=thousands(page.total)
            )
        )
        self.ledger_table.setVisible(bool(page.rows) or filtered)
        self.ledger_empty.setVisible(not page.rows and not filtered)
        self.ledger_export.setEnabled(bool(page.rows))

    def _fill_conflicts(self) -> None:
        self.conflicts = open_conflicts(self.db.unit_of_work(), self.user)
        self.conflict_list.setRowCount(0)
        for conflict in self.conflicts:
            fill_row(
                self.conflict_list,
                [conflict.record or str(conflict.uid)[:8], conflict.label, conflict.username],
                conflict.id,
            )
        self.conflicts_empty.setVisible(not self.conflicts)
        self.conflict_splitter.setVisible(bool(self.conflicts))
        self._show_conflict()

    def selected_conflict(self) -> ConflictView | None:
        rows = self.conflict_list.selectionModel().selectedRows()
        if not rows:
            return None
        wanted = row_data(self.conflict_list, rows[0].row())
        return next((c for c in self.conflicts if c.id == wanted), None)

    def _show_conflict(self) -> None:
        conflict = self.selected_conflict()
        self.conflict_values.setRowCount(0)
        may_resolve = conflict is not None and self.overview is not None and self.overview.may_sync
        for button in (self.take_theirs, self.take_mine, self.edit_value):
            button.setEnabled(may_resolve)
            button.setVisible(self.overview is None or self.overview.may_sync)
        if conflict is None:
            self.conflict_heading.setText(_("Pilih konflik di kiri untuk melihat rinciannya."))
            return
        self.conflict_heading.setText(
            _(
                "{kind}: {record}\nDiubah oleh {who} di perangkat {device} pada {when}, berdasarkan versi "
                "server #{base}."
            ).format(
                kind=conflict.label,
                record=conflict.record or conflict.uid,
                who=conflict.username or "–",
                device=str(conflict.device)[:8],
                when=local_time(conflict.created_at),
                base=conflict.base,
            )
        )
        for field in conflict_fields(conflict):
            colours = {1: FLAGGED_COLOUR, 2: FLAGGED_COLOUR} if field.differs else None
            fill_row(
                self.conflict_values, [field.label, field.mine, field.theirs], field.name, colours=colours
            )

    def _update_buttons(self) -> None:
        overview = self.overview
        may, ready = overview.may_sync, overview.ready
        running = self.sync_running
        for button in (self.sync_button, self.export_button, self.import_button):
            button.setVisible(may)  # a courtesy: the use cases refuse a guest anyway
            button.setEnabled(ready and not running)

    # the status line and the automatic retry -------------------------------------------------------------
    @property
    def sync_running(self) -> bool:
        return self.job is not None and self.job.running

    def start_automatic(self) -> None:
        """Arms the automatic retry from the window's start, before the page is ever shown: an office that
        never opens this page still sends its work when the server is reachable."""
        self.automatic_ready = sync_ready(self.db.unit_of_work(), self.user)
        self._schedule_auto()

    def _schedule_auto(self) -> None:
        if self.overview is not None:
            self.automatic_ready = self.overview.ready and self.overview.may_sync
        if self.automatic_ready:
            if not self.auto_timer.isActive():
                self.auto_timer.start(self.auto_minutes * 60_000)
            self.clock.start()
        else:
            self.auto_timer.stop()
            self.clock.stop()

    def _show_status(self, text: str = "") -> None:
        if text:
            self.status_line.setText(text)
            return
        overview = self.overview
        if overview is None:
            return
        parts = []
        if self.sync_running:
            parts.append(_("Sinkronisasi sedang berjalan…"))
        last = overview.last_attempt
        if last is not None:
            how = _(ATTEMPT_KINDS.get(last.kind, last.kind))
            if last.ok:
                parts.append(
                    _("Terakhir {how}: berhasil, {when}.").format(how=how, when=local_time(last.finished_at))
                )
            else:
                parts.append(
                    _("Terakhir {how}: gagal, {when} — {message}").format(
                        how=how, when=local_time(last.finished_at), message=last.message
                    )
                )
        if self.auto_timer.isActive() and not self.sync_running:
            minutes = max(1, round(self.auto_timer.remainingTime() / 60_000))
            parts.append(_("Dicoba lagi otomatis dalam {n} menit.").format(n=minutes))
        elif overview.may_sync and not overview.ready:
            status = overview.enrollment.status
            if status == REVOKED:
                parts.append(_("Sinkronisasi berhenti: perangkat ini dicabut."))
            elif status == PENDING:
                parts.append(_("Sinkronisasi dimulai setelah admin provinsi menyetujui perangkat ini."))
            else:
                parts.append(_("Sinkronisasi dimulai setelah perangkat ini terdaftar dan disetujui server."))
        self.status_line.setText(" ".join(parts))

    def auto_sync_tick(self) -> None:
        """The timer's try: never a second sync while one runs; nothing while not approved."""
        self.automatic_ready = sync_ready(self.db.unit_of_work(), self.user)
        if not self.automatic_ready:
            self._schedule_auto()
            return
        if self.sync_running:
            self._show_status(_("Sinkronisasi otomatis dilewati: sinkronisasi lain sedang berjalan."))
            self.auto_timer.start(self.auto_minutes * 60_000)
            return
        self.start_sync(attempts.HTTP, automatic=True)

    # actions ---------------------------------------------------------------------------------------------
    def start_sync(
        self, kind: str, path: Path | None = None, automatic: bool = False
    ) -> BackgroundJob | None:
        if self.sync_running:
            return None
        self.auto_timer.stop()
        exchange, db, user = self.exchange, self.db, self.user
        titles = {
            attempts.HTTP: _("Sinkronisasi dengan server…"),
            attempts.USB_EXPORT: _("Menyiapkan berkas untuk server…"),
            attempts.USB_IMPORT: _("Menerapkan jawaban server…"),
        }

        def work(progress):
            return exchange(db, user, kind, path, progress)

        job_class = _QuietJob if automatic else BackgroundJob
        self.job = job_class(
            self,
            titles[kind],
            work,
            lambda result: self._sync_done(kind, path, automatic, result),
            lambda error: self._sync_failed(kind, automatic, error),
        )
        if automatic:
            self.job.signals.progress.connect(
                lambda _d, _t, what: (
                    what and self._show_status(_("Sinkronisasi otomatis: {what}").format(what=what))
                )
            )
        self.job.start()
        self._update_buttons()
        self._show_status()
        return self.job

    def _sync_done(self, kind: str, path: Path | None, automatic: bool, _result) -> None:
        self.auto_minutes = AUTO_SYNC_MINUTES
        self.refresh()
        if not automatic and kind == attempts.USB_EXPORT:
            inform(
                self,
                _("Ekspor ke USB"),
                _(
                    "Berkas {name} siap. Bawa ke server provinsi; jawabannya diimpor lewat \u201cImpor "
                    "jawaban…\u201d."
                ).format(name=path.name if path else ""),
            )

    def _sync_failed(self, kind: str, automatic: bool, error: BaseException) -> bool:
        if getattr(error, "code", "") in UNREACHABLE_CODES:
            # A server cut off is tried less often, up to an hour apart.
            self.auto_minutes = min(AUTO_SYNC_MAX_MINUTES, self.auto_minutes * 2)
        self.refresh()
        if automatic:
            self._show_status(
                _("Sinkronisasi otomatis gagal: {error} Dicoba lagi dalam {n} menit.").format(
                    error=error, n=self.auto_minutes
                )
            )
            return True  # said in the status line: no dialog for a try nobody asked for
        return False

    def export_usb(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Ekspor ke USB"), "ejps-kiriman.ejps", _("Berkas kiriman e-JPS (*.ejps)")
        )
        if path:
            self.start_sync(attempts.USB_EXPORT, Path(path))

    def import_answer(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Impor jawaban server"),
            "",
            _("Jawaban server e-JPS (*.ejps *.ejpsans);;Semua berkas (*)"),
        )
        if path:
            self.start_sync(attempts.USB_IMPORT, Path(path))

    def enroll(self) -> None:
        from app.sync.enrollment import enroll_device

        url = self.server_url.text().strip()
        if not url.startswith(("http://", "https://")):
            self._show_status(
                _("Alamat server harus diawali http:// atau https://, mis. https://ejps.gorontaloprov.go.id")
            )
            self.server_url.setFocus()
            return
        name = self.office_name.text().strip()
        db, user = self.db, self.user

        def work(_progress):
            with _enroll_client(url) as client:
                return enroll_device(db.unit_of_work(), user, client, name)

        self.job = BackgroundJob(self, _("Mendaftarkan perangkat…"), work, lambda _s: self.refresh()).start()

    def check_status(self) -> None:
        from app.sync.enrollment import check_enrollment

        url = self.overview.enrollment.server_url if self.overview else ""
        db, user = self.db, self.user

        def work(_progress):
            with _enroll_client(url) as client:
                return check_enrollment(db.unit_of_work(), user, client)

        self.job = BackgroundJob(
            self, _("Memeriksa status pendaftaran…"), work, lambda _s: self.refresh()
        ).start()

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code_label.text())
        self._show_status(_("Kode disalin."))

    def export_ledger(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Ekspor buku kiriman"), "buku-kiriman.csv", "CSV (*.csv)"
        )
        if not path:
            return
        filters, db, user = self.ledger_filter(), self.db, self.user
        BackgroundJob(
            self,
            _("Mengekspor buku kiriman…"),
            lambda _p: export_ledger_csv(db, user, Path(path), filters),
            lambda rows: self._show_status(
                _("{rows} kiriman diekspor ke {name}.").format(rows=thousands(rows), name=Path(path).name)
            ),
        ).start()

    def resolve_selected(self, choice) -> None:
        conflict = self.selected_conflict()
        if conflict is None:
            return
        db, user = self.db, self.user
        BackgroundJob(
            self,
            _("Menyimpan keputusan konflik…"),
            lambda _p: attempts.resolve(db, user, conflict.conflict_uid, choice),
            lambda _r: self.refresh(),
        ).start()

    def edit_selected_value(self) -> None:
        conflict = self.selected_conflict()
        rows = self.conflict_values.selectionModel().selectedRows()
        if conflict is None:
            return
        fields = {field.name: field for field in conflict_fields(conflict)}
        field = row_data(self.conflict_values, rows[0].row()) if rows else next(iter(fields))
        current = conflict.theirs.get(field, conflict.mine.get(field, ""))
        value, ok = QInputDialog.getText(
            self,
            _("Ubah nilai"),
            _("Nilai baru untuk {field}:").format(field=fields[field].label),
            text=str(current or ""),
        )
        if ok:
            self.resolve_selected({field: value})
