"""The stylesheet's roles as an officer sees them."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QPushButton

from ui.style import PRIMARY, apply_style, set_role


def background_of(button: QPushButton) -> QColor:
    image = button.grab().toImage()
    return image.pixelColor(6, image.height() // 2)


def test_a_disabled_primary_button_does_not_look_available(qtbot):
    app = QApplication.instance()
    previous = app.styleSheet()
    apply_style(app)
    try:
        enabled, disabled = QPushButton("Finalkan…"), QPushButton("Finalkan…")
        for button in (enabled, disabled):
            qtbot.addWidget(button)
            set_role(button, "primary")
            button.resize(160, 32)
        disabled.setEnabled(False)
        assert background_of(enabled).name() == PRIMARY
        # A disabled "Finalkan…" in the primary blue read as still allowed on a final SK.
        assert background_of(disabled).name() != PRIMARY
        assert background_of(disabled).saturation() < QColor(PRIMARY).saturation() / 2
    finally:
        app.setStyleSheet(previous)
