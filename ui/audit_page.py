"""Audit (admin): who did what and when, and what changed in words (label: before → after); newest first, a
page at a time, narrowed by person, kind of action and days."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.audit import AUDIT_PAGE_SIZE, AuditChange, audit_entries, audit_usernames, describe_change
from app.audit import AuditPage as AuditEntries
from app.auth.roles import CurrentUser
from app.i18n import N_, _
from app.office import OfficeDatabase
from ui.messages import show_error
from ui.registry.detail_format import local_time, thousands
from ui.style import set_role
from ui.widgets.tables import fill_row, read_only_table

ACTION_LABELS = {
    "office.create": N_("Basis data kantor dibuat"),
    "office.letterhead": N_("Kop surat dan pengaturan dokumen diubah"),
    "kuota.program": N_("Kuota program diubah"),
    "kuota.wilayah": N_("Kuota wilayah diubah"),
    "sk.draft": N_("SK disusun"),
    "sk.update": N_("Draf SK diubah"),
    "sk.delete": N_("Draf SK dihapus"),
    "sk.kuota_ulang": N_("Kuota SK dihitung ulang"),
    "sk.melebihi_kuota": N_("Baris dimasukkan melebihi kuota"),
    "sk.keluarkan": N_("Baris dikeluarkan dari SK"),
    "sk.finalise": N_("SK difinalkan"),
    "sk.amend": N_("SK perubahan dibuat"),
    "sk.import": N_("SK dari luar diimpor"),
    "realisasi.add": N_("Realisasi dicatat"),
    "realisasi.import": N_("Realisasi diimpor"),
    "realisasi.correct": N_("Realisasi dikoreksi"),
    "realisasi.cancel": N_("Realisasi dibatalkan"),
    "user.login": N_("Masuk"),
    "user.login_failed": N_("Gagal masuk"),
    "user.create": N_("Pengguna dibuat"),
    "user.update": N_("Pengguna diubah"),
    "user.reset_password": N_("Kata sandi diatur ulang"),
    "user.change_password": N_("Kata sandi diganti"),
    "import.dukcapil": N_("Impor Dukcapil"),
    "import.dtks": N_("Impor DTKS/DTSEN"),
    "program.create": N_("Program dibuat"),
    "program.update": N_("Program diubah"),
    "proposal_list.create": N_("Daftar usulan dibuat"),
    "proposal_list.import": N_("Daftar usulan diimpor"),
    "proposal_list.delete": N_("Daftar usulan dihapus"),
    "proposal.add": N_("Baris usulan ditambahkan"),
    "proposal.correct": N_("Baris usulan diperbaiki"),
    "proposal.delete": N_("Baris usulan dihapus"),
    "penyaringan.jalankan": N_("Penyaringan dijalankan"),
    "penyaringan.keputusan.accepted": N_("Keputusan: padanan diterima"),
    "penyaringan.keputusan.chosen": N_("Keputusan: calon lain dipilih"),
    "penyaringan.keputusan.rejected": N_("Keputusan: padanan ditolak"),
    "penyaringan.keputusan.field_check": N_("Keputusan: cek lapangan"),
    "penyaringan.nik_terdaftar": N_("NIK terdaftar diambil untuk NIK salah ketik atau tidak sah"),
    "export.screening_results": N_("Hasil penyaringan diekspor"),
    "export.import_issues": N_("Baris bermasalah impor diekspor"),
    "export.realisasi_consistency": N_("Ketidaksesuaian realisasi diekspor"),
    "form1.create": N_("Form 1 dicatat"),
    "form1.update": N_("Form 1 diubah"),
    "form1.delete": N_("Form 1 dihapus"),
    "device.enroll": N_("Perangkat didaftarkan ke server provinsi"),
    "device.status": N_("Status pendaftaran perangkat diperiksa"),
    "device.request": N_("Permintaan pendaftaran perangkat diterima"),
    "device.approve": N_("Perangkat disetujui"),
    "device.revoke": N_("Izin perangkat dicabut"),
    "device.hold": N_("Paket perangkat yang dicabut ditahan untuk ditinjau"),
    "device.release_held": N_("Paket tertahan diterapkan"),
    "device.discard_held": N_("Paket tertahan dibuang"),
    "sync.conflict.resolve": N_("Konflik sinkronisasi diputuskan"),
}
# The "what" filter: groups of actions by the start of their code.
ACTION_GROUPS = (
    ("user.", N_("Akun dan masuk")),
    ("import.", N_("Impor registri")),
    ("program.", N_("Program")),
    ("proposal", N_("Daftar dan baris usulan")),
    ("penyaringan.", N_("Penyaringan dan keputusan")),
    ("office.", N_("Kantor")),
    ("export.", N_("Ekspor data pribadi")),
    ("sk.", N_("SK penetapan")),
    ("kuota.", N_("Kuota")),
    ("realisasi.", N_("Realisasi")),
    ("form1.", N_("Form 1")),
    ("device.", N_("Perangkat dan pendaftaran")),
    ("sync.", N_("Sinkronisasi")),
)
# What the "Objek" column names: the kind of record, then its number or name.
ENTITY_LABELS = {
    "office": N_("Kantor"),
    "user": N_("Akun"),
    "import_batch": N_("Impor"),
    "program": N_("Program"),
    "proposal_list": N_("Daftar usulan"),
    "proposal": N_("Baris usulan"),
    "file": N_("Berkas"),
    "sk_penetapan": N_("SK"),
    "sk_penerima": N_("Baris SK"),
    "realisasi": N_("Realisasi"),
    "form1": N_("Form 1"),
    "device": N_("Perangkat"),
    "person": N_("Penduduk"),
}


NO_DATE = QDate(2000, 1, 1)  # a date edit at this value means "no limit" (shown as "–")


def change_text(change: AuditChange) -> str:
    """ "Peran: Operator/Walidata → Admin"; a value set for the first time or removed reads as such."""
    if change.before and change.after:
        return f"{change.label}: {change.before} → {change.after}"
    if change.before:
        return _("{label}: {before} (dihapus)").format(label=change.label, before=change.before)
    return f"{change.label}: {change.after}"


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("–")
    edit.setDate(NO_DATE)
    return edit


class AuditPage(QWidget):
    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.offset = 0
        self.page: AuditEntries | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(set_role(QLabel(_("Log audit")), "title"))
        filters = QHBoxLayout()
        self.user_filter = QComboBox()
        self.action_filter = QComboBox()
        self.action_filter.addItem(_("Semua tindakan"), None)
        for prefix, label in ACTION_GROUPS:
            self.action_filter.addItem(_(label), prefix)
        self.since = _date_edit()
        self.since.setObjectName("since")
        self.until = _date_edit()
        self.until.setObjectName("until")
        for label, combo in (
            (_("Pelaku"), self.user_filter),
            (_("Tindakan"), self.action_filter),
            (_("Dari tanggal"), self.since),
            (_("Sampai tanggal"), self.until),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        self.all_dates = QPushButton(_("Semua tanggal"))
        self.all_dates.clicked.connect(self.clear_dates)
        filters.addWidget(self.all_dates)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.table = read_only_table(
            [_("Waktu"), _("Pelaku"), _("Tindakan"), _("Objek"), _("Perubahan")], "audit"
        )
        layout.addWidget(self.table, 1)
        pager = QHBoxLayout()
        self.newer_button = QPushButton(_("‹ Lebih baru"))
        self.newer_button.clicked.connect(lambda: self.show_offset(self.offset - AUDIT_PAGE_SIZE))
        self.older_button = QPushButton(_("Lebih lama ›"))
        self.older_button.clicked.connect(lambda: self.show_offset(self.offset + AUDIT_PAGE_SIZE))
        self.position = set_role(QLabel(), "count")
        pager.addWidget(self.newer_button)
        pager.addWidget(self.older_button)
        pager.addStretch(1)
        pager.addWidget(self.position)
        layout.addLayout(pager)
        self.refresh()
        for combo in (self.user_filter, self.action_filter):
            combo.currentIndexChanged.connect(lambda _index: self.show_offset(0))
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _date: self.show_offset(0))

    def clear_dates(self) -> None:
        for edit in (self.since, self.until):
            edit.blockSignals(True)
            edit.setDate(NO_DATE)
            edit.blockSignals(False)
        self.show_offset(0)

    @staticmethod
    def _day(edit: QDateEdit):
        return None if edit.date() == NO_DATE else edit.date().toPython()

    def refresh(self) -> None:
        self._fill_user_filter()
        self.show_offset(0)

    def _fill_user_filter(self) -> None:
        chosen = self.user_filter.currentData()
        self.user_filter.blockSignals(True)
        self.user_filter.clear()
        self.user_filter.addItem(_("Semua pelaku"), None)
        try:
            for username in audit_usernames(self.db.unit_of_work(), self.user):
                self.user_filter.addItem(username, username)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
        self.user_filter.setCurrentIndex(max(self.user_filter.findData(chosen), 0))
        self.user_filter.blockSignals(False)

    def show_offset(self, offset: int) -> None:
        try:
            page = audit_entries(
                self.db.unit_of_work(),
                self.user,
                max(0, offset),
                AUDIT_PAGE_SIZE,
                username=self.user_filter.currentData(),
                action_prefix=self.action_filter.currentData(),
                since=self._day(self.since),
                until=self._day(self.until),
            )
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.page, self.offset = page, page.offset
        self.table.setRowCount(0)
        for entry in page.entries:
            kind = _(ENTITY_LABELS[entry.entity]) if entry.entity in ENTITY_LABELS else entry.entity
            obj = f"{kind} {entry.entity_ref}".strip()
            changes = [change_text(c) for c in describe_change(entry.before, entry.after)]
            row = fill_row(
                self.table,
                [
                    local_time(entry.at, with_seconds=True),
                    entry.username,
                    _(ACTION_LABELS.get(entry.action, entry.action)),
                    obj,
                    "; ".join(changes),
                ],
                entry.id,
            )
            # The whole change, one value a line, where the cell is too narrow for it.
            self.table.item(row, 4).setToolTip("<br>".join(escape(line) for line in changes))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        last = page.offset + len(page.entries)
        self.position.setText(
            _("{first}–{last} dari {total} entri").format(
                first=thousands(page.offset + 1 if page.entries else 0),
                last=thousands(last),
                total=thousands(page.total),
            )
        )
        self.newer_button.setEnabled(page.offset > 0)
        self.older_button.setEnabled(page.has_next)
