"""Form 1 printed (Pergub Gorontalo 72/2018 A.1.3: the printed registration form): filled, for the household
to sign as true (A.1.1.a angka 6), or blank, for a home visit (pendaftaran pasif), with a box or a line for
every answer.

One A4 page; only a household of many members continues on a second page (the members table repeats its
header). The NIKs are printed whole: the registrant signs the form as true, so it must show what they sign
(the office's masking setting is for the SK's lampiran, which is published). The heading is the office's
letterhead (kop surat) when the office settings have one, else the office's name and region.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)
from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.documents.form1 import Form1Data, get_form1
from app.documents.form1_checks import JALUR_LABELS, Jalur
from app.documents.form1_skrining import KRITERIA, PENDIDIKAN_LABELS, pendidikan
from app.documents.pdf_fonts import Fonts, document_fonts, layout_style
from app.documents.sk_content import Letterhead
from app.i18n import _
from app.output_files import atomic_output
from app.regions import display_name
from app.uow import UnitOfWork
from db.models import Office, Region

BLANK_MEMBER_ROWS = 8  # room for a household of eight on a home visit


@dataclass(frozen=True)
class Heading:
    letterhead: Letterhead
    office: str  # the office's name
    region: str  # "Kabupaten Gorontalo"


def heading_of(session) -> Heading:
    office = session.scalars(select(Office)).first()
    if office is None:
        return Heading(Letterhead(), "", "")
    region = session.get(Region, office.region_code)
    return Heading(
        Letterhead(office.kop_baris_1, office.kop_baris_2, office.kop_alamat, office.logo_png),
        office.name,
        display_name(region.name, region.kind) if region else office.region_code,
    )


def write_form1_pdf(
    target, user: CurrentUser, path: Path, form_id: int | None = None, *, today: date | None = None
) -> Path:
    """Writes Form 1 `form_id` filled, or a blank form when None, to `path` (whole or not at all)."""
    uow = target if isinstance(target, UnitOfWork) else target.unit_of_work()
    if form_id is None:
        require(user, Permission.FORM1_EDIT)
        form = None
    else:
        form = get_form1(uow, user, form_id)
    with uow:
        heading = heading_of(uow.session)
    content = render_form1(form, heading, today=today)
    with atomic_output(Path(path)) as handle:
        handle.write(content)
    return Path(path)


# the document ---------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self, fonts: Fonts) -> None:
        self.fonts = fonts
        self.body = ParagraphStyle("body", fontName=fonts.regular, fontSize=8.5, leading=10.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9)
        self.bold = ParagraphStyle("bold", parent=self.body, fontName=fonts.bold)
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=fonts.bold, fontSize=12, leading=15, alignment=TA_CENTER
        )
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=7.5, leading=9)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=fonts.bold)
        self.kop1 = ParagraphStyle("kop1", parent=self.title, fontSize=11.5, leading=14)
        self.kop2 = ParagraphStyle("kop2", parent=self.title, fontSize=13, leading=16)
        self.kop3 = ParagraphStyle("kop3", parent=self.center, fontSize=8, leading=10)
        self.section = ParagraphStyle(
            "section", parent=self.bold, fontSize=9, leading=11, spaceBefore=5, spaceAfter=2
        )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


CHECKED, UNCHECKED = "\u2612", "\u2610"  # ☒ ☐ (DejaVu and Vera both draw them)


def _box(checked: bool, fonts: Fonts) -> str:
    if fonts.regular == "Helvetica":  # no ballot boxes in a base font
        return "[X]" if checked else "[  ]"
    return CHECKED if checked else UNCHECKED


def _d(value: date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


LINE = "_" * 44


def _heading(heading: Heading, styles: _Styles, width: float) -> list:
    letterhead = heading.letterhead
    lines = [
        _p(text, style)
        for text, style in (
            (letterhead.baris_1, styles.kop1),
            (letterhead.baris_2, styles.kop2),
            (letterhead.alamat, styles.kop3),
        )
        if text
    ]
    if not lines:  # no letterhead set: the office's name and region
        lines = [_p(heading.office.upper(), styles.kop2)]
        if heading.region.upper() != heading.office.upper():
            lines.append(_p(heading.region, styles.kop3))
    if letterhead.logo_png:
        logo = Image(io.BytesIO(letterhead.logo_png), width=18 * mm, height=18 * mm, kind="proportional")
        block = Table([[logo, lines]], colWidths=[22 * mm, width - 44 * mm, 22 * mm])
    else:
        block = Table([[lines]], colWidths=[width])
    block.setStyle(
        layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 1.5, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return [block, Spacer(1, 3 * mm)]


def _grid(rows: list[list], widths: list[float], header: bool = False, repeat: int = 0) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=repeat)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")))
    table.setStyle(layout_style(style))
    return table


def _identity(form: Form1Data | None, styles: _Styles, width: float, fonts: Fonts) -> Table:
    def value(text: str) -> Paragraph:
        return _p(text, styles.body)

    def sex(code: str) -> str:
        return f"{_box(code == 'L', fonts)} {_('Laki-laki')}    {_box(code == 'P', fonts)} {_('Perempuan')}"

    if form is None:
        nik = kk = ""
        rows = [
            (_("NIK"), None),
            (_("No. KK"), None),
            (_("Nama lengkap"), ""),
            (_("Tempat, tanggal lahir"), "...................................., ....-....-........"),
            (_("Jenis kelamin"), sex("")),
            (_("Alamat"), ""),
            (_("RT / RW"), "........ / ........"),
            (_("Desa/kelurahan, kecamatan"), ""),
            (_("Nomor telepon/HP"), ""),
        ]
    else:
        nik, kk = form.nik, form.no_kk
        place = ", ".join(x for x in (form.tempat_lahir, _d(form.tgl_lahir)) if x)
        rows = [
            (_("NIK"), None),
            (_("No. KK"), None),
            (_("Nama lengkap"), form.nama),
            (_("Tempat, tanggal lahir"), place),
            (_("Jenis kelamin"), sex(form.jenis_kelamin)),
            (_("Alamat"), form.alamat),
            (_("RT / RW"), f"{form.rt or '-'} / {form.rw or '-'}"),
            (_("Desa/kelurahan, kecamatan"), f"{form.desa}, {form.kecamatan}"),
            (_("Nomor telepon/HP"), form.telepon),
        ]
    digits = {_("NIK"): nik, _("No. KK"): kk}
    data = []
    for label, text in rows:
        if text is None:  # sixteen boxes, one per digit
            boxes = Table([list(digits[label].ljust(16))], colWidths=[5.2 * mm] * 16, rowHeights=[5.2 * mm])
            boxes.setStyle(
                layout_style(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("FONTSIZE", (0, 0), (-1, -1), 9),
                        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ]
                )
            )
            data.append([value(label), boxes])
        else:
            data.append([value(label), value(text)])
    table = Table(data, colWidths=[48 * mm, width - 48 * mm])
    table.setStyle(
        layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (1, 2), (1, -1), 0.4, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ]
        )
    )
    return table


def _jalur(form: Form1Data | None, styles: _Styles, width: float, fonts: Fonts) -> list:
    chosen = form.jalur if form else ""
    cells = [
        _p(f"{_box(chosen == jalur.value, fonts)} {_(JALUR_LABELS[jalur])}", styles.body) for jalur in Jalur
    ]
    table = Table([cells[:2], cells[2:]], colWidths=[width / 2] * 2)
    table.setStyle(
        layout_style([("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    )
    if form is not None and form.jalur == Jalur.DOMISILI:
        since = _d(form.domisili_sejak)
        statement = _box(form.pernyataan_domisili, fonts)
    else:
        since, statement = "....-....-........", _box(False, fonts)
    note = _p(
        _(
            "Bila bukan penduduk setempat: berdomisili di desa/kelurahan ini sejak {since}; {box} surat "
            "pernyataan domisili ditandatangani pendaftar dan diketahui Kepala Desa/Lurah."
        ).format(since=since, box=statement),
        styles.small,
    )
    return [table, note]


def _characteristics(form: Form1Data | None, styles: _Styles, width: float, fonts: Fonts) -> list:
    header = [_p(t, styles.bold) for t in (_("No"), _("Karakteristik rumah tangga"), _("Ya"), _("Tidak"))]
    rows = [header]
    for kriteria in KRITERIA:
        if form is None:
            holds = None
        elif kriteria.field == "pendidikan_tertinggi":
            holds = kriteria.code in form.skrining.terpenuhi
        else:
            holds = bool(getattr(form, kriteria.field))
        rows.append(
            [
                _p(f"{kriteria.code})", styles.body),
                _p(_(kriteria.label), styles.body),
                _p(_box(holds is True, fonts), styles.center),
                _p(_box(holds is False, fonts), styles.center),
            ]
        )
    table = _grid(rows, [10 * mm, width - 40 * mm, 15 * mm, 15 * mm], header=True)
    if form is None:
        education = "." * 40
    else:
        code = pendidikan(form.pendidikan_tertinggi)
        education = _(PENDIDIKAN_LABELS[code]) if code else form.pendidikan_tertinggi
    parts = [
        table,
        _p(
            _("Pendidikan tertinggi anggota rumah tangga yang sudah tidak bersekolah: {value}").format(
                value=education
            ),
            styles.small,
        ),
    ]
    other = form.karakteristik_lain if form else {}
    if other:
        parts.append(
            _p(
                _("Karakteristik lain: {list}").format(list="; ".join(f"{k}: {v}" for k, v in other.items())),
                styles.small,
            )
        )
    elif form is None:
        parts.append(_p(_("Karakteristik lain: {line}").format(line="." * 110), styles.small))
    return parts


def _members(form: Form1Data | None, styles: _Styles, width: float, fonts: Fonts) -> Table:
    titles = (
        _("No"),
        _("NIK"),
        _("Nama"),
        _("Hubungan dengan KRT"),
        _("Tgl lahir"),
        _("L/P"),
        _("Pendidikan"),
        _("Masih sekolah"),
    )
    rows = [[_p(t, styles.cell_bold) for t in titles]]
    if form is None:
        rows += [[_p(str(n), styles.cell)] + [""] * 7 for n in range(1, BLANK_MEMBER_ROWS + 1)]
    else:
        for member in form.anggota:
            code = pendidikan(member.pendidikan)
            cells = (
                str(member.urutan),
                member.nik,
                member.nama,
                member.hubungan,
                _d(member.tgl_lahir),
                member.jenis_kelamin,
                code.value if code else member.pendidikan,
                _("ya") if member.masih_sekolah else _("tidak"),
            )
            rows.append([_p(text, styles.cell) for text in cells])
        if not form.anggota:
            rows.append([_p(_("(tidak ada anggota lain)"), styles.small)] + [""] * 7)
    # Wide enough for a NIK and a date on one line at the cell's font size.
    widths = [8 * mm, 33 * mm, 0, 26 * mm, 21 * mm, 9 * mm, 20 * mm, 16 * mm]
    widths[2] = width - sum(widths)
    table = _grid(rows, widths, header=True, repeat=1)
    if form is None:  # room to write by hand
        table.setStyle(
            layout_style([("TOPPADDING", (0, 1), (-1, -1), 3), ("BOTTOMPADDING", (0, 1), (-1, -1), 3)])
        )
    return table


def _signatures(form: Form1Data | None, styles: _Styles, width: float) -> list:
    place = f"{form.desa}, {_d(form.tanggal)}" if form else f"{'.' * 40}, ....-....-........"
    names = (form.nama, form.petugas, "") if form else ("", "", "")
    titles = (
        _("Pendaftar / Kepala Rumah Tangga"),
        _("Petugas Pendaftar"),
        _("Mengetahui,\nKepala Desa/Lurah"),
    )
    top = [_p(t, styles.center) for t in (titles[0], titles[1])] + [
        Paragraph("<br/>".join(escape(x) for x in titles[2].split("\n")), styles.center)
    ]
    bottom = [_p(f"( {name or '.' * 36} )", styles.center) for name in names]
    table = Table([top, ["", "", ""], bottom], colWidths=[width / 3] * 3, rowHeights=[None, 15 * mm, None])
    table.setStyle(
        layout_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    date_line = Table([["", _p(place, styles.center)]], colWidths=[width * 2 / 3, width / 3])
    date_line.setStyle(layout_style([]))
    return [KeepTogether([Spacer(1, 2 * mm), date_line, table])]


def render_form1(form: Form1Data | None, heading: Heading, *, today: date | None = None) -> bytes:
    """The PDF of a filled form, or of a blank one when `form` is None."""
    fonts = document_fonts()
    styles = _Styles(fonts)
    buffer = io.BytesIO()
    margin = 13 * mm
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=10 * mm,
        bottomMargin=14 * mm,
        title=_("Form 1 — Formulir Registrasi Standar"),
        author=heading.office,
        initialFontName=fonts.regular,  # not the canvas' Helvetica, which would be named but not embedded
    )
    width = A4[0] - 2 * margin
    story = _heading(heading, styles, width)
    story.append(_p(_("FORMULIR REGISTRASI STANDAR (FORM 1)"), styles.title))
    story.append(
        _p(
            _(
                "Pendaftaran rumah tangga miskin/kurang mampu — pemutakhiran mandiri Basis Data Terpadu "
                "(Pergub Gorontalo No. 72 Tahun 2018)"
            ),
            styles.center,
        )
    )
    if form is not None:
        story.append(_p(_("Nomor formulir: {id}").format(id=form.id), styles.center))
    story.append(_p(_("A. Data diri pendaftar (Kepala Rumah Tangga)"), styles.section))
    story.append(_identity(form, styles, width, fonts))
    story.append(_p(_("B. Jalur pendaftaran"), styles.section))
    story += _jalur(form, styles, width, fonts)
    story.append(_p(_("C. Karakteristik rumah tangga (skrining awal)"), styles.section))
    story += _characteristics(form, styles, width, fonts)
    story.append(_p(_("D. Anggota rumah tangga"), styles.section))
    story.append(_members(form, styles, width, fonts))
    if form is not None:
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            _p(
                _("Hasil skrining awal menurut isian ini (Pergub 72/2018 A.2.2.b): {text}").format(
                    text=form.skrining.penjelasan()
                ),
                styles.small,
            )
        )
    story.append(
        _p(
            _(
                "Dengan menandatangani formulir ini, pendaftar menyatakan bahwa seluruh keterangan di atas "
                "benar."
            ),
            styles.small,
        )
    )
    story += _signatures(form, styles, width)
    printed = (today or date.today()).strftime("%d-%m-%Y")
    footer_left = _("Form 1 · dicetak {date}").format(date=printed)
    if form is None:
        footer_left += " · " + _("formulir kosong")

    class _NumberedCanvas(Canvas):
        """Draws "halaman x dari y" once the number of pages is known."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(fonts.regular, 7)
                self.drawString(margin, 8 * mm, footer_left)
                self.drawRightString(
                    A4[0] - margin, 8 * mm, _("halaman {x} dari {y}").format(x=number, y=total)
                )
                super().showPage()
            super().save()

    document.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
