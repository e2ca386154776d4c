"""A document shown before it is printed or saved: any PDF the program makes (the SK penetapan first), held in
memory — the lampiran's names and NIKs never lie in a temporary file — with page navigation, zoom, Cetak… and
Simpan PDF…. Only the file the user asks for is written (app/output_files.py: atomic, owner-only)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.output_files import atomic_output
from ui.messages import inform, show_error
from ui.widgets.screen import bounded_size

PREFERRED_SIZE = QSize(1000, 690)  # within 1366×728 less the title bar
FIT_WIDTH, FIT_PAGE = "lebar", "halaman"
ZOOM_CHOICES = (
    (FIT_WIDTH, N_("Selebar jendela")),
    (FIT_PAGE, N_("Satu halaman penuh")),
    (0.5, "50 %"),
    (0.75, "75 %"),
    (1.0, "100 %"),
    (1.5, "150 %"),
    (2.0, "200 %"),
)
ZOOM_STEP, ZOOM_MIN, ZOOM_MAX = 1.25, 0.25, 4.0
# Pages are sent to the printer as pictures of this resolution at most: sharp text on an office laser
# printer, and an A4 page stays a few tens of MB in memory while it is printed.
PRINT_DPI_MAX = 300


class PdfPreviewDialog(QDialog):
    def __init__(self, pdf: bytes, title: str, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.file_name = file_name
        self.data = QByteArray(pdf)
        self.buffer = QBuffer(self.data, self)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self.buffer)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.navigator = self.view.pageNavigator()

        self.previous_button = QPushButton(_("◀ Sebelumnya"))
        self.next_button = QPushButton(_("Berikutnya ▶"))
        self.page_box = QSpinBox()
        self.page_box.setRange(1, max(1, self.document.pageCount()))
        self.page_box.setKeyboardTracking(False)
        self.page_count_label = QLabel(_("dari {n}").format(n=self.document.pageCount()))
        self.zoom_box = QComboBox()
        for value, label in ZOOM_CHOICES:
            self.zoom_box.addItem(_(label), value)
        self.zoom_out_button = QPushButton("−")
        self.zoom_in_button = QPushButton("+")
        for button, tip in ((self.zoom_out_button, _("Perkecil")), (self.zoom_in_button, _("Perbesar"))):
            button.setToolTip(tip)
            button.setMinimumWidth(44)
        self.print_button = QPushButton(_("Cetak…"))
        self.save_button = QPushButton(_("Simpan PDF…"))
        self.close_button = QPushButton(_("Tutup"))

        bar = QHBoxLayout()
        bar.addWidget(self.previous_button)
        bar.addWidget(QLabel(_("Halaman")))
        bar.addWidget(self.page_box)
        bar.addWidget(self.page_count_label)
        bar.addWidget(self.next_button)
        bar.addSpacing(16)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_box)
        bar.addWidget(self.zoom_in_button)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self.previous_button.clicked.connect(lambda: self.go_to_page(self.current_page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.current_page() + 1))
        self.page_box.valueChanged.connect(lambda number: self.go_to_page(number - 1))
        self.navigator.currentPageChanged.connect(self._page_changed)
        self.zoom_box.currentIndexChanged.connect(self._zoom_chosen)
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        self.close_button.clicked.connect(self.accept)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_document)
        QShortcut(QKeySequence(Qt.Key.Key_PageDown), self, lambda: self.go_to_page(self.current_page() + 1))
        QShortcut(QKeySequence(Qt.Key.Key_PageUp), self, lambda: self.go_to_page(self.current_page() - 1))
        self._page_changed(0)
        self.resize(bounded_size(self, PREFERRED_SIZE))

    # pages and zoom ---------------------------------------------------------------------------------------
    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        return self.navigator.currentPage()

    def go_to_page(self, index: int) -> None:
        index = max(0, min(index, self.page_count() - 1))
        if index != self.current_page():
            self.navigator.jump(index, QPointF(), self.navigator.currentZoom())

    def _page_changed(self, index: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.page_count() - 1)

    def _zoom_chosen(self, _index: int) -> None:
        value = self.zoom_box.currentData()
        if value == FIT_WIDTH:
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        elif value == FIT_PAGE:
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        else:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(float(value))

    def zoom_by(self, factor: float) -> None:
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, self.view.zoomFactor() * factor))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(zoom)
        self.zoom_box.blockSignals(True)
        self.zoom_box.setCurrentIndex(-1)  # none of the choices, until one is picked again
        self.zoom_box.blockSignals(False)

    # printing and saving ----------------------------------------------------------------------------------
    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        printer.setFromTo(1, self.page_count())
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, self.page_count())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Prints the chosen pages (all when no range is set), each as a picture fitted to the paper;
        returns the number of pages sent."""
        first, last = printer.fromPage(), printer.toPage()
        if first == 0 and last == 0:
            first, last = 1, self.page_count()
        dpi = min(printer.resolution(), PRINT_DPI_MAX)
        painter = QPainter()
        if not painter.begin(printer):
            show_error(self, RuntimeError("printer did not start"))
            return 0
        sent = 0
        try:
            for index in range(first - 1, min(last, self.page_count())):
                if sent:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                pixels = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
                image = self.document.render(index, pixels)
                area = painter.viewport()
                scaled = pixels.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(area.topLeft(), scaled), image)
                sent += 1
        finally:
            painter.end()
        return sent

    def save_document(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Simpan PDF"), self.file_name, _("Dokumen PDF (*.pdf)")
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            self.save_to(Path(path))
        except Exception as error:
            show_error(self, error)
            return
        inform(self, _("Simpan PDF"), _("Dokumen disimpan ke {path}.").format(path=path))

    def save_to(self, path: Path) -> None:
        with atomic_output(path) as handle:
            handle.write(bytes(self.data))
