"""Typing a proposal list, keyboard first: the NIK comes first, and as soon as 16 digits are typed the registry
fills name, birth date, sex, address and desa; Enter adds the row and the cursor is back in the NIK field.

A NIK the registry does not know (or of someone outside the user's region: the service does not tell these
apart) leaves the form for the operator to fill; screening then looks for the person by name."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.errors import DomainError
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.people import sex_letter, status_label
from app.screening.programs import ProposalListData
from app.screening.proposal_entry import RegistryPerson, add_proposal, delete_proposal, lookup_by_nik
from app.screening.results import list_results
from ui.messages import confirm, show_error
from ui.screening.dialogs import DATE_HINT, SEX_CHOICES, DesaField, date_text
from ui.screening.look import desa_label, verdict_text
from ui.style import set_role
from ui.widgets.screen import bounded_size
from ui.widgets.tables import fill_row, read_only_table, row_data

NIK_LENGTH = 16
ROW_COLUMN_WIDTHS = (50, 150, 190, 88, 44, 200)  # fixed: an imported list may hold thousands of rows


class ProposalEntryDialog(QDialog):
    screen_requested = Signal(int)  # list id
    rows_changed = Signal(int)  # list id

    def __init__(
        self,
        db: OfficeDatabase,
        user: CurrentUser,
        proposal_list: ProposalListData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.user, self.proposal_list = db, user, proposal_list
        self.found: RegistryPerson | None = None
        self.added = 0
        self.setWindowTitle(_("Ketik usulan — {list}").format(list=proposal_list.nama))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(8)
        layout.addWidget(set_role(QLabel(_("Ketik usulan: {list}").format(list=proposal_list.nama)), "title"))
        hint = set_role(
            QLabel(
                _(
                    "Ketik NIK lebih dulu: bila ada di registri, data lainnya terisi sendiri. Tekan Enter untuk "
                    "menambahkan baris; kursor kembali ke NIK. Tanpa NIK, isi nama, tanggal lahir dan alamat."
                )
            ),
            "subtitle",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        form = QFormLayout()
        form.setVerticalSpacing(6)
        self.nik = QLineEdit()
        self.nik.setObjectName("entry_nik")
        self.nik.setMaxLength(40)
        self.nik.setPlaceholderText(_("16 angka"))
        self.nik.textChanged.connect(self._nik_changed)
        self.lookup_note = QLabel()
        self.lookup_note.setObjectName("lookup_note")
        self.lookup_note.setWordWrap(True)
        self.lookup_note.hide()
        self.nama = QLineEdit()
        self.nama.setObjectName("entry_nama")
        self.tgl_lahir = QLineEdit()
        self.tgl_lahir.setObjectName("entry_tgl_lahir")
        self.tgl_lahir.setPlaceholderText(_(DATE_HINT))
        self.jenis_kelamin = QComboBox()
        self.jenis_kelamin.setObjectName("entry_jenis_kelamin")
        for code, label in SEX_CHOICES:
            self.jenis_kelamin.addItem(_(label), code)
        self.alamat = QLineEdit()
        self.alamat.setObjectName("entry_alamat")
        self.alamat.setPlaceholderText(_("jalan/dusun, RT, RW"))
        self.desa = DesaField(proposal_list.kode_wilayah_sumber)
        self.desa.setObjectName("entry_desa")
        form.addRow(_("NIK"), self.nik)
        form.addRow("", self.lookup_note)
        form.addRow(_("Nama"), self.nama)
        form.addRow(_("Tgl lahir"), self.tgl_lahir)
        form.addRow(_("Jenis kelamin"), self.jenis_kelamin)
        form.addRow(_("Alamat"), self.alamat)
        form.addRow(_("Desa/kelurahan"), self.desa)
        layout.addLayout(form)

        self.error_label = set_role(QLabel(), "error")
        self.error_label.setObjectName("entry_error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.added_note = set_role(QLabel(), "ok")
        self.added_note.setObjectName("entry_added")
        self.added_note.setWordWrap(True)
        self.added_note.hide()
        layout.addWidget(self.added_note)

        actions = QHBoxLayout()
        self.add_button = set_role(QPushButton(_("Tambah baris (Enter)")), "primary")
        self.add_button.setObjectName("entry_add")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_row)
        self.clear_button = QPushButton(_("Kosongkan"))
        self.clear_button.clicked.connect(self.clear_form)
        actions.addWidget(self.add_button)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        layout.addLayout(actions)

        top = QHBoxLayout()
        self.rows_title = set_role(QLabel(), "section")
        top.addWidget(self.rows_title)
        top.addStretch(1)
        self.delete_button = QPushButton(_("Hapus baris terpilih…"))
        self.delete_button.clicked.connect(self.delete_selected)
        top.addWidget(self.delete_button)
        layout.addLayout(top)
        self.table = read_only_table(
            [
                _("Baris"),
                _("NIK"),
                _("Nama"),
                _("Tgl lahir"),
                _("JK"),
                _("Desa/kelurahan"),
                _("Hasil / catatan"),
            ],
            "entry_rows",
        )
        self.table.setMinimumHeight(180)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(ROW_COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.screen_button = QPushButton(_("Saring daftar ini"))
        self.screen_button.setObjectName("entry_screen")
        self.screen_button.clicked.connect(self._screen)
        self.close_button = QPushButton(_("Tutup"))
        self.close_button.clicked.connect(self.accept)
        bottom.addWidget(self.screen_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        for button in (self.clear_button, self.delete_button, self.screen_button, self.close_button):
            button.setAutoDefault(False)
        self.resize(bounded_size(self, QSize(900, 660)))
        self.load_rows()
        self.nik.setFocus()

    # the rows already in the list -----------------------------------------------------------------------
    def load_rows(self) -> None:
        try:
            rows = list_results(self.db, self.user, self.proposal_list.id)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            rows = []
        self.table.setRowCount(0)
        for row in rows:
            note = verdict_text(row.hasil) if row.hasil else ""
            fill_row(
                self.table,
                [
                    row.baris,
                    row.nik,
                    row.nama,
                    date_text(row.tgl_lahir),
                    sex_letter(row.jenis_kelamin),
                    desa_label(row.kode_desa),
                    note,
                ],
                row.proposal_id,
                numeric={0},
            )
        self._count_rows()
        self.table.scrollToBottom()

    def _count_rows(self) -> None:
        self.rows_title.setText(_("Baris dalam daftar ({n})").format(n=self.table.rowCount()))
        self.delete_button.setEnabled(self.table.rowCount() > 0)

    # the NIK looks the person up ------------------------------------------------------------------------
    def _nik_changed(self, text: str) -> None:
        digits = re.sub(r"\D", "", text)
        if self.found is not None and digits != self.found.nik:
            self._clear_found_fields()
        if len(digits) != NIK_LENGTH or len(text.strip()) > NIK_LENGTH + 3:
            self._note("", "")
            if len(digits) > NIK_LENGTH:
                self._note(_("NIK lebih dari 16 angka ({n}).").format(n=len(digits)), "error")
            return
        if self.found is not None and self.found.nik == digits:
            return
        try:
            person = lookup_by_nik(self.db.unit_of_work(), self.user, digits)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        if person is None:
            self._note(
                _(
                    "NIK ini tidak ada di registri wilayah Anda. Isi data lainnya dengan tangan; penyaringan "
                    "akan mencari orangnya menurut nama, tanggal lahir dan alamat."
                ),
                "note",
            )
            return
        self.found = person
        self.nama.setText(person.nama)
        self.tgl_lahir.setText(date_text(person.tgl_lahir))
        self.jenis_kelamin.setCurrentIndex(max(0, self.jenis_kelamin.findData(person.jenis_kelamin)))
        self.alamat.setText(person.alamat)
        self.desa.set_code(person.kode_desa)
        if person.status == "hidup":
            self._note(
                _("Ada di registri: {nama}, {desa}.").format(
                    nama=person.nama, desa=desa_label(person.kode_desa)
                ),
                "ok",
            )
        else:
            self._note(
                _(
                    "Ada di registri: {nama}, tetapi berstatus {status}. Baris tetap dapat ditambahkan; "
                    "penyaringan akan menandainya."
                ).format(nama=person.nama, status=status_label(person.status).lower()),
                "note",
            )

    def _note(self, text: str, role: str) -> None:
        self.lookup_note.setText(text)
        self.lookup_note.setVisible(bool(text))
        if role:
            set_role(self.lookup_note, role)

    def _clear_found_fields(self) -> None:
        self.found = None
        for field in (self.nama, self.tgl_lahir, self.alamat):
            field.clear()
        self.jenis_kelamin.setCurrentIndex(0)
        self.desa.set_code("")

    def clear_form(self) -> None:
        self.nik.clear()
        self._clear_found_fields()
        self._note("", "")
        self.error_label.hide()
        self.nik.setFocus()

    # adding and removing --------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        values = {
            "nik": self.nik.text().strip(),
            "nama": self.nama.text().strip(),
            "tgl_lahir": self.tgl_lahir.text().strip(),
            "jenis_kelamin": self.jenis_kelamin.currentData() or "",
            "alamat": self.alamat.text().strip(),
            "kode_desa": self.desa.code(),
        }
        return {key: value for key, value in values.items() if value}

    def add_row(self) -> None:
        self.error_label.hide()
        values = self.values()
        if not values.get("nik") and not values.get("nama"):
            self._problem(_("Isi NIK atau nama dulu."))
            return
        try:
            row = add_proposal(self.db.unit_of_work(), self.user, self.proposal_list.id, values)
        except DomainError as error:
            self._problem(str(error))
            return
        except Exception as error:  # logged with an incident id
            show_error(self, error)
            return
        self.added += 1
        fill_row(
            self.table,
            [
                row.baris,
                row.nik,
                row.nama,
                date_text(row.tgl_lahir),
                sex_letter(row.jenis_kelamin),
                desa_label(row.kode_desa),
                " ".join(row.warnings) or _("baru, belum disaring"),
            ],
            row.id,
            numeric={0},
        )
        self._count_rows()
        self.table.scrollToBottom()
        text = _("Baris {baris} ditambahkan: {nama}.").format(baris=row.baris, nama=row.nama or row.nik)
        if row.warnings:
            text += "\n" + "\n".join(row.warnings)
        self.added_note.setText(text)
        set_role(self.added_note, "note" if row.warnings else "ok")
        self.added_note.show()
        self.clear_form()
        self.rows_changed.emit(self.proposal_list.id)

    def _problem(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def delete_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0 or not self.table.selectedItems():
            self._problem(_("Pilih dulu baris yang akan dihapus di tabel."))
            return
        proposal_id = int(row_data(self.table, row))
        baris = self.table.item(row, 0).text()
        if not confirm(self, _("Hapus baris"), _("Hapus baris {baris} dari daftar ini?").format(baris=baris)):
            return
        try:
            delete_proposal(
                self.db.unit_of_work(), self.user, proposal_id, _("Dihapus saat mengetik usulan.")
            )
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.table.removeRow(row)
        self._count_rows()
        self.rows_changed.emit(self.proposal_list.id)

    def _screen(self) -> None:
        self.accept()
        self.screen_requested.emit(self.proposal_list.id)
