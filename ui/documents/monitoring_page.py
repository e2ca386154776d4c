"""Monitoring dan evaluasi (Pergub 52/2020 Pasal 7): the figures of the programs in the user's region, filtered
by semester, program, funding source and region — target against achievement and accuracy by desil as charts,
the numbers per region in a table beside them — and the six-monthly report saved as PDF or XLSX.

Counts only, no names: a guest sees this page too, but cannot save the report (app/ refuses it)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.auth.roles import CurrentUser, Permission
from app.documents.monitoring import (
    DESIL_CLASSES,
    Figures,
    MonitoringReport,
    Semester,
    monitored_programs,
    monitoring_figures,
)
from app.documents.semester_report import report_title, write_semester_report
from app.formats import format_number
from app.i18n import _
from app.office import OfficeDatabase
from app.screening.programs import FUNDING_SOURCE_LABELS, FUNDING_SOURCES
from ui.jobs import run_in_background
from ui.messages import inform, show_error
from ui.style import PRIMARY, set_role
from ui.widgets.region_picker import region_children, region_name
from ui.widgets.stat_card import StatCard
from ui.widgets.tables import fill_row, read_only_table

TARGET_COLOUR, SERVED_COLOUR = QColor("#9db7d1"), QColor(PRIMARY)
SK_COLOUR, REALISASI_COLOUR = QColor("#9db7d1"), QColor("#1e7b34")
YEARS_BACK = 3


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{format_number(value)}\u00a0%"


class MonitoringPage(QWidget):
    def __init__(
        self, db: OfficeDatabase, user: CurrentUser, parent: QWidget | None = None, load_now: bool = True
    ) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.report: MonitoringReport | None = None
        self.job = None  # the semester report being written
        self.counting = None  # the figures being counted
        self.stale = False
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.addWidget(set_role(QLabel(_("Monitoring dan evaluasi")), "title"))
        top.addStretch(1)
        self.print_button = QPushButton(_("Cetak laporan semester…"))
        self.print_button.clicked.connect(self.choose_report_file)
        self.print_button.setVisible(user.can(Permission.REPORT_PRINT))
        top.addWidget(self.print_button)
        layout.addLayout(top)

        filters = QHBoxLayout()
        self.semester_filter = QComboBox()
        today = date.today()
        for year in range(today.year + 1, today.year - YEARS_BACK, -1):
            for half in (2, 1):
                semester = Semester(year, half)
                label = _("Semester {roman} {tahun}").format(roman=semester.roman, tahun=year)
                self.semester_filter.addItem(label, semester.code)
        self.semester_filter.setCurrentIndex(self.semester_filter.findData(Semester.containing(today).code))
        self.program_filter = QComboBox()
        self.program_filter.setMinimumContentsLength(18)
        self.program_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.source_filter = QComboBox()
        self.source_filter.addItem(_("Semua sumber dana"), None)
        for code in FUNDING_SOURCES:
            self.source_filter.addItem(_(FUNDING_SOURCE_LABELS[code]), code)
        self.region_filter = QComboBox()
        self.region_filter.setMinimumContentsLength(16)
        self.region_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.region_filter.addItem(region_name(user.region_code), user.region_code)
        for child in region_children(user.region_code):
            self.region_filter.addItem("   " + region_name(child.code), child.code)
        for label, combo in (
            (_("Semester"), self.semester_filter),
            (_("Program"), self.program_filter),
            (_("Sumber dana"), self.source_filter),
            (_("Wilayah"), self.region_filter),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo, 1 if combo in (self.program_filter, self.region_filter) else 0)
        filters.addStretch(0)
        layout.addLayout(filters)
        self.semester_filter.currentIndexChanged.connect(self._semester_changed)
        self.source_filter.currentIndexChanged.connect(self._semester_changed)
        self.program_filter.currentIndexChanged.connect(self.refresh)
        self.region_filter.currentIndexChanged.connect(self.refresh)

        cards = QGridLayout()
        cards.setSpacing(8)
        self.cards = {
            "kuota": StatCard(_("Kuota")),
            "target": StatCard(_("Penerima SK")),
            "served": StatCard(_("Tersalur s.d. semester")),
            "served_percent": StatCard(_("Tersalur (%)")),
            "dtks_percent": StatCard(_("Tersalur di DTKS/DTSEN (%)")),
            "inconsistent": StatCard(_("Ketidaksesuaian SK/realisasi"), "#b42318"),
        }
        self.cards["dtks_percent"].setToolTip(
            _(
                "Bagian penerima yang sudah tersalur yang tercatat di DTKS/DTSEN. Grafik desil membandingkan penerima SK dan penerima tersalur."
            )
        )
        for position, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, position)
        layout.addLayout(cards)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        self.achievement_chart = self._chart_view()
        self.accuracy_chart = self._chart_view()
        self.accuracy_chart.setToolTip(
            _("D1–D10: desil DTKS/DTSEN (1 = paling miskin). D?: di DTKS/DTSEN tanpa desil. Non: bukan DTKS.")
        )
        charts_layout.addWidget(self.achievement_chart, 1)
        charts_layout.addWidget(self.accuracy_chart, 1)
        splitter.addWidget(charts)
        self.table = read_only_table(
            [
                _("Wilayah"),
                _("Kuota"),
                _("Penerima SK"),
                _("Tersalur"),
                _("Tersalur (%)"),
                _("Nilai SK (Rp)"),
                _("Nilai tersalur (Rp)"),
                _("% DTKS/DTSEN"),
                _("Meninggal/pindah"),
                _("Tidak di SK"),
                _("Belum tersalur"),
                _("Melebihi SK"),
                _("Ganda"),
                _("Setelah meninggal"),
            ],
            "monitoring",
        )
        self.table.setToolTip(
            _(
                "Per wilayah, semua program yang dipilih. % DTKS/DTSEN dan meninggal/pindah: penerima realisasi. "
                "Lima kolom terakhir: jumlah orang per jenis ketidaksesuaian SK/realisasi."
            )
        )
        self.table.horizontalHeader().setStretchLastSection(False)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 620])  # the table's fourteen columns need the room more than the charts
        layout.addWidget(splitter, 1)
        self.note = set_role(QLabel(), "subtitle")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self._fill_programs()
        if load_now:
            self.refresh()

    # filters ----------------------------------------------------------------------------------------------
    @property
    def semester(self) -> Semester:
        return Semester.parse(self.semester_filter.currentData())

    def _fill_programs(self) -> None:
        chosen = self.program_filter.currentData()
        self.program_filter.blockSignals(True)
        self.program_filter.clear()
        self.program_filter.addItem(_("Semua program"), None)
        try:
            programs = monitored_programs(
                self.db.unit_of_work(), self.user, self.semester.tahun, self.source_filter.currentData()
            )
        except Exception as error:  # shown, or logged with an incident id
            show_error(self, error)
            programs = []
        for program in programs:
            self.program_filter.addItem(program.nama, program.id)
        index = self.program_filter.findData(chosen)
        self.program_filter.setCurrentIndex(max(index, 0))
        self.program_filter.blockSignals(False)

    def _semester_changed(self) -> None:
        self._fill_programs()
        self.refresh()

    def ensure_loaded(self) -> None:
        """The figures of a province take a moment: counted when the page is first opened."""
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """Counts again with the chosen filters, off the GUI thread (a province takes seconds); a change made
        meanwhile is counted once the running count is shown."""
        self.loaded = True
        if self.counting is not None and self.counting.running:
            self.stale = True
            return
        self.stale = False
        filters = {
            "program_id": self.program_filter.currentData(),
            "sumber_dana": self.source_filter.currentData(),
            "region": self.region_filter.currentData(),
        }
        semester = self.semester
        self.counting = run_in_background(
            self,
            _("Menghitung angka monitoring…"),
            lambda _progress: monitoring_figures(self.db.unit_of_work(), self.user, semester, **filters),
            self._counted,
            lambda _error: self._counted(None),
        )

    def _counted(self, report: MonitoringReport | None) -> None:
        if report is not None:
            self.report = report
            self._render(report)
        if self.stale:
            self.refresh()

    @property
    def busy(self) -> bool:
        return self.counting is not None and self.counting.running

    # showing ----------------------------------------------------------------------------------------------
    def _render(self, report: MonitoringReport) -> None:
        total = report.total
        self.cards["kuota"].set(total.kuota or 0)
        self.cards["target"].set(total.target_penerima)
        self.cards["served"].set(total.tersalur_penerima)
        self.cards["served_percent"].value.setText(percent_text(total.persen_penerima))
        self.cards["dtks_percent"].value.setText(percent_text(total.ketepatan_realisasi.persen_dtks))
        self.cards["inconsistent"].set(total.konsistensi.jumlah)
        self.table.setRowCount(0)
        for row in report.region_totals():
            self._table_row(row.nama_wilayah, row.figures, row.kode_wilayah)
        if report.rows:
            self._table_row(_("Jumlah"), total, None, bold=True)
        self.table.resizeColumnsToContents()
        self._achievement_chart(report)
        self._accuracy_chart(total)
        if not report.programs:
            self.note.setText(
                _("Belum ada program tahun {tahun} di wilayah ini.").format(tahun=report.semester.tahun)
            )
        else:
            self.note.setText(
                _("{title}: {wilayah}, {n} program. Angka per orang penerima; tanpa nama.").format(
                    title=report_title(report.semester), wilayah=report.nama_wilayah, n=len(report.programs)
                )
            )

    def _table_row(self, name: str, figures: Figures, code: str | None, bold: bool = False) -> None:
        accuracy, consistency = figures.ketepatan_realisasi, figures.konsistensi
        fill_row(
            self.table,
            [
                name,
                "–" if figures.kuota is None else format_number(figures.kuota),
                format_number(figures.target_penerima),
                format_number(figures.tersalur_penerima),
                percent_text(figures.persen_penerima),
                format_number(figures.target_nilai),
                format_number(figures.tersalur_nilai),
                percent_text(accuracy.persen_dtks),
                format_number(accuracy.meninggal + accuracy.pindah),
                format_number(consistency.tidak_di_sk),
                format_number(consistency.tidak_tersalur),
                format_number(consistency.melebihi_sk),
                format_number(consistency.ganda),
                format_number(consistency.setelah_meninggal),
            ],
            code,
            bold=bold,
            numeric=set(range(1, 14)),
        )

    def _chart_view(self) -> QChartView:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(300, 160)
        return view

    def _bars(
        self, view: QChartView, title: str, categories: list[str], sets: list[tuple[str, QColor, list]]
    ):
        chart = view.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        chart.setTitle(title)
        series = QBarSeries()
        for label, colour, values in sets:
            bar_set = QBarSet(label)
            bar_set.setColor(colour)
            bar_set.append([float(v) for v in values])
            series.append(bar_set)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(categories)
        small = QFont(x_axis.labelsFont())
        small.setPointSizeF(max(small.pointSizeF() - 1.5, 6.5))
        x_axis.setLabelsFont(small)  # twelve desil classes in half the page's width
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        peak = max([max(values, default=0) for _l, _c, values in sets], default=0)
        if peak <= 5:  # whole people: ticks at 0, 1, 2, ... never at 0.5
            top = max(math.ceil(peak), 1)
            y_axis.setRange(0, top)
            y_axis.setTickCount(top + 1)
        else:
            y_axis.setRange(0, peak * 1.1)
            y_axis.applyNiceNumbers()
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y_axis)

    def _achievement_chart(self, report: MonitoringReport) -> None:
        """Per program when all are shown, per region for one program."""
        if self.program_filter.currentData() is None and len(report.programs) > 1:
            items = [(p.nama, report.program_total(p.id)) for p in report.programs]
            title = _("Target dan capaian per program (orang)")
        else:
            items = [(row.nama_wilayah, row.figures) for row in report.region_totals()]
            title = _("Target dan capaian per wilayah (orang)")
        self._bars(
            self.achievement_chart,
            title,
            [_short(name) for name, _f in items],
            [
                (_("Penerima SK"), TARGET_COLOUR, [f.target_penerima for _n, f in items]),
                (_("Tersalur"), SERVED_COLOUR, [f.tersalur_penerima for _n, f in items]),
            ],
        )

    def _accuracy_chart(self, total: Figures) -> None:
        # Short labels: twelve categories share the chart's width; the title says what they mean.
        categories = [f"D{n}" for n in DESIL_CLASSES] + ["D?", _("Non")]

        def counts(accuracy) -> list[int]:
            return [*accuracy.desil, accuracy.dtks_tanpa_desil, accuracy.bukan_dtks]

        self._bars(
            self.accuracy_chart,
            _("Ketepatan sasaran menurut desil DTKS/DTSEN (orang)"),
            categories,
            [
                (_("Penerima SK"), SK_COLOUR, counts(total.ketepatan_sk)),
                (_("Penerima realisasi"), REALISASI_COLOUR, counts(total.ketepatan_realisasi)),
            ],
        )

    # the semester report ----------------------------------------------------------------------------------
    def choose_report_file(self) -> None:
        semester = self.semester
        suggested = str(Path.home() / f"laporan-monev-{semester.code}.pdf")
        path, chosen_filter = QFileDialog.getSaveFileName(
            self, _("Simpan laporan semester"), suggested, "PDF (*.pdf);;Excel (*.xlsx)"
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".pdf", ".xlsx"):
            path += ".xlsx" if "xlsx" in chosen_filter else ".pdf"
        self.save_report(Path(path))

    def save_report(self, path: Path):
        semester, program_id = self.semester, self.program_filter.currentData()

        def written(result) -> None:
            inform(
                self,
                _("Laporan tersimpan"),
                _("{title} ditulis ke {path}.").format(title=report_title(semester), path=result.path),
            )

        self.job = run_in_background(
            self,
            _("Menyusun laporan semester…"),
            lambda progress: write_semester_report(
                self.db, self.user, semester, path, program_id=program_id, progress=progress
            ),
            written,
        )
        return self.job


def _short(name: str, limit: int = 18) -> str:
    """A chart's category label: long program and region names would crowd the axis."""
    for prefix in ("Kabupaten ", "Kecamatan ", "Kec. ", "Kel. ", "Desa "):
        if name.startswith(prefix) and len(name) > limit:
            name = name[len(prefix) :]
    return name if len(name) <= limit else name[: limit - 1] + "…"
