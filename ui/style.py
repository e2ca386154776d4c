"""The look of the program: Fusion with one calm palette, readable sizes, and the status colours used across
pages (a dead person grey, moved amber, missing from the newest extract red)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

PRIMARY = "#1d5b8f"
PRIMARY_DARK = "#153f63"
# A disabled primary button must look unavailable: the plain blue read as "Finalkan" still being allowed.
PRIMARY_DISABLED = "#a9b8c7"
SIDEBAR = "#17324d"
BACKGROUND = "#f3f5f8"
BORDER = "#cfd8e3"
TEXT_MUTED = "#5b6b7c"

STATUS_COLOURS = {
    "hidup": QColor("#1e7b34"),
    "meninggal": QColor("#6b7280"),
    "pindah": QColor("#b7791f"),
    "missing": QColor("#c0392b"),
}
MISSING_BACKGROUND = QColor("#fdecea")
REFUSED_COLOUR = QColor("#c0392b")
FLAGGED_COLOUR = QColor("#b7791f")

STYLESHEET = f"""
QMainWindow, QDialog, QWizard {{ background: {BACKGROUND}; }}
QWidget {{ color: #1f2933; }}
QLabel[role="title"] {{ font-size: 15pt; font-weight: 600; color: {PRIMARY_DARK}; }}
QLabel[role="subtitle"] {{ color: {TEXT_MUTED}; }}
QLabel[role="section"] {{ font-size: 11pt; font-weight: 600; color: {PRIMARY_DARK}; padding-top: 8px; }}
QLabel[role="error"] {{ color: #b42318; font-weight: 600; }}
QLabel[role="note"] {{ background: #fff8e1; border: 1px solid #f0d58c; border-radius: 4px; padding: 6px 8px; }}
QLabel[role="info"] {{ background: #e8f1fa; border: 1px solid #b9d3ea; border-radius: 4px; padding: 6px 8px; }}
QLabel[role="ok"] {{ background: #e6f4ea; border: 1px solid #a8d5b5; border-radius: 4px; padding: 6px 8px; }}
QLabel[role="count"] {{ color: {TEXT_MUTED}; }}
QLabel[role="badge"] {{ background: {PRIMARY}; color: white; border-radius: 8px; padding: 2px 8px;
                       font-weight: 600; }}
QFrame[role="card"] {{ background: white; border: 1px solid {BORDER}; border-radius: 6px; }}
QFrame[role="statcard"] {{ background: white; border: 1px solid {BORDER}; border-radius: 6px; }}
QLabel[role="statvalue"] {{ font-size: 16pt; font-weight: 600; color: {PRIMARY_DARK}; }}
QLabel[role="statlabel"] {{ color: {TEXT_MUTED}; }}
QListWidget#navigation {{ background: {SIDEBAR}; color: #e6edf5; border: none; padding-top: 8px;
                          font-size: 11pt; outline: 0; }}
QListWidget#navigation::item {{ padding: 10px 16px; border-left: 4px solid transparent; }}
QListWidget#navigation::item:selected {{ background: #22486d; color: white; border-left: 4px solid #5fb0f0; }}
QListWidget#navigation::item:hover:!selected {{ background: #1f4062; }}
QLineEdit, QComboBox, QSpinBox {{ background: white; border: 1px solid {BORDER}; border-radius: 4px;
                                  padding: 4px 6px; min-height: 20px; }}
QLineEdit:focus, QComboBox:focus {{ border: 1px solid {PRIMARY}; }}
QLineEdit#search {{ font-size: 11pt; padding: 6px 8px; }}
QPushButton {{ background: white; border: 1px solid {BORDER}; border-radius: 4px; padding: 5px 14px; }}
QPushButton:hover {{ background: #eef3f8; }}
QPushButton:disabled {{ color: #9aa5b1; }}
QPushButton[role="primary"] {{ background: {PRIMARY}; color: white; border: 1px solid {PRIMARY_DARK};
                               font-weight: 600; }}
QPushButton[role="primary"]:hover {{ background: {PRIMARY_DARK}; }}
QPushButton[role="primary"]:disabled {{ background: {PRIMARY_DISABLED}; border: 1px solid {PRIMARY_DISABLED};
                                        color: #f3f6f9; }}
QTableView, QTableWidget {{ background: white; alternate-background-color: #f6f8fb; border: 1px solid {BORDER};
                            gridline-color: #e4e9ef; selection-background-color: #cfe3f5;
                            selection-color: #10212f; }}
QHeaderView::section {{ background: #e7edf4; border: none; border-right: 1px solid {BORDER};
                        border-bottom: 1px solid {BORDER}; padding: 5px 6px; font-weight: 600; color: #243b53; }}
QStatusBar {{ background: #e7edf4; color: #243b53; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QGroupBox {{ font-weight: 600; border: 1px solid {BORDER}; border-radius: 6px; margin-top: 10px;
             padding-top: 8px; background: white; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {PRIMARY_DARK}; }}
QScrollArea {{ border: none; background: transparent; }}
QSplitter::handle {{ background: {BORDER}; }}
QTabBar::tab {{ padding: 6px 14px; }}
"""


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)


def set_role(widget, role: str):
    """Marks a widget for one of the stylesheet's roles (title, note, primary button, ...)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    return widget
