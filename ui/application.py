"""Starting the GUI: `run(database_path, demo)` is what `ejps` (no arguments) and `ejps demo --open` call.

Order: language from the settings → the database passphrase when no OS credential store exists → the first-run
dialog when there is no office database yet (or opening it) → login → the main window.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.errors import DatabaseUnreadable
from app.i18n import DEFAULT_LANGUAGE, current_language, set_language
from app.office import OfficeDatabase, default_database_path, demo_database_path, open_office_database
from db.keys import keyring_available, passphrase_configured, set_session_passphrase
from ui.messages import show_error
from ui.settings import last_username, store_last_username, stored_language
from ui.style import apply_style

DEMO_USERNAME = "admin"


def demo_username() -> str:
    try:
        from app.demo import DEMO_ADMIN  # the demo builder, when installed
    except ImportError:
        return DEMO_USERNAME
    return DEMO_ADMIN


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("e-JPS Desktop")
        app.setOrganizationName("Dinas Sosial Provinsi Gorontalo")
    apply_style(app)
    return app


def needs_passphrase() -> bool:
    return not keyring_available() and not passphrase_configured()


def open_or_create_database(path: Path, parent: QWidget | None = None) -> OfficeDatabase | None:
    """The office database at `path`, created through the first-run dialog when missing; None if the user
    gave up. Asks for the passphrase first when the key cannot come from the credential store."""
    from ui.auth.dialogs import FirstRunDialog, PassphraseDialog

    ask = needs_passphrase()
    if not path.exists():
        if ask and PassphraseDialog(path, creating=True, parent=parent).exec() != QDialog.DialogCode.Accepted:
            return None
        dialog = FirstRunDialog(path, parent)
        return dialog.db if dialog.exec() == QDialog.DialogCode.Accepted else None
    while True:
        if (
            ask
            and PassphraseDialog(path, creating=False, parent=parent).exec() != QDialog.DialogCode.Accepted
        ):
            return None
        try:
            return open_office_database(path)
        except DatabaseUnreadable as error:
            show_error(parent, error)
            if not ask:
                return None
            set_session_passphrase(None)  # a wrong passphrase: ask again
        except Exception as error:  # shown (DomainError) or logged with an incident id
            show_error(parent, error)
            return None


def log_in(db: OfficeDatabase, username: str = "", parent: QWidget | None = None):
    from ui.auth.dialogs import LoginDialog

    dialog = LoginDialog(db, username or last_username(), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return None
    store_last_username(dialog.user.username)
    return dialog.user


def run(database_path: Path | None = None, demo: bool = False) -> int:
    if current_language() == DEFAULT_LANGUAGE:  # --lang / EJPS_LANG win over the stored choice
        set_language(stored_language())
    app = application()
    from ui.main_window import MainWindow

    path = (
        Path(database_path) if database_path else (demo_database_path() if demo else default_database_path())
    )
    db = open_or_create_database(path)
    if db is None:
        return 0
    try:
        user = log_in(db, demo_username() if demo else "")
        if user is None:
            return 0
        window = MainWindow(db, user)
        window.show()
        return app.exec()
    finally:
        db.close()
