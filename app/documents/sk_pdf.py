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
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
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
)

from app.documents.pdf_fonts import Fonts, document_fonts, escape, layout_style
from app.documents.pdf_pages import numbered_canvas
from app.documents.rupiah import rupiah, tanggal_indonesia, terbilang
from app.documents.sk_content import Letterhead, SkDocument, program_with_year
from app.documents.sk_lampiran import LAMPIRAN_MARGIN_SIDE, lampiran
from app.i18n import _
from app.jobs import NO_PROGRESS, Progress
from app.output_files import atomic_output

PAGE_SIZE = A4
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25 * mm, 20 * mm, 15 * mm, 20 * mm
FOOTER_Y = 11 * mm
LOGO_HEIGHT = 24 * mm
DIKTUM = ("KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH", "KEDELAPAN")


def _styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10.5, leading=13.5, alignment=TA_JUSTIFY)
    return {
        "body": body,
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
    }


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
        Paragraph(escape(text), styles[style])
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
        layout_style(
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
        body = text if isinstance(text, Flowable) else Paragraph(escape(text), styles["body"])
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
        layout_style(
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
        f"Menetapkan penerima {program_with_year(document.program, document.tahun)} sebanyak "
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


def _signature(document: SkDocument, styles) -> list[Flowable]:
    bold_name = f"<b><u>{escape(document.penandatangan_nama or '....................')}</u></b>"
    lines = [
        f"Ditetapkan di {escape(document.tempat or '....................')}",
        f"pada tanggal {tanggal_indonesia(document.tanggal)}",
        f"<b>{escape(document.penandatangan_jabatan.upper())},</b>",
    ]
    block = [Paragraph(line, styles["left"]) for line in lines]
    block += [Spacer(1, 20 * mm), Paragraph(bold_name, styles["left"])]
    if document.penandatangan_nip:
        block.append(Paragraph(f"NIP. {escape(document.penandatangan_nip)}", styles["left"]))
    table = Table([["", block]], colWidths=[None, 88 * mm])
    table.setStyle(layout_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Spacer(1, 5 * mm), table]


def _decree(document: SkDocument, letterhead: Letterhead, styles, width: float) -> list[Flowable]:
    instansi = escape(document.instansi.upper())
    judul = escape(document.judul.upper())
    story = _kop(letterhead, styles, width)
    story += [
        Paragraph(f"KEPUTUSAN {instansi}", styles["title"]),
        Paragraph(f"NOMOR {escape(document.nomor or '....................')}", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph("TENTANG", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(judul, styles["title"]),
        Spacer(1, 5 * mm),
        Paragraph("DENGAN RAHMAT TUHAN YANG MAHA ESA", styles["title"]),
        Spacer(1, 3 * mm),
        Paragraph(f"{escape(document.penandatangan_jabatan.upper())},", styles["title"]),
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
    # The signature never stands alone on a page: the last diktum goes over with it. One KeepTogether, not
    # nested ones: a KeepTogether measures as endless inside another, which then always broke the page.
    return story + diktum[:-1] + [KeepTogether([diktum[-1], *_signature(document, styles)])]


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
        progress.report(pages_done[0], 0, _("Menata halaman {n}...").format(n=pages_done[0]))

    doc.afterPage = after_page
    doc.addPageTemplates(
        [
            PageTemplate("keputusan", [decree_frame], onPage=on_page),
            PageTemplate("lampiran", [lampiran_frame], onPage=on_page),
        ]
    )
    story = _decree(document, letterhead, styles, decree_frame._width)
    story += [NextPageTemplate("lampiran"), PageBreak()]
    story += lampiran(document, styles, lampiran_frame._width, lampiran_frame._height, progress)
    doc.build(story, canvasmaker=numbered_canvas(_footer_drawer(document, fonts)))
    return RenderedPdf(buffer.getvalue(), pages_done[0])


def render_sk_pdf(
    document: SkDocument, letterhead: Letterhead, path: Path, progress: Progress = NO_PROGRESS
) -> int:
    """Writes the SK to `path` (whole or not at all, readable by its owner only); returns its page count."""
    rendered = sk_pdf_bytes(document, letterhead, progress)
    with atomic_output(Path(path)) as handle:
        handle.write(rendered.data)
    return rendered.pages
