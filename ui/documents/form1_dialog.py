"""Entering one Form 1, keyboard first: Tab or Enter goes to the next answer, the members table is edited in
place (Tab across, Ctrl+N adds a member, Space ticks "masih sekolah"), Ctrl+S saves.

As the officer types, the NIK is checked against the birth date and sex (next to the field), the registry's
record of that NIK is shown beside the form (and fills what is still empty), and the skrining awal's result is
recomputed. Every rule is the service's (`app.documents.form1_checks`); this dialog only shows its answers."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.form1 import Form1Data, RegistryRecord, create_form1, registry_record, update_form1
from app.documents.form1_checks import (
    JALUR_LABELS,
    AnggotaInput,
    Form1Input,
    Jalur,
    nik_problems,
    parse_date,
)
from app.documents.form1_pdf import write_form1_pdf
from app.documents.form1_skrining import KRITERIA, PENDIDIKAN_LABELS, Pendidikan, skrining_awal
from app.errors import DomainError
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.people import sex_label, status_label
from ui.jobs import run_in_background
from ui.messages import show_error
from ui.screening.dialogs import DATE_HINT, SEX_CHOICES, DesaField, date_text
from ui.style import set_role
from ui.widgets.screen import bounded_size

MEMBER_COLUMNS = ("nama", "nik", "hubungan", "tgl_lahir", "jenis_kelamin", "pendidikan", "masih_sekolah")
SCHOOL_COLUMN = MEMBER_COLUMNS.index("masih_sekolah")


def _member_headers() -> list[str]:
    return [
        _("Nama"),
        _("NIK"),
        _("Hubungan"),
        _("Tgl lahir"),
        _("L/P"),
        _("Pendidikan"),
        _("Masih sekolah"),
    ]


class Form1Dialog(QDialog):
    saved = Signal(int)  # form id

    def __init__(
        self,
        db: OfficeDatabase,
        user: CurrentUser,
        form: Form1Data | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.form_id = form.id if form else None
        self.found: RegistryRecord | None = None
        self.setWindowTitle(_("Form 1 #{id}").format(id=form.id) if form else _("Form 1 baru"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)
        title = _("Formulir registrasi standar (Form 1)")
        layout.addWidget(set_role(QLabel(title), "title"))
        hint = set_role(
            QLabel(
                _(
                    "Ketik NIK lebih dulu: data registri tampil dan mengisi yang masih kosong. Enter atau Tab: "
                    "isian berikutnya; Ctrl+N: tambah anggota; Ctrl+S: simpan."
                )
            ),
            "subtitle",
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)

        columns = QHBoxLayout()
        columns.setSpacing(14)
        layout.addLayout(columns)
        columns.addLayout(self._identity(), 5)
        columns.addLayout(self._household(), 4)

        members_top = QHBoxLayout()
        members_top.addWidget(set_role(QLabel(_("Anggota rumah tangga")), "section"))
        members_top.addStretch(1)
        self.add_member_button = QPushButton(_("Tambah anggota (Ctrl+N)"))
        self.add_member_button.clicked.connect(self.add_member)
        self.remove_member_button = QPushButton(_("Hapus anggota"))
        self.remove_member_button.clicked.connect(self.remove_member)
        members_top.addWidget(self.add_member_button)
        members_top.addWidget(self.remove_member_button)
        layout.addLayout(members_top)
        self.members = QTableWidget(0, len(MEMBER_COLUMNS))
        self.members.setObjectName("form1_members")
        self.members.setHorizontalHeaderLabels(_member_headers())
        self.members.verticalHeader().setDefaultSectionSize(24)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.members.setTabKeyNavigation(True)
        self.members.setMinimumHeight(80)
        for column, width in enumerate((210, 150, 110, 90, 40, 100)):
            self.members.setColumnWidth(column, width)
        self.members.horizontalHeader().setStretchLastSection(True)
        self.members.itemChanged.connect(lambda _item: self._update_skrining())
        layout.addWidget(self.members, 1)

        self.error_label = set_role(QLabel(), "error")
        self.error_label.setObjectName("form1_error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)

        buttons = QHBoxLayout()
        self.save_button = set_role(QPushButton(_("Simpan (Ctrl+S)")), "primary")
        self.save_button.setObjectName("form1_save")
        self.save_button.clicked.connect(self.save)
        self.print_button = QPushButton(_("Cetak terisi…"))
        self.print_button.setObjectName("form1_print")
        self.print_button.clicked.connect(self.print_filled)
        self.blank_button = QPushButton(_("Cetak kosong…"))
        self.blank_button.clicked.connect(self.print_blank)
        self.close_button = QPushButton(_("Tutup"))
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.blank_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        # Enter moves on (see _enter_moves_on): no button may take it.
        for button in (
            self.add_member_button,
            self.remove_member_button,
            self.save_button,
            self.print_button,
            self.blank_button,
            self.close_button,
        ):
            button.setAutoDefault(False)
            button.setDefault(False)

        if form is not None:
            self._fill(form)
        self._update_print_button()
        self._update_skrining()
        self.resize(bounded_size(self, QSize(1180, 690)))
        self.nik.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802  (Qt's name)
        # Ctrl+S and Ctrl+N reach here from whichever field has the focus (no field uses them); Enter and
        # Escape keep QDialog's meaning only where no field moved on.
        if event.matches(QKeySequence.StandardKey.Save):
            self.save()
        elif event.key() == Qt.Key.Key_N and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            self.add_member()
        else:
            super().keyPressEvent(event)

    # layout -----------------------------------------------------------------------------------------------
    def _line(self, name: str, placeholder: str = "", max_length: int = 200) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"form1_{name}")
        edit.setMaxLength(max_length)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        edit.returnPressed.connect(self.focusNextChild)
        return edit

    def _identity(self) -> QVBoxLayout:
        box = QVBoxLayout()
        form = QFormLayout()
        form.setVerticalSpacing(4)
        self.nik = self._line("nik", _("16 angka"), 30)
        self.nik.textChanged.connect(self._nik_changed)
        self.nik_note = set_role(QLabel(), "error")
        self.nik_note.setObjectName("form1_nik_note")
        self.nik_note.setWordWrap(True)
        self.nik_note.hide()
        self.no_kk = self._line("no_kk", _("16 angka"), 30)
        self.nama = self._line("nama")
        self.tempat_lahir = self._line("tempat_lahir", _("tempat lahir"), 120)
        self.tgl_lahir = self._line("tgl_lahir", _(DATE_HINT), 10)
        self.tgl_lahir.textChanged.connect(self._check_nik)
        self.jenis_kelamin = QComboBox()
        self.jenis_kelamin.setObjectName("form1_jenis_kelamin")
        for code, label in SEX_CHOICES:
            self.jenis_kelamin.addItem(_(label), code)
        self.jenis_kelamin.currentIndexChanged.connect(self._check_nik)
        self.alamat = self._line("alamat", _("jalan/dusun"), 300)
        self.rt = self._line("rt", "RT", 3)
        self.rw = self._line("rw", "RW", 3)
        rt_rw = QHBoxLayout()
        rt_rw.addWidget(self.rt)
        rt_rw.addWidget(self.rw)
        self.desa = DesaField(self.user.region_code)
        self.desa.setObjectName("form1_desa")
        self.desa.setMinimumWidth(300)
        self.telepon = self._line("telepon", "0812-…", 30)
        form.addRow(_("NIK"), self.nik)
        form.addRow("", self.nik_note)
        form.addRow(_("No. KK"), self.no_kk)
        form.addRow(_("Nama"), self.nama)
        birth = QHBoxLayout()
        birth.addWidget(self.tempat_lahir, 3)
        birth.addWidget(self.tgl_lahir, 2)
        form.addRow(_("Tempat, tgl lahir"), birth)
        form.addRow(_("Jenis kelamin"), self.jenis_kelamin)
        form.addRow(_("Alamat"), self.alamat)
        form.addRow(_("RT / RW"), rt_rw)
        form.addRow(_("Desa/kelurahan"), self.desa)
        form.addRow(_("Telepon"), self.telepon)
        self.tanggal = self._line("tanggal", _(DATE_HINT), 10)
        self.tanggal.setText(date_text(date.today()))  # a form is registered the day it is typed, usually
        self.petugas = self._line("petugas", _("nama petugas pendaftar"), 120)
        self.petugas.setText(self.user.full_name)
        form.addRow(_("Tanggal pendaftaran"), self.tanggal)
        form.addRow(_("Petugas"), self.petugas)
        box.addLayout(form)
        self.registry_note = set_role(QLabel(), "info")
        self.registry_note.setObjectName("form1_registry")
        self.registry_note.setWordWrap(True)
        self.registry_note.hide()
        box.addWidget(self.registry_note)
        box.addStretch(1)
        return box

    def _household(self) -> QVBoxLayout:
        box = QVBoxLayout()
        path = QGroupBox(_("Jalur pendaftaran"))
        path_form = QFormLayout(path)
        path_form.setVerticalSpacing(4)
        self.jalur = QComboBox()
        self.jalur.setObjectName("form1_jalur")
        for jalur in Jalur:
            self.jalur.addItem(_(JALUR_LABELS[jalur]), jalur.value)
        self.jalur.currentIndexChanged.connect(self._jalur_changed)
        self.domisili_sejak = self._line("domisili_sejak", _(DATE_HINT), 10)
        self.pernyataan_domisili = QCheckBox(_("Surat pernyataan domisili diketahui Kepala Desa/Lurah"))
        self.pernyataan_domisili.setObjectName("form1_pernyataan_domisili")
        path_form.addRow(_("Jalur"), self.jalur)
        path_form.addRow(_("Berdomisili sejak"), self.domisili_sejak)
        path_form.addRow("", self.pernyataan_domisili)
        box.addWidget(path)

        traits = QGroupBox(_("Karakteristik rumah tangga (skrining awal)"))
        grid = QGridLayout(traits)
        grid.setVerticalSpacing(2)
        self.criteria: dict[str, QCheckBox] = {}
        for row, kriteria in enumerate(k for k in KRITERIA if k.field != "pendidikan_tertinggi"):
            check = QCheckBox(_(kriteria.label))
            check.setObjectName(f"form1_{kriteria.field}")
            check.toggled.connect(self._update_skrining)
            self.criteria[kriteria.field] = check
            grid.addWidget(check, row, 0, 1, 2)
        self.pendidikan = QComboBox()
        self.pendidikan.setObjectName("form1_pendidikan_tertinggi")
        for code in Pendidikan:
            self.pendidikan.addItem(_(PENDIDIKAN_LABELS[code]), code.value)
        self.pendidikan.currentIndexChanged.connect(self._update_skrining)
        education = QLabel(_("Pendidikan tertinggi anggota yang sudah tidak bersekolah"))
        education.setWordWrap(True)
        grid.addWidget(education, 4, 0)
        grid.addWidget(self.pendidikan, 4, 1)
        self.karakteristik_lain = self._line(
            "karakteristik_lain", _("mis. lantai: tanah; dinding: bambu"), 500
        )
        grid.addWidget(QLabel(_("Karakteristik lain")), 5, 0)
        grid.addWidget(self.karakteristik_lain, 5, 1)
        box.addWidget(traits)
        self.skrining_label = set_role(QLabel(), "ok")
        self.skrining_label.setObjectName("form1_skrining")
        self.skrining_label.setWordWrap(True)
        box.addWidget(self.skrining_label)

        box.addStretch(1)
        self._jalur_changed()
        return box

    # filling and reading ----------------------------------------------------------------------------------
    def _fill(self, form: Form1Data) -> None:
        for name in ("nik", "no_kk", "nama", "tempat_lahir", "alamat", "rt", "rw", "telepon", "petugas"):
            getattr(self, name).setText(getattr(form, name))
        self.tgl_lahir.setText(date_text(form.tgl_lahir))
        self.jenis_kelamin.setCurrentIndex(max(0, self.jenis_kelamin.findData(form.jenis_kelamin)))
        self.desa.set_code(form.kode_desa)
        self.desa.lineEdit().setCursorPosition(0)
        self.jalur.setCurrentIndex(max(0, self.jalur.findData(form.jalur)))
        self.domisili_sejak.setText(date_text(form.domisili_sejak))
        self.pernyataan_domisili.setChecked(form.pernyataan_domisili)
        for field_name, check in self.criteria.items():
            check.setChecked(bool(getattr(form, field_name)))
        self.pendidikan.setCurrentIndex(max(0, self.pendidikan.findData(form.pendidikan_tertinggi)))
        self.karakteristik_lain.setText("; ".join(f"{k}: {v}" for k, v in form.karakteristik_lain.items()))
        self.tanggal.setText(date_text(form.tanggal))
        for member in form.anggota:
            self.add_member(
                [
                    member.nama,
                    member.nik,
                    member.hubungan,
                    date_text(member.tgl_lahir),
                    member.jenis_kelamin,
                    member.pendidikan,
                ],
                member.masih_sekolah,
                focus=False,
            )

    def _other_traits(self) -> dict[str, str]:
        found = {}
        for part in self.karakteristik_lain.text().split(";"):
            key, _sep, value = part.partition(":")
            if key.strip():
                found[key.strip()] = value.strip()
        return found

    def _member_text(self, row: int, column: int) -> str:
        item = self.members.item(row, column)
        return item.text().strip() if item is not None else ""

    def member_inputs(self) -> tuple[AnggotaInput, ...]:
        found = []
        for row in range(self.members.rowCount()):
            texts = {name: self._member_text(row, c) for c, name in enumerate(MEMBER_COLUMNS[:-1])}
            school = self.members.item(row, SCHOOL_COLUMN)
            if not any(texts.values()):
                continue  # an empty row left at the end
            found.append(
                AnggotaInput(
                    nama=texts["nama"],
                    nik=re.sub(r"\s", "", texts["nik"]),
                    hubungan=texts["hubungan"],
                    tgl_lahir=texts["tgl_lahir"] or None,
                    jenis_kelamin=texts["jenis_kelamin"].upper(),
                    pendidikan=texts["pendidikan"].upper(),
                    masih_sekolah=school is not None and school.checkState() == Qt.CheckState.Checked,
                )
            )
        return tuple(found)

    def values(self) -> Form1Input:
        return Form1Input(
            nik=self.nik.text().strip(),
            no_kk=self.no_kk.text().strip(),
            nama=self.nama.text().strip(),
            tempat_lahir=self.tempat_lahir.text(),
            tgl_lahir=self.tgl_lahir.text().strip() or None,
            jenis_kelamin=self.jenis_kelamin.currentData() or "",
            alamat=self.alamat.text(),
            rt=self.rt.text(),
            rw=self.rw.text(),
            kode_desa=self.desa.code(),
            telepon=self.telepon.text(),
            jalur=self.jalur.currentData(),
            domisili_sejak=self.domisili_sejak.text().strip() or None,
            pernyataan_domisili=self.pernyataan_domisili.isChecked(),
            pendidikan_tertinggi=self.pendidikan.currentData() or "",
            karakteristik_lain=self._other_traits(),
            tanggal=self.tanggal.text().strip() or None,
            petugas=self.petugas.text(),
            anggota=self.member_inputs(),
            **{name: check.isChecked() for name, check in self.criteria.items()},
        )

    # members ----------------------------------------------------------------------------------------------
    def add_member(self, texts: list[str] | None = None, in_school: bool = False, focus: bool = True) -> None:
        row = self.members.rowCount()
        self.members.blockSignals(True)
        self.members.insertRow(row)
        for column, text in enumerate(texts or [""] * (len(MEMBER_COLUMNS) - 1)):
            self.members.setItem(row, column, QTableWidgetItem(text))
        school = QTableWidgetItem(_("ya"))
        school.setFlags(
            Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        )
        school.setCheckState(Qt.CheckState.Checked if in_school else Qt.CheckState.Unchecked)
        self.members.setItem(row, SCHOOL_COLUMN, school)
        self.members.blockSignals(False)
        if focus:
            self.members.setFocus()
            self.members.setCurrentCell(row, 0)
            self.members.editItem(self.members.item(row, 0))
        self._update_skrining()

    def remove_member(self) -> None:
        row = self.members.currentRow()
        if row >= 0:
            self.members.removeRow(row)
            self._update_skrining()

    # checks as you type -----------------------------------------------------------------------------------
    def _nik_changed(self, text: str) -> None:
        digits = re.sub(r"\D", "", text)
        self._check_nik()
        if len(digits) != 16 or (self.found is not None and self.found.nik == digits):
            if self.found is not None and self.found.nik != digits:
                self.found = None
                self.registry_note.hide()
            return
        try:
            self.found = registry_record(self.db.unit_of_work(), self.user, digits)
        except Exception as error:  # shown, or logged with an incident id
            show_error(self, error)
            return
        self._show_registry()

    def _show_registry(self) -> None:
        person = self.found
        if person is None:
            self.registry_note.setText(
                _("NIK ini tidak ada di registri wilayah Anda. Isi data lainnya dari KTP/KK.")
            )
            set_role(self.registry_note, "note")
            self.registry_note.show()
            return
        self.registry_note.setText(
            _("Registri Dukcapil: {nama}, lahir {lahir}, {jk}, {desa}; No. KK {kk}; status {status}.").format(
                nama=person.nama,
                lahir=date_text(person.tgl_lahir) or "-",
                jk=sex_label(person.jenis_kelamin).lower(),
                desa=person.desa,
                kk=person.no_kk,
                status=status_label(person.status).lower(),
            )
        )
        set_role(self.registry_note, "info" if person.status == "hidup" else "note")
        self.registry_note.show()
        # What the officer has not typed yet is taken from the registry; nothing typed is overwritten.
        if not self.nama.text():
            self.nama.setText(person.nama)
        if not self.no_kk.text():
            self.no_kk.setText(person.no_kk)
        if not self.tgl_lahir.text():
            self.tgl_lahir.setText(date_text(person.tgl_lahir))
        if not self.jenis_kelamin.currentData():
            self.jenis_kelamin.setCurrentIndex(max(0, self.jenis_kelamin.findData(person.jenis_kelamin)))
        if not self.desa.code():
            self.desa.set_code(person.kode_desa)
            self.desa.lineEdit().setCursorPosition(0)

    def _check_nik(self) -> None:
        nik = self.nik.text().strip()
        if len(re.sub(r"\D", "", nik)) < 16 and not len(nik) > 16:
            self.nik_note.hide()  # still being typed
            return
        try:
            born = parse_date(self.tgl_lahir.text().strip() or None, None, "tgl_lahir")
        except DomainError:
            born = None  # an unfinished date: checked when it is whole
        problems = nik_problems(nik, born, self.jenis_kelamin.currentData() or "")
        self.nik_note.setText("\n".join(p.message for p in problems))
        # A wrapped label in a form row is given one line unless told its height.
        self.nik_note.setMinimumHeight(max(0, self.nik_note.heightForWidth(max(self.nik.width(), 280))))
        self.nik_note.setVisible(bool(problems))

    def _jalur_changed(self) -> None:
        domicile = self.jalur.currentData() == Jalur.DOMISILI
        self.domisili_sejak.setEnabled(domicile)
        self.pernyataan_domisili.setEnabled(domicile)

    def _update_skrining(self) -> None:
        members = self.member_inputs() if hasattr(self, "members") else ()
        result = skrining_awal(
            self.criteria["atap_beton_genteng"].isChecked(),
            self.criteria["punya_mobil"].isChecked(),
            self.criteria["punya_ac"].isChecked(),
            self.criteria["tabung_gas_besar"].isChecked(),
            self.pendidikan.currentData() or "",
            [m.pendidikan for m in members if not m.masih_sekolah],
        )
        self.skrining_label.setText(result.penjelasan())
        set_role(self.skrining_label, "ok" if result.lolos else "note")

    # saving and printing ----------------------------------------------------------------------------------
    def save(self) -> bool:
        self.error_label.hide()
        set_role(self.error_label, "error")
        try:
            if self.form_id is None:
                form = create_form1(self.db.unit_of_work(), self.user, self.values())
            else:
                form = update_form1(self.db.unit_of_work(), self.user, self.form_id, self.values())
        except DomainError as error:
            self.error_label.setText(str(error))
            self.error_label.show()
            return False
        except Exception as error:  # logged with an incident id
            show_error(self, error)
            return False
        self.form_id = form.id
        self.setWindowTitle(_("Form 1 #{id}").format(id=form.id))
        self._update_print_button()
        self.saved.emit(form.id)
        return True

    def _update_print_button(self) -> None:
        self.print_button.setEnabled(self.form_id is not None)
        self.print_button.setToolTip("" if self.form_id else _("Simpan dulu formulirnya."))

    def print_filled(self) -> None:
        if self.form_id is None or not self.save():
            return
        self._print(self.form_id, f"form1-{self.form_id}.pdf")

    def print_blank(self) -> None:
        self._print(None, "form1-kosong.pdf")

    def _print(self, form_id: int | None, suggested: str):
        path, _filter = QFileDialog.getSaveFileName(self, _("Simpan PDF Form 1"), suggested, "PDF (*.pdf)")
        if not path:
            return None
        db, user = self.db, self.user
        return run_in_background(
            self,
            _("Mencetak Form 1…"),
            lambda _progress: write_form1_pdf(db.unit_of_work(), user, path, form_id),
            lambda written: self._printed(str(written)),
        )

    def _printed(self, path: str) -> None:
        self.error_label.setText(_("PDF ditulis ke {path}.").format(path=path))
        set_role(self.error_label, "ok")
        self.error_label.show()
