"""A record's column values on the wire: JSON-safe values, chosen by the column's SQLAlchemy type.

Dates travel as `YYYY-MM-DD`, datetimes as ISO-8601 in UTC with microseconds, UUIDs as their canonical text,
bytes as base64, Decimals as text (a float would round money), JSON columns as they are, booleans as JSON
booleans. The laptop's capture writes the same forms in SQL (sync/changes.py `_sql_value`); a test holds the two
equal, column type by column type.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.types import TypeEngine

# Microseconds always written, so that the laptop's SQL and Python give the same text for the same moment.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def datetime_text(moment: datetime) -> str:
    """A moment's wire text (DATETIME_FORMAT), by isoformat: the same text as strftime, in half the time."""
    if moment.tzinfo is None:  # stored naive on SQLite; every stored moment is UTC (db/models.py `utcnow`)
        return moment.isoformat(timespec="microseconds") + "+00:00"
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def wire_encoder(column_type: TypeEngine):
    """The function turning a (non-null) Python value of the column into its wire form, as `encode_value`;
    chosen once per column, not per value: a region's snapshot encodes millions."""
    if isinstance(column_type, DateTime):
        return datetime_text
    if isinstance(column_type, Date):
        return date.isoformat
    if isinstance(column_type, Uuid):
        return _uuid_text
    if isinstance(column_type, LargeBinary):
        return _base64
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return str
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, Float):
        return float
    if isinstance(column_type, Integer):
        return int
    return _same


def _uuid_text(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _same(value: Any) -> Any:
    return value


def encode_value(column_type: TypeEngine, value: Any) -> Any:
    """The wire form of `value`, a value of a column of `column_type`."""
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        return datetime_text(value)
    if isinstance(column_type, Date):
        return value.isoformat()
    if isinstance(column_type, Uuid):
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return str(value)
    if isinstance(column_type, Boolean):
        return bool(value)
    if isinstance(column_type, Float):
        return float(value)
    if isinstance(column_type, Integer):
        return int(value)
    return value  # strings, JSON documents


def decode_value(column_type: TypeEngine, value: Any) -> Any:
    """The Python value a column of `column_type` stores, from its wire form."""
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Uuid):
        return uuid.UUID(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return Decimal(value)
    if isinstance(column_type, Boolean):
        return bool(value)
    if isinstance(column_type, Float):
        return float(value)
    if isinstance(column_type, Integer):
        return int(value)
    if isinstance(column_type, String | JSON):
        return value
    return value


def _datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def wire_decoder(column_type: TypeEngine):
    """The function turning a wire value of the column into its Python value; None where they are the same
    (strings, integers, JSON documents). Chosen once per column, not per value: an apply decodes millions."""
    if isinstance(column_type, DateTime):
        return _datetime
    if isinstance(column_type, Date):
        return date.fromisoformat
    if isinstance(column_type, Uuid):
        return uuid.UUID
    if isinstance(column_type, LargeBinary):
        return base64.b64decode
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return Decimal
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, Float):
        return float
    return None


_DECODERS: dict[str, dict[str, Any]] = {}


def encode_fields(table, values: dict[str, Any]) -> dict[str, Any]:
    """Wire forms of a row's `values` (column name → Python value) of `table`."""
    columns = table.c
    return {name: encode_value(columns[name].type, value) for name, value in values.items()}


def decode_fields(table, fields: dict[str, Any]) -> dict[str, Any]:
    """Python values of wire `fields` (column name → wire value) of `table`."""
    decoders = _DECODERS.get(table.name)
    if decoders is None:
        decoders = _DECODERS[table.name] = {c.name: wire_decoder(c.type) for c in table.columns}
    decoded = {}
    for name, value in fields.items():
        decode = decoders[name]
        decoded[name] = value if decode is None or value is None else decode(value)
    return decoded
