"""Inserting or updating many rows of one table at once: each value turned into what its column stores (the
column type's own bind processor, run once per distinct value), then one executemany of plain tuples.

SQLAlchemy's insert runs every processor of every row through its generic parameter machinery, which costs
more than SQLite's own work on a bank's list of 100,000 rows; the stored values are the same."""

from __future__ import annotations

from sqlalchemy import Connection, Table

BATCH = 5_000


def insert_many(
    connection: Connection, table: Table, rows: list[dict], unique: tuple[str, ...] = ("uid",)
) -> None:
    """Inserts `rows` (dicts with the same keys, named as `table`'s columns, hashable values) into `table`.
    Columns in `unique` hold a different value on every row: their conversions are not remembered."""
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    _execute_many(connection, sql, _tuples(connection, table, rows, columns, unique))


def update_many(
    connection: Connection, table: Table, rows: list[dict], key: str = "id", unique: tuple[str, ...] = ()
) -> None:
    """Updates rows of `table`: each dict names the row by `key` and holds the new values of the same columns
    (hashable values, except in columns named in `unique`)."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    assignments = ", ".join(f'"{name}" = ?' for name in columns)
    sql = f'UPDATE "{table.name}" SET {assignments} WHERE "{key}" = ?'
    _execute_many(connection, sql, _tuples(connection, table, rows, [*columns, key], (*unique, key)))


def _tuples(
    connection: Connection, table: Table, rows: list[dict], columns: list[str], unique
) -> list[tuple]:
    dialect = connection.dialect
    converted = []
    for name in columns:
        values = [row[name] for row in rows]
        processor = table.c[name].type._cached_bind_processor(dialect)
        if processor is not None:
            if name in unique:
                values = [None if v is None else processor(v) for v in values]
            else:
                memo = {v: None if v is None else processor(v) for v in set(values)}
                values = [memo[v] for v in values]
        converted.append(values)
    return list(zip(*converted, strict=True))


def _execute_many(connection: Connection, sql: str, tuples: list[tuple]) -> None:
    for start in range(0, len(tuples), BATCH):
        connection.exec_driver_sql(sql, tuples[start : start + BATCH])
