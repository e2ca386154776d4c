"""The fonts of the office's PDFs: a TrueType font with every letter Indonesian names use, embedded.

reportlab's built-in Helvetica is Latin-1 only and is not embedded (a reader substitutes its own). The font is
searched in reportlab's font path, which covers Linux (fonts-dejavu-core), C:/Windows/Fonts and macOS.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import TableStyle

FONT_CANDIDATES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
)
FONT, FONT_BOLD = "DokumenSans", "DokumenSans-Bold"


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


def layout_style(commands: list[tuple]) -> TableStyle:
    """A layout table's style, in the document's font: an empty cell would otherwise set Helvetica, which
    would be named in the PDF without being embedded."""
    return TableStyle([("FONT", (0, 0), (-1, -1), document_fonts().regular), *commands])


def escape(text: str) -> str:
    """Text as a reportlab Paragraph reads it: its markup characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
