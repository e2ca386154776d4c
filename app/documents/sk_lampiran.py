"""The LAMPIRAN of an SK penetapan: its heading (Lampiran Keputusan ... Nomor ... Tanggal ... Tentang ...) and
the table of recipients — No, NIK, Nama, Alamat, Desa/Kel., Kecamatan, Nilai (Rp) — with the column header on
every page and the total on the last.

The pages are laid out here, row by row, and each page's table is drawn straight on the canvas: letting
platypus split one 10,000-row Table re-measures the rest of it on every page (minutes), and its cells are
each their own text object. A 10,000-row lampiran is then a few seconds (tests/bench/sk_pdf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table

from app.documents.pdf_fonts import Fonts, document_fonts, escape, layout_style
from app.documents.rupiah import rupiah, tanggal_indonesia
from app.documents.sk_content import SkDocument, program_name_without_year
from app.errors import DomainError
from app.i18n import N_, _
from app.jobs import Progress

# The lampiran's seven columns need more width than the decree's text: narrower side margins there.
LAMPIRAN_MARGIN_SIDE = 12 * mm
LAMPIRAN_COLUMNS = ("No", "NIK", "Nama", "Alamat", "Desa/Kel.", "Kecamatan", "Nilai (Rp)")
LAMPIRAN_WIDTHS = tuple(w * mm for w in (11, 31, 38, 39, 25, 24, 18))
WRAPPED_COLUMNS = (2, 3, 4, 5)  # nama, alamat, desa, kecamatan: whole, over as many lines as they need
CELL_FONT_SIZE, CELL_LEADING, CELL_PADDING = 8, 9.5, 2
# Kept below the frame's height: the tables are measured here, not by platypus, and must never split.
PAGE_SLACK = 4


def _heading(document: SkDocument, styles) -> list[Flowable]:
    instansi = escape(document.instansi.upper())
    heading = [
        ["LAMPIRAN", f"KEPUTUSAN {instansi}"],
        ["NOMOR", f": {escape(document.nomor or '....................')}"],
        ["TANGGAL", f": {tanggal_indonesia(document.tanggal)}"],
        ["TENTANG", f": {escape(document.judul.upper())}"],
    ]
    heading_table = Table(
        [[Paragraph(a, styles["small"]), Paragraph(b, styles["small"])] for a, b in heading],
        colWidths=[22 * mm, 78 * mm],
        hAlign="RIGHT",
    )
    heading_table.setStyle(
        layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    name = program_name_without_year(document.program, document.tahun)
    title = f"DAFTAR PENERIMA {escape(name.upper())}<br/>TAHUN ANGGARAN {document.tahun}"
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
            progress.report(count, len(document.rows), _("Menyusun lampiran SK..."))
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


def lampiran(document: SkDocument, styles, width: float, height: float, progress: Progress) -> list[Flowable]:
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
    story = _heading(document, styles)
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
