"""Ringkasan: the published aggregates per child region (the only page a guest sees), with drill-down from the
user's region to kecamatan and desa. No personal data is on this page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.i18n import _
from app.office import OfficeDatabase
from app.registry.summary import RegionSummary, RegistrySummary, registry_summary
from ui.messages import show_error
from ui.registry.detail_format import thousands
from ui.style import STATUS_COLOURS, set_role
from ui.widgets.region_picker import region_name
from ui.widgets.stat_card import StatCard
from ui.widgets.tables import fill_row, read_only_table, row_data

DESIL_COLUMNS = range(1, 11)
KIND_LABELS = {"dukcapil": "Dukcapil", "dtks": "DTKS/DTSEN"}


class SummaryPage(QWidget):
    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None, load_now: bool = True
    ) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.region = user.region_code
        self.summary: RegistrySummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Ringkasan registri")), "title"))
        top.addStretch(1)
        self.up_button = QPushButton(_("▲ Naik satu tingkat"))
        self.up_button.clicked.connect(self.go_up)
        top.addWidget(self.up_button)
        layout.addLayout(top)
        self.breadcrumb = QLabel()
        self.breadcrumb.setObjectName("breadcrumb")
        self.breadcrumb.setTextFormat(Qt.TextFormat.RichText)
        self.breadcrumb.linkActivated.connect(self.open_region)
        layout.addWidget(self.breadcrumb)
        cards = QGridLayout()
        cards.setSpacing(8)
        self.cards = {
            "people": StatCard(_("Penduduk")),
            "alive": StatCard(_("Hidup"), STATUS_COLOURS["hidup"].name()),
            "dead": StatCard(_("Meninggal"), STATUS_COLOURS["meninggal"].name()),
            "moved": StatCard(_("Pindah"), STATUS_COLOURS["pindah"].name()),
            "missing": StatCard(_("Hilang dari ekstrak"), STATUS_COLOURS["missing"].name()),
            "households": StatCard(_("Keluarga (KK)")),
            "dtks_people": StatCard(_("Di DTKS/DTSEN")),
        }
        for position, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, position)
        layout.addLayout(cards)
        self.hint = set_role(QLabel(_("Klik dua kali satu wilayah untuk melihat rinciannya.")), "subtitle")
        layout.addWidget(self.hint)
        headers = [
            _("Wilayah"),
            _("Kode"),
            _("Penduduk"),
            _("Hidup"),
            _("Meninggal"),
            _("Pindah"),
            _("Hilang"),
            _("KK"),
            _("DTKS/DTSEN"),
        ] + [f"D{n}" for n in DESIL_COLUMNS]
        self.table = read_only_table(headers, "summary")
        self.table.setToolTip(_("D1–D10: jumlah orang di DTKS/DTSEN per desil (1 = paling miskin)."))
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.cellDoubleClicked.connect(self._drill)
        layout.addWidget(self.table, 1)
        self.imports = set_role(QLabel(), "subtitle")
        self.imports.setWordWrap(True)
        layout.addWidget(self.imports)
        self.loaded = False
        if load_now:
            self.refresh()

    def ensure_loaded(self) -> None:
        """Counting a province's 1.2 million people takes a moment: the main window asks only when the
        page is first opened, so the program starts at once."""
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        self.open_region(self.region)

    def open_region(self, code: str) -> None:
        try:
            summary = registry_summary(self.db.unit_of_work(), self.user, code)
        except Exception as error:  # shown or logged with an incident id
            show_error(self, error)
            return
        self.region, self.summary = summary.region.code, summary
        self._render(summary)

    def go_up(self) -> None:
        parent = {4: 2, 6: 4, 10: 6}.get(len(self.region))
        if parent and len(self.region[:parent]) >= len(self.user.region_code):
            self.open_region(self.region[:parent])

    def _drill(self, row: int, _column: int) -> None:
        code = row_data(self.table, row)
        if code and len(code) < 10:
            self.open_region(code)

    def _render(self, summary: RegistrySummary) -> None:
        own = self.user.region_code
        steps = [own] + [self.region[:n] for n in (4, 6, 10) if len(own) < n <= len(self.region)]
        links = [
            f"<a href='{c}'>{region_name(c)}</a>" if c != self.region else f"<b>{region_name(c)}</b>"
            for c in steps
        ]
        self.breadcrumb.setText(" › ".join(links))
        self.up_button.setEnabled(len(self.region) > len(own))
        total = summary.region
        for key, card in self.cards.items():
            card.set(getattr(total, key))
        self.table.setRowCount(0)
        for child in summary.children:
            self._row(child)
        if summary.children:
            self._row(total, name=_("Jumlah"), bold=True)
        # Every column as wide as its content: "Kabupaten Gorontalo" and "Kabupaten Gorontalo Utara" must
        # never both end in "Kabupaten Goront…".
        self.table.resizeColumnsToContents()
        self.hint.setVisible(len(self.region) < 6)
        if summary.last_imports:
            items = [
                f"{KIND_LABELS.get(k, k)} — {f} ({thousands(r)} " + _("baris") + ")"
                for k, f, _t, r in summary.last_imports[:3]
            ]
            self.imports.setText(_("Impor terakhir: {items}").format(items="; ".join(items)))
        else:
            self.imports.setText(_("Belum ada data diimpor."))

    def _row(self, item: RegionSummary, name: str | None = None, bold: bool = False) -> None:
        values = [
            name or region_name(item.code),
            item.code if name is None else "",
            thousands(item.people),
            thousands(item.alive),
            thousands(item.dead),
            thousands(item.moved),
            thousands(item.missing),
            thousands(item.households),
            thousands(item.dtks_people),
        ]
        values += [thousands(item.desil.get(n, 0)) if item.desil.get(n) else "·" for n in DESIL_COLUMNS]
        colours = {4: STATUS_COLOURS["meninggal"], 5: STATUS_COLOURS["pindah"], 6: STATUS_COLOURS["missing"]}
        colours |= {8 + n: QColor("#1e7b34") for n in range(1, 5)}
        counts = {4: item.dead, 5: item.moved, 6: item.missing} | {
            8 + n: item.desil.get(n, 0) for n in range(1, 5)
        }
        colours = {
            column: colour for column, colour in colours.items() if counts.get(column)
        }  # zero: no alarm
        fill_row(
            self.table,
            values,
            None if name else item.code,
            bold=bold,
            colours=colours,
            numeric=set(range(2, len(values))),
        )
