"""A refused or flagged row of an import, as reported to the user (file, row, field, reason).

Kept apart from the validation rules so that reading a batch's issues does not load pandas."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    REFUSED = "ditolak"
    FLAGGED = "ditandai"


@dataclass(frozen=True)
class RowIssue:
    source: str
    row_number: int
    field: str
    value: str
    code: str
    severity: Severity
    message: str
    kode_desa: str = ""  # the row's desa as written (empty when unreadable): who may read the issue
