"""Telling the user: a rule's refusal shows its own Indonesian text; anything else is logged with an incident
id and shown as a short message — never a traceback (STYLE.md, "Errors and the user")."""

from __future__ import annotations

import logging
import uuid

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import user_error
from app.i18n import _

log = logging.getLogger("ejps.ui")


def show_error(parent: QWidget | None, error: BaseException, title: str | None = None) -> str:
    """Shows `error` to the user; returns the text shown (for tests and status bars)."""
    refusal = user_error(error)  # a rule's refusal, or a known database failure (busy, wrong key)
    if refusal is not None:
        text = str(refusal)
        QMessageBox.warning(parent, title or _("Tidak dapat dilanjutkan"), text)
        return text
    incident = uuid.uuid4().hex[:8]
    log.error("incident %s", incident, exc_info=(type(error), error, error.__traceback__))
    text = _("Terjadi kesalahan tak terduga (kode {id}). Rinciannya ada di berkas log.").format(id=incident)
    QMessageBox.critical(parent, title or _("Kesalahan"), text)
    return text


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    )
    return answer == QMessageBox.StandardButton.Yes


def guarded(parent: QWidget | None, action, *args, **kwargs):
    """Calls a quick service on the GUI thread; a failure is shown and None returned."""
    try:
        return action(*args, **kwargs)
    except Exception as error:  # shown to the user (DomainError) or logged with an incident id
        show_error(parent, error)
        return None
