"""One person at a glance: the Dukcapil record with its region names, the flags the import left, the household
(click a member to go to them), DTKS/DTSEN status with desil and programs, and the change history."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.fields import PROGRAM_LABELS
from app.registry.people import CHANGE_LABELS, PersonDetail, person_detail
from app.registry.search import PersonRow
from ui.messages import show_error
from ui.registry.detail_format import local_time, shown, table_item
from ui.registry.people_model import format_date, person_status_text
from ui.style import STATUS_COLOURS, set_role
from ui.widgets.region_picker import region_name

SEX_LABELS = {"L": N_("Laki-laki"), "P": N_("Perempuan")}
FIELD_LABELS = {
    "nik": N_("NIK"),
    "no_kk": N_("No. KK"),
    "nama": N_("Nama"),
    "tempat_lahir": N_("Tempat lahir"),
    "tgl_lahir": N_("Tgl lahir"),
    "jenis_kelamin": N_("JK"),
    "alamat": N_("Alamat"),
    "rt": N_("RT"),
    "rw": N_("RW"),
    "kode_desa": N_("Kode desa"),
    "hubungan_keluarga": N_("Hubungan"),
    "status": N_("Status"),
    "tgl_status": N_("Tgl status"),
}


def _table(headers: list[str]) -> QTableWidget:
    table = _WrappingTable(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fit_height(table: QTableWidget) -> None:
    """Tables inside the scrolling pane show all their rows, wrapped to the pane's width; the pane scrolls
    vertically, never sideways."""
    table.resizeRowsToContents()
    height = table.horizontalHeader().height() + 2 * table.frameWidth() + 4
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(max(height, 60))


class _WrappingTable(QTableWidget):
    """The household table: names and relations wrap onto a second line rather than being cut, and the
    table's height follows its rows whenever the pane's width changes."""

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            _fit_height(self)


class PersonDetailPane(QScrollArea):
    person_requested = Signal(int)

    def __init__(self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.detail: PersonDetail | None = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(430)
        content = QWidget()
        content.setObjectName("detailContent")
        content.setStyleSheet("#detailContent { background: white; }")
        self.setWidget(content)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(6)

        self.empty = set_role(QLabel(_("Pilih satu baris di tabel untuk melihat data penduduk.")), "subtitle")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        header = QHBoxLayout()
        self.name = set_role(QLabel(), "title")
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = set_role(QLabel(), "badge")
        header.addWidget(self.name, 1)
        header.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(header)
        self.identity = set_role(QLabel(), "subtitle")
        self.identity.setWordWrap(True)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.identity)
        self.missing_note = set_role(QLabel(), "note")
        self.missing_note.setWordWrap(True)
        body.addWidget(self.missing_note)
        self.flags_note = set_role(QLabel(), "note")
        self.flags_note.setWordWrap(True)
        body.addWidget(self.flags_note)

        body.addWidget(set_role(QLabel(_("Data kependudukan (Dukcapil)")), "section"))
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(16)
        self.form.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("lahir", _("Tempat, tgl lahir")),
            ("jk", _("Jenis kelamin")),
            ("hubungan", _("Hubungan keluarga")),
            ("alamat", _("Alamat")),
            ("wilayah", _("Wilayah")),
            ("status", _("Status")),
            ("sumber", _("Impor terakhir")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow(set_role(QLabel(label), "subtitle"), value)
        body.addLayout(self.form)

        self.household_title = set_role(QLabel(), "section")
        self.household_title.setWordWrap(True)
        body.addWidget(self.household_title)
        # A short title over the relation: the pane is narrow, and the title must not be cut.
        self.household = _table([_("NIK"), _("Nama"), _("Hub."), _("Tgl lahir")])
        self.household.horizontalHeaderItem(2).setToolTip(_("Hubungan keluarga"))
        self.household.setObjectName("household")
        self.household.setToolTip(_("Klik anggota keluarga untuk membuka datanya."))
        self.household.cellClicked.connect(self._member_clicked)
        self.household.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.household.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        header = self.household.horizontalHeader()
        header.setStretchLastSection(False)
        # The NIK and the date are whole (they cannot wrap); name and relation share the rest and wrap.
        for column in (0, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        body.addWidget(self.household)

        body.addWidget(set_role(QLabel(_("DTKS/DTSEN")), "section"))
        self.dtks = QLabel()
        self.dtks.setWordWrap(True)
        self.dtks.setTextFormat(Qt.TextFormat.RichText)
        body.addWidget(self.dtks)

        body.addWidget(set_role(QLabel(_("Riwayat perubahan")), "section"))
        self.history = QLabel()
        self.history.setObjectName("history")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.history)
        self.no_history = set_role(QLabel(_("Belum ada perubahan sejak pertama diimpor.")), "subtitle")
        body.addWidget(self.no_history)
        body.addStretch(1)
        layout.addWidget(self.body)
        self.body.hide()

    def clear(self) -> None:
        self.detail = None
        self.body.hide()
        self.empty.show()

    def show_person(self, person_id: int) -> None:
        try:
            detail = person_detail(self.db.unit_of_work(), self.user, person_id)
        except Exception as error:  # a refusal is shown as such; anything else gets an incident id
            show_error(self, error)
            return
        self.detail = detail
        self._render(detail)
        self.empty.hide()
        self.body.show()
        self.verticalScrollBar().setValue(0)

    def _render(self, detail: PersonDetail) -> None:
        person = detail.person
        self.name.setText(person.nama)
        self.identity.setText(f"NIK {person.nik}   ·   No. KK {person.no_kk}")
        self.status.setText(person_status_text(person))
        colour = STATUS_COLOURS["missing"] if person.missing else STATUS_COLOURS.get(person.status)
        self.status.setStyleSheet(f"background: {colour.name() if colour else '#1d5b8f'};")
        self.missing_note.setVisible(person.missing)
        self.missing_note.setText(
            _(
                "Orang ini tidak ada lagi di ekstrak Dukcapil terbaru. Periksa apakah "
                "pindah, meninggal, atau salah ketik NIK sebelum dipakai untuk bantuan."
            )
        )
        self.flags_note.setVisible(bool(detail.flag_texts))
        self.flags_note.setText(_("Ditandai saat impor:") + "\n• " + "\n• ".join(detail.flag_texts))
        place = f"{detail.tempat_lahir}, " if detail.tempat_lahir else ""
        self.fields["lahir"].setText(place + shown(format_date(person.tgl_lahir)))
        self.fields["jk"].setText(_(SEX_LABELS.get(person.jenis_kelamin, person.jenis_kelamin)))
        self.fields["hubungan"].setText(shown(person.hubungan_keluarga))
        address = detail.alamat
        if detail.rt or detail.rw:
            address += f", RT {detail.rt or '-'} / RW {detail.rw or '-'}"
        self.fields["alamat"].setText(shown(address))
        path = [
            region_name(code) if region_name(code) != code else (name or code)
            for code, name in detail.region_path[1:]
        ]
        self.fields["wilayah"].setText(" › ".join(path) + f"  ({person.kode_desa})")
        status = person_status_text(person)
        if detail.tgl_status:
            status = _("{status} sejak {date}").format(status=status, date=format_date(detail.tgl_status))
        self.fields["status"].setText(status)
        self.fields["sumber"].setText(shown(detail.last_import))
        self._render_household(detail)
        self._render_dtks(detail)
        self._render_history(detail)

    def _render_household(self, detail: PersonDetail) -> None:
        self.household_title.setText(
            _("Anggota keluarga (No. KK {kk}) — {n} orang").format(
                kk=detail.person.no_kk, n=len(detail.household)
            )
        )
        self.household.setRowCount(0)
        bold = QFont(self.household.font())
        bold.setBold(True)
        for member in detail.household:
            row = self.household.rowCount()
            self.household.insertRow(row)
            cells = [member.nik, member.nama, member.hubungan_keluarga, format_date(member.tgl_lahir)]
            colour = (
                STATUS_COLOURS["missing"]
                if member.missing
                else (STATUS_COLOURS.get(member.status) if member.status != "hidup" else None)
            )
            for column, text in enumerate(cells):
                item = table_item(text, member.id)
                item.setToolTip(_("Status: {status}").format(status=person_status_text(member)))
                if member.id == detail.person.id:
                    item.setFont(bold)
                if colour is not None:
                    item.setForeground(colour)
                self.household.setItem(row, column, item)
            if member.missing or member.status != "hidup":
                item = self.household.item(row, 1)
                item.setText(f"{member.nama} ({person_status_text(member).lower()})")
        _fit_height(self.household)

    def _member_clicked(self, row: int, _column: int) -> None:
        item = self.household.item(row, 0)
        member_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if member_id is not None and self.detail and member_id != self.detail.person.id:
            self.person_requested.emit(int(member_id))

    def _render_dtks(self, detail: PersonDetail) -> None:
        if not detail.dtks:
            self.dtks.setText(_("Tidak terdaftar di DTKS/DTSEN yang diimpor ke kantor ini."))
            return
        parts = []
        for record in detail.dtks:
            programs = [
                PROGRAM_LABELS.get(name, name.upper())
                for name, flag in sorted(record.programs.items())
                if str(flag) in ("1", "True", "true")
            ]
            desil = (
                _("Desil {n}").format(n=record.desil) if record.desil is not None else _("Desil belum ada")
            )
            colour = "#1e7b34" if (record.desil or 99) <= 4 else "#1d5b8f"
            origin = (
                _("keluarga KK {no_kk}").format(no_kk=record.from_family_kk)
                if record.from_family_kk
                else f"ID {record.id_dtks}"
            )
            line = (
                f"<b>{record.source}</b> · {origin} · "
                f"<span style='background:{colour};color:white;padding:1px 6px;'>&nbsp;{desil}&nbsp;</span>"
            )
            levels = [
                _("desil provinsi {n}").format(n=value)
                for value in (record.desil_provinsi,)
                if value is not None
            ] + [
                _("desil kabupaten/kota {n}").format(n=value)
                for value in (record.desil_kabupaten_kota,)
                if value is not None
            ]
            if levels:
                line += " · " + " · ".join(levels)
            line += "<br>" + _("Program: {programs}").format(
                programs=", ".join(programs) if programs else _("tidak ada")
            )
            if record.missing:
                line += (
                    "<br><span style='color:#c0392b'>" + _("Tidak ada lagi di ekstrak terbaru.") + "</span>"
                )
            parts.append(line)
        self.dtks.setText("<br><br>".join(parts))

    def _render_history(self, detail: PersonDetail) -> None:
        entries = []
        for entry in reversed(detail.history):
            changes = [
                f"{escape(_(FIELD_LABELS[key]) if key in FIELD_LABELS else key)}: <span style='color:#8a1c1c'>{escape(shown(entry.before.get(key)))}"
                f"</span> → <span style='color:#1e7b34'>{escape(shown(value))}</span>"
                for key, value in entry.after.items()
                if entry.before.get(key) != value
            ]
            source = ", ".join(part for part in (entry.file_name, entry.by) if part)
            head = (
                f"<b>{local_time(entry.at)} · {escape(_(CHANGE_LABELS.get(entry.change, entry.change)))}</b>"
            )
            if source:
                head += f" <span style='color:#5b6b7c'>({escape(source)})</span>"
            entries.append(head + "".join(f"<br>&nbsp;&nbsp;{line}" for line in changes))
        self.history.setText("<br><br>".join(entries))
        self.history.setVisible(bool(detail.history))
        self.no_history.setVisible(not detail.history)


def household_row_ids(pane: PersonDetailPane) -> list[int]:
    return [
        int(pane.household.item(r, 0).data(Qt.ItemDataRole.UserRole))
        for r in range(pane.household.rowCount())
    ]


__all__ = ["PersonDetailPane", "PersonRow", "household_row_ids"]
