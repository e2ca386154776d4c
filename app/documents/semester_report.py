"""The six-monthly monitoring and evaluation report (Pergub 52/2020 Pasal 7 ayat 4: reported in writing from the
kabupaten/kota to the province every six months), as PDF for signature and XLSX for the province to add up.

Its content is `app.documents.monitoring`'s figures for the user's region, one level below it (a province's
report by kabupaten/kota, a kabupaten's by kecamatan): per program the target against the achievement, with
totals; then the targeting accuracy and the SK/realisasi consistency. Counts only, no names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.documents.monitoring import (
    DESIL_CLASSES,
    Accuracy,
    Figures,
    MonitoringReport,
    ProgramInfo,
    Semester,
    monitoring_figures,
    unit_of_work,
)
from app.documents.sk_content import Letterhead
from app.errors import DomainError
from app.formats import format_number
from app.i18n import N_, _
from app.jobs import Progress
from app.office import OfficeDatabase
from app.output_files import atomic_output, write_xlsx
from app.screening.programs import FUNDING_SOURCE_LABELS
from app.uow import UnitOfWork
from db.models import Office

FORMATS = (".pdf", ".xlsx")
LEVEL_LABELS = {4: N_("Kabupaten/Kota"), 6: N_("Kecamatan"), 10: N_("Desa/Kelurahan")}
MONTHS = {
    1: N_("Januari"),
    6: N_("Juni"),
    7: N_("Juli"),
    12: N_("Desember"),
}


@dataclass(frozen=True)
class SemesterReportResult:
    path: Path
    format: str  # pdf | xlsx
    programs: int
    rows: int


def report_title(semester: Semester) -> str:
    return _("Laporan Monitoring dan Evaluasi Semester {roman} Tahun {tahun}").format(
        roman=semester.roman, tahun=semester.tahun
    )


def period_text(semester: Semester) -> str:
    return _("{start_day} {start_month} – {end_day} {end_month} {tahun}").format(
        start_day=semester.start.day,
        start_month=_(MONTHS[semester.start.month]),
        end_day=semester.end.day,
        end_month=_(MONTHS[semester.end.month]),
        tahun=semester.tahun,
    )


def funding_label(code: str) -> str:
    return _(FUNDING_SOURCE_LABELS.get(code, code))


def write_semester_report(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    semester: Semester | str,
    path: Path,
    *,
    program_id: int | None = None,
    progress: Progress | None = None,
) -> SemesterReportResult:
    """Writes the report of `semester` ("2026-1") to `path`, a .pdf or an .xlsx, for the user's region."""
    require(user, Permission.REPORT_PRINT)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DomainError(
            N_(
                "Berkas {path}: laporan semester ditulis sebagai PDF atau XLSX; akhiri nama berkasnya dengan "
                ".pdf atau .xlsx."
            ),
            path=str(path),
        )
    if progress is not None:
        progress.report(0, 2, _("Menghitung angka monitoring…"))
    report = monitoring_figures(target, user, semester, program_id=program_id)
    if progress is not None:
        progress.report(1, 2, _("Menulis {path}…").format(path=path.name))
    if suffix == ".pdf":
        from app.documents.semester_report_pdf import write_pdf

        with unit_of_work(target) as uow:
            office = uow.session.scalar(select(Office))
            letterhead = Letterhead(
                office.kop_baris_1, office.kop_baris_2, office.kop_alamat, office.logo_png
            )
        with atomic_output(path) as handle:
            write_pdf(report, letterhead, handle)
    else:
        write_xlsx(path, lambda workbook: fill_workbook(workbook, report))
    if progress is not None:
        progress.report(2, 2, "")
    return SemesterReportResult(path, suffix[1:], len(report.programs), len(report.rows))


# Rows of each section, shared by the PDF and the XLSX -------------------------------------------------------
def achievement_header(report: MonitoringReport) -> list[str]:
    return [
        _(LEVEL_LABELS[report.group_length]),
        _("Kuota"),
        _("Penerima SK"),
        _("Tersalur s.d. semester"),
        _("Tersalur semester ini"),
        _("Penerima (%)"),
        _("Nilai SK (Rp)"),
        _("Nilai tersalur (Rp)"),
        _("% nilai"),
        _("Fisik"),
    ]


def achievement_values(name: str, figures: Figures) -> list:
    return [
        name,
        figures.kuota,
        figures.target_penerima,
        figures.tersalur_penerima,
        figures.tersalur_semester,
        figures.persen_penerima,
        figures.target_nilai,
        figures.tersalur_nilai,
        figures.persen_nilai,
        figures.tersalur_fisik,
    ]


def accuracy_header() -> list[str]:
    return [
        _("Program"),
        _("Wilayah"),
        _("Penerima"),
        _("% DTKS/DTSEN"),
        *(f"D{n}" for n in DESIL_CLASSES),
        _("DTKS tanpa desil"),
        _("Bukan DTKS"),
        _("Meninggal"),
        _("Pindah"),
    ]


def accuracy_values(program: str, region: str, accuracy: Accuracy) -> list:
    return [
        program,
        region,
        accuracy.penerima,
        accuracy.persen_dtks,
        *accuracy.desil,
        accuracy.dtks_tanpa_desil,
        accuracy.bukan_dtks,
        accuracy.meninggal,
        accuracy.pindah,
    ]


