"""SK Penetapan: the program's SKs (status, number, date, recipients, total), drafting one from screened lists,
the ranking with who falls outside a quota and why, finalising and amending. Every rule is in app/documents;
a refusal is shown as the service words it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.documents.sk import (
    SK_ORIGIN_LABELS,
    SK_STATUS_LABELS,
    SkStatus,
    SkSummary,
    delete_sk,
    list_sks,
    sk_detail,
)
from app.documents.sk_final import amend_sk, finalise_sk
from app.documents.sk_quota import RankingRow, force_into_sk, remove_from_sk, requota_sk, sk_ranking
from app.i18n import _
from app.office import OfficeDatabase
from app.screening.programs import list_programs
from ui.documents.sk_preview import open_sk_preview
from ui.jobs import BackgroundJob, run_in_background
from ui.messages import confirm, guarded, inform
from ui.registry.detail_format import thousands
from ui.screening.dialogs import ReasonDialog
from ui.style import set_role
from ui.widgets.tables import fill_row, read_only_table, row_data

OUTSIDE_QUOTA = QColor("#fdecea")  # a row left out by the quota
OVER_QUOTA = QColor("#fff4d6")  # a row an admin let in over the quota


class SkPage(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.loaded = False
        self.programs = []
        self.sks: list[SkSummary] = []
        self.ranking: list[RankingRow] = []
        self.dialog = None
        self.background: BackgroundJob | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("SK Penetapan")), "title"))
        top.addStretch(1)
        top.addWidget(QLabel(_("Program")))
        self.program = QComboBox()
        self.program.setObjectName("sk_program")
        self.program.setMinimumContentsLength(24)
        self.program.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.program.currentIndexChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.program)
        layout.addLayout(top)
        intro = set_role(
            QLabel(
                _(
                    "Hasil penyaringan menjadi acuan SK penetapan penerima (Pergub 52/2020 Pasal 6 ayat 2). Susun SK "
                    "dari daftar yang sudah disaring, periksa peringkat dan kuota, lalu finalkan: SK final tidak "
                    "dapat diubah, penerimanya tercatat sebagai penerima program."
                )
            ),
            "subtitle",
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        actions = QHBoxLayout()
        self.new_button = set_role(QPushButton(_("Susun SK baru…")), "primary")
        self.edit_button = QPushButton(_("Ubah draf…"))
        self.requota_button = QPushButton(_("Hitung ulang kuota"))
        self.finalise_button = set_role(QPushButton(_("Finalkan…")), "primary")
        self.amend_button = QPushButton(_("Buat SK perubahan…"))
        self.delete_button = QPushButton(_("Hapus draf…"))
        self.preview_button = QPushButton(_("Pratinjau dan cetak…"))
        for button, name, slot in (
            (self.new_button, "new_sk", self.new_sk),
            (self.edit_button, "edit_sk", self.edit_sk),
            (self.requota_button, "requota_sk", self.requota),
            (self.finalise_button, "finalise_sk", self.finalise),
            (self.amend_button, "amend_sk", self.amend),
            (self.delete_button, "delete_sk", self.delete),
            (self.preview_button, "preview_sk", self.preview),
        ):
            button.setObjectName(name)
            button.clicked.connect(slot)
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.sk_table = read_only_table(
            [
                _("Nomor SK"),
                _("Tanggal"),
                _("Status"),
                _("Asal"),
                _("Penerima"),
                _("Di luar kuota"),
                _("Total (Rp)"),
                _("Keterangan"),
            ],
            "sks",
        )
        self.sk_table.itemSelectionChanged.connect(self._sk_selected)

        ranking_box = QWidget()
        ranking_layout = QVBoxLayout(ranking_box)
        ranking_layout.setContentsMargins(0, 6, 0, 0)
        ranking_layout.setSpacing(6)
        header = QHBoxLayout()
        self.ranking_title = set_role(QLabel(_("Peringkat dan kuota")), "section")
        header.addWidget(self.ranking_title)
        header.addStretch(1)
        self.force_button = QPushButton(_("Masukkan melebihi kuota…"))
        self.force_button.setObjectName("force_row")
        self.force_button.clicked.connect(self.force_row)
        # Only an admin may exceed a quota: the button is a courtesy, force_into_sk refuses anyone else.
        self.force_button.setVisible(user.can(Permission.QUOTA_MANAGE))
        self.remove_button = QPushButton(_("Keluarkan dari SK…"))
        self.remove_button.setObjectName("remove_row")
        self.remove_button.clicked.connect(self.remove_row)
        header.addWidget(self.force_button)
        header.addWidget(self.remove_button)
        ranking_layout.addLayout(header)
        self.ranking_note = set_role(
            QLabel(
                _(
                    "Urutan: desil DTKS/DTSEN terendah dahulu (tanpa desil paling akhir), lalu yang lebih tua, lalu "
                    "baris usulan yang lebih awal. Baris merah berada di luar kuota."
                )
            ),
            "subtitle",
        )
        self.ranking_note.setWordWrap(True)
        ranking_layout.addWidget(self.ranking_note)
        self.ranking_table = read_only_table(
            [
                _("Peringkat"),
                _("No."),
                _("NIK"),
                _("Nama"),
                _("Desa/kelurahan"),
                _("Desil"),
                _("Tgl lahir"),
                _("Usulan"),
                _("Status"),
                _("Alasan"),
            ],
            "ranking",
        )
        self.ranking_table.itemSelectionChanged.connect(self._enable)
        ranking_layout.addWidget(self.ranking_table, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sk_table)
        splitter.addWidget(ranking_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([160, 480])
        layout.addWidget(splitter, 1)
        self._enable()

    # loading ----------------------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.load_programs()

    def load_programs(self) -> None:
        self.loaded = True
        self.programs = guarded(self, list_programs, self.db.unit_of_work(), self.user) or []
        self.program.blockSignals(True)
        self.program.clear()
        for program in self.programs:
            self.program.addItem(f"{program.nama} ({program.tahun})", program.id)
        self.program.blockSignals(False)
        self.refresh()

    def current_program(self):
        index = self.program.currentIndex()
        return self.programs[index] if 0 <= index < len(self.programs) else None

    def refresh(self, select_id: int | None = None) -> None:
        program = self.current_program()
        self.sks = guarded(self, list_sks, self.db.unit_of_work(), self.user, program.id) if program else []
        self.sks = self.sks or []
        self.sk_table.setRowCount(0)
        for sk in self.sks:
            notes = []
            if sk.mengubah_nomor:
                notes.append(_("mengubah SK {nomor}").format(nomor=sk.mengubah_nomor))
            if sk.diubah_oleh_nomor:
                notes.append(_("diubah oleh SK {nomor}").format(nomor=sk.diubah_oleh_nomor))
            if sk.hash_isi:
                notes.append(_("hash {hash}…").format(hash=sk.hash_isi[:12]))
            fill_row(
                self.sk_table,
                [
                    sk.nomor or _("(belum bernomor)"),
                    f"{sk.tanggal:%d-%m-%Y}" if sk.tanggal else "",
                    _(SK_STATUS_LABELS.get(sk.status, sk.status)),
                    _(SK_ORIGIN_LABELS.get(sk.asal, sk.asal)),
                    thousands(sk.penerima),
                    thousands(sk.di_luar_kuota),
                    thousands(sk.total_nilai),
                    "; ".join(notes),
                ],
                sk.id,
                numeric={4, 5, 6},
            )
        self.sk_table.resizeColumnsToContents()
        row = next((i for i, sk in enumerate(self.sks) if sk.id == select_id), 0 if self.sks else -1)
        if row >= 0:
            self.sk_table.selectRow(row)
        self._sk_selected()

    def preview(self) -> None:
        """The SK as it will print (draft marked DRAF), in the in-app PDF preview with print and save."""
        sk = self.selected_sk()
        if sk is not None:
            self.preview_job = open_sk_preview(self, self.db, self.user, sk.id)

    def selected_sk(self) -> SkSummary | None:
        rows = self.sk_table.selectionModel().selectedRows()
        if not rows:
            return None
        sk_id = row_data(self.sk_table, rows[0].row())
        return next((sk for sk in self.sks if sk.id == sk_id), None)

    def _sk_selected(self) -> None:
        sk = self.selected_sk()
        self.ranking = (
            (guarded(self, sk_ranking, self.db.unit_of_work(), self.user, sk.id) or []) if sk else []
        )
        self._show_ranking()

    def _show_ranking(self) -> None:
        sk = self.selected_sk()
        self.ranking_table.setRowCount(0)
        for r in self.ranking:
            if r.dipaksa_oleh:
                status, colour = _("Melebihi kuota"), OVER_QUOTA
            elif r.masuk:
                status, colour = _("Masuk SK"), None
            else:
                status, colour = _("Di luar kuota"), OUTSIDE_QUOTA
            row = fill_row(
                self.ranking_table,
                [
                    r.peringkat or "",
                    r.urutan or "",
                    r.nik,
                    r.nama,
                    r.desa,
                    r.desil if r.desil is not None else "–",
                    f"{r.tgl_lahir:%d-%m-%Y}" if r.tgl_lahir else "",
                    _("{list}, baris {row}").format(list=r.daftar, row=r.baris) if r.daftar else "",
                    status,
                    r.alasan,
                ],
                r.id,
                numeric={0, 1, 5},
            )
            self.ranking_table.item(row, 9).setToolTip(r.alasan)
            if colour is not None:
                for column in range(self.ranking_table.columnCount()):
                    self.ranking_table.item(row, column).setBackground(QBrush(colour))
        # Every column as wide as its content except the reason, which takes the rest (whole in its tooltip).
        for column in range(self.ranking_table.columnCount() - 1):
            self.ranking_table.resizeColumnToContents(column)
        outside = sum(1 for r in self.ranking if not r.masuk)
        self.ranking_title.setText(
            _("Peringkat dan kuota: {n} baris, {out} di luar kuota").format(
                n=thousands(len(self.ranking)), out=thousands(outside)
            )
            if sk
            else _("Peringkat dan kuota")
        )
        self._enable()

    def selected_row(self) -> RankingRow | None:
        rows = self.ranking_table.selectionModel().selectedRows()
        if not rows:
            return None
        row_id = row_data(self.ranking_table, rows[0].row())
        return next((r for r in self.ranking if r.id == row_id), None)

    def _enable(self) -> None:
        sk = self.selected_sk()
        draft = sk is not None and sk.status == SkStatus.DRAFT
        can_draft = self.user.can(Permission.SK_DRAFT)
        self.new_button.setEnabled(can_draft and self.current_program() is not None)
        for button in (self.edit_button, self.requota_button, self.finalise_button, self.delete_button):
            button.setEnabled(can_draft and draft)
        self.amend_button.setEnabled(can_draft and sk is not None and sk.status == SkStatus.FINAL)
        self.preview_button.setEnabled(sk is not None)
        row = self.selected_row()
        self.force_button.setEnabled(draft and row is not None and not row.masuk)
        self.remove_button.setEnabled(draft and row is not None)

    # actions ----------------------------------------------------------------------------------------------
    def new_sk(self):
        from ui.documents.sk_dialog import SkDialog

        program = self.current_program()
        if program is None:
            return None
        self.dialog = SkDialog(self.db, self.user, program, None, self)
        self.dialog.accepted.connect(lambda: self.refresh(self.dialog.result.summary.id))
        self.dialog.open()
        return self.dialog

    def edit_sk(self):
        from ui.documents.sk_dialog import SkDialog

        sk = self.selected_sk()
        detail = guarded(self, sk_detail, self.db.unit_of_work(), self.user, sk.id) if sk else None
        if detail is None:
            return None
        self.dialog = SkDialog(self.db, self.user, self.current_program(), detail, self)
        self.dialog.accepted.connect(lambda: self.refresh(sk.id))
        self.dialog.open()
        return self.dialog

    def _in_background(self, title: str, work, on_success) -> None:
        """A use case that may take long on a province's SK (100,000 rows), off the GUI thread, with Batal."""
        if self.background is not None and self.background.running:
            return
        self.background = run_in_background(self, title, work, on_success)

    def requota(self) -> None:
        sk = self.selected_sk()
        if sk is not None:
            self._in_background(
                _("Hitung ulang kuota"),
                lambda progress: requota_sk(self.db, self.user, sk.id, progress),
                lambda _ranking: self.refresh(sk.id),
            )

    def finalise(self) -> None:
        sk = self.selected_sk()
        if sk is None:
            return
        question = _(
            "Finalkan SK {nomor} dengan {n} penerima, total Rp {total}? Setelah final, SK tidak dapat diubah lagi; "
            "koreksi dilakukan dengan SK perubahan."
        ).format(
            nomor=sk.nomor or _("(belum bernomor)"), n=thousands(sk.penerima), total=thousands(sk.total_nilai)
        )
        if not confirm(self, _("Finalkan SK"), question):
            return

        def finalised(detail) -> None:
            inform(
                self,
                _("Finalkan SK"),
                _("SK {nomor} final. Hash isi: {hash}").format(
                    nomor=detail.summary.nomor, hash=detail.summary.hash_isi
                ),
            )
            self.refresh(sk.id)

        # Writing a province's recipients (100,000 rows) takes seconds: off the GUI thread, with Batal.
        self._in_background(
            _("Finalkan SK"),
            lambda progress: finalise_sk(self.db, self.user, sk.id, progress=progress),
            finalised,
        )

    def amend(self) -> None:
        sk = self.selected_sk()
        if sk is None or not confirm(
            self,
            _("SK perubahan"),
            _(
                "Buat draf SK perubahan atas SK {nomor}? Setelah difinalkan, penerimanya menggantikan penerima SK lama."
            ).format(nomor=sk.nomor),
        ):
            return
        self._in_background(
            _("SK perubahan"),
            lambda progress: amend_sk(self.db, self.user, sk.id, progress),
            lambda detail: self.refresh(detail.summary.id),
        )

    def delete(self) -> None:
        sk = self.selected_sk()
        if sk is None or not confirm(
            self,
            _("Hapus draf SK"),
            _("Hapus draf SK ini? Daftar usulannya kembali dapat dipakai untuk SK lain."),
        ):
            return
        guarded(self, delete_sk, self.db.unit_of_work(), self.user, sk.id)
        self.refresh()

    def _reason(self, title: str, question: str) -> str | None:
        dialog = ReasonDialog(title, question, self)
        return dialog.reason if dialog.exec() else None

    def force_row(self) -> None:
        sk, row = self.selected_sk(), self.selected_row()
        if sk is None or row is None:
            return
        reason = self._reason(
            _("Masukkan melebihi kuota"), _("Mengapa {nama} dimasukkan melebihi kuota?").format(nama=row.nama)
        )
        if (
            reason
            and guarded(self, force_into_sk, self.db.unit_of_work(), self.user, sk.id, row.id, reason)
            is not None
        ):
            self.refresh(sk.id)

    def remove_row(self) -> None:
        sk, row = self.selected_sk(), self.selected_row()
        if sk is None or row is None:
            return
        reason = self._reason(
            _("Keluarkan dari SK"), _("Mengapa {nama} dikeluarkan dari SK?").format(nama=row.nama)
        )
        if (
            reason
            and guarded(self, remove_from_sk, self.db.unit_of_work(), self.user, sk.id, row.id, reason)
            is not None
        ):
            self.refresh(sk.id)
