"""Column values on the wire: JSON-safe, back to the same Python value, and the same text whether the laptop's
SQL capture or Python wrote it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
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
    select,
)

from db.models import Base
from sync.changes import fields_sql
from sync.entities import entities
from sync.values import decode_value, encode_value, wire_encoder
from tests.sync.test_capture import run_office_work

CASES = [
    (Date(), date(2026, 3, 5), "2026-03-05"),
    (
        DateTime(timezone=True),
        datetime(2026, 3, 5, 7, 8, 9, 10, tzinfo=UTC),
        "2026-03-05T07:08:09.000010+00:00",
    ),
    # A moment given in WITA (UTC+8) travels as the same moment in UTC.
    (
        DateTime(timezone=True),
        datetime(2026, 3, 5, 15, 0, tzinfo=timezone(timedelta(hours=8))),
        "2026-03-05T07:00:00.000000+00:00",
    ),
    (Uuid(), uuid.UUID("0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"), "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"),
    (LargeBinary(), b"\x00\xffkop", "AP9rb3A="),
    (Numeric(12, 2), Decimal("1500000.50"), "1500000.50"),
    (Boolean(), True, True),
    (Boolean(), False, False),
    (Float(), 0.875, 0.875),
    (Integer(), 300_000, 300_000),
    (String(16), "7501010101700001", "7501010101700001"),
    (JSON(), {"pkh": 1, "catatan": ["a", None]}, {"pkh": 1, "catatan": ["a", None]}),
]

# Entities whose tables hold every column type of the schema between them: dates, datetimes, booleans, floats,
# JSON, integers.
EVERY_COLUMN_TYPE = frozenset(
    {"person", "import_batch", "form1", "screening_result", "realisasi", "program", "sk_penerima"}
)


@pytest.mark.parametrize(("column_type", "value", "wire"), CASES)
def test_a_value_travels_as_its_json_form_and_comes_back_the_same(column_type, value, wire):
    encoded = encode_value(column_type, value)
    assert encoded == wire
    assert json.loads(json.dumps(encoded)) == encoded
    assert decode_value(column_type, encoded) == value


@pytest.mark.parametrize(("column_type", "value", "wire"), CASES)
def test_a_column_s_encoder_chosen_once_gives_the_same_wire_form(column_type, value, wire):
    assert wire_encoder(column_type)(value) == wire


def test_a_naive_moment_as_sqlite_stores_it_travels_as_utc_with_its_microseconds():
    moment = datetime(2026, 3, 5, 7, 8, 9)
    assert encode_value(DateTime(), moment) == "2026-03-05T07:08:09.000000+00:00"
    assert wire_encoder(DateTime())(moment) == "2026-03-05T07:08:09.000000+00:00"


@pytest.mark.parametrize("column_type", [c[0] for c in CASES])
def test_a_missing_value_travels_as_null(column_type):
    assert encode_value(column_type, None) is None
    assert decode_value(column_type, None) is None


def test_the_captured_form_of_every_stored_value_is_the_python_form(office_db, operator, tmp_path):
    run_office_work(office_db, operator, tmp_path)
    compared = set()
    with office_db.sessions() as session:
        connection = session.connection()
        for name, entity in entities().items():
            model = next(m.class_ for m in Base.registry.mappers if m.local_table is entity.table)
            for record in session.scalars(select(model)):
                captured = connection.exec_driver_sql(
                    f"SELECT {fields_sql(entity, entity.fields)} FROM {name} t WHERE t.id = ?", (record.id,)
                ).scalar_one()
                expected = {
                    c: encode_value(entity.table.c[c].type, getattr(record, c)) for c in entity.fields
                }
                # Compared as JSON text: 1 and true, 1 and 1.0 are equal in Python, not on the wire.
                assert _text(json.loads(captured)) == _text(expected), name
                compared.add(name)
    assert EVERY_COLUMN_TYPE <= compared


def _text(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True)
