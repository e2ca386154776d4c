"""The smallest screen the program is made for, and window sizes bounded by the screen in use."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

# An office laptop's 1366×768 screen, less Windows' 40-px taskbar: the work area every window, page and
# dialog must fit in (tests/ui/test_fits_small_screen.py). A window's title bar takes TITLE_BAR of it.
SMALL_SCREEN = QSize(1366, 728)
TITLE_BAR = 32


def bounded_size(widget: QWidget, preferred: QSize) -> QSize:
    """`preferred`, or less where the screen's work area (less the title bar) is smaller."""
    screen = widget.screen()
    available = screen.availableGeometry().size() if screen is not None else SMALL_SCREEN
    return preferred.boundedTo(QSize(available.width(), available.height() - TITLE_BAR))
