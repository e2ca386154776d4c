"""The small dialogs of screening: a program, a new typed list, the reason for a decision, and the correction of
a proposal row. Each one calls its service on OK and shows a refusal inline, so nothing half-typed is lost."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.fields import PROGRAM_LABELS
from app.screening.batch_review import NikToTake
from app.screening.desil import DESIL_LEVEL_LABELS, DesilLevel
from app.screening.flags import KINDS
from app.screening.programs import (
    DTKS_PROGRAM_CODES,
    FUNDING_SOURCE_LABELS,
    FUNDING_SOURCES,
    ProgramData,
    create_program,
    create_proposal_list,
    update_program,
)
from app.screening.proposal_entry import ProposalRow, check_correction
from ui.auth.dialogs import _FormDialog, _header
from ui.screening.look import desa_under, percent
from ui.style import set_role
from ui.widgets.region_picker import RegionPicker

NO_DTKS_PROGRAM = N_("(tidak ada)")
ANY_DESIL = N_("semua")
SEX_CHOICES = (("", N_("(tidak diisi)")), ("L", N_("Laki-laki")), ("P", N_("Perempuan")))
DATE_HINT = N_("HH-BB-TTTT")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


class DesaField(QComboBox):
    """A desa/kelurahan of a region, typed: the list narrows to the desa whose name (or code) contains what
    is typed. A 10-digit code not in the list is kept as typed; the service says what is wrong with it."""

    def __init__(self, region_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self.setMinimumWidth(320)
        self.addItem("", "")
        for code, label in desa_under(region_code):
            self.addItem(label, code)
        completer = QCompleter(self.model(), self)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText(_("ketik nama desa/kelurahan atau kodenya"))

    def code(self) -> str:
        text = self.currentText().strip()
        if not text:
            return ""
        position = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if position >= 0:
            return str(self.itemData(position) or "")
        digits = _digits(text)
        if len(digits) == 10:
            return digits
        found = [
            self.itemData(i)
            for i in range(1, self.count())
            if text.upper() in self.itemText(i).upper() and self.itemData(i)
        ]
        return str(found[0]) if len(found) == 1 else text

    def set_code(self, code: str) -> None:
        position = self.findData(code or "")
        if position >= 0:
            self.setCurrentIndex(position)
        else:
            self.setEditText(code or "")


def date_text(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


# Programs ---------------------------------------------------------------------------------------------------
class ProgramDialog(_FormDialog):
    """A new program, or changes to one (only the fields that changed are sent)."""

    def __init__(
        self,
        db: OfficeDatabase,
        user: CurrentUser,
        program: ProgramData | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = _("Program baru") if program is None else _("Ubah program")
        super().__init__(title, _("Simpan"), parent)
        self.db, self.user, self.program = db, user, program
        self.saved: ProgramData | None = None
        _header(
            self.body,
            title,
            _(
                "Program bantuan sosial (Pergub 52/2020 Pasal 1 angka 9): pemilik OPD, sumber dana, tahun, jenis "
                "dan nilai bantuan, kuota dan wilayah sasaran. Usulan desa/OPD disaring menurut isian ini."
            ),
        )
        form = QFormLayout()
        form.setVerticalSpacing(6)
        self.nama = QLineEdit()
        self.nama.setObjectName("program_nama")
        self.nama.setPlaceholderText(_("mis. Bantuan Sembako Lansia 2026"))
        self.opd = QLineEdit(user.opd)
        self.opd.setObjectName("program_opd")
        self.sumber_dana = QComboBox()
        self.sumber_dana.setObjectName("program_sumber_dana")
        for code in FUNDING_SOURCES:
            self.sumber_dana.addItem(_(FUNDING_SOURCE_LABELS[code]), code)
        self.tahun = QSpinBox()
        self.tahun.setObjectName("program_tahun")
        self.tahun.setRange(2000, 2100)
        self.tahun.setValue(date.today().year)
        self.jenis_bantuan = QLineEdit()
        self.jenis_bantuan.setObjectName("program_jenis_bantuan")
        self.jenis_bantuan.setPlaceholderText(_("mis. paket sembako, uang tunai, alat bantu"))
        self.nilai = QLineEdit("0")
        self.nilai.setObjectName("program_nilai")
        self.nilai.setPlaceholderText(_("rupiah, mis. 300.000"))
        self.kuota = QSpinBox()
        self.kuota.setObjectName("program_kuota")
        self.kuota.setRange(0, 10_000_000)
        self.kuota.setGroupSeparatorShown(True)
        # Changing an existing program's quota is an admin's (the service refuses it too); a new one may be
        # given its quota, since nothing was ranked against it yet.
        quota_locked = program is not None and not user.can(Permission.QUOTA_MANAGE)
        self.kuota.setReadOnly(quota_locked)
        self.kuota_note = set_role(
            QLabel(_("Kuota program yang sudah ada hanya dapat diubah oleh admin.")), "note"
        )
        self.kuota_note.setObjectName("program_kuota_note")
        self.kuota_note.setVisible(quota_locked)
        kuota_box = QVBoxLayout()
        kuota_box.setSpacing(2)
        kuota_box.addWidget(self.kuota)
        kuota_box.addWidget(self.kuota_note)
        self.dtks_program = QComboBox()
        self.dtks_program.setObjectName("program_dtks")
        for code in DTKS_PROGRAM_CODES:
            self.dtks_program.addItem(
                PROGRAM_LABELS.get(code, code.upper()) if code else _(NO_DTKS_PROGRAM), code
            )
        self.dtks_program.setToolTip(
            _(
                "Bila program ini sama dengan program yang ditandai di DTKS/DTSEN, penerimanya dianggap sudah menerima."
            )
        )
        desil_row = QHBoxLayout()
        self.desil_min, self.desil_max = QSpinBox(), QSpinBox()
        for spin, name in ((self.desil_min, "program_desil_min"), (self.desil_max, "program_desil_max")):
            spin.setObjectName(name)
            spin.setRange(0, 10)
            spin.setSpecialValueText(_(ANY_DESIL))
            spin.setMinimumWidth(90)
        desil_row.addWidget(self.desil_min)
        desil_row.addWidget(QLabel(_("sampai")))
        desil_row.addWidget(self.desil_max)
        self.desil_acuan = QComboBox()
        self.desil_acuan.setObjectName("program_desil_acuan")
        for level in DesilLevel:
            self.desil_acuan.addItem(_(DESIL_LEVEL_LABELS[level]), level.value)
        self.desil_acuan.setToolTip(
            _(
                "DTSEN memberi tiap keluarga desil nasional, provinsi dan kabupaten/kota. Pilih desil yang "
                "dipakai untuk rentang sasaran ini."
            )
        )
        desil_row.addStretch(1)
        self.hanya_dtks = QCheckBox(_("Hanya untuk orang yang terdaftar di DTKS/DTSEN"))
        self.hanya_dtks.setObjectName("program_hanya_dtks")
        self.hanya_dtks.setToolTip(
            _("Tanpa pilihan ini, orang di luar DTKS/DTSEN hanya diberi tanda, tidak digagalkan.")
        )
        form.addRow(_("Nama program"), self.nama)
        form.addRow(_("OPD pemilik"), self.opd)
        form.addRow(_("Sumber dana"), self.sumber_dana)
        form.addRow(_("Tahun"), self.tahun)
        form.addRow(_("Jenis bantuan"), self.jenis_bantuan)
        form.addRow(_("Nilai per penerima"), self.nilai)
        form.addRow(_("Kuota penerima"), kuota_box)
        form.addRow(_("Program DTKS/DTSEN"), self.dtks_program)
        form.addRow(_("Desil sasaran"), desil_row)
        form.addRow(_("Desil yang dipakai"), self.desil_acuan)
        form.addRow("", self.hanya_dtks)
        self.body.addLayout(form)
        region_box = QGroupBox(_("Wilayah sasaran program"))
        self.region = RegionPicker(user.region_code)
        QVBoxLayout(region_box).addWidget(self.region)
        self.body.addWidget(region_box)
        self.finish_layout()
        self.setMinimumWidth(600)
        if program is not None:
            self._fill(program)
        self.nama.setFocus()

    def _fill(self, program: ProgramData) -> None:
        self.nama.setText(program.nama)
        self.opd.setText(program.opd)
        self.sumber_dana.setCurrentIndex(max(0, self.sumber_dana.findData(program.sumber_dana)))
        self.tahun.setValue(program.tahun)
        self.jenis_bantuan.setText(program.jenis_bantuan)
        self.nilai.setText(f"{program.nilai_per_penerima:,}".replace(",", "."))
        self.kuota.setValue(program.kuota)
        self.dtks_program.setCurrentIndex(max(0, self.dtks_program.findData(program.kode_program_dtks)))
        self.desil_min.setValue(program.desil_min or 0)
        self.desil_max.setValue(program.desil_max or 0)
        self.hanya_dtks.setChecked(program.hanya_dtks)
        self.desil_acuan.setCurrentIndex(max(0, self.desil_acuan.findData(program.desil_acuan)))
        self.region.set_region_code(program.kode_wilayah)

    def values(self) -> dict:
        return {
            "nama": self.nama.text(),
            "opd": self.opd.text(),
            "sumber_dana": self.sumber_dana.currentData(),
            "tahun": self.tahun.value(),
            "jenis_bantuan": self.jenis_bantuan.text(),
            "nilai_per_penerima": self.nilai.text(),
            "kuota": self.kuota.value(),
            "kode_wilayah": self.region.region_code(),
            "kode_program_dtks": self.dtks_program.currentData(),
            "desil_min": self.desil_min.value() or None,
            "desil_max": self.desil_max.value() or None,
            "hanya_dtks": self.hanya_dtks.isChecked(),
            "desil_acuan": self.desil_acuan.currentData(),
        }

    def submit(self) -> bool:
        values = self.values()
        if self.program is None:
            self.saved = create_program(self.db.unit_of_work(), self.user, **values)
            return True
        old = self.program
        current = {
            "nama": old.nama,
            "opd": old.opd,
            "sumber_dana": old.sumber_dana,
            "tahun": old.tahun,
            "jenis_bantuan": old.jenis_bantuan,
            "nilai_per_penerima": f"{old.nilai_per_penerima:,}".replace(",", "."),
            "kuota": old.kuota,
            "kode_wilayah": old.kode_wilayah,
            "kode_program_dtks": old.kode_program_dtks,
            "desil_min": old.desil_min,
            "desil_max": old.desil_max,
            "hanya_dtks": old.hanya_dtks,
            "desil_acuan": old.desil_acuan,
        }
        changes = {key: value for key, value in values.items() if current[key] != value}
        self.saved = update_program(self.db.unit_of_work(), self.user, old.id, **changes) if changes else old
        return True


# Lists --------------------------------------------------------------------------------------------------------
class ListFields(QWidget):
    """Name, proposer and proposer's region of a proposal list (new typed list, or the import wizard)."""

    def __init__(self, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.nama = QLineEdit()
        self.nama.setObjectName("list_nama")
        self.nama.setPlaceholderText(_("mis. Usulan Desa Kayubulan tahap 1"))
        self.sumber = QLineEdit()
        self.sumber.setObjectName("list_sumber")
        self.sumber.setPlaceholderText(_("desa atau OPD pengusul, mis. Pemerintah Desa Kayubulan"))
        self.region = RegionPicker(user.region_code)
        form.addRow(_("Nama daftar"), self.nama)
        form.addRow(_("Pengusul"), self.sumber)
        form.addRow(_("Wilayah pengusul"), self.region)


class NewListDialog(_FormDialog):
    """An empty list of a program, to type its rows."""

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, program: ProgramData, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Daftar usulan baru"), _("Buat dan mulai mengetik"), parent)
        self.db, self.user, self.program = db, user, program
        self.list_id: int | None = None
        _header(
            self.body,
            _("Daftar usulan baru"),
            _("Program: {program}. Baris usulan diketik sesudahnya, NIK lebih dulu.").format(
                program=program.nama
            ),
        )
        self.fields = ListFields(user)
        self.body.addWidget(self.fields)
        self.finish_layout()
        self.setMinimumWidth(620)

    def submit(self) -> bool:
        self.list_id = create_proposal_list(
            self.db.unit_of_work(),
            self.user,
            self.program.id,
            self.fields.nama.text(),
            self.fields.sumber.text(),
            self.fields.region.region_code(),
        )
        return True


# Decisions ----------------------------------------------------------------------------------------------------
class ReasonDialog(_FormDialog):
    """Asks why. OK with an empty reason is refused here (and again by the service)."""

    def __init__(self, title: str, question: str, parent: QWidget | None = None) -> None:
        super().__init__(title, _("Simpan keputusan"), parent)
        _header(self.body, title, question)
        self.text = QPlainTextEdit()
        self.text.setObjectName("reason")
        self.text.setPlaceholderText(
            _("mis. sudah dicek ke kantor desa: nama di KTP sama, NIK di usulan salah ketik")
        )
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(90)
        self.body.addWidget(QLabel(_("Alasan (wajib, dicatat di log audit)")))
        self.body.addWidget(self.text)
        self.finish_layout()
        self.setMinimumWidth(520)
        self.text.setFocus()

    @property
    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def submit(self) -> bool:
        if not self.reason:
            self.show_problem(_("Tuliskan alasan keputusan ini."))
            self.text.setFocus()
            return False
        return True


class CorrectionDialog(_FormDialog):
    """Corrects a proposal row's fields (the file's own cells stay as sent). OK checks the values without saving;
    the page then saves them and re-screens the row in one transaction (`service.correct`)."""

    def __init__(
        self,
        db: OfficeDatabase,
        user: CurrentUser,
        row: ProposalRow,
        region_code: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            _("Perbaiki baris {baris}").format(baris=row.baris), _("Simpan dan saring ulang"), parent
        )
        self.db, self.user, self.row = db, user, row
        self.checked: ProposalRow | None = None
        self.changes: dict = {}
        _header(
            self.body,
            _("Perbaiki baris {baris}").format(baris=row.baris),
            _(
                "Perbaiki isian yang salah (mis. NIK salah ketik). Isi berkas asli tetap disimpan apa adanya; "
                "perbaikan dicatat dengan alasannya dan baris ini langsung disaring ulang."
            ),
        )
        form = QFormLayout()
        self.nik = QLineEdit(row.nik)
        self.nik.setObjectName("fix_nik")
        self.nik.setMaxLength(40)
        self.nama = QLineEdit(row.nama)
        self.nama.setObjectName("fix_nama")
        self.tgl_lahir = QLineEdit(date_text(row.tgl_lahir))
        self.tgl_lahir.setObjectName("fix_tgl_lahir")
        self.tgl_lahir.setPlaceholderText(_(DATE_HINT))
        self.jenis_kelamin = QComboBox()
        self.jenis_kelamin.setObjectName("fix_jenis_kelamin")
        for code, label in SEX_CHOICES:
            self.jenis_kelamin.addItem(_(label), code)
        self.jenis_kelamin.setCurrentIndex(max(0, self.jenis_kelamin.findData(row.jenis_kelamin or "")))
        self.alamat = QLineEdit(row.alamat)
        self.alamat.setObjectName("fix_alamat")
        self.desa = DesaField(region_code)
        self.desa.setObjectName("fix_desa")
        self.desa.set_code(row.kode_desa)
        form.addRow(_("NIK"), self.nik)
        form.addRow(_("Nama"), self.nama)
        form.addRow(_("Tgl lahir"), self.tgl_lahir)
        form.addRow(_("Jenis kelamin"), self.jenis_kelamin)
        form.addRow(_("Alamat"), self.alamat)
        form.addRow(_("Desa/kelurahan"), self.desa)
        self.body.addLayout(form)
        self.reason = QLineEdit()
        self.reason.setObjectName("fix_reason")
        self.reason.setPlaceholderText(_("mis. NIK dicocokkan dengan KK yang dibawa pengusul"))
        reason_form = QFormLayout()
        reason_form.addRow(_("Alasan perbaikan"), self.reason)
        self.body.addLayout(reason_form)
        self.finish_layout()
        self.setMinimumWidth(620)
        self.nik.setFocus()

    def values(self) -> dict:
        return {
            "nik": self.nik.text().strip(),
            "nama": self.nama.text().strip(),
            "tgl_lahir": self.tgl_lahir.text().strip(),
            "jenis_kelamin": self.jenis_kelamin.currentData(),
            "alamat": self.alamat.text().strip(),
            "kode_desa": self.desa.code(),
        }

    def submit(self) -> bool:
        if not self.reason.text().strip():
            self.show_problem(_("Tuliskan alasan perbaikan ini."))
            self.reason.setFocus()
            return False
        before = {
            "nik": self.row.nik,
            "nama": self.row.nama,
            "tgl_lahir": date_text(self.row.tgl_lahir),
            "jenis_kelamin": self.row.jenis_kelamin or "",
            "alamat": self.row.alamat,
            "kode_desa": self.row.kode_desa,
        }
        changes = {key: value for key, value in self.values().items() if before[key] != value}
        if not changes:
            self.show_problem(_("Belum ada isian yang diubah."))
            return False
        self.checked = check_correction(
            self.db.unit_of_work(), self.user, self.row.id, changes, self.reason.text().strip()
        )
        self.changes = changes
        return True

    @property
    def reason_text(self) -> str:
        return self.reason.text().strip()


class TakeNiksDialog(_FormDialog):
    """The preview of "take the registered NIK for every confident NIK slip or malformed NIK": every row that
    would change, with its kind, the NIK written and the NIK registered, before anything is saved."""

    COLUMNS = (
        N_("Baris"),
        N_("Jenis"),
        N_("NIK tertulis"),
        N_("NIK terdaftar"),
        N_("Nama terdaftar"),
        N_("Keyakinan"),
    )

    def __init__(self, rows: list[NikToTake], min_probability: float, parent: QWidget | None = None) -> None:
        title = _("Ambil NIK terdaftar untuk NIK salah ketik atau tidak sah")
        super().__init__(
            title, _("Ambil NIK terdaftar ({n} baris)").format(n=f"{len(rows):,}".replace(",", ".")), parent
        )
        self.rows = rows
        _header(
            self.body,
            title,
            _(
                "NIK yang ditulis pada baris berikut tidak mungkin NIK orangnya: salah ketik dari NIK terdaftar, "
                "atau bukan NIK sama sekali (tidak sah). Padanannya meyakinkan (keyakinan sedikitnya {p}) dan "
                "NIK itu satu-satunya yang perlu dicek pada baris itu. NIK terdaftar dipakai untuk baris itu; "
                "NIK yang ditulis tetap disimpan dan tampil di riwayat keputusan. Keputusan lain atas baris itu "
                "nanti (tolak, cek lapangan, pilih calon lain) mengembalikan NIK yang ditulis."
            ).format(p=percent(min_probability)),
        )
        self.table = QTableWidget(len(rows), len(self.COLUMNS))
        self.table.setObjectName("take_niks")
        self.table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        for row, item in enumerate(rows):
            cells = (
                str(item.baris),
                _(KINDS[item.kind].label),
                item.nik_tertulis,
                item.nik_terdaftar,
                item.nama,
                percent(item.probability),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column in (0, 5):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.body.addWidget(self.table, 1)
        self.reason = QLineEdit()
        self.reason.setObjectName("take_niks_reason")
        self.reason.setPlaceholderText(_("(boleh kosong) alasan yang dicatat untuk setiap baris"))
        reason_form = QFormLayout()
        reason_form.addRow(_("Alasan"), self.reason)
        self.body.addLayout(reason_form)
        self.finish_layout()
        self.setMinimumSize(760, 460)

    @property
    def proposal_ids(self) -> list[int]:
        return [item.proposal_id for item in self.rows]

    def submit(self) -> bool:
        return True
