"""Pengguna (admin): the accounts of this office; add one, activate/deactivate, reset a password
(Pergub 52/2020 Lampiran I: the admin gives each walidata/operator an account)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.roles import ROLE_LABELS, CurrentUser, Role
from app.auth.users import UserSummary, create_user, list_users, reset_password, update_user
from app.i18n import _
from app.office import OfficeDatabase
from ui.auth.dialogs import _FormDialog, _header, _password_field
from ui.messages import confirm, inform, show_error
from ui.registry.detail_format import local_time
from ui.style import STATUS_COLOURS, set_role
from ui.widgets.region_picker import RegionPicker, region_label
from ui.widgets.tables import fill_row, read_only_table, row_data


class UserDialog(_FormDialog):
    def __init__(self, db: OfficeDatabase, actor: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(_("Tambah pengguna"), _("Simpan"), parent)
        self.db, self.actor = db, actor
        self.created: UserSummary | None = None
        _header(
            self.body,
            _("Tambah pengguna"),
            _("Operator dan tamu hanya melihat data wilayah kerjanya sendiri."),
        )
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in (Role.OPERATOR, Role.GUEST, Role.ADMIN):
            self.role.addItem(_(ROLE_LABELS[role]), role.value)
        self.region = RegionPicker(db.office.region_code)
        self.opd = QLineEdit()
        self.opd.setObjectName("opd")
        self.opd.setPlaceholderText(_("mis. Dinas Sosial, Disdukcapil, Bappeda"))
        self.password = _password_field()
        self.password.setObjectName("password")
        self.password.setPlaceholderText(_("minimal {n} karakter").format(n=MIN_PASSWORD_LENGTH))
        self.repeat = _password_field()
        self.repeat.setObjectName("password_repeat")
        form.addRow(_("Nama pengguna"), self.username)
        form.addRow(_("Nama lengkap"), self.full_name)
        form.addRow(_("Peran"), self.role)
        form.addRow(_("OPD"), self.opd)
        form.addRow(_("Kata sandi"), self.password)
        form.addRow(_("Ulangi kata sandi"), self.repeat)
        self.body.addLayout(form)
        region_box = QGroupBox(_("Wilayah kerja"))
        QVBoxLayout(region_box).addWidget(self.region)
        self.body.addWidget(region_box)
        self.finish_layout()
        self.setMinimumWidth(560)

    def submit(self) -> bool:
        if self.password.text() != self.repeat.text():
            self.show_problem(_("Kedua kata sandi tidak sama."))
            return False
        self.created = create_user(
            self.db.unit_of_work(),
            self.actor,
            self.username.text(),
            self.full_name.text(),
            self.password.text(),
            Role(self.role.currentData()),
            self.region.region_code(),
            self.opd.text(),
        )
        return True


class UsersPage(QWidget):
    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None, load_now: bool = True
    ) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.users: list[UserSummary] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(set_role(QLabel(_("Pengguna")), "title"))
        buttons = QHBoxLayout()
        self.add_button = set_role(QPushButton(_("Tambah pengguna…")), "primary")
        self.add_button.clicked.connect(self.add_user)
        self.toggle_button = QPushButton(_("Nonaktifkan"))
        self.toggle_button.clicked.connect(self.toggle_active)
        self.reset_button = QPushButton(_("Atur ulang kata sandi…"))
        self.reset_button.clicked.connect(self.reset_password)
        for button in (self.add_button, self.toggle_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table = read_only_table(
            [
                _("Nama pengguna"),
                _("Nama lengkap"),
                _("Peran"),
                _("Wilayah kerja"),
                _("OPD"),
                _("Status"),
                _("Terakhir masuk"),
            ],
            "users",
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.loaded = False
        if load_now:
            self.refresh()

    def ensure_loaded(self) -> None:
        """Loaded when first opened: region names come from the Kemendagri list, read on demand."""
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        try:
            self.users = list_users(self.db.unit_of_work(), self.user)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.table.setRowCount(0)
        for summary in self.users:
            last = local_time(summary.last_login_at) or "—"
            fill_row(
                self.table,
                [
                    summary.username,
                    summary.full_name,
                    _(ROLE_LABELS[summary.role]),
                    region_label(summary.region_code),
                    summary.opd,
                    _("Aktif") if summary.active else _("Nonaktif"),
                    last,
                ],
                summary.id,
                colours={5: STATUS_COLOURS["hidup"] if summary.active else STATUS_COLOURS["missing"]},
            )
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self._selection_changed()

    def selected(self) -> UserSummary | None:
        row = self.table.currentRow()
        if row < 0 or not self.table.selectedItems():
            return None
        user_id = row_data(self.table, row)
        return next((u for u in self.users if u.id == user_id), None)

    def select_username(self, username: str) -> None:
        for row, summary in enumerate(self.users):
            if summary.username == username:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.toggle_button.setEnabled(chosen is not None and chosen.id != self.user.id)
        self.reset_button.setEnabled(chosen is not None)
        self.toggle_button.setText(
            _("Aktifkan") if chosen is not None and not chosen.active else _("Nonaktifkan")
        )

    def add_user(self) -> None:
        dialog = UserDialog(self.db, self.user, self)
        if dialog.exec():
            self.refresh()
            self.select_username(dialog.created.username)

    def toggle_active(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        question = (
            _("Nonaktifkan akun {username}? Pengguna ini tidak dapat masuk lagi sampai diaktifkan.")
            if chosen.active
            else _("Aktifkan kembali akun {username}?")
        ).format(username=chosen.username)
        if not confirm(self, _("Pengguna"), question):
            return
        try:
            update_user(self.db.unit_of_work(), self.user, chosen.id, active=not chosen.active)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.refresh()
        self.select_username(chosen.username)

    def reset_password(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        password, ok = QInputDialog.getText(
            self,
            _("Atur ulang kata sandi"),
            _("Kata sandi baru untuk {username} (minimal {n} karakter):").format(
                username=chosen.username, n=MIN_PASSWORD_LENGTH
            ),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        try:
            reset_password(self.db.unit_of_work(), self.user, chosen.id, password)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        inform(
            self,
            _("Atur ulang kata sandi"),
            _("Kata sandi {username} sudah diganti. Sampaikan kepada pengguna secara langsung.").format(
                username=chosen.username
            ),
        )
