"""The Sinkronisasi page with real widgets: each enrollment state shows its controls, enrollment from the page
against a real server (uvicorn, embedded SQLite), the ledger of a real office (its outbox filled by its own
work and marked sent/answered through the table, tests/app/sync/sent_office.py), the automatic retry never
starting a second sync, and a guest without sync buttons."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)
from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QGuiApplication

from app.auth.users import login
from app.errors import Forbidden
from app.sync import attempts
from db.sync_models import SyncEnrollment, SyncState
from sync.server.app import create_app
from sync.server.database import open_server_database
from sync.server.devices import approve_device
from sync.server.setup import create_first_admin
from tests.app.sync.sent_office import sent_office, sent_office_template  # noqa: F401
from tests.conftest import ADMIN_PASSWORD
from tests.sync.conftest import serving
from ui.main_window import MainWindow
from ui.sync.page import SyncPage


def _set_state(db, **values) -> None:
    """Where enrollment stands, written as app/sync/enrollment.py leaves it after the server's answers."""
    with db.sessions() as session:
        state = session.get(SyncState, 1) or SyncState(id=1)
        enrollment = session.get(SyncEnrollment, 1) or SyncEnrollment(id=1)
        for name, value in values.items():
            setattr(state if hasattr(SyncState, name) else enrollment, name, value)
        session.add_all([state, enrollment])
        session.commit()


def _approved(db) -> None:
    _set_state(db, server_url="http://127.0.0.1:9", enrollment="approved", device_region="7501")


def _page(qtbot, db, user) -> SyncPage:
    page = SyncPage(db, user)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.ensure_loaded()
    return page


def _visible(widget) -> bool:
    return widget.isVisibleTo(widget.window())


def test_not_enrolled_shows_the_form_to_the_admin_only(qtbot, sent_office):
    page = _page(qtbot, sent_office.db, sent_office.admin)
    assert page.enrollment.currentIndex() == 0
    assert _visible(page.enroll_form) and _visible(page.server_url)
    assert not page.sync_button.isEnabled()  # nothing to sync with yet

    operator_page = _page(qtbot, sent_office.db, sent_office.operator)
    assert not _visible(operator_page.enroll_form)
    assert "admin kantor" in operator_page.not_enrolled_text.text()


def test_pending_shows_the_code_large_and_copyable_with_what_to_tell_the_admin(qtbot, sent_office):
    _set_state(
        sent_office.db,
        server_url="https://ejps.example",
        enrollment="pending",
        enrollment_code="K7QD-3MXA-PZ2W-H9TE",
        fingerprint="5F2A 91C3",
    )
    page = _page(qtbot, sent_office.db, sent_office.admin)

    assert page.enrollment.currentIndex() == 1
    assert page.code_label.text() == "K7QD-3MXA-PZ2W-H9TE" and page.code_label.font().pointSize() >= 18
    assert (
        "5F2A 91C3" in page.pending_text.text() and "admin Dinas Sosial Provinsi" in page.pending_text.text()
    )
    assert _visible(page.check_button)
    page.copy_button.click()
    assert QGuiApplication.clipboard().text() == "K7QD-3MXA-PZ2W-H9TE"


def test_approved_shows_office_region_server_and_the_sync_buttons(qtbot, sent_office):
    _approved(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.operator)

    assert page.enrollment.currentIndex() == 2
    assert "wilayah 7501" in page.approved_text.text() and "http://127.0.0.1:9" in page.approved_text.text()
    for button in (page.sync_button, page.export_button, page.import_button):
        assert _visible(button) and button.isEnabled()
    assert page.auto_timer.isActive()
    assert "otomatis" in page.status_line.text()


def test_revoked_says_why_and_what_to_do(qtbot, sent_office):
    _set_state(sent_office.db, enrollment="revoked", note="Perangkat X telah dicabut oleh admin provinsi.")
    page = _page(qtbot, sent_office.db, sent_office.admin)

    assert page.enrollment.currentIndex() == 3
    assert "Perangkat X telah dicabut" in page.revoked_text.text()
    assert "admin Dinas Sosial Provinsi" in page.revoked_text.text() and _visible(page.reenroll_button)
    assert not page.sync_button.isEnabled() and not page.auto_timer.isActive()


