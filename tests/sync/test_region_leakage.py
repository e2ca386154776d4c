"""Region leakage (issue 12): people move between desa of two kabupaten, at random, several seeds; after syncing,
each office holds exactly its region's people — nobody from outside, nobody missing — and a moved person has
left the old region's offices and arrived in the new region's."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select

import db.models
from app.auth.users import login
from db.models import Person
from sync.server.setup import create_first_admin
from tests.conftest import ADMIN_PASSWORD
from tests.sync.simulation import ShiftedClock, Simulation, clock_of, make_offices

# Two offices of Kab. Gorontalo, two of Kab. Boalemo.
KECAMATANS = ("750101", "750102", "750201", "750202")
HOUSEHOLDS = 6
STEPS = 6


def live_people(database, region: str | None = None) -> set[str]:
    with database.unit_of_work() as uow:
        query = select(Person.uid).where(Person.deleted_at.is_(None))
        if region is not None:
            query = query.where(Person.kode_desa.startswith(region))
        return {u.hex for u in uow.session.scalars(query)}


def move(office, uids_to_desa: dict[str, str]) -> None:
    """The office records that these people moved (the person's desa edited, as the GUI's write would)."""
    with clock_of(office), office.db.unit_of_work().writing() as uow:
        for person in uow.session.scalars(
            select(Person).where(Person.uid.in_([uuid.UUID(u) for u in uids_to_desa]))
        ):
            person.kode_desa = uids_to_desa[person.uid.hex]
        uow.commit()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_after_random_moves_each_office_holds_exactly_its_regions_people(
    seed, sqlite_server_url, office_templates, tmp_path, monkeypatch
):
    from sync.server.database import open_server_database

    rng = random.Random(seed)
    server = open_server_database(sqlite_server_url)
    create_first_admin(server.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Dinsos Provinsi")
    province_admin = login(server.unit_of_work(), "admin", ADMIN_PASSWORD)
    monkeypatch.setattr(db.models, "datetime", ShiftedClock)
    offices = make_offices(rng, office_templates, tmp_path, server, province_admin, 1, KECAMATANS)
    sim = Simulation(rng, server, offices)
    sim.oracle.closed = True  # no conflicts here: only one office moves at a time, the others caught up
    try:
        desa_of: dict[str, str] = {}  # the test's own record: where each person lives now
        for office in offices:
            sim.register(office, HOUSEHOLDS)
            with office.db.unit_of_work() as uow:
                desa_of |= {p.uid.hex: p.kode_desa for p in uow.session.scalars(select(Person))}
        every_desa = [office.desas[0] for office in offices]
        for _ in range(2):
            for office in offices:
                sim.sync(office, clean=True)
        moved: dict[str, tuple[str, str]] = {}
        for _step in range(STEPS):
            office = rng.choice(offices)
            sim.sync(office, clean=True)  # it sees where people are now
            mine = sorted(live_people(office.db))
            picks = rng.sample(mine, min(len(mine), rng.randint(1, 5)))
            destination = {u: rng.choice([d for d in every_desa if d != desa_of[u]]) for u in picks}
            move(office, destination)
            for uid_hex, desa in destination.items():
                moved[uid_hex] = (moved.get(uid_hex, (desa_of[uid_hex], ""))[0], desa)
                desa_of[uid_hex] = desa
            sim.sync(office, clean=True)
        for _ in range(2):
            for office in offices:
                sim.sync(office, clean=True)

        assert any(old[:4] != new[:4] for old, new in moved.values())  # some crossed the kabupaten border
        for office in offices:
            held = live_people(office.db)
            expected = {u for u, desa in desa_of.items() if desa.startswith(office.region)}
            assert held == live_people(server, office.region) == expected, office.name
            for uid_hex, (old, new) in moved.items():
                if old[:4] != new[:4]:
                    assert (uid_hex in held) == (office.region == new[:4]), (office.name, old, new)
    finally:
        for office in offices:
            office.db.close()
        server.close()
