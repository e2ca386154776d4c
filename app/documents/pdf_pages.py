"""Pages that know how many they are: "Halaman x dari y" needs the last page's number on the first."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas


def numbered_canvas(footer: Callable[[Canvas, int], None]) -> type[Canvas]:
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
