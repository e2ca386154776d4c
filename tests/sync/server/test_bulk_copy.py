"""Many rows written at once (db/bulk_copy.py) hold exactly what an ordinary insert of them would hold."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from db.bulk_copy import insert_rows
from db.models import Person
from db.sync_models import ChangeLog, UploadPart

AWKWARD = 'ANI "NONA" O\'NEIL \\ BÖHM\tRT 01\nDUSUN Ⅱ 😀'


def _person(number: int) -> dict:
    return {
        "uid": uuid.UUID(int=number),
        "nik": f"750101010180{number:04d}",
        "no_kk": "7501010101800001",
        "nama": AWKWARD if number == 1 else f"WARGA {number}",
        "nama_key": "",
        "jenis_kelamin": "P",
        "tgl_lahir": date(1980, 2, 29) if number == 1 else None,
        "kode_desa": "7501011001",
        "origin_device": uuid.UUID(int=99),
        "updated_at": datetime(2026, 12, 6, 8, 30, 15, 123456, tzinfo=UTC),
    }


def _log(number: int) -> dict:
    return {
        "stream_seq": number,
        "device": uuid.UUID(int=7),
        "seq": number,
        "entity": "person",
        "uid": uuid.UUID(int=number),
        "op": "upsert",
        "fields": {"nama": AWKWARD, "angka": [1, 2.5, None, True], "kosong": {}, "teks": "null"},
        "base": 0,
        "region": "7501011001",
        "region_before": None if number == 1 else "7501",
        "received_at": datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
    }


def _part(number: int) -> dict:
    data = bytes(range(256)) * number
    return {
        "bundle_id": uuid.UUID(int=number),
        "start": 0,
        "size": len(data),
        "total": len(data),
        "data": data,
    }


def _compared(model) -> list[str]:
    """The columns both ways must fill alike (not the local id, not the clock of the moment)."""
    return [c.key for c in model.__table__.columns if c.key not in ("id", "created_at", "received_at")]


def _read(server_db, model, key) -> list[tuple]:
    with server_db.unit_of_work() as uow:
        rows = uow.session.scalars(select(model).order_by(key)).all()
        return [tuple(getattr(row, name) for name in _compared(model)) for row in rows]


def test_rows_written_in_bulk_read_back_as_rows_inserted_one_by_one(server_db):
    tables = [(Person, Person.uid, _person), (ChangeLog, ChangeLog.stream_seq, _log), (UploadPart, UploadPart.bundle_id, _part)]  # fmt: skip
    for model, _key, make in tables:
        with server_db.unit_of_work().writing() as uow:
            insert_rows(uow.session.connection(), model.__table__, [make(1), make(2)])
            uow.commit()
    bulk = {model: _read(server_db, model, key) for model, key, _make in tables}
    with server_db.unit_of_work().writing() as uow:
        for model, _key, _make in tables:
            uow.session.execute(model.__table__.delete())
        for model, _key, make in tables:
            uow.session.execute(insert(model), [make(1), make(2)])
        uow.commit()
    for model, key, _make in tables:
        assert bulk[model] == _read(server_db, model, key), model.__name__
    assert bulk[Person][0][_compared(Person).index("nama")] == AWKWARD


@pytest.mark.parametrize("server_db", ["postgresql"], indirect=True)  # SQLite keeps any value as it is
def test_a_number_a_column_cannot_hold_is_refused_not_written_wrapped_or_cut(server_db):
    """A binary COPY would write 3,000,000,000 into an INTEGER as -1,294,967,296, and a conversion would cut
    3.7 to 3 or take True for 1: each raises, nothing is written; a whole number given as text is read."""
    from db.models import Program

    table = Program.__table__

    def program(number: int, **values) -> dict:
        return {"uid": uuid.UUID(int=number), "nama": f"BANTUAN {number}", "origin_device": uuid.UUID(int=99),
                "updated_at": datetime(2026, 12, 6, tzinfo=UTC), "kuota": 5, "desil_min": 1, "nilai_per_penerima": 0, "sumber_dana": "APBD", "tahun": 2026, **values}  # fmt: skip

    for wrong in ({"kuota": 3_000_000_000}, {"desil_min": 70_000}, {"kuota": 3.7}, {"kuota": True}):
        with server_db.unit_of_work().writing() as uow:
            with pytest.raises(ValueError):
                insert_rows(uow.session.connection(), table, [program(1), program(2, **wrong)])
    with server_db.unit_of_work().writing() as uow:
        insert_rows(
            uow.session.connection(),
            table,
            [program(3, kuota="42"), program(4, kuota=7.0, nilai_per_penerima=3_000_000_000)],
        )
        uow.commit()
    with server_db.unit_of_work() as uow:
        stored = uow.session.execute(select(Program.nama, Program.kuota, Program.nilai_per_penerima))
        assert sorted(stored.all()) == [("BANTUAN 3", 42, 0), ("BANTUAN 4", 7, 3_000_000_000)]
