"""The SK page runs the use cases that grow with the SK's size (ranking again, copying a final SK into an
amending draft) off the GUI thread, with a progress dialog and Batal; the page shows their result."""

from __future__ import annotations

from app.documents import sk as sk_service
from app.documents.sk_final import finalise_sk
from app.documents.sk_quota import set_program_quota
from tests.ui.test_sk_page import SIGNED, cells, page_for, sk_data  # noqa: F401 (a fixture)


def test_ranking_again_runs_in_the_background_and_shows_the_new_cut(
    qtbot,
    office_db,
    operator,
    admin,
    sk_data,  # noqa: F811
):
    program, _lists, _sk_id = sk_data
    page = page_for(qtbot, office_db, operator)
    assert cells(page.sk_table, 5) == ["1"]
    set_program_quota(office_db, admin, program.id, 4)
    page.requota()
    assert page.background is not None
    qtbot.waitUntil(lambda: not page.background.running, timeout=20_000)
    assert cells(page.sk_table, 4) == ["4"] and cells(page.sk_table, 5) == ["0"]
    assert cells(page.ranking_table, 8) == ["Masuk SK"] * 4


def test_an_amending_draft_is_made_in_the_background_and_selected(
    qtbot,
    office_db,
    operator,
    sk_data,  # noqa: F811
):
    _program, _lists, sk_id = sk_data
    sk_service.update_sk(office_db, operator, sk_id, **SIGNED)
    finalise_sk(office_db, operator, sk_id)
    page = page_for(qtbot, office_db, operator)
    page.amend()
    qtbot.waitUntil(lambda: page.background is not None and not page.background.running, timeout=20_000)
    assert sorted(cells(page.sk_table, 2)) == ["Draf", "Final"]
    assert page.selected_sk().mengubah_sk_id == sk_id
