"""Correcting and cancelling a realisasi row: the row shown, the corrected fields (for a correction), and a
required reason. The rules — append-only, who may, which rows — are in app/documents/realisasi_koreksi.py."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QWidget

from app.auth.roles import CurrentUser
from app.documents.realisasi import SALURAN_LABELS, RealisasiRow, Saluran
from app.documents.realisasi_koreksi import cancel_realisasi, correct_realisasi
from app.formats import date_text
from app.i18n import _
from app.office import OfficeDatabase
from ui.auth.dialogs import _FormDialog, _header
from ui.documents.realisasi_dialogs import HandoverFields
from ui.registry.detail_format import thousands
from ui.style import set_role


def row_summary(row: RealisasiRow) -> str:
    channel = _(SALURAN_LABELS[Saluran(row.saluran)]) if row.saluran in set(Saluran) else row.saluran
    return _("{nama} ({nik}), {date}: Rp {nilai}, {channel}").format(
        nama=row.nama or "-",
        nik=row.nik,
        date=date_text(row.tanggal),
        nilai=thousands(row.nilai),
        channel=channel,
    )


def reason_box(placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName("reason")
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFixedHeight(64)
    return box


class RealisasiCorrectionDialog(_FormDialog):
    """The row's fields, filled, to be corrected; saving writes a new row that supersedes this one."""

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, row: RealisasiRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Koreksi realisasi"), _("Simpan koreksi"), parent)
        self.db, self.user, self.row = db, user, row
        self.saved: RealisasiRow | None = None
        _header(
            self.body,
            _("Koreksi realisasi"),
            _(
                "Baris lama tetap tersimpan dengan tanda \u201cdigantikan koreksi\u201d dan tidak dihitung lagi; "
                "baris koreksi menggantikannya."
            ),
        )
        summary = set_role(QLabel(_("Baris yang dikoreksi: {row}").format(row=row_summary(row))), "note")
        summary.setWordWrap(True)
        self.body.addWidget(summary)
        self.fields = HandoverFields(row)
        self.reason = reason_box(_("Mengapa dikoreksi, mis. nilai salah ketik dari daftar bank"))
        self.fields.form.addRow(_("Alasan koreksi"), self.reason)
        self.body.addLayout(self.fields.form)
        self.finish_layout()
        self.resize(520, self.sizeHint().height())

    def submit(self) -> bool:
        reason = self.reason.toPlainText()
        self.saved = correct_realisasi(self.db, self.user, self.row.id, self.fields.entry(), reason)
        return True


class RealisasiCancelDialog(_FormDialog):
    """Cancels the row: it stays, marked with who cancelled it, when and why, and no longer counts."""

    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, row: RealisasiRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Batalkan realisasi"), _("Batalkan baris"), parent)
        # "Batal" beside "Batalkan baris" reads as the same action: this one only closes the dialog.
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Tutup"))
        self.db, self.user, self.row = db, user, row
        self.saved: RealisasiRow | None = None
        _header(
            self.body,
            _("Batalkan realisasi"),
            _(
                "Baris ini tetap tersimpan dengan tanda \u201cdibatalkan\u201d, nama Anda dan waktunya, dan tidak "
                "dihitung lagi. Gunakan untuk penyaluran yang tidak terjadi atau tercatat dua kali."
            ),
        )
        form = QFormLayout()
        summary = QLabel(row_summary(row))
        summary.setWordWrap(True)
        form.addRow(_("Baris"), summary)
        self.reason = reason_box(_("Mengapa dibatalkan, mis. tercatat dua kali"))
        form.addRow(_("Alasan pembatalan"), self.reason)
        self.body.addLayout(form)
        self.finish_layout()
        self.resize(520, self.sizeHint().height())

    def submit(self) -> bool:
        reason = self.reason.toPlainText()
        self.saved = cancel_realisasi(self.db, self.user, self.row.id, reason)
        return True
