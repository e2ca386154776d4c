"""Choosing a Kemendagri region below a root (the province, or the office's region): kab/kota → kecamatan →
desa, each list filled from the offline reference (`province_regions`), each with "the whole of the parent"."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from app.i18n import N_, _
from app.regions import PROVINCE_CODE, RegionInfo, display_name, province_regions

LEVEL_LABELS = {4: N_("Kabupaten/Kota"), 6: N_("Kecamatan"), 10: N_("Desa/Kelurahan")}
NEXT_LENGTH = {2: 4, 4: 6, 6: 10}


@lru_cache(maxsize=1)
def _by_code() -> dict[str, RegionInfo]:
    return {r.code: r for r in province_regions()}


@lru_cache(maxsize=1)
def _children() -> dict[str, list[RegionInfo]]:
    found: dict[str, list[RegionInfo]] = {}
    for region in province_regions():
        if region.parent_code:
            found.setdefault(region.parent_code, []).append(region)
    for items in found.values():
        items.sort(key=lambda r: r.code)
    return found


def region_name(code: str) -> str:
    """The name as an officer writes it: "Kec. Limboto", "Kabupaten Gorontalo", "Provinsi Gorontalo"."""
    region = _by_code().get(code)
    return display_name(region.name, region.kind) if region is not None else code


def region_label(code: str) -> str:
    return f"{region_name(code)} ({code})"


def region_children(code: str) -> list[RegionInfo]:
    return _children().get(code, [])


class RegionPicker(QWidget):
    """Combos for each level below `root`; `region_code()` is the most specific choice made."""

    changed = Signal(str)

    def __init__(self, root: str = PROVINCE_CODE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combos: list[QComboBox] = []
        self.lengths: list[int] = []
        length = len(root)
        while length in NEXT_LENGTH:
            length = NEXT_LENGTH[length]
            combo = QComboBox()
            combo.setMinimumWidth(320)
            combo.setMaxVisibleItems(20)
            combo.setObjectName(f"region_level_{length}")
            layout.addRow(_(LEVEL_LABELS[length]), combo)
            self.combos.append(combo)
            self.lengths.append(length)
        if not self.combos:
            layout.addRow(_("Wilayah"), QLabel(region_label(root)))
        for index, combo in enumerate(self.combos):
            combo.currentIndexChanged.connect(lambda _i, level=index: self._chosen(level))
        self._fill(0, root)

    def _fill(self, level: int, parent_code: str | None) -> None:
        for index in range(level, len(self.combos)):
            combo = self.combos[index]
            combo.blockSignals(True)
            combo.clear()
            if index == level and parent_code:
                combo.addItem(_("(seluruh {name})").format(name=region_name(parent_code)), "")
                for region in region_children(parent_code):
                    combo.addItem(f"{region_name(region.code)} ({region.code})", region.code)
                combo.setEnabled(True)
            else:
                combo.setEnabled(False)
            combo.blockSignals(False)

    def _chosen(self, level: int) -> None:
        code = self.combos[level].currentData()
        if level + 1 < len(self.combos):
            self._fill(level + 1, code or None)
        self.changed.emit(self.region_code())

    def region_code(self) -> str:
        code = self.root
        for combo in self.combos:
            chosen = combo.currentData()
            if not chosen:
                break
            code = chosen
        return code

    def set_region_code(self, code: str) -> None:
        """Selects `code` (which must lie inside the root) level by level."""
        for combo, length in zip(self.combos, self.lengths, strict=True):
            target = code[:length] if len(code) >= length else ""
            position = combo.findData(target)
            if position < 0:
                break
            combo.setCurrentIndex(position)
            if not target:
                break