def test_the_ledger_shows_bundles_with_the_servers_answers_filtered_and_searched(qtbot, sent_office):
    page = _page(qtbot, sent_office.db, sent_office.operator)
    table = page.ledger_table
    assert table.rowCount() == 2
    first_count = sent_office.first_range[1]
    # Newest first: the unanswered bundle, then the answered one (applied, duplicate, conflict, refused).
    assert table.item(0, 8).text() == "belum"
    assert [table.item(1, c).text() for c in range(2, 8)] == [
        str(first_count),
        str(first_count - 3),
        "1",
        "1",
        "1",
        "0",
    ]
    assert page.waiting_table.rowCount() >= 1
    assert "Form 1" in [page.waiting_table.item(r, 0).text() for r in range(page.waiting_table.rowCount())]

    page.kind_filter.setCurrentIndex(page.kind_filter.findData("realisasi"))
    assert table.rowCount() == 1
    page.kind_filter.setCurrentIndex(0)
    page.search.setText(sent_office.realisasi_nik)
    qtbot.waitUntil(lambda: int(table.item(0, 2).text()) < 10)
    assert table.rowCount() == 2


def test_the_automatic_retry_never_starts_a_second_sync_while_one_runs(qtbot, sent_office):
    _approved(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.operator)
    release, calls = threading.Event(), []

    def slow_exchange(
        db, user, kind, path, progress
    ):  # stands for the exchange: the page's own logic is tested
        calls.append(kind)
        release.wait(10)

    page.exchange = slow_exchange
    job = page.start_sync(attempts.HTTP)
    qtbot.waitUntil(lambda: calls == ["http"])
    try:
        page.auto_sync_tick()
        assert calls == ["http"] and page.job is job
        assert "sinkronisasi lain sedang berjalan" in page.status_line.text()
        assert not page.sync_button.isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not page.sync_running)

    page.auto_sync_tick()  # once it has ended, the timer's try does start
    qtbot.waitUntil(lambda: calls == ["http", "http"])
    qtbot.waitUntil(lambda: not page.sync_running)


def test_an_unreachable_server_backs_the_automatic_retry_off_and_says_so(qtbot, sent_office):
    _approved(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.operator)
    from sync.client import ServerUnreachable

    def unreachable(db, user, kind, path, progress):
        raise ServerUnreachable("Server {url} tidak dapat dihubungi.", url="http://127.0.0.1:9")

    page.exchange = unreachable
    page.auto_sync_tick()
    qtbot.waitUntil(lambda: not page.sync_running)
    assert page.auto_minutes == 10 and page.auto_timer.isActive()
    assert (
        "Sinkronisasi otomatis gagal: Server http://127.0.0.1:9 tidak dapat dihubungi."
        in page.status_line.text()
    )


def test_a_guest_sees_the_ledger_but_no_sync_buttons_and_the_use_case_refuses(qtbot, sent_office):
    _approved(sent_office.db)
    page = _page(qtbot, sent_office.db, sent_office.guest)

    assert page.ledger_table.rowCount() == 2
    for widget in (page.sync_button, page.export_button, page.import_button, page.search):
        assert not _visible(widget)
    assert page.tabs.indexOf(page.conflicts_tab) == -1
    assert not page.auto_timer.isActive()
    with pytest.raises(Forbidden):
        attempts.run_exchange(sent_office.db, sent_office.guest, attempts.HTTP)


def test_enrolling_from_the_page_against_a_real_server_then_checking_after_approval(
    qtbot, sent_office, tmp_path
):
    server = open_server_database(str(tmp_path / "server.db"))
    create_first_admin(server.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Provinsi")
    province_admin = login(server.unit_of_work(), "admin", ADMIN_PASSWORD)
    try:
        with serving(create_app(server)) as url:
            page = _page(qtbot, sent_office.db, sent_office.admin)
            page.server_url.setText(url)
            page.enroll_button.click()
            qtbot.waitUntil(lambda: page.enrollment.currentIndex() == 1, timeout=15_000)
            code = page.code_label.text()
            assert len(code) == 19

            approve_device(server.unit_of_work(), province_admin, code, region="750101")
            page.check_button.click()
            qtbot.waitUntil(lambda: page.enrollment.currentIndex() == 2, timeout=15_000)
            assert "wilayah 750101" in page.approved_text.text()
    finally:
        server.close()


def test_the_window_arms_the_automatic_retry_without_the_page_being_opened(qtbot, sent_office):
    _approved(sent_office.db)
    window = MainWindow(sent_office.db, sent_office.operator)
    qtbot.addWidget(window)
    page = window.pages["sync"]
    assert not page.loaded and page.auto_timer.isActive()

    guest_window = MainWindow(sent_office.db, sent_office.guest)
    qtbot.addWidget(guest_window)
    assert not guest_window.pages["sync"].auto_timer.isActive()
