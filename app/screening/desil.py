"""DTSEN's desil levels (Inpres 4/2025): a household is ranked 1 (poorest) to 10 among the nation, the province
and the kabupaten/kota. A program says which of the three its desil range cuts by."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class DesilLevel(StrEnum):
    NASIONAL = "nasional"  # the only level a member-level DTKS extract gives
    PROVINSI = "provinsi"
    KABUPATEN_KOTA = "kabupaten_kota"


DESIL_LEVEL_LABELS = {
    DesilLevel.NASIONAL: N_("nasional"),
    DesilLevel.PROVINSI: N_("provinsi"),
    DesilLevel.KABUPATEN_KOTA: N_("kabupaten/kota"),
}
