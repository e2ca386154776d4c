"""The SK penetapan as a PDF to sign (Pergub 52/2020 Pasal 6 ayat 2): the office's kop surat, the decree in the
usual form of an Indonesian keputusan (judul, konsiderans, diktum, penandatangan), then the LAMPIRAN listing
every recipient with the table's header on every page, the total, and on every page "Halaman x dari y" with, for
a final SK, the content hash (a loose page can be matched to its SK) and, for a draft, a DRAF mark.

The text is Bahasa Indonesia whatever the program's language: a decree is a state document (UU 24/2009 Pasal
27). Only reportlab is used (no Qt): the CLI, the GUI's preview and a test call the same function. The PDF is
built in memory — the preview shows it without a file — and written only where the user asks, through
`app.output_files` (atomic, owner-only): the lampiran holds names and NIKs.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.documents.rupiah import rupiah, tanggal_indonesia, terbilang
from app.documents.sk_content import Letterhead, SkDocument
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Progress
from app.output_files import atomic_output

PAGE_SIZE = A4
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25 * mm, 20 * mm, 15 * mm, 20 * mm
# The lampiran's seven columns need more width than the decree's text: narrower side margins there.
LAMPIRAN_MARGIN_SIDE = 12 * mm
FOOTER_Y = 11 * mm
LOGO_HEIGHT = 24 * mm
DIKTUM = ("KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH", "KEDELAPAN")

# A TrueType font with every letter Indonesian names use (reportlab's built-in Helvetica is Latin-1 only and
# is not embedded): searched in reportlab's font path (Linux fonts-dejavu-core, C:/Windows/Fonts, macOS).
FONT_CANDIDATES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
)
FONT, FONT_BOLD = "SkSans", "SkSans-Bold"


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


_fonts: Fonts | None = None


def document_fonts() -> Fonts:
    """The embedded TrueType pair, registered once; Helvetica only where none of the candidates exists."""
    global _fonts
    if _fonts is None:
        _fonts = Fonts("Helvetica", "Helvetica-Bold")
        for regular, bold in FONT_CANDIDATES:
            try:
                pdfmetrics.registerFont(TTFont(FONT, regular))
                pdfmetrics.registerFont(TTFont(FONT_BOLD, bold))
            except (TTFError, OSError):
                continue
            pdfmetrics.registerFontFamily(
                FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
            )
            _fonts = Fonts(FONT, FONT_BOLD)
            break
    return _fonts


def _styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10.5, leading=13.5, alignment=TA_JUSTIFY)
    return {
        "body": body,
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=body, fontName=fonts.bold, alignment=TA_CENTER),
        "left": ParagraphStyle("left", parent=body, alignment=TA_LEFT),
        "kop_1": ParagraphStyle(
            "kop_1", parent=body, fontName=fonts.bold, fontSize=14, leading=17, alignment=TA_CENTER
        ),
        "kop_2": ParagraphStyle(
            "kop_2", parent=body, fontName=fonts.bold, fontSize=16, leading=19, alignment=TA_CENTER
        ),
        "kop_alamat": ParagraphStyle(
            "kop_alamat", parent=body, fontSize=8.5, leading=10.5, alignment=TA_CENTER
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=9.5, leading=12, alignment=TA_LEFT),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=9.5, alignment=TA_LEFT),
        "head": ParagraphStyle(
            "head", parent=body, fontName=fonts.bold, fontSize=8, leading=9.5, alignment=TA_CENTER
        ),
    }


def _layout_style(commands: list[tuple]) -> TableStyle:
    """A layout table's style, in the document's font: an empty cell would otherwise set Helvetica, which
    would be named in the PDF without being embedded."""
    return TableStyle([("FONT", (0, 0), (-1, -1), document_fonts().regular), *commands])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DoubleRule(Flowable):
    """The double line under a kop surat: a thick rule over a thin one."""

    def __init__(self, thick: float = 2.2, thin: float = 0.6, gap: float = 1.6) -> None:
        super().__init__()
        self.thick, self.thin, self.gap = thick, thin, gap

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.thick + self.gap + self.thin + 2

    def draw(self) -> None:
        canvas = self.canv
        top = self.thick + self.gap + self.thin
        canvas.setLineWidth(self.thick)
        canvas.line(0, top - self.thick / 2, self.width, top - self.thick / 2)
        canvas.setLineWidth(self.thin)
        canvas.line(0, self.thin / 2, self.width, self.thin / 2)


def _kop(letterhead: Letterhead, styles, width: float) -> list[Flowable]:
    lines = [
        Paragraph(_escape(text), styles[style])
        for text, style in (
            (letterhead.baris_1.upper(), "kop_1"),
            (letterhead.baris_2.upper(), "kop_2"),
            (letterhead.alamat, "kop_alamat"),
        )
        if text
    ]
    if not lines and not letterhead.logo_png:
        return []
    logo: Flowable = Spacer(LOGO_HEIGHT, LOGO_HEIGHT)
    if letterhead.logo_png:
        image_width, image_height = ImageReader(io.BytesIO(letterhead.logo_png)).getSize()
        logo = Image(
            io.BytesIO(letterhead.logo_png),
            width=LOGO_HEIGHT * image_width / image_height,
            height=LOGO_HEIGHT,
        )
    logo_column = LOGO_HEIGHT + 4 * mm
    # The lines are centred on the page, not beside the logo: an empty column of the logo's width on the
    # right keeps them so.
    table = Table([[logo, lines, ""]], colWidths=[logo_column, width - 2 * logo_column, logo_column])
    table.setStyle(
        _layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table, Spacer(1, 1 * mm), DoubleRule(), Spacer(1, 5 * mm)]


def _labelled(label: str, items: list[tuple[str, Flowable | str]], styles, width: float) -> Table:
    """ "Menimbang : a. text" — the label and colon once, then one row per item with its marker."""
    label_width, colon_width, marker_width = 28 * mm, 4 * mm, 8 * mm
    rows = []
    for index, (marker, text) in enumerate(items):
        body = text if isinstance(text, Flowable) else Paragraph(_escape(text), styles["body"])
        rows.append(
            [
                Paragraph(label, styles["left"]) if index == 0 else "",
                Paragraph(":", styles["left"]) if index == 0 else "",
                Paragraph(marker, styles["left"]),
                body,
            ]
        )
    table = Table(
        rows,
        colWidths=[label_width, colon_width, marker_width, width - label_width - colon_width - marker_width],
    )
    table.setStyle(
        _layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _diktum(document: SkDocument) -> list[str]:
    count = len(document.rows)
    text = [
        f"Menetapkan penerima {document.program} Tahun Anggaran {document.tahun} sebanyak "
        f"{rupiah(count)} ({terbilang(count)}) orang, sebagaimana tercantum dalam Lampiran yang merupakan "
        "bagian tidak terpisahkan dari Keputusan ini.",
        f"Kepada setiap penerima sebagaimana dimaksud dalam Diktum KESATU diberikan bantuan sebesar "
        f"Rp{rupiah(document.nilai_per_penerima)} ({terbilang(document.nilai_per_penerima)} rupiah), dengan "
        f"jumlah seluruhnya Rp{rupiah(document.total_nilai)} ({terbilang(document.total_nilai)} rupiah).",
        f"Biaya yang timbul akibat ditetapkannya Keputusan ini dibebankan pada {document.sumber_dana} "
        f"Tahun Anggaran {document.tahun}.",
    ]
    if document.mengubah:
        text.append(
            f"Keputusan ini mengubah Keputusan Nomor {document.mengubah}; daftar penerima dalam Keputusan "
            "tersebut diganti dengan daftar dalam Lampiran Keputusan ini."
        )
    text.append("Keputusan ini mulai berlaku pada tanggal ditetapkan.")
    return text


def _signature(document: SkDocument, styles) -> Flowable:
    bold_name = f"<b><u>{_escape(document.penandatangan_nama or '....................')}</u></b>"
    lines = [
        f"Ditetapkan di {_escape(document.tempat or '....................')}",
        f"pada tanggal {tanggal_indonesia(document.tanggal)}",
        f"<b>{_escape(document.penandatangan_jabatan.upper())},</b>",
    ]
    block = [Paragraph(line, styles["left"]) for line in lines]
    block += [Spacer(1, 20 * mm), Paragraph(bold_name, styles["left"])]
    if document.penandatangan_nip:
        block.append(Paragraph(f"NIP. {_escape(document.penandatangan_nip)}", styles["left"]))
    table = Table([["", block]], colWidths=[None, 88 * mm])
    table.setStyle(_layout_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 5 * mm), table])


def _decree(document: SkDocument, letterhead: Letterhead, styles, width: float) -> list[Flowable]:
    instansi = _escape(document.instansi.upper())
    judul = _escape(document.judul.upper())
    story = _kop(letterhead, styles, width)
    story += [
        Paragraph(f"KEPUTUSAN {instansi}", styles["title"]),
        Paragraph(f"NOMOR {_escape(document.nomor or '....................')}", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph("TENTANG", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(judul, styles["title"]),
        Spacer(1, 5 * mm),
        Paragraph("DENGAN RAHMAT TUHAN YANG MAHA ESA", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(f"{_escape(document.penandatangan_jabatan.upper())},", styles["title"]),
        Spacer(1, 5 * mm),
    ]
    letters = "abcdefghijklmnopqrstuvwxyz"
    if document.menimbang:
        story += [
            _labelled(
                "Menimbang", [(f"{letters[i]}.", t) for i, t in enumerate(document.menimbang)], styles, width
            ),
            Spacer(1, 2 * mm),
        ]
    if document.mengingat:
        story += [
            _labelled(
                "Mengingat", [(f"{i + 1}.", t) for i, t in enumerate(document.mengingat)], styles, width
            ),
            Spacer(1, 2 * mm),
        ]
    story += [Spacer(1, 2 * mm), Paragraph("MEMUTUSKAN:", styles["title"]), Spacer(1, 3 * mm)]
    story.append(
        _labelled(
            "Menetapkan",
            [("", Paragraph(f"KEPUTUSAN {instansi} TENTANG {judul}.", styles["body"]))],
            styles,
            width,
        )
    )
    diktum = [_labelled(DIKTUM[i], [("", text)], styles, width) for i, text in enumerate(_diktum(document))]
    # The signature never stands alone on a page: the last diktum goes over with it.
    return story + diktum[:-1] + [KeepTogether([diktum[-1], _signature(document, styles)])]


LAMPIRAN_COLUMNS = ("No", "NIK", "Nama", "Alamat", "Desa/Kel.", "Kecamatan", "Nilai (Rp)")
LAMPIRAN_WIDTHS = tuple(w * mm for w in (11, 31, 38, 39, 25, 24, 18))
WRAPPED_COLUMNS = (2, 3, 4, 5)  # nama, alamat, desa, kecamatan: whole, over as many lines as they need
CELL_FONT_SIZE, CELL_LEADING, CELL_PADDING = 8, 9.5, 2
# Kept below the frame's height: the tables are measured here, not by platypus, and must never split.
PAGE_SLACK = 4


def _lampiran_heading(document: SkDocument, styles) -> list[Flowable]:
    instansi = _escape(document.instansi.upper())
    heading = [
        ["LAMPIRAN", f"KEPUTUSAN {instansi}"],
        ["NOMOR", f": {_escape(document.nomor or '....................')}"],
        ["TANGGAL", f": {tanggal_indonesia(document.tanggal)}"],
        ["TENTANG", f": {_escape(document.judul.upper())}"],
    ]
    heading_table = Table(
        [[Paragraph(a, styles["small"]), Paragraph(b, styles["small"])] for a, b in heading],
        colWidths=[22 * mm, 78 * mm],
        hAlign="RIGHT",
    )
    heading_table.setStyle(
        _layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    title = f"DAFTAR PENERIMA {_escape(document.program.upper())}<br/>TAHUN ANGGARAN {document.tahun}"
    return [heading_table, Spacer(1, 6 * mm), Paragraph(title, styles["title"]), Spacer(1, 4 * mm)]


@dataclass
class _LampiranRow:
    cells: list[str]
    height: float


def _measured_rows(document: SkDocument, fonts: Fonts, progress: Progress) -> list[_LampiranRow]:
    """Each recipient as table cells, the long ones broken into lines here (plain strings, not Paragraphs:
    a 10,000-row lampiran is then built in seconds), with the row's height known before the page is laid."""

    def lines(text: str, column: int) -> list[str]:
        width = LAMPIRAN_WIDTHS[column] - 2 * CELL_PADDING
        if pdfmetrics.stringWidth(text, fonts.regular, CELL_FONT_SIZE) <= width:
            return [text]  # most names and places: one measure instead of one per word
        return simpleSplit(text, fonts.regular, CELL_FONT_SIZE, width) or [""]

    measured = []
    for count, row in enumerate(document.rows, start=1):
        cells = [str(row.no), row.nik, row.nama, row.alamat, row.desa, row.kecamatan, rupiah(row.nilai)]
        tallest = 1
        for column in WRAPPED_COLUMNS:
            broken = lines(cells[column], column)
            cells[column] = "\n".join(broken)
            tallest = max(tallest, len(broken))
        measured.append(_LampiranRow(cells, tallest * CELL_LEADING + 2 * CELL_PADDING))
        if count % 1000 == 0:
            progress.check()
            progress.report(count, len(document.rows), "")
    return measured


