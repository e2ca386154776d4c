"""The SK penetapan shown before printing: built off the GUI thread (a 10,000-row lampiran takes seconds), then
opened in the PDF preview. The SK page calls `open_sk_preview`."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QWidget

from app.auth.roles import CurrentUser
from app.documents.letterhead import office_letterhead
from app.documents.sk_document import sk_document
from app.documents.sk_pdf import sk_pdf_bytes
from app.i18n import _
from app.jobs import Progress
from app.office import OfficeDatabase
from ui.documents.pdf_preview import PdfPreviewDialog
from ui.jobs import BackgroundJob, run_in_background


def suggested_file_name(nomor: str, sk_id: int) -> str:
    """ "400.9/DINSOS/123/2026" -> "SK-400.9-DINSOS-123-2026.pdf": a number's slashes cannot be in a name."""
    cleaned = re.sub(r"[^\w.-]+", "-", nomor).strip("-.")
    return f"SK-{cleaned or sk_id}.pdf"


def open_sk_preview(parent: QWidget, db: OfficeDatabase, user: CurrentUser, sk_id: int) -> BackgroundJob:
    def build(progress: Progress):
        document = sk_document(db, user, sk_id)
        progress.report(0, 0, _("Menyusun PDF SK {nomor}...").format(nomor=document.nomor or f"#{sk_id}"))
        return document, sk_pdf_bytes(document, office_letterhead(db), progress)

    def show(result) -> None:
        document, rendered = result
        title = _("Pratinjau SK {nomor}").format(nomor=document.nomor or f"#{sk_id}")
        dialog = PdfPreviewDialog(rendered.data, title, suggested_file_name(document.nomor, sk_id), parent)
        parent.sk_preview = dialog  # kept for tests and so that it is not collected while open
        dialog.open()

    return run_in_background(parent, _("Menyusun PDF SK..."), build, show)
