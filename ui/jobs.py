"""Long work off the GUI thread, like Anki's QueryOp: a plain `app/` job `fn(progress)` runs in a QThreadPool
worker while a progress dialog with **Batal** is shown; the result or the error comes back on the GUI thread.

Cancel only asks: the job checks `progress.cancelled()` between chunks and raises `Cancelled`, which rolls its
transaction back. The window stays responsive throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.i18n import _
from app.jobs import Cancelled, Progress
from ui.messages import show_error


class _Signals(QObject):
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)


class _Worker(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], signals: _Signals, cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.work, self.signals, self.cancel = work, signals, cancel

    def run(self) -> None:
        progress = Progress(report=self.signals.progress.emit, cancelled=self.cancel.is_set)
        try:
            result = self.work(progress)
        except BaseException as error:  # handed to the GUI thread, never lost in the worker
            self.signals.failed.emit(error)
        else:
            self.signals.succeeded.emit(result)


class BackgroundJob(QObject):
    """One run of a job. Keep a reference until `finished` (the runner keeps itself alive meanwhile)."""

    finished = Signal()
    _running: set[BackgroundJob] = set()

    def __init__(
        self,
        parent: QWidget,
        title: str,
        work: Callable[[Progress], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        show_cancelled: bool = True,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.work, self.on_success, self.on_failure = work, on_success, on_failure
        self.show_cancelled = show_cancelled
        self.cancel_event = threading.Event()
        self.done = False
        self.signals = _Signals()
        self.signals.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self.signals.succeeded.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        self.signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.dialog = QProgressDialog(title, _("Batal"), 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> BackgroundJob:
        BackgroundJob._running.add(self)
        self.dialog.show()
        QThreadPool.globalInstance().start(_Worker(self.work, self.signals, self.cancel_event))
        return self

    def cancel(self) -> None:
        if not self.done:
            self.cancel_event.set()
            self.dialog.setLabelText(_("Membatalkan... menunggu bagian yang sedang dikerjakan selesai."))

    @property
    def running(self) -> bool:
        return not self.done

    def _progress(self, done: int, total: int, what: str) -> None:
        if self.done:
            return
        if total > 0:
            # QProgressDialog holds an int: scale bytes of a large file down to per mille.
            self.dialog.setRange(0, 1000)
            self.dialog.setValue(min(1000, int(1000 * done / total)))
        else:
            self.dialog.setRange(0, 0)
        if what and not self.cancel_event.is_set():
            self.dialog.setLabelText(what)

    def _finish(self) -> None:
        self.done = True
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.hide()
        self.dialog.deleteLater()
        BackgroundJob._running.discard(self)
        self.finished.emit()

    def _succeeded(self, result: object) -> None:
        self._finish()
        self.on_success(result)

    def _failed(self, error: BaseException) -> None:
        self._finish()
        # An `on_failure` that returns True has shown the error itself (a dialog's inline message).
        if self.on_failure is not None and self.on_failure(error) is True:
            return
        if not isinstance(error, Cancelled) or self.show_cancelled:
            show_error(self.parent_widget, error)


def run_in_background(
    parent: QWidget, title: str, work, on_success, on_failure=None, **options
) -> BackgroundJob:
    return BackgroundJob(parent, title, work, on_success, on_failure, **options).start()
