from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog

from app.auth.roles import Role
from app.auth.users import list_users, login
from tests.conftest import USER_PASSWORD
from tests.factories import DESA_TELAGA, people
from tests.ui.conftest import import_people
from ui.audit_page import AuditPage
from ui.auth.users_page import UserDialog, UsersPage
from ui.registry.import_page import ImportPage
from ui.registry.summary_page import SummaryPage


def test_summary_lists_child_regions_and_drills_down(qtbot, office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path / "a.csv", people(3) + people(2, kode_desa=DESA_TELAGA))
    page = SummaryPage(office_db, operator)
    qtbot.addWidget(page)
    assert page.cards["people"].value.text() == "15"
    rows = {page.table.item(r, 1).text(): page.table.item(r, 2).text() for r in range(page.table.rowCount())}
    assert rows["750101"] == "9" and rows["750102"] == "6"
    assert page.table.item(page.table.rowCount() - 1, 0).text() == "Jumlah"
    limboto = next(r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == "750101")
    page.table.cellDoubleClicked.emit(limboto, 0)
    assert page.region == "750101" and "Kec. Limboto" in page.breadcrumb.text()
    assert page.cards["people"].value.text() == "9"
    page.go_up()
    assert page.region == "7501"


def test_users_page_creates_a_user(qtbot, office_db, admin, monkeypatch):
    page = UsersPage(office_db, admin)
    qtbot.addWidget(page)
    assert page.table.rowCount() == 1

    def fill_and_accept(dialog):
        dialog.username.setText("siti")
        dialog.full_name.setText("Siti Operator Limboto")
        dialog.role.setCurrentIndex(dialog.role.findData(Role.OPERATOR.value))
        dialog.region.set_region_code("750101")
        dialog.opd.setText("Dinas Sosial")
        dialog.password.setText(USER_PASSWORD)
        dialog.repeat.setText(USER_PASSWORD)
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(UserDialog, "exec", fill_and_accept)
    page.add_button.click()
    assert page.table.rowCount() == 2
    created = login(office_db.unit_of_work(), "siti", USER_PASSWORD)
    assert created.role is Role.OPERATOR and created.region_code == "750101" and created.opd == "Dinas Sosial"
    assert page.selected().username == "siti"


def test_user_dialog_shows_a_refusal_inline(qtbot, office_db, admin):
    dialog = UserDialog(office_db, admin)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText(USER_PASSWORD)
    dialog.repeat.setText(USER_PASSWORD)
    dialog.ok_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "sudah dipakai" in dialog.error_label.text()


def test_users_page_deactivates_and_resets_password(
    qtbot, office_db, admin, operator, monkeypatch, message_boxes
):
    page = UsersPage(office_db, admin)
    qtbot.addWidget(page)
    page.select_username("operator")
    assert page.toggle_button.text() == "Nonaktifkan"
    page.toggle_button.click()
    assert not next(u for u in list_users(office_db.unit_of_work(), admin) if u.username == "operator").active
    page.select_username("operator")
    assert page.toggle_button.text() == "Aktifkan"
    page.toggle_button.click()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("sandi-baru-99", True))
    page.select_username("operator")
    page.reset_button.click()
    assert login(office_db.unit_of_work(), "operator", "sandi-baru-99").username == "operator"
    page.select_username("admin")
    assert not page.toggle_button.isEnabled()  # one's own account


def test_import_page_lists_batches(qtbot, office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path / "dukcapil-2025.csv", people(2))
    page = ImportPage(office_db, operator)
    qtbot.addWidget(page)
    assert page.table.rowCount() == 1
    assert page.table.item(0, 3).text() == "dukcapil-2025.csv" and page.table.item(0, 6).text() == "6"
    requested = []
    page.import_requested.connect(requested.append)
    page.dtks_button.click()
    assert requested == ["dtks"]


def test_import_page_shows_zero_counts_without_a_warning_colour(qtbot, office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path / "dukcapil-2025.csv", people(2))
    page = ImportPage(office_db, operator)
    qtbot.addWidget(page)
    missing, refused, flagged = (page.table.item(0, column) for column in (8, 9, 10))
    assert (missing.text(), refused.text(), flagged.text()) == ("0", "0", "0")
    for zero in (missing, refused, flagged):
        assert zero.data(Qt.ItemDataRole.ForegroundRole) is None
    assert page.table.item(0, 6).data(Qt.ItemDataRole.ForegroundRole) is not None  # 6 new people


def test_audit_page_shows_newest_first_and_pages(qtbot, office_db, admin, operator, monkeypatch):
    from ui import audit_page

    monkeypatch.setattr(audit_page, "AUDIT_PAGE_SIZE", 2)
    page = AuditPage(office_db, admin)
    qtbot.addWidget(page)
    assert page.table.rowCount() == 2
    assert page.table.item(0, 2).text() == "Masuk" and page.table.item(0, 1).text() == "operator"
    assert page.table.item(0, 3).text() == "Akun operator"
    assert page.older_button.isEnabled() and not page.newer_button.isEnabled()
    page.older_button.click()
    assert page.offset == 2 and page.newer_button.isEnabled()


