"""Reading the registered people a screening result rests on: the person and their DTKS/DTSEN record."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection

from app.screening.engine import DtksFacts, PersonFacts

_IN_CHUNK = 900  # below SQLite's limit of bound parameters


def _date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def read_person_facts(connection: Connection, person_ids: Iterable[int]) -> dict[int, PersonFacts]:
    ids = sorted({int(i) for i in person_ids})
    facts: dict[int, PersonFacts] = {}
    raw = connection.connection.driver_connection  # plain DB-API rows: a run reads up to 30,000 people
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        marks = ",".join(str(i) for i in chunk)  # integers only: safe to inline
        rows = raw.execute(
            "SELECT id, nik, nama, tgl_lahir, jenis_kelamin, alamat, rt, rw, kode_desa, no_kk, status, tgl_status "
            f"FROM person WHERE id IN ({marks})"
        ).fetchall()
        for r in rows:
            facts[r[0]] = PersonFacts(
                r[0], r[1], r[2], _date(r[3]), r[4] or "", r[5] or "", r[6] or "", r[7] or "", r[8], r[9] or "",
                r[10] or "hidup", _date(r[11]),
            )  # fmt: skip
    by_nik = {f.nik: f for f in facts.values()}
    niks = sorted(by_nik)
    for start in range(0, len(niks), _IN_CHUNK):
        chunk = niks[start : start + _IN_CHUNK]
        rows = raw.execute(
            "SELECT d.nik, d.desil, d.programs, coalesce(b.source_label, ''), d.desil_provinsi, "
            "d.desil_kabupaten_kota FROM dtks_record d "
            "LEFT JOIN import_batch b ON b.id = d.last_batch_id "
            f"WHERE d.deleted_at IS NULL AND d.missing_since_batch_id IS NULL AND d.nik IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for nik, desil, programs, source, desil_provinsi, desil_kabupaten_kota in rows:
            if isinstance(programs, str):
                programs = json.loads(programs or "{}")
            by_nik[nik].dtks = DtksFacts(
                desil, programs or {}, source or "DTKS", desil_provinsi, desil_kabupaten_kota
            )
    return facts
