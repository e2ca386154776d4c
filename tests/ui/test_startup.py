from pathlib import Path

from PySide6.QtWidgets import QDialog

from app.auth.users import login
from app.office import open_office_database
from db import keys
from tests.conftest import ADMIN_PASSWORD
from ui import application
from ui.auth.dialogs import ChangePasswordDialog, FirstRunDialog, LoginDialog, PassphraseDialog


def test_login_succeeds_with_the_right_password(qtbot, office_db):
    dialog = LoginDialog(office_db, "admin")
    qtbot.addWidget(dialog)
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.user.username == "admin" and dialog.user.role == "admin"


def test_login_with_a_wrong_password_says_so_and_stays_open(qtbot, office_db, message_boxes):
    dialog = LoginDialog(office_db, "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText("salah-sekali")
    dialog.ok_button.click()
    assert dialog.user is None and dialog.isVisible()
    assert dialog.error_label.text() == "Nama pengguna atau kata sandi salah."
    assert dialog.password.text() == ""
    assert not message_boxes


def test_first_run_dialog_creates_the_office_database(qtbot, tmp_path):
    path = tmp_path / "baru" / "ejps.db"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    dialog.region_picker.set_region_code("750101")
    assert dialog.region_picker.region_code() == "750101"
    assert "Limboto" in dialog.office_name.text()
    dialog.full_name.setText("Admin Limboto")
    dialog.password.setText("kata-sandi-1")
    dialog.repeat.setText("kata-sandi-1")
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    dialog.db.close()
    db = open_office_database(path)
    try:
        assert db.office.region_code == "750101"
        assert login(db.unit_of_work(), "admin", "kata-sandi-1").full_name == "Admin Limboto"
    finally:
        db.close()


def test_first_run_refuses_different_passwords_and_creates_nothing(qtbot, tmp_path):
    path = tmp_path / "ejps.db"
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    dialog.password.setText("kata-sandi-1")
    dialog.repeat.setText("kata-sandi-2")
    dialog.ok_button.click()
    assert dialog.db is None and not path.exists()
    assert "tidak sama" in dialog.error_label.text()


def test_first_run_shows_a_rule_refusal_inline(qtbot, tmp_path):
    dialog = FirstRunDialog(tmp_path / "ejps.db")
    qtbot.addWidget(dialog)
    dialog.password.setText("pendek")
    dialog.repeat.setText("pendek")
    dialog.ok_button.click()
    assert dialog.db is None and "minimal 8 karakter" in dialog.error_label.text()


def test_passphrase_dialog_keeps_the_passphrase_for_this_session(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("EJPS_DB_PASSPHRASE")
    monkeypatch.setattr(keys, "_session_passphrase", None)
    dialog = PassphraseDialog(tmp_path / "ejps.db", creating=True)
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("frasa-rahasia")
    dialog.repeat.setText("frasa-lain")
    dialog.ok_button.click()
    assert not keys.passphrase_configured()
    dialog.repeat.setText("frasa-rahasia")
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and keys.passphrase_configured()


def test_start_without_credential_store_asks_passphrase_then_first_run(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("EJPS_DB_PASSPHRASE")
    monkeypatch.setattr(keys, "_session_passphrase", None)
    monkeypatch.setattr(application, "keyring_available", lambda: False)
    asked = []

    def fake_passphrase_exec(dialog):
        asked.append(dialog.creating)
        keys.set_session_passphrase("frasa-rahasia")
        return QDialog.DialogCode.Accepted

    def fake_first_run_exec(dialog):
        dialog.password.setText("kata-sandi-1")
        dialog.repeat.setText("kata-sandi-1")
        assert dialog.submit()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PassphraseDialog, "exec", fake_passphrase_exec)
    monkeypatch.setattr(FirstRunDialog, "exec", fake_first_run_exec)
    path = tmp_path / "ejps.db"
    db = application.open_or_create_database(path)
    assert asked == [True] and db is not None and db.office.region_code == "75"
    db.close()
    keys.set_session_passphrase(None)  # the next start of the program
    db = application.open_or_create_database(path)
    assert asked == [True, False] and db.office.region_code == "75"
    db.close()


def test_change_own_password(qtbot, office_db, admin):
    dialog = ChangePasswordDialog(office_db, admin)
    qtbot.addWidget(dialog)
    dialog.old.setText(ADMIN_PASSWORD)
    dialog.new.setText("sandi-baru-123")
    dialog.repeat.setText("sandi-baru-123")
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert login(office_db.unit_of_work(), "admin", "sandi-baru-123").username == "admin"


def test_run_without_database_path_uses_default_and_stops_when_first_run_cancelled(qtbot, monkeypatch):
    seen: list[Path] = []

    def fake_exec(dialog):
        seen.append(dialog.path)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(FirstRunDialog, "exec", fake_exec)
    assert application.run(None, demo=False) == 0
    assert seen == [application.default_database_path()]