def test_every_audited_action_and_record_kind_has_a_label():
    """The audit page says what happened in words: each action `app/` writes to the audit log (found in the
    source, f-strings expanded over their values) has a label, and so has the kind of record it names."""
    import re
    from pathlib import Path

    from app.registry.fields import ExtractKind
    from app.screening.service import DECISIONS
    from ui.audit_page import ACTION_LABELS, ENTITY_LABELS

    call = re.compile(r'(?:uow\.audit\(\s*[\w.]+,|action=)\s*(f?)"([^"]+)",\s*(?:entity=)?"([a-z_]+)"')
    expansions = {
        "{action}": list(DECISIONS),
        "{self.kind.value}": [k.value for k in ExtractKind],
        "{self.batch_kind}": [ExtractKind.DUKCAPIL.value, ExtractKind.DTKS.value],
    }
    found = []
    for path in Path("app").rglob("*.py"):
        for is_f, action, entity in call.findall(path.read_text(encoding="utf-8")):
            variants = [action]
            for placeholder, values in expansions.items():
                if is_f and placeholder in action:
                    variants = [action.replace(placeholder, value) for value in values]
            found += [(variant, entity) for variant in variants]
    assert len(found) >= 15
    assert [a for a, _ in found if a not in ACTION_LABELS] == []
    assert [e for _, e in found if e not in ENTITY_LABELS] == []


def test_audit_page_narrows_to_one_person_and_one_kind_of_action(qtbot, office_db, admin, operator):
    page = AuditPage(office_db, admin)
    qtbot.addWidget(page)
    everything = page.table.rowCount()
    page.user_filter.setCurrentIndex(page.user_filter.findData("operator"))
    shown = [page.table.item(row, 1).text() for row in range(page.table.rowCount())]
    assert shown and set(shown) == {"operator"} and len(shown) < everything
    page.user_filter.setCurrentIndex(0)
    page.action_filter.setCurrentIndex(page.action_filter.findData("user."))
    actions = {page.table.item(row, 2).text() for row in range(page.table.rowCount())}
    assert "Masuk" in actions and "Basis data kantor dibuat" not in actions
    assert page.position.text().endswith(f"dari {page.table.rowCount()} entri")
    page.user_filter.setCurrentIndex(page.user_filter.findData("admin"))
    page.refresh()  # the chosen filters survive a refresh (the list of people is read again)
    assert page.action_filter.currentData() == "user." and page.user_filter.currentData() == "admin"
    assert {page.table.item(row, 1).text() for row in range(page.table.rowCount())} == {"admin"}


def test_summary_names_every_region_whole_and_shows_zeros_calmly(qtbot, tmp_path):
    """Kab. Gorontalo and Kab. Gorontalo Utara are told apart at a glance; "0 missing" is no alarm."""
    from PySide6.QtGui import QFontMetrics

    from app.office import create_office_database
    from tests.conftest import ADMIN_PASSWORD

    db = create_office_database(tmp_path / "provinsi.db", "75", "admin", ADMIN_PASSWORD, "Admin Provinsi")
    try:
        admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
        import_people(db, admin, tmp_path / "a.csv", people(2) + people(2, kode_desa="7505012003"))
        page = SummaryPage(db, admin)
        qtbot.addWidget(page)
        page.resize(900, 640)  # narrower than its room in a 1366-px window: names still whole
        page.show()
        metrics = QFontMetrics(page.table.font())
        names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
        assert "Kabupaten Gorontalo Utara" in names
        for name in names:
            assert metrics.horizontalAdvance(name) < page.table.columnWidth(0), name
        missing = page.cards["missing"]
        assert missing.value.text() == "0" and "color" not in missing.value.styleSheet()
        assert (
            page.table.item(0, 6).text() == "0"
            and page.table.item(0, 6).foreground().style() == Qt.BrushStyle.NoBrush
        )
    finally:
        db.close()


def test_audit_page_shows_changes_in_words_and_filters_by_date(qtbot, office_db, admin, operator):
    from PySide6.QtCore import QDate

    page = AuditPage(office_db, admin)
    qtbot.addWidget(page)
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers[-1] == "Perubahan" and "Sebelum" not in headers
    created = next(
        r for r in range(page.table.rowCount()) if page.table.item(r, 2).text() == "Pengguna dibuat"
    )
    change = page.table.item(created, 4).text()
    assert "Nama pengguna: operator" in change and "Peran: Operator/Walidata" in change
    assert "username=" not in change
    everything = page.table.rowCount()
    page.until.setDate(QDate.currentDate().addDays(-1))
    assert page.table.rowCount() == 0
    page.clear_dates()
    assert page.table.rowCount() == everything
