"""The list of refused and flagged rows of an import, as an XLSX the officer can send back to the source."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.audit import audit_export
from app.auth.roles import CurrentUser
from app.i18n import _
from app.output_files import write_xlsx
from app.registry.issues import RowIssue, Severity
from app.uow import UnitOfWork

SEVERITY_LABELS = {Severity.REFUSED: "DITOLAK", Severity.FLAGGED: "DITANDAI"}


def export_issues_xlsx(
    uow: UnitOfWork,
    user: CurrentUser,
    issues: Iterable[RowIssue],
    path: Path,
    batch_id: int | None = None,
    files: str = "",
) -> int:
    """Writes the rows to `path` and records in the audit log who wrote which list (an import batch, or
    the files of a preview not saved yet) and how many rows: the rows carry NIKs and names."""
    path = Path(path)
    count = write_issues_xlsx(issues, path)
    if batch_id is not None:
        audit_export(uow, user, "export.import_issues", "import_batch", batch_id, path, count)
    else:
        audit_export(uow, user, "export.import_issues", "file", files, path, count)
    return count


def write_issues_xlsx(issues: Iterable[RowIssue], path: Path) -> int:
    count = 0

    def fill(workbook) -> None:
        nonlocal count
        sheet = workbook.add_worksheet(_("Masalah impor"))
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
        text = workbook.add_format({"num_format": "@"})
        headers = [_("Berkas"), _("Baris"), _("Kolom"), _("Nilai"), _("Kode"), _("Tindakan"), _("Alasan")]
        widths = [28, 8, 16, 22, 22, 11, 90]
        for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.write_string(0, column, header, bold)
            sheet.set_column(column, column, width)
        for count, issue in enumerate(issues, start=1):
            sheet.write_string(count, 0, issue.source)
            sheet.write_number(count, 1, issue.row_number)
            sheet.write_string(count, 2, issue.field)
            sheet.write_string(count, 3, issue.value, text)  # a NIK stays text, all 16 digits
            sheet.write_string(count, 4, issue.code)
            sheet.write_string(count, 5, SEVERITY_LABELS[Severity(issue.severity)])
            sheet.write_string(count, 6, issue.message)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)

    write_xlsx(Path(path), fill)
    return count