@lru_cache(maxsize=4096)
def _width_of(text: str, font: str) -> float:
    """Widths of the centred and right-aligned cells (row numbers, amounts): few distinct texts, many rows."""
    return pdfmetrics.stringWidth(text, font, CELL_FONT_SIZE)


class LampiranPage(Flowable):
    """One page of the lampiran table — the column header, the rows, on the last page the total — drawn
    straight on the canvas: one text object and one set of grid lines per page. Platypus' own Table draws
    each cell as its own text object and is several times slower over 70,000 cells."""

    def __init__(self, header: _LampiranRow, rows: list[_LampiranRow], fonts: Fonts, total_row: bool) -> None:
        super().__init__()
        self.header, self.rows, self.fonts, self.total_row = header, rows, fonts, total_row
        self.width = sum(LAMPIRAN_WIDTHS)
        self.height = header.height + sum(row.height for row in rows)

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def _edges(self) -> list[float]:
        edges = [0.0]
        for width in LAMPIRAN_WIDTHS:
            edges.append(edges[-1] + width)
        return edges

    def draw(self) -> None:
        canvas, fonts, edges = self.canv, self.fonts, self._edges()
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#E6E6E6"))
        canvas.rect(0, self.height - self.header.height, self.width, self.header.height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        grid = []
        top = self.height
        every = [self.header, *self.rows]
        font = None
        for index, row in enumerate(every):
            header = index == 0
            bold = header or (self.total_row and index == len(every) - 1)
            if font != (fonts.bold if bold else fonts.regular):
                font = fonts.bold if bold else fonts.regular
                text.setFont(font, CELL_FONT_SIZE, CELL_LEADING)
            for column, cell in enumerate(row.cells):
                if not cell:
                    continue
                left, right = edges[column], edges[column + 1]
                baseline = top - CELL_PADDING - CELL_FONT_SIZE
                if header:  # centred vertically too
                    lines = cell.count("\n") + 1
                    baseline = top - (row.height - lines * CELL_LEADING) / 2 - CELL_FONT_SIZE + 0.5
                for line in cell.split("\n"):
                    if header or column == 0:
                        x = (left + right - _width_of(line, font)) / 2
                    elif column == len(row.cells) - 1:
                        x = right - CELL_PADDING - _width_of(line, font)
                    else:
                        x = left + CELL_PADDING
                    text.setTextOrigin(x, baseline)
                    text.textLine(line)  # not textOut, which measures the line again to move the cursor
                    baseline -= CELL_LEADING
            bottom = top - row.height
            grid.append((0, bottom, self.width, bottom))
            top = bottom
        # Column lines run the table's whole height, except through the total's spanned cells (its label
        # spans the first five columns, its value the last two: a sum of billions is wider than one value).
        spanned = every[-1].height if self.total_row else 0
        for edge in edges:
            grid.append((edge, spanned, edge, self.height))
        if spanned:
            grid += [(edge, 0, edge, spanned) for edge in (edges[0], edges[-3], edges[-1])]
        grid.append((0, self.height, self.width, self.height))
        canvas.drawText(text)
        canvas.setLineWidth(0.4)
        canvas.lines(grid)
        canvas.restoreState()


def _header_row(fonts: Fonts) -> _LampiranRow:
    cells = [
        "\n".join(simpleSplit(title, fonts.bold, CELL_FONT_SIZE, width - 2 * CELL_PADDING))
        for title, width in zip(LAMPIRAN_COLUMNS, LAMPIRAN_WIDTHS, strict=True)
    ]
    lines = max(cell.count("\n") + 1 for cell in cells)
    return _LampiranRow(cells, lines * CELL_LEADING + 2 * CELL_PADDING + 3)


def _lampiran(
    document: SkDocument, styles, width: float, height: float, progress: Progress
) -> list[Flowable]:
    """The lampiran: its heading, then one table per page, each with the column header, the last with the
    total. The pages are laid out here, row by row: letting platypus split one 10,000-row table re-measures
    the rest of it on every page (minutes)."""
    fonts = document_fonts()
    rows = _measured_rows(document, fonts, progress)
    total = sum(row.nilai for row in document.rows)
    if total != document.total_nilai:
        raise DomainError(
            N_(
                "Jumlah nilai SK {nomor} (Rp{total}) tidak sama dengan jumlah nilai lampirannya (Rp{rows}). "
                "Susun ulang daftar penerima SK ini sebelum mencetaknya."
            ),
            nomor=document.nomor or document.sk_id,
            total=rupiah(document.total_nilai),
            rows=rupiah(total),
        )
    if not rows:
        rows.append(
            _LampiranRow(["", "", "(belum ada penerima)", "", "", "", ""], CELL_LEADING + 2 * CELL_PADDING)
        )
    rows.append(
        _LampiranRow(
            ["", "", f"JUMLAH ({rupiah(len(document.rows))} orang)", "", "", "", rupiah(total)],
            CELL_LEADING + 2 * CELL_PADDING,
        )
    )
    story = _lampiran_heading(document, styles)
    room = height - sum(flowable.wrap(width, height)[1] for flowable in story) - PAGE_SLACK
    header = _header_row(fonts)
    header_height = header.height
    page: list[_LampiranRow] = []
    used = header_height
    for row in rows:
        if page and used + row.height > room:
            story += [LampiranPage(header, page, fonts, total_row=False), PageBreak()]
            page, used, room = [], header_height, height - PAGE_SLACK
        page.append(row)
        used += row.height
    story.append(LampiranPage(header, page, fonts, total_row=True))
    return story


def _footer_drawer(document: SkDocument, fonts: Fonts) -> Callable[[Canvas, int], None]:
    width, _height = PAGE_SIZE

    def draw(canvas: Canvas, total_pages: int) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(fonts.regular, 7.5)
        canvas.drawRightString(
            width - LAMPIRAN_MARGIN_SIDE, FOOTER_Y, f"Halaman {canvas.getPageNumber()} dari {total_pages}"
        )
        canvas.drawString(LAMPIRAN_MARGIN_SIDE, FOOTER_Y, f"Keputusan Nomor {document.nomor or '-'}")
        below = FOOTER_Y - 3.5 * mm
        if document.final and document.hash_isi:
            canvas.setFont(fonts.regular, 6.5)
            canvas.drawString(LAMPIRAN_MARGIN_SIDE, below, f"Hash isi (SHA-256): {document.hash_isi}")
        elif not document.final:
            canvas.setFont(fonts.bold, 7.5)
            canvas.drawString(LAMPIRAN_MARGIN_SIDE, below, "DRAF — belum final, bukan untuk ditandatangani")
        canvas.restoreState()

    return draw


def _draft_mark(fonts: Fonts) -> Callable[[Canvas, BaseDocTemplate], None]:
    """A large pale "DRAF" across every page of a draft, drawn before the page's text so it stays legible."""
    width, height = PAGE_SIZE

    def draw(canvas: Canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(fonts.bold, 110)
        canvas.setFillColor(colors.Color(0.85, 0.85, 0.85))
        canvas.translate(width / 2, height / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -40, "DRAF")
        canvas.restoreState()

    return draw


def _numbered_canvas(footer: Callable[[Canvas, int], None]) -> type[Canvas]:
    """A canvas that holds each finished page until the last, so that every footer can say "dari y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for state in self._held_pages:
                self.__dict__.update(state)
                footer(self, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def sk_pdf_bytes(
    document: SkDocument, letterhead: Letterhead, progress: Progress = NO_PROGRESS
) -> RenderedPdf:
    """The SK as PDF bytes, in memory only (the preview shows these; nothing is written to disk)."""
    fonts = document_fonts()
    styles = _styles(fonts)
    width, height = PAGE_SIZE
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        title=f"Keputusan Nomor {document.nomor}" if document.nomor else document.judul,
        subject=document.judul,
        author=document.instansi,
        creator="e-JPS Desktop",
        initialFontName=fonts.regular,  # not the canvas' Helvetica, which would be named but not embedded
    )
    decree_frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        width - MARGIN_LEFT - MARGIN_RIGHT,
        height - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    lampiran_frame = Frame(
        LAMPIRAN_MARGIN_SIDE,
        MARGIN_BOTTOM,
        width - 2 * LAMPIRAN_MARGIN_SIDE,
        height - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    on_page = _draft_mark(fonts) if not document.final else (lambda canvas, doc: None)
    pages_done = [0]

    def after_page() -> None:
        pages_done[0] += 1
        progress.check()
        progress.report(pages_done[0], 0, "")

    doc.afterPage = after_page
    doc.addPageTemplates(
        [
            PageTemplate("keputusan", [decree_frame], onPage=on_page),
            PageTemplate("lampiran", [lampiran_frame], onPage=on_page),
        ]
    )
    story = _decree(document, letterhead, styles, decree_frame._width)
    story += [NextPageTemplate("lampiran"), PageBreak()]
    story += _lampiran(document, styles, lampiran_frame._width, lampiran_frame._height, progress)
    doc.build(story, canvasmaker=_numbered_canvas(_footer_drawer(document, fonts)))
    return RenderedPdf(buffer.getvalue(), pages_done[0])


def render_sk_pdf(
    document: SkDocument, letterhead: Letterhead, path: Path, progress: Progress = NO_PROGRESS
) -> int:
    """Writes the SK to `path` (whole or not at all, readable by its owner only); returns its page count."""
    rendered = sk_pdf_bytes(document, letterhead, progress)
    with atomic_output(Path(path)) as handle:
        handle.write(rendered.data)
    return rendered.pages
