"""The conflict detail of the Sinkronisasi page names the fields and the record type as the rest of the program
does (the registry's and the audit log's labels, in the user's language), never the database's column names,
and shows coded values in words."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)
from __future__ import annotations

import uuid

import pytest
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.i18n import set_language
from db.sync_models import SyncChange, SyncConflict
from tests.app.sync.sent_office import sent_office, sent_office_template  # noqa: F401
from tests.ui.test_sync_page import _approved, _page


def add_person_conflict(db) -> None:
    """A person's identity fields changed here and on the server at once (the exchange stores such a row)."""
    with db.sessions() as session:
        person_uid = session.scalar(
            select(SyncChange.uid).where(SyncChange.entity == "person").order_by(SyncChange.seq).limit(1)
        )
        session.add(
            SyncConflict(
                entity="person",
                uid=person_uid,
                base=7,
                mine={"nama": "SITI AMINAH", "tgl_lahir": "1980-02-01", "jenis_kelamin": "P"},
                theirs={"nama": "SITI AMINA", "tgl_lahir": "1980-02-01", "jenis_kelamin": "L"},
                kind="identity",
                device=uuid.uuid4(),
                seq=12,
                username="op_telaga",
            )
        )
        session.commit()


def _detail(page) -> list[list[str]]:
    table = page.conflict_values
    return [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("id")


def test_the_conflict_detail_shows_field_labels_and_values_in_words(qtbot, sent_office):
    _approved(sent_office.db)
    add_person_conflict(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.operator)
    page.conflict_list.selectRow(0)

    assert page.conflict_list.item(0, 1).text() == "Data penduduk"
    assert page.conflict_heading.text().startswith("Data penduduk: ")
    # The fields that differ first; the column names never shown.
    assert _detail(page) == [
        ["Jenis kelamin", "Perempuan", "Laki-laki"],
        ["Nama", "SITI AMINAH", "SITI AMINA"],
        ["Tanggal lahir", "1980-02-01", "1980-02-01"],
    ]


def test_in_english_the_conflict_detail_is_english(qtbot, sent_office, english):
    _approved(sent_office.db)
    add_person_conflict(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.operator)
    page.conflict_list.selectRow(0)

    labels = [row[0] for row in _detail(page)]
    assert "nama" not in labels and "tgl_lahir" not in labels and "Nama" not in labels
    assert ["Female", "Male"] in [row[1:] for row in _detail(page)]


def _texts(widget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget.window())]


def test_a_guest_is_told_the_open_conflicts_without_a_call_to_decide_them(qtbot, sent_office):
    _approved(sent_office.db)
    add_person_conflict(sent_office.db)
    guest = _page(qtbot, sent_office.db, sent_office.guest)
    operator = _page(qtbot, sent_office.db, sent_office.operator)

    assert _texts(guest.conflict_card) == ["1", "Konflik menunggu keputusan operator"]
    assert "operator atau admin" in guest.conflict_card.toolTip()
    assert not any("perlu diputuskan" in text for text in _texts(guest))
    assert guest.tabs.indexOf(guest.conflicts_tab) == -1
    assert _texts(operator.conflict_card) == ["1", "Konflik perlu diputuskan"]
    assert operator.tabs.indexOf(operator.conflicts_tab) >= 0
