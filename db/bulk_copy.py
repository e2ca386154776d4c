"""Writing many new rows of one table on either server database: on PostgreSQL one binary COPY, on SQLite an
executemany.

SQLAlchemy's executemany on psycopg 3 sends one INSERT per row through the pipeline, converting every
parameter in Python on the way: a bundle's thousand changes cost most of a second there. COPY in text form
escapes every value in Python (some 12 µs a row of a person); the rows as one JSON document
(`json_populate_recordset`) cost PostgreSQL 14 ms a thousand persons to unpack, most of a bundle's insert. A
binary COPY with the columns' types set once is formatted by psycopg's C code (about 2 µs a row) and read by
PostgreSQL at a third of the JSON's cost; it runs in the caller's transaction, on its connection."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

import orjson
from psycopg.types.json import set_json_dumps
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Uuid,
)
from sqlalchemy.types import TypeEngine

from db.bulk_insert import insert_many


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts with the same keys, named as `table`'s columns) in the caller's transaction; the
    columns they leave out get the model's defaults, as an INSERT through SQLAlchemy would give them."""
    if not rows:
        return
    given = list(rows[0])
    constant, computed = _defaults(table, given)
    if connection.dialect.name != "postgresql":
        json_columns = tuple(c.name for c in table.columns if isinstance(c.type, JSON))
        with_defaults = (
            [{**row, **constant, **{name: make(None) for name, make in computed}} for row in rows]
            if constant or computed
            else list(rows)
        )
        insert_many(connection, table, with_defaults, unique=("uid", *json_columns))
        return
    names = [*given, *constant, *(name for name, _make in computed)]
    kinds = [_copy_kind(table.c[name].type.dialect_impl(connection.dialect)) for name in names]
    values_of = itemgetter(*given) if len(given) > 1 else lambda row: (row[given[0]],)
    constants = tuple(constant.values())
    if computed:
        tuples = [(*values_of(row), *constants, *(make(None) for _name, make in computed)) for row in rows]
    else:
        tuples = [values_of(row) + constants for row in rows]
    for index, kind in enumerate(kinds):
        if kind.accepted is not None and {type(values[index]) for values in tuples} - kind.accepted:
            # What the column's type does not take as it is (a text column given a number, a uid as text):
            # turned into it, as PostgreSQL's input function would have read it.
            tuples = [
                (*values[:index], kind.coerce(values[index]), *values[index + 1 :])
                if type(values[index]) not in kind.accepted
                else values
                for values in tuples
            ]
    for index, kind in enumerate(kinds):
        if kind.bounds is not None:
            present = [values[index] for values in tuples if values[index] is not None]
            low, high = kind.bounds
            if present and (min(present) < low or max(present) > high):
                wrong = next(value for value in present if not low <= value <= high)
                raise ValueError(f"{table.name}.{names[index]}: {wrong} is outside the range of {kind.name}")
    quoted = ", ".join(f'"{name}"' for name in names)
    with connection.connection.driver_connection.cursor() as cursor:
        set_json_dumps(_json_dumps, context=cursor)
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([kind.name for kind in kinds])
            for values in tuples:
                copy.write_row(values)


@dataclass(frozen=True)
class _CopyKind:
    name: str  # the PostgreSQL type whose binary form psycopg writes
    accepted: frozenset[type] | None  # the Python types written as they are (NoneType: NULL); None: any
    coerce: Callable[[Any], Any]
    bounds: tuple[int, int] | None = None  # an integer column's range: its binary form would wrap, not fail


# The ranges of PostgreSQL's integer types (a value outside would be written wrapped round by a binary COPY)
INTEGER_BOUNDS = {"int2": (-(2**15), 2**15 - 1), "int4": (-(2**31), 2**31 - 1), "int8": (-(2**63), 2**63 - 1)}


def postgresql_integer(kind: TypeEngine) -> str | None:
    """PostgreSQL's integer type of a column type (a key of INTEGER_BOUNDS); None for any other type."""
    if isinstance(kind, BigInteger):
        return "int8"
    if isinstance(kind, SmallInteger):
        return "int2"
    if isinstance(kind, Integer):
        return "int4"
    return None


def _whole(value: Any) -> int:
    """An integer column's value as PostgreSQL's input function reads it: a whole number, or its text; not a
    truth value, not a fraction (cutting 3.7 to 3 would store what nobody wrote)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    if type(value) is int:
        return value
    raise ValueError(f"{value!r} is not a whole number")


def _real(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value, default=_json_default).decode()


def _copy_kind(kind: TypeEngine) -> _CopyKind:
    none = type(None)
    if isinstance(kind, Uuid):
        return _CopyKind("uuid", frozenset({uuid.UUID, none}), lambda value: uuid.UUID(str(value)))
    if isinstance(kind, DateTime):
        name = "timestamptz" if kind.timezone else "timestamp"
        return _CopyKind(name, frozenset({datetime, none}), lambda value: datetime.fromisoformat(str(value)))
    if isinstance(kind, Date):
        return _CopyKind("date", frozenset({date, none}), lambda value: date.fromisoformat(str(value)))
    if isinstance(kind, Boolean):
        return _CopyKind("bool", frozenset({bool, none}), bool)
    width = postgresql_integer(kind)
    if width is not None:
        return _CopyKind(width, frozenset({int, none}), _whole, INTEGER_BOUNDS[width])
    if isinstance(kind, Float):
        return _CopyKind("float8", frozenset({float, int, none}), _real)
    if isinstance(kind, Numeric):
        return _CopyKind("numeric", frozenset({Decimal, int, none}), lambda value: Decimal(str(value)))
    if isinstance(kind, JSON):
        return _CopyKind("json", None, lambda value: value)  # psycopg's JSON dumper writes any value
    if isinstance(kind, LargeBinary):
        return _CopyKind("bytea", frozenset({bytes, bytearray, memoryview, none}), bytes)
    if isinstance(kind, String):
        return _CopyKind("text", frozenset({str, none}), _text)
    raise TypeError(f"{kind!r} is not written by a bulk copy")


def _json_dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


def _json_default(value: Any) -> Any:
    """What orjson does not write by itself (it writes str, numbers, bool, None, dict, list, UUID, date,
    datetime and time), as the text the column's input function reads back unchanged: a Decimal exactly,
    bytes in bytea's hex form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} cannot be written to the database as JSON")


def _defaults(table: Table, given: list[str]) -> tuple[dict[str, Any], list[tuple[str, Callable]]]:
    """The model's defaults of the columns not `given`: values the same for every row, and the makers called
    for each row (a fresh uid each, as SQLAlchemy's own insert calls them). A clock's default is read once: every
    row of the statement was written at its moment (PostgreSQL's now() is the transaction's, too)."""
    constant: dict[str, Any] = {}
    computed: list[tuple[str, Callable]] = []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or default.is_sequence:
            continue
        if not default.is_callable:
            constant[column.name] = default.arg
        elif isinstance(column.type, DateTime):
            constant[column.name] = default.arg(None)
        else:
            computed.append((column.name, default.arg))
    return constant, computed