def consistency_header() -> list[str]:
    return [
        _("Program"),
        _("Wilayah"),
        _("Tersalur, tidak di SK"),
        _("Di SK, belum tersalur"),
        _("Nilai melebihi SK"),
        _("Tersalur lebih dari sekali"),
        _("Tersalur setelah meninggal"),
    ]


def consistency_values(program: str, region: str, figures: Figures) -> list:
    c = figures.konsistensi
    return [program, region, c.tidak_di_sk, c.tidak_tersalur, c.melebihi_sk, c.ganda, c.setelah_meninggal]


def section_rows(report: MonitoringReport, values) -> list[tuple[list, bool]]:
    """(values, is_total) per program and region, then the program's total; last the grand total."""
    rows = []
    for program in report.programs:
        for row in report.program_rows(program.id):
            rows.append((values(program.nama, row.nama_wilayah, row.figures), False))
        rows.append((values(program.nama, _("Jumlah"), report.program_total(program.id)), True))
    rows.append((values(_("Semua program"), _("Jumlah"), report.total), True))
    return rows


def program_heading(program: ProgramInfo) -> str:
    return _("{nama} — {sumber} — tahun {tahun}").format(
        nama=program.nama, sumber=funding_label(program.sumber_dana), tahun=program.tahun
    )


def number_text(value, percent: bool = False) -> str:
    """A cell of the PDF: counts grouped, a percentage with one decimal, a dash for an unknown value."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if percent:
        return format_number(round(value, 1)) + "\u00a0%"
    return format_number(round(value, 2) if isinstance(value, float) else value)


# XLSX: one sheet per section, numbers as numbers ------------------------------------------------------------
def fill_workbook(workbook, report: MonitoringReport) -> None:
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4"})
    total_format = workbook.add_format({"bold": True, "num_format": "#,##0"})
    whole = workbook.add_format({"num_format": "#,##0"})
    decimal = workbook.add_format({"num_format": "0.0"})
    quantity = workbook.add_format({"num_format": "#,##0.##"})

    def intro(sheet, subtitle: str) -> int:
        sheet.write(0, 0, report_title(report.semester), title)
        sheet.write(
            1,
            0,
            _("Wilayah: {nama} ({kode}); periode {periode}").format(
                nama=report.nama_wilayah, kode=report.kode_wilayah, periode=period_text(report.semester)
            ),
        )
        sheet.write(2, 0, subtitle, bold)
        return 4

    def table(sheet, row: int, headers: list[str], rows: list[tuple[list, bool]], percent_columns=()) -> int:
        sheet.write_row(row, 0, headers, header)
        for values, is_total in rows:
            row += 1
            for column, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, column, value, bold if is_total else None)
                else:
                    if column in percent_columns:
                        fmt = decimal
                    elif isinstance(value, float):
                        fmt = quantity
                    else:
                        fmt = total_format if is_total else whole
                    sheet.write_number(row, column, value, fmt)
        return row + 2

    sheet = workbook.add_worksheet(_("Capaian"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 10, 14)
    row = intro(sheet, _("A. Ketercapaian target (Pasal 7 ayat 2 huruf a)"))
    headers = [_("Program"), *achievement_header(report)]
    rows = []
    for program in report.programs:
        for item in report.program_rows(program.id):
            rows.append(([program.nama, *achievement_values(item.nama_wilayah, item.figures)], False))
        rows.append(
            ([program.nama, *achievement_values(_("Jumlah"), report.program_total(program.id))], True)
        )
    rows.append(([_("Semua program"), *achievement_values(_("Jumlah"), report.total)], True))
    table(sheet, row, headers, rows, percent_columns=(6, 9))

    sheet = workbook.add_worksheet(_("Per wilayah"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 10, 14)
    row = intro(sheet, _("Semua program per wilayah"))
    rows = [(achievement_values(item.nama_wilayah, item.figures), False) for item in report.region_totals()]
    rows.append((achievement_values(_("Jumlah"), report.total), True))
    table(sheet, row, achievement_header(report), rows, percent_columns=(5, 8))

    for name, subtitle, basis in (
        (_("Ketepatan SK"), _("B. Ketepatan sasaran: penerima SK (Pasal 7 ayat 2 huruf b)"), "ketepatan_sk"),
        (
            _("Ketepatan realisasi"),
            _("B. Ketepatan sasaran: penerima realisasi (Pasal 7 ayat 2 huruf b)"),
            "ketepatan_realisasi",
        ),
    ):
        sheet = workbook.add_worksheet(name)
        sheet.set_column(0, 1, 24)
        sheet.set_column(2, 17, 10)
        row = intro(sheet, subtitle)
        rows = section_rows(
            report,
            lambda program, region, figures, basis=basis: accuracy_values(
                program, region, getattr(figures, basis)
            ),
        )
        table(sheet, row, accuracy_header(), rows, percent_columns=(3,))

    sheet = workbook.add_worksheet(_("Konsistensi"))
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 6, 16)
    row = intro(sheet, _("C. Konsistensi nama penerima dengan SK (Pasal 7 ayat 2 huruf c)"))
    table(sheet, row, consistency_header(), section_rows(report, consistency_values))
