"""A large number with a small label under it: the counts at the top of the import preview and the summary."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from ui.registry.detail_format import thousands
from ui.style import set_role


class StatCard(QFrame):
    def __init__(self, label: str, colour: str = "", empty: str = "–") -> None:
        super().__init__()
        set_role(self, "statcard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(0)
        self.colour = colour
        self.value = set_role(QLabel(empty), "statvalue")
        if colour:
            self.value.setStyleSheet(f"color: {colour};")
        layout.addWidget(self.value)
        layout.addWidget(set_role(QLabel(label), "statlabel"))

    def set(self, number: int) -> None:
        """Shows a count; a zero in a warning colour (0 refused, 0 missing) would alarm for nothing, so zero
        is always shown in the calm default colour."""
        self.value.setText(thousands(number))
        self.value.setStyleSheet(f"color: {self.colour};" if self.colour and number else "")
