"""Per-installation preferences of the program (language, last user name, window geometry), kept in an INI
file in the data folder: beside the database, never in the database, and isolated per EJPS_DATA_DIR."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.office import data_dir

LANGUAGE_KEY = "ui/language"
LAST_USER_KEY = "ui/last_username"


def settings() -> QSettings:
    return QSettings(str(data_dir() / "ejps-desktop.ini"), QSettings.Format.IniFormat)


def stored_language() -> str:
    value = str(settings().value(LANGUAGE_KEY, DEFAULT_LANGUAGE))
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def store_language(language: str) -> None:
    store = settings()
    store.setValue(LANGUAGE_KEY, language)
    store.sync()


def last_username() -> str:
    return str(settings().value(LAST_USER_KEY, ""))


def store_last_username(username: str) -> None:
    store = settings()
    store.setValue(LAST_USER_KEY, username)
    store.sync()
