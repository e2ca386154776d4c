"""The Form 1s of the user's region: searched by NIK, KK or name, filtered by desa; new, opened, removed and
printed from here (the entry itself is `Form1Dialog`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.documents.form1 import delete_form1, get_form1, list_form1
from app.documents.form1_checks import JALUR_LABELS
from app.documents.form1_pdf import write_form1_pdf
from app.i18n import _
from app.office import OfficeDatabase
from ui.documents.form1_dialog import Form1Dialog
from ui.jobs import run_in_background
from ui.messages import confirm, guarded, inform, show_error
from ui.screening.dialogs import date_text
from ui.screening.look import desa_under
from ui.style import set_role
from ui.widgets.tables import compact_combo, fill_row, read_only_table, row_data

COLUMN_WIDTHS = (50, 90, 150, 200, 190, 200, 82)


class Form1Page(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.loaded = False
        self.dialog: Form1Dialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(set_role(QLabel(_("Form 1 — pendaftaran rumah tangga")), "title"))
        hint = set_role(
            QLabel(
                _(
                    "Formulir registrasi standar (Pergub 72/2018): isi di kantor desa atau saat kunjungan "
                    "rumah, lalu cetak untuk ditandatangani. Cetak kosong untuk diisi tangan."
                )
            ),
            "subtitle",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("form1_search")
        self.search.setPlaceholderText(_("Cari NIK, No. KK atau nama…"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.refresh)
        self.desa_filter = compact_combo(QComboBox(), 30)
        self.desa_filter.setObjectName("form1_desa_filter")
        self.desa_filter.addItem(_("Semua desa/kelurahan"), "")
        for code, label in desa_under(user.region_code):
            self.desa_filter.addItem(label, code)
        self.desa_filter.currentIndexChanged.connect(self.refresh)
        search_button = QPushButton(_("Cari"))
        search_button.clicked.connect(self.refresh)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.desa_filter, 2)
        bar.addWidget(search_button)
        layout.addLayout(bar)

        actions = QHBoxLayout()
        can_edit = user.can(Permission.FORM1_EDIT)
        self.new_button = set_role(QPushButton(_("Form 1 baru… (Ctrl+N)")), "primary")
        self.new_button.setObjectName("form1_new")
        self.new_button.clicked.connect(self.new_form)
        self.open_button = QPushButton(_("Buka"))
        self.open_button.clicked.connect(self.open_selected)
        self.print_button = QPushButton(_("Cetak terisi…"))
        self.print_button.clicked.connect(self.print_selected)
        self.blank_button = QPushButton(_("Cetak kosong…"))
        self.blank_button.clicked.connect(lambda: self._print(None, "form1-kosong.pdf"))
        self.delete_button = QPushButton(_("Hapus…"))
        self.delete_button.clicked.connect(self.delete_selected)
        for button in (self.new_button, self.blank_button, self.delete_button):
            button.setVisible(can_edit)  # a courtesy: the services refuse anyway
        for button in (self.new_button, self.open_button, self.print_button, self.blank_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.count_label = set_role(QLabel(), "count")
        actions.addWidget(self.count_label)
        actions.addWidget(self.delete_button)
        layout.addLayout(actions)

        self.table = read_only_table(
            [
                _("No."),
                _("Tanggal"),
                _("NIK"),
                _("Nama"),
                _("Desa/kelurahan"),
                _("Jalur"),
                _("Anggota"),
                _("Skrining awal"),
            ],
            "form1_table",
        )
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        layout.addWidget(self.table, 1)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_form)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=self.open_selected)

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        forms = guarded(
            self,
            list_form1,
            self.db.unit_of_work(),
            self.user,
            self.desa_filter.currentData() or None,
            self.search.text(),
        )
        self.loaded = True
        self.table.setRowCount(0)
        for form in forms or []:
            fill_row(
                self.table,
                [
                    form.id,
                    date_text(form.tanggal),
                    form.nik,
                    form.nama,
                    form.desa,
                    _(JALUR_LABELS.get(form.jalur, form.jalur)),
                    form.jumlah_anggota,
                    _("lolos") if form.lolos_skrining else _("tidak lolos"),
                ],
                form.id,
                numeric={0, 6},
            )
        self.count_label.setText(_("{n} formulir").format(n=self.table.rowCount()))

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return int(row_data(self.table, row)) if row >= 0 and self.table.selectedItems() else None

    def new_form(self) -> Form1Dialog | None:
        if not self.user.can(Permission.FORM1_EDIT):
            return None
        return self._open_dialog(None)

    def open_selected(self) -> Form1Dialog | None:
        form_id = self.selected_id()
        if form_id is None:
            return None
        form = guarded(self, get_form1, self.db.unit_of_work(), self.user, form_id)
        return self._open_dialog(form) if form is not None else None

    def _open_dialog(self, form) -> Form1Dialog:
        self.dialog = Form1Dialog(self.db, self.user, form, self)
        self.dialog.saved.connect(lambda _id: self.refresh())
        self.dialog.open()
        return self.dialog

    def delete_selected(self) -> None:
        form_id = self.selected_id()
        if form_id is None:
            return
        name = self.table.item(self.table.currentRow(), 3).text()
        if not confirm(
            self, _("Hapus Form 1"), _("Hapus Form 1 #{id} ({name})?").format(id=form_id, name=name)
        ):
            return
        reason, ok = QInputDialog.getText(self, _("Hapus Form 1"), _("Alasan (dicatat di log audit):"))
        if not ok:
            return
        try:
            delete_form1(self.db.unit_of_work(), self.user, form_id, reason)
        except Exception as error:  # shown, or logged with an incident id
            show_error(self, error)
            return
        self.refresh()

    def print_selected(self) -> None:
        form_id = self.selected_id()
        if form_id is None:
            inform(self, _("Cetak Form 1"), _("Pilih dulu formulir di tabel."))
            return
        self._print(form_id, f"form1-{form_id}.pdf")

    def _print(self, form_id: int | None, suggested: str):
        path, _filter = QFileDialog.getSaveFileName(self, _("Simpan PDF Form 1"), suggested, "PDF (*.pdf)")
        if not path:
            return None
        db, user = self.db, self.user
        return run_in_background(
            self,
            _("Mencetak Form 1…"),
            lambda _progress: write_form1_pdf(db.unit_of_work(), user, path, form_id),
            lambda written: inform(self, _("Cetak Form 1"), _("PDF ditulis ke {path}.").format(path=written)),
        )
