"""db/ is the bottom layer: it imports nothing from app/, and has no texts of its own to translate."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.errors import DatabaseUnreadable

DB = Path(__file__).resolve().parents[2] / "db"
APP = DB.parent / "app"


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_db_imports_nothing_from_app_or_ui():
    offenders = {
        str(path.relative_to(DB.parent)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] in ("app", "ui")
        )
        for path in DB.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_a_database_that_cannot_be_opened_is_told_in_a_text_the_catalog_extracts():
    # The catalog is extracted from app/, ui/ and cli.py (tests/test_i18n.py): a text kept in db/ stayed
    # Indonesian under --lang en.
    extracted = {
        message for _file, _line, message, *_rest in extract_from_dir(str(APP), keywords={"N_": None})
    }
    assert DatabaseUnreadable("x").message in extracted
