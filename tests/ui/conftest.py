"""GUI test helpers: real widgets (offscreen), real encrypted databases, modal boxes recorded instead of shown."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.registry.fields import ExtractKind
from app.registry.importer import RegistryImport
from tests.factories import people, write_csv


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    """Every QMessageBox call is recorded as (kind, title, text) instead of blocking the test (autouse: an
    unexpected error must fail a test, never hang it on a modal box)."""
    shown: list[tuple[str, str, str]] = []

    def recorder(kind, answer=QMessageBox.StandardButton.Ok):
        def record(_parent, title, text, *args, **kwargs):
            shown.append((kind, title, text))
            return answer

        return record

    monkeypatch.setattr(QMessageBox, "warning", recorder("warning"))
    monkeypatch.setattr(QMessageBox, "critical", recorder("critical"))
    monkeypatch.setattr(QMessageBox, "information", recorder("information"))
    monkeypatch.setattr(QMessageBox, "about", recorder("about"))
    monkeypatch.setattr(QMessageBox, "question", recorder("question", QMessageBox.StandardButton.Yes))
    return shown


def import_people(db, user, path, records):
    job = RegistryImport(db, user, ExtractKind.DUKCAPIL, [write_csv(path, records)])
    try:
        job.prepare()
        return job.commit()
    finally:
        job.close()


@pytest.fixture
def registry(office_db, operator, tmp_path):
    """Kab. Gorontalo with 12 households (36 people) imported through the real importer."""
    records = people(12)
    import_people(office_db, operator, tmp_path / "dukcapil.csv", records)
    return records
