"""A None bound to a statement of the encrypted database is a NULL, found at once in the driver's registry of
adapters (sqlcipher3 otherwise looks for it through attribute lookups that raise: 3 µs per NULL, 0.8 s of a
100,000-change down bundle)."""

from __future__ import annotations


def test_a_none_bound_is_stored_as_null_and_adapted_from_the_registry(office_db):
    driver = office_db.engine.dialect.dbapi
    assert (type(None), driver.PrepareProtocol) in driver.adapters

    with office_db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TEMP TABLE bound (value)")
        connection.exec_driver_sql(
            "INSERT INTO bound (value) VALUES (?), (?), (?), (?)", (None, 0, "", "None")
        )
        stored = connection.exec_driver_sql("SELECT typeof(value), value FROM bound ORDER BY rowid").all()

    assert stored == [("null", None), ("integer", 0), ("text", ""), ("text", "None")]
