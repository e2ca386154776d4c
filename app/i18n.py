"""One translation mechanism for app/ and ui/: gettext catalogs in resources/locale/{id,en}.

Message ids are the Indonesian texts themselves, so Indonesian needs no catalog lookup and English is a
catalog, not a second code path. Catalogs are kept as .po files and compiled in memory at start (Babel),
so no binary .mo file has to be kept in step by hand.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from importlib import resources

DEFAULT_LANGUAGE = "id"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

_lock = threading.Lock()
_translations: dict[str, gettext.NullTranslations] = {}
_current = os.environ.get("EJPS_LANG", DEFAULT_LANGUAGE)


def _load(language: str) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po_file = resources.files("resources").joinpath("locale", language, "LC_MESSAGES", "ejps.po")
    if not po_file.is_file():
        return gettext.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(language: str | None = None) -> gettext.NullTranslations:
    language = language or _current
    found = _translations.get(language)
    if found is None:
        with _lock:
            found = _translations.get(language)
            if found is None:
                found = _load(language) if language != DEFAULT_LANGUAGE else gettext.NullTranslations()
                _translations[language] = found
    return found


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    _current = language


def current_language() -> str:
    return _current


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for extraction where it is translated later (constants, error keys)."""
    return message
