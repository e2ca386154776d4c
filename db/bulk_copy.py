"""Writing many new rows of one table on either server database: PostgreSQL's COPY, SQLite's executemany.

SQLAlchemy's executemany on psycopg 3 sends one INSERT per row through the pipeline, converting every
parameter in Python on the way: a bundle's thousand changes cost most of a second there. COPY carries the
rows in one stream, in the caller's transaction, at a small part of that cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table

from db.bulk_insert import insert_many


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts with the same keys, named as `table`'s columns) in the caller's transaction; the
    columns they leave out get the model's defaults, as an INSERT through SQLAlchemy would give them."""
    if not rows:
        return
    rows = _with_defaults(table, rows)
    json_columns = tuple(c.name for c in table.columns if isinstance(c.type, JSON))
    if connection.dialect.name != "postgresql":
        insert_many(connection, table, list(rows), unique=("uid", *json_columns))
        return
    columns = list(rows[0])
    processors = []
    for name in columns:
        if name in json_columns:
            processors.append(_json_text)
        else:
            processors.append(table.c[name].type._cached_bind_processor(connection.dialect))
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if process is None or value is None else process(value)
                        for process, value in zip(processors, (row[name] for name in columns), strict=True)
                    ]
                )
    finally:
        cursor.close()


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    missing = [
        c
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and not c.default.is_sequence
    ]
    if not missing:
        return rows
    filled = []
    for row in rows:
        extra = {}
        for column in missing:
            default = column.default
            extra[column.name] = default.arg(None) if default.is_callable else default.arg
        filled.append({**row, **extra})
    return filled


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
