"""Starting the program: the database passphrase (only on a machine without a credential store), the first-run
dialog that creates the office database, the login, and changing one's own password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.roles import CurrentUser
from app.auth.users import change_own_password, login
from app.errors import DomainError
from app.i18n import _
from app.office import OfficeDatabase, create_office_database
from db.keys import set_session_passphrase
from ui.messages import show_error
from ui.style import set_role
from ui.widgets.region_picker import RegionPicker, region_label, region_name

MIN_PASSPHRASE_LENGTH = 8


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _header(layout: QVBoxLayout, title: str, subtitle: str = "") -> None:
    heading = set_role(QLabel(title), "title")
    layout.addWidget(heading)
    if subtitle:
        text = set_role(QLabel(subtitle), "subtitle")
        text.setWordWrap(True)
        layout.addWidget(text)


class _FormDialog(QDialog):
    """A dialog with a header, a form area, an inline error line and OK/Cancel buttons."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(24, 20, 24, 16)
        self.body.setSpacing(10)
        self.error_label = set_role(QLabel(""), "error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        set_role(self.ok_button, "primary")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Batal"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.body.addWidget(self.error_label)
        self.body.addWidget(self.buttons)

    def show_problem(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _try_accept(self) -> None:
        self.error_label.hide()
        try:
            if self.submit():
                self.accept()
        except DomainError as error:
            self.show_problem(str(error))
        except Exception as error:  # logged with an incident id, never a traceback on screen
            show_error(self, error)

    def submit(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class PassphraseDialog(_FormDialog):
    """Asked only when no OS credential store exists and EJPS_DB_PASSPHRASE is not set (db/keys.py)."""

    def __init__(self, path: Path, creating: bool, parent: QWidget | None = None) -> None:
        super().__init__(_("Frasa sandi basis data"), _("Buka") if not creating else _("Lanjut"), parent)
        self.creating = creating
        _header(
            self.body,
            _("Frasa sandi basis data"),
            _(
                "Komputer ini tidak memiliki penyimpanan kredensial sistem. Data penduduk di basis data dienkripsi "
                "dengan frasa sandi; tanpa frasa sandi itu basis data tidak dapat dibuka."
            )
            + (
                "\n"
                + _("Catat frasa sandi ini di tempat aman: frasa sandi yang hilang tidak dapat dipulihkan.")
                if creating
                else ""
            ),
        )
        form = QFormLayout()
        self.passphrase = _password_field()
        self.passphrase.setObjectName("passphrase")
        form.addRow(_("Frasa sandi"), self.passphrase)
        self.repeat = _password_field()
        self.repeat.setObjectName("passphrase_repeat")
        if creating:
            form.addRow(_("Ulangi frasa sandi"), self.repeat)
        path_label = set_role(QLabel(str(path)), "subtitle")
        path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_("Berkas"), path_label)
        self.body.addLayout(form)
        self.finish_layout()
        self.setMinimumWidth(520)

    def submit(self) -> bool:
        passphrase = self.passphrase.text()
        if not passphrase:
            self.show_problem(_("Frasa sandi wajib diisi."))
            return False
        if self.creating:
            if len(passphrase) < MIN_PASSPHRASE_LENGTH:
                self.show_problem(_("Frasa sandi minimal {n} karakter.").format(n=MIN_PASSPHRASE_LENGTH))
                return False
            if passphrase != self.repeat.text():
                self.show_problem(_("Kedua frasa sandi tidak sama."))
                return False
        set_session_passphrase(passphrase)
        return True


class FirstRunDialog(_FormDialog):
    """No office database on this computer yet: choose the office's region and create the first admin."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(_("e-JPS Desktop — basis data kantor baru"), _("Buat basis data"), parent)
        self.path = Path(path)
        self.db: OfficeDatabase | None = None
        self._office_name_edited = False
        _header(
            self.body,
            _("Selamat datang di e-JPS Desktop"),
            _(
                "Belum ada basis data kantor di komputer ini. Pilih wilayah kerja kantor dan buat akun admin "
                "pertama. Basis data hanya memuat penduduk wilayah ini."
            ),
        )
        region_box = QGroupBox(_("Wilayah kantor"))
        region_layout = QVBoxLayout(region_box)
        self.region_picker = RegionPicker("75")
        region_layout.addWidget(self.region_picker)
        office_form = QFormLayout()
        self.office_name = QLineEdit()
        self.office_name.setObjectName("office_name")
        self.office_name.textEdited.connect(self._office_name_typed)
        office_form.addRow(_("Nama kantor"), self.office_name)
        region_layout.addLayout(office_form)
        self.body.addWidget(region_box)

        admin_box = QGroupBox(_("Akun admin pertama"))
        admin_form = QFormLayout(admin_box)
        self.username = QLineEdit("admin")
        self.username.setObjectName("username")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.password = _password_field()
        self.password.setObjectName("password")
        self.password.setPlaceholderText(_("minimal {n} karakter").format(n=MIN_PASSWORD_LENGTH))
        self.repeat = _password_field()
        self.repeat.setObjectName("password_repeat")
        admin_form.addRow(_("Nama pengguna"), self.username)
        admin_form.addRow(_("Nama lengkap"), self.full_name)
        admin_form.addRow(_("Kata sandi"), self.password)
        admin_form.addRow(_("Ulangi kata sandi"), self.repeat)
        self.body.addWidget(admin_box)
        location = set_role(
            QLabel(_("Basis data akan disimpan di: {path}").format(path=self.path)), "subtitle"
        )
        location.setWordWrap(True)
        self.body.addWidget(location)
        self.finish_layout()
        self.region_picker.changed.connect(self._region_changed)
        self._region_changed(self.region_picker.region_code())
        self.setMinimumWidth(580)

    def _office_name_typed(self, _text: str) -> None:
        self._office_name_edited = True

    def _region_changed(self, code: str) -> None:
        if not self._office_name_edited:
            self.office_name.setText(_("Dinas Sosial {region}").format(region=region_name(code)))

    def submit(self) -> bool:
        if self.password.text() != self.repeat.text():
            self.show_problem(_("Kedua kata sandi tidak sama."))
            return False
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            self.db = create_office_database(
                self.path,
                self.region_picker.region_code(),
                self.username.text(),
                self.password.text(),
                self.full_name.text().strip(),
                self.office_name.text().strip(),
            )
        finally:
            self.unsetCursor()
        return True


class LoginDialog(_FormDialog):
    def __init__(self, db: OfficeDatabase, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(_("e-JPS Desktop — Masuk"), _("Masuk"), parent)
        self.db = db
        self.user: CurrentUser | None = None
        _header(
            self.body,
            _("e-JPS Desktop"),
            _("{office} · wilayah {region}").format(
                office=db.office.name, region=region_label(db.office.region_code)
            ),
        )
        form = QFormLayout()
        form.setContentsMargins(0, 8, 0, 0)
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = _password_field()
        self.password.setObjectName("password")
        form.addRow(_("Nama pengguna"), self.username)
        form.addRow(_("Kata sandi"), self.password)
        self.body.addLayout(form)
        self.finish_layout()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Keluar"))
        (self.password if username else self.username).setFocus()
        self.setMinimumWidth(500)

    def submit(self) -> bool:
        if not self.username.text().strip():
            self.show_problem(_("Nama pengguna wajib diisi."))
            return False
        try:
            self.user = login(self.db.unit_of_work(), self.username.text(), self.password.text())
        except DomainError:
            self.password.clear()
            self.password.setFocus()
            raise
        return True


class ChangePasswordDialog(_FormDialog):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(_("Ganti kata sandi"), _("Simpan"), parent)
        self.db, self.user = db, user
        _header(self.body, _("Ganti kata sandi"), _("Akun {username}").format(username=user.username))
        form = QFormLayout()
        self.old = _password_field()
        self.new = _password_field()
        self.new.setPlaceholderText(_("minimal {n} karakter").format(n=MIN_PASSWORD_LENGTH))
        self.repeat = _password_field()
        form.addRow(_("Kata sandi sekarang"), self.old)
        form.addRow(_("Kata sandi baru"), self.new)
        form.addRow(_("Ulangi kata sandi baru"), self.repeat)
        self.body.addLayout(form)
        self.finish_layout()
        self.setMinimumWidth(440)

    def submit(self) -> bool:
        if self.new.text() != self.repeat.text():
            self.show_problem(_("Kedua kata sandi baru tidak sama."))
            return False
        change_own_password(self.db.unit_of_work(), self.user, self.old.text(), self.new.text())
        return True
