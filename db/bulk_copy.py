"""Writing many new rows of one table on either server database: on PostgreSQL one INSERT of the rows as one
JSON document, on SQLite an executemany.

SQLAlchemy's executemany on psycopg 3 sends one INSERT per row through the pipeline, converting every
parameter in Python on the way: a bundle's thousand changes cost most of a second there. COPY carries the rows
in one stream, but psycopg still converts and escapes every value in Python (some 20 µs a row of a person).
Here the rows go as one JSON array, serialised by orjson in C, which PostgreSQL unpacks into the table's row
type (`json_populate_recordset`) with each column's own input function: the Python cost is the serialisation
alone, and the INSERT is one ordinary statement of the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table

from db.bulk_insert import insert_many

# Rows per statement: a bounded document (a bundle's 50,000 changes, a snapshot seed's batches) for one
# statement's memory on both sides.
JSON_BATCH = 10_000


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts with the same keys, named as `table`'s columns) in the caller's transaction; the
    columns they leave out get the model's defaults, as an INSERT through SQLAlchemy would give them."""
    if not rows:
        return
    rows = _with_defaults(table, rows)
    if connection.dialect.name != "postgresql":
        json_columns = tuple(c.name for c in table.columns if isinstance(c.type, JSON))
        insert_many(connection, table, list(rows), unique=("uid", *json_columns))
        return
    names = ", ".join(f'"{name}"' for name in rows[0])
    statement = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
        f'FROM json_populate_recordset(NULL::"{table.name}", %s::json)'
    )
    for start in range(0, len(rows), JSON_BATCH):
        document = orjson.dumps(
            rows[start : start + JSON_BATCH], default=_json_default, option=orjson.OPT_NON_STR_KEYS
        )
        connection.exec_driver_sql(statement, (document.decode(),))


def _json_default(value: Any) -> Any:
    """What orjson does not write by itself (it writes str, numbers, bool, None, dict, list, UUID, date,
    datetime and time), as the text the column's input function reads back unchanged: a Decimal exactly,
    bytes in bytea's hex form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} cannot be written to the database as JSON")


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    missing = [
        c
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and not c.default.is_sequence
    ]
    if not missing:
        return rows
    constant = {c.name: c.default.arg for c in missing if not c.default.is_callable}
    computed = [(c.name, c.default.arg) for c in missing if c.default.is_callable]
    if not computed:
        return [{**row, **constant} for row in rows]
    # Called for every row, as SQLAlchemy's own insert does (a fresh uid each, say).
    return [{**row, **constant, **{name: make(None) for name, make in computed}} for row in rows]
