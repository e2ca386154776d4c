"""How screening results look: one colour per verdict (strong for text, pale for a row), one per flag severity
and per evidence level, and the small formatting helpers the screening pages share."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QColor

from app.formats import date_text, format_number, format_percent
from app.i18n import N_, _
from app.screening.flags import VERDICT_LABELS, Severity, Verdict
from app.screening.programs import LIST_STATUS_LABELS, ListStatus
from app.screening.service import DECISIONS
from ui.widgets.region_picker import region_children, region_name

VERDICT_COLOURS = {
    Verdict.PASS: QColor("#1e7b34"),
    Verdict.FAIL: QColor("#b42318"),
    Verdict.CHECK: QColor("#a15c07"),
}
VERDICT_BACKGROUNDS = {
    Verdict.PASS: QColor("#eef8f0"),
    Verdict.FAIL: QColor("#fdecea"),
    Verdict.CHECK: QColor("#fff5e0"),
}
NOT_SCREENED = N_("Belum disaring")
SEVERITY_COLOURS = {
    Severity.FAIL: "#b42318",
    Severity.CHECK: "#a15c07",
    Severity.INFO: "#1d5b8f",
}
SEVERITY_LABELS = {
    Severity.FAIL: N_("Gagal"),
    Severity.CHECK: N_("Cek"),
    Severity.INFO: N_("Info"),
}
# Evidence levels of app/screening/matching.py: the side-by-side view paints a field by how it compares.
LEVEL_BACKGROUNDS = {"sama": "#e6f4ea", "mirip": "#fff1c2", "beda": "#fbd5d0", "kosong": "#eef1f5"}
LEVEL_MARKS = {"sama": "✓", "mirip": "≈", "beda": "✗", "kosong": "–"}
LEVEL_LABELS = {
    "sama": N_("sama"),
    "mirip": N_("mirip"),
    "beda": N_("berbeda"),
    "kosong": N_("tidak dapat dibandingkan"),
}
DECISION_SHORT = {
    "accepted": N_("Diterima"),
    "chosen": N_("Calon dipilih"),
    "rejected": N_("Ditolak"),
    "field_check": N_("Cek lapangan"),
    "corrected": N_("Diperbaiki"),
    "nik_taken": N_("NIK terdaftar diambil"),
}


def decision_label(action: str) -> str:
    """The service's long label of a decision ("Terima padanan yang disarankan")."""
    return _(DECISIONS[action])


def verdict_of(hasil: str | None) -> Verdict | None:
    try:
        return Verdict(hasil) if hasil else None
    except ValueError:
        return None


def verdict_text(hasil: str | None) -> str:
    verdict = verdict_of(hasil)
    return _(VERDICT_LABELS[verdict]).upper() if verdict else _(NOT_SCREENED)


def status_text(status: str) -> str:
    try:
        return _(LIST_STATUS_LABELS[ListStatus(status)])
    except ValueError:
        return status


def format_date(value: date | str | None) -> str:
    return date_text(value)


def rupiah(value: int | None) -> str:
    return "Rp " + format_number(value)


def percent(probability: float | None) -> str:
    return format_percent(probability)


def desa_label(code: str) -> str:
    """ "Kel. Kayubulan, Kec. Limboto" for a desa code; the code itself when unknown or empty."""
    if not code:
        return ""
    name = region_name(code)
    if name == code:
        return code
    kecamatan = region_name(code[:6])
    return f"{name}, {kecamatan}" if kecamatan != code[:6] else name


def desa_under(code: str) -> list[tuple[str, str]]:
    """Every desa/kelurahan inside a region, as (code, "Desa X, Kec. Y (code)"), sorted by name."""
    found: list[tuple[str, str]] = []
    pending = [code]
    while pending:
        current = pending.pop()
        if len(current) >= 10:
            found.append((current, f"{desa_label(current)} ({current})"))
            continue
        pending.extend(region.code for region in region_children(current))
    return sorted(found, key=lambda item: item[1])
