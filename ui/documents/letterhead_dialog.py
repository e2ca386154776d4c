"""Office settings for documents: the kop surat (two lines, the address, the logo) and whether the SK's lampiran
prints NIKs whole. For admins (the menu item is hidden from others; `update_letterhead` refuses them anyway)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.letterhead import letterhead_settings, logo_png_from_file, update_letterhead
from app.errors import DomainError
from app.i18n import _
from app.office import OfficeDatabase
from ui.auth.dialogs import _FormDialog, _header
from ui.style import set_role

LOGO_BOX = 96  # px: the logo as it will sit beside the lines, about the size it prints


class LetterheadDialog(_FormDialog):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(_("Kop surat dan dokumen"), _("Simpan"), parent)
        self.db, self.user = db, user
        settings = letterhead_settings(db)
        self.logo_path: Path | None = None
        self.remove_logo = False
        _header(
            self.body,
            _("Kop surat dan dokumen"),
            _(
                "Kop surat dicetak di halaman pertama SK penetapan dan dokumen kantor lainnya. Baris yang "
                "dikosongkan memakai isi bawaan dari wilayah kantor."
            ),
        )
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.baris_1 = QLineEdit(settings.baris_1)
        self.baris_1.setPlaceholderText(settings.default_baris_1)
        self.baris_2 = QLineEdit(settings.baris_2)
        self.baris_2.setPlaceholderText(settings.default_baris_2)
        self.alamat = QLineEdit(settings.alamat)
        self.alamat.setPlaceholderText(
            _("mis. Jl. Jenderal Sudirman No. 1, Limboto 96211, Telp. (0435) 881234")
        )
        for field in (self.baris_1, self.baris_2, self.alamat):
            field.setMinimumWidth(460)
        form.addRow(_("Baris 1 (pemerintah):"), self.baris_1)
        form.addRow(_("Baris 2 (instansi):"), self.baris_2)
        form.addRow(_("Alamat, telepon, surel:"), self.alamat)

        self.logo_label = QLabel()
        self.logo_label.setFixedSize(LOGO_BOX, LOGO_BOX)
        self.logo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_label.setObjectName("logoPreview")
        self.logo_label.setStyleSheet("#logoPreview { border: 1px solid #c8c8c8; }")
        self.choose_logo_button = QPushButton(_("Pilih logo…"))
        self.remove_logo_button = QPushButton(_("Hapus logo"))
        logo_buttons = QVBoxLayout()
        logo_buttons.addWidget(self.choose_logo_button)
        logo_buttons.addWidget(self.remove_logo_button)
        logo_buttons.addWidget(QLabel(_("PNG atau JPEG, paling besar 5 MB")))
        logo_buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_label)
        logo_row.addLayout(logo_buttons)
        logo_row.addStretch(1)
        form.addRow(_("Logo:"), logo_row)
        self.body.addLayout(form)

        self.nik_penuh = QCheckBox(_("Cetak NIK lengkap di lampiran SK"))
        self.nik_penuh.setChecked(settings.nik_penuh_di_dokumen)
        note = QLabel(
            _(
                "Tanpa centang, NIK dicetak tersamar (7501xxxxxxxx0001): cukup untuk membedakan penerima yang "
                "namanya sama, tanpa membuka NIK lengkap pada salinan yang beredar."
            )
        )
        note.setWordWrap(True)
        set_role(note, "subtitle")
        self.body.addWidget(self.nik_penuh)
        self.body.addWidget(note)
        self.finish_layout()

        self._show_logo(settings.logo_png)
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button.clicked.connect(self.clear_logo)

    def _show_logo(self, png: bytes | None) -> None:
        pixmap = QPixmap()
        if png and pixmap.loadFromData(png):
            self.logo_label.setPixmap(
                pixmap.scaled(
                    LOGO_BOX - 8,
                    LOGO_BOX - 8,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.remove_logo_button.setEnabled(True)
        else:
            self.logo_label.setPixmap(QPixmap())
            self.logo_label.setText(_("(tanpa logo)"))
            self.remove_logo_button.setEnabled(False)

    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Pilih logo"), "", _("Gambar PNG atau JPEG (*.png *.jpg *.jpeg)")
        )
        if path:
            self.use_logo(Path(path))

    def use_logo(self, path: Path) -> None:
        """Checks and shows the picked logo at once (a wrong file is said now, not on Simpan)."""
        self.error_label.hide()
        try:
            png = logo_png_from_file(path)
        except DomainError as error:  # names the file and what to do: inline, like the form's other errors
            self.show_problem(str(error))
            return
        self.logo_path, self.remove_logo = path, False
        self._show_logo(png)

    def clear_logo(self) -> None:
        self.logo_path, self.remove_logo = None, True
        self._show_logo(None)

    def submit(self) -> bool:
        update_letterhead(
            self.db,
            self.user,
            self.baris_1.text(),
            self.baris_2.text(),
            self.alamat.text(),
            self.logo_path,
            self.nik_penuh.isChecked(),
            remove_logo=self.remove_logo,
        )
        return True
