"""The English catalog is complete, in step with the code, and actually used by the program."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import _, current_language, set_language
from cli import EXIT_ERROR, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "resources" / "locale"
TEMPLATE = LOCALE / "ejps.pot"
ENGLISH = LOCALE / "en" / "LC_MESSAGES" / "ejps.po"
# The same options as the commands in the README ("Texts and translation").
EXTRACT_OPTIONS = ["-k", "_", "-k", "N_", "--no-location", "--sort-output"]
SOURCES = ["app", "ui", "sync", "cli.py"]
HOW_TO_UPDATE = (
    "Run the README's commands (section 'Texts and translation'):\n"
    "  pybabel extract -k _ -k N_ --no-location --sort-output -o resources/locale/ejps.pot app ui sync cli.py\n"
    "  pybabel update -i resources/locale/ejps.pot -d resources/locale -D ejps -l en\n"
    "then translate the new entries in resources/locale/en/LC_MESSAGES/ejps.po (no empty or fuzzy msgstr)."
)
PERCENT_FORMAT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def _texts(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _fields(text: str) -> list[str]:
    """The names inside {…} as str.format sees them ("{n}" -> "n", "{a!r:>3}" -> "a")."""
    try:
        return sorted(
            name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None
        )
    except ValueError:  # not a format string at all: compare the braces literally
        return sorted(re.findall(r"\{[^{}]*\}", text))


@pytest.fixture(scope="module")
def english():
    return _catalog(ENGLISH, "en")


def test_every_message_has_an_english_translation_with_the_same_placeholders(english):
    template_ids = _ids(_catalog(TEMPLATE))
    missing = sorted(template_ids - _ids(english))
    assert not missing, f"Not in the English catalog: {missing}\n{HOW_TO_UPDATE}"
    problems = []
    for message in english:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        sources, targets = _texts(message), _translations(message)
        if not all(targets):
            problems.append(f"empty: {message.id!r}")
            continue
        # A plural entry pairs the singular with the first form and the plural with every other form.
        for index, target in enumerate(targets):
            source = sources[min(index, len(sources) - 1)]
            if _fields(source) != _fields(target):
                problems.append(f"placeholders differ: {source!r} -> {target!r}")
            if sorted(PERCENT_FORMAT.findall(source)) != sorted(PERCENT_FORMAT.findall(target)):
                problems.append(f"% formats differ: {source!r} -> {target!r}")
            if source[:1].isspace() != target[:1].isspace() or source[-1:].isspace() != target[-1:].isspace():
                problems.append(f"leading/trailing space differs: {source!r} -> {target!r}")
            if source.count("&") != target.count("&"):
                problems.append(f"keyboard accelerator (&) differs: {source!r} -> {target!r}")
    assert not problems, "\n".join(problems)


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "ejps.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            *EXTRACT_OPTIONS,
            "-o",
            str(fresh),
            *SOURCES,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code, committed = _ids(_catalog(fresh)), _ids(_catalog(TEMPLATE))
    new = sorted(in_code - committed)
    assert not new, f"Texts in the code but not in resources/locale/ejps.pot: {new}\n{HOW_TO_UPDATE}"
    stale = sorted(committed - in_code)
    assert not stale, f"Texts in resources/locale/ejps.pot no longer in the code: {stale}\n{HOW_TO_UPDATE}"


def test_set_language_switches_between_english_and_indonesian():
    set_language("en")
    assert current_language() == "en"
    assert _("Nama pengguna atau kata sandi salah.") == "Incorrect username or password."
    set_language("id")
    assert _("Nama pengguna atau kata sandi salah.") == "Nama pengguna atau kata sandi salah."


def test_the_command_line_speaks_english_with_lang_en(tmp_path, monkeypatch, capsys):
    db = tmp_path / "kantor.db"
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", "rahasia-admin-1")
    assert main(["init", "--db", str(db), "--region", "7501", "--admin", "admin"]) == EXIT_OK
    capsys.readouterr()
    assert (
        main(["--lang", "en", "import", "--db", str(db), "dukcapil", "/nonexistent.csv", "--yes"])
        == EXIT_ERROR
    )
    err = capsys.readouterr().err
    assert "Error: File /nonexistent.csv not found." in err
    assert "Galat" not in err and "tidak ditemukan" not in err


def test_a_table_shows_sex_as_one_letter_of_the_language_and_deciles_in_english():
    from app.registry.people import sex_letter

    set_language("en")
    try:
        assert (sex_letter("L"), sex_letter("P"), sex_letter("")) == ("M", "F", "")
        assert _("Desil sasaran") == "Target deciles" and _("Semua desa") == "All villages"
    finally:
        set_language("id")
    assert (sex_letter("L"), sex_letter("P")) == ("L", "P")
