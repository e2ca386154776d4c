"""The semester report's PDF (reportlab): the office's letterhead, the title, then per program its table by region
with totals, the targeting accuracy and the SK/realisasi consistency; "Halaman x dari y" on every page.

A4 landscape: the accuracy table has a column per desil."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import IO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from app.documents.monitoring import MonitoringReport
from app.documents.pdf_fonts import document_fonts, escape, layout_style
from app.documents.semester_report import (
    LEVEL_LABELS,
    accuracy_header,
    accuracy_values,
    achievement_header,
    achievement_values,
    consistency_header,
    consistency_values,
    number_text,
    period_text,
    program_heading,
    report_title,
    section_rows,
)
from app.documents.sk_content import Letterhead
from app.formats import date_text
from app.i18n import _

PAGE = landscape(A4)
MARGIN = 14 * mm
HEADER_FILL = colors.HexColor("#E8EEF4")
TOTAL_FILL = colors.HexColor("#F4F6F8")
GRID = colors.HexColor("#9AA5B1")

# The one embedded TrueType pair (Helvetica would be named, not embedded); this module is imported only when a
# report is written, so the font is looked up then.
_fonts = document_fonts()
BODY = ParagraphStyle("body", fontName=_fonts.regular, fontSize=9, leading=11)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9)
SMALL_BOLD = ParagraphStyle("small_bold", parent=SMALL, fontName=_fonts.bold)
HEAD = ParagraphStyle("head", parent=SMALL, fontName=_fonts.bold, alignment=TA_CENTER)
TITLE = ParagraphStyle("title", parent=BODY, fontName=_fonts.bold, fontSize=13, leading=16, alignment=1)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, alignment=TA_CENTER)
# Headings go over to the next page with what they head: a heading alone at the foot of a page reads as an
# empty section ("Penerima menurut realisasi" ended page 1 of the demo's report, its table on page 2).
SECTION = ParagraphStyle(
    "section",
    parent=BODY,
    fontName=_fonts.bold,
    fontSize=10.5,
    leading=13,
    spaceBefore=8,
    spaceAfter=3,
    keepWithNext=1,
)
PROGRAM = ParagraphStyle(
    "program", parent=BODY, fontName=_fonts.bold, spaceBefore=6, spaceAfter=3, keepWithNext=1
)
KOP_1 = ParagraphStyle("kop1", parent=BODY, fontName=_fonts.bold, fontSize=12, leading=14, alignment=1)
KOP_2 = ParagraphStyle("kop2", parent=BODY, fontName=_fonts.bold, fontSize=14, leading=17, alignment=1)
KOP_3 = ParagraphStyle("kop3", parent=BODY, fontSize=8.5, alignment=1)
NUMBER = ParagraphStyle("number", parent=SMALL, alignment=TA_RIGHT)


class _NumberedCanvas(canvas.Canvas):
    """Holds every page until the end, so each can say how many there are ("Halaman x dari y")."""

    footer_left = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFont(_fonts.regular, 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, 8 * mm, self.footer_left)
            self.drawRightString(
                PAGE[0] - MARGIN,
                8 * mm,
                _("Halaman {page} dari {pages}").format(page=number, pages=len(self._pages)),
            )
            super().showPage()
        super().save()


def _letterhead(letterhead: Letterhead) -> list:
    lines = [
        Paragraph(escape(text), style)
        for text, style in (
            (letterhead.baris_1, KOP_1),
            (letterhead.baris_2, KOP_2),
            (letterhead.alamat, KOP_3),
        )
        if text
    ]
    if not lines:
        return []
    width = PAGE[0] - 2 * MARGIN
    logo = Image(BytesIO(letterhead.logo_png), 20 * mm, 20 * mm) if letterhead.logo_png else ""
    table = Table([[logo, lines, ""]], colWidths=[26 * mm, width - 52 * mm, 26 * mm])
    table.setStyle(layout_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return [table, HRFlowable(width="100%", thickness=1.6, color=colors.black, spaceBefore=2, spaceAfter=8)]


def _table(header: list[str], rows: list[tuple[list, bool]], widths: list[float], percent=(), text=(0,)):
    data = [[Paragraph(escape(h), HEAD) for h in header]]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTSIZE", (0, 1), (-1, -1), 7.5),
        ("ALIGN", (0, 1), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        # The embedded font is wider than Helvetica: narrower padding keeps "D10" and "Meninggal" on one line.
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for index, (values, is_total) in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(values):
            if column in text:
                cells.append(Paragraph(escape(str(value)), SMALL_BOLD if is_total else SMALL))
            else:
                cells.append(number_text(value, percent=column in percent))
        data.append(cells)
        if is_total:
            style += [
                ("BACKGROUND", (0, index), (-1, index), TOTAL_FILL),
                ("FONTNAME", (0, index), (-1, index), _fonts.bold),
            ]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(layout_style(style))
    return table


def write_pdf(report: MonitoringReport, letterhead: Letterhead, handle: IO[bytes]) -> None:
    width = PAGE[0] - 2 * MARGIN
    title = report_title(report.semester)
    story: list = [*_letterhead(letterhead)]
    story += [
        Paragraph(escape(title.upper()), TITLE),
        Paragraph(
            escape(
                _("Wilayah {nama} ({kode}) — periode {periode}").format(
                    nama=report.nama_wilayah, kode=report.kode_wilayah, periode=period_text(report.semester)
                )
            ),
            SUBTITLE,
        ),
        Paragraph(
            escape(
                _(
                    "Berdasarkan Peraturan Gubernur Gorontalo Nomor 52 Tahun 2020 Pasal 7; angka menurut data "
                    "e-JPS per {tanggal}."
                ).format(tanggal=date_text(date.today()))
            ),
            SUBTITLE,
        ),
        Spacer(1, 6),
    ]
    if not report.programs:
        story.append(
            Paragraph(
                escape(
                    _("Belum ada program tahun {tahun} di wilayah ini.").format(tahun=report.semester.tahun)
                ),
                BODY,
            )
        )

    # A. Target vs achievement: a table per program by region, then all programs by region.
    story.append(Paragraph(escape(_("A. Ketercapaian pelaksanaan kegiatan sesuai target")), SECTION))
    first = 190.0
    widths = [first] + [(width - first) / 9] * 9
    level = _(LEVEL_LABELS[report.group_length])
    for program in report.programs:
        rows = [
            (achievement_values(r.nama_wilayah, r.figures), False) for r in report.program_rows(program.id)
        ]
        rows.append((achievement_values(_("Jumlah"), report.program_total(program.id)), True))
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(program_heading(program)), PROGRAM),
                    _table(achievement_header(report), rows, widths, percent=(5, 8)),
                ]
            )
        )
    if len(report.programs) > 1:
        rows = [(achievement_values(r.nama_wilayah, r.figures), False) for r in report.region_totals()]
        rows.append((achievement_values(_("Jumlah"), report.total), True))
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        escape(_("Semua program per {tingkat}").format(tingkat=level.lower())), PROGRAM
                    ),
                    _table(achievement_header(report), rows, widths, percent=(5, 8)),
                ]
            )
        )

    # B. Targeting accuracy, for the SK's recipients and for those actually served.
    story.append(Paragraph(escape(_("B. Ketepatan sasaran penerima manfaat")), SECTION))
    accuracy_widths = [106, 94, 58, 48, *([28] * 10), 46, 46, 54, 42]
    scale = width / sum(accuracy_widths)
    accuracy_widths = [w * scale for w in accuracy_widths]
    for label, basis in (
        (_("Penerima menurut SK penetapan"), "ketepatan_sk"),
        (_("Penerima menurut realisasi"), "ketepatan_realisasi"),
    ):
        rows = section_rows(
            report,
            lambda program, region, figures, basis=basis: accuracy_values(
                program, region, getattr(figures, basis)
            ),
        )
        story.append(Paragraph(escape(label), PROGRAM))
        story.append(_table(accuracy_header(), rows, accuracy_widths, percent=(3,), text=(0, 1)))
    story.append(
        Paragraph(
            escape(
                _(
                    "D1–D10: desil DTKS/DTSEN pada tingkat yang dipakai program (1 = paling miskin). Meninggal dan "
                    "pindah: status penerima menurut data Dukcapil terakhir."
                )
            ),
            SMALL,
        )
    )

    # C. Consistency of the names served with the SK's.
    story.append(Paragraph(escape(_("C. Konsistensi nama penerima dengan SK penetapan")), SECTION))
    consistency_widths = [170, 140] + [(width - 310) / 5] * 5
    story.append(
        _table(
            consistency_header(), section_rows(report, consistency_values), consistency_widths, text=(0, 1)
        )
    )
    story.append(
        Paragraph(
            escape(
                _(
                    "Jumlah orang per jenis ketidaksesuaian; daftar namanya ada pada pemeriksaan konsistensi "
                    "realisasi."
                )
            ),
            SMALL,
        )
    )

    footer = f"{title} — {report.nama_wilayah}"

    class Canvas(_NumberedCanvas):
        footer_left = footer

    document = SimpleDocTemplate(
        handle,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=title,
        author=report.nama_wilayah,
        subject=_("Laporan monitoring dan evaluasi e-JPS"),
        initialFontName=_fonts.regular,
    )
    document.build(story, canvasmaker=Canvas)
