"""Which fonts a PDF names without embedding them: a reader substitutes its own for those (Helvetica's
replacement lacks letters of Indonesian names and shifts every line)."""

from __future__ import annotations

from pypdf import PdfReader


def unembedded_fonts(path) -> set[str]:
    """The /BaseFont of every font on any page that has no embedded TrueType program (/FontFile2)."""
    missing = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or "/FontFile2" not in descriptor.get_object():
                missing.add(str(font["/BaseFont"]))
    return missing
