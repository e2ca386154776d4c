"""Offices enrolled on a server of the test, and what they hold: shared by the exchange tests."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from app.auth.roles import CurrentUser, Role
from app.auth.users import login
from app.office import OfficeDatabase, create_office_database, open_office_database
from db.models import Person
from sync.keys import device_keys
from sync.laptop import export_usb, import_usb_answer, remember_server
from sync.server.database import ServerDatabase, open_server_database, server_keys
from sync.server.devices import approve_device, request_enrollment
from sync.server.exchange import answer_file
from sync.server.setup import create_first_admin
from tests.app.documents.conftest import import_people
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, make_user
from tests.factories import household


@dataclass
class Office:
    db: OfficeDatabase
    user: CurrentUser
    folder: Path
    name: str

    @property
    def device(self) -> uuid.UUID:
        return self.db.office.device_id


# The offices of the tests: two of Kab. Gorontalo, one of Kab. Boalemo.
OFFICES = (("kantor-a", "7501"), ("kantor-b", "7501"), ("kantor-c", "7502"))


def _new_office(folder: Path, name: str, region: str) -> Path:
    db = create_office_database(folder / f"{name}.db", region, "admin", ADMIN_PASSWORD, f"Admin {name}")
    try:
        admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
        make_user(db, admin, "operator", Role.OPERATOR, region)
        with db.unit_of_work().writing() as uow:
            device_keys(uow.session)
            uow.commit()
    finally:
        db.close()
    return folder / f"{name}.db"


@pytest.fixture(scope="session")
def office_templates(tmp_path_factory) -> dict[str, Path]:
    """Each office's database made once per test process (its device id and keys its own), copied per test:
    making one costs seconds."""
    folder = tmp_path_factory.mktemp("office-templates")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJPS_DATA_DIR", str(folder / "data"))
        patch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
        return {name: _new_office(folder, name, region) for name, region in OFFICES}


def copy_office(template: Path, folder: Path) -> OfficeDatabase:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, folder / (template.name + suffix))
    return open_office_database(folder / template.name)


def enrolled_office(
    template: Path, folder: Path, server: ServerDatabase, province_admin, name: str, region: str
) -> Office:
    db = copy_office(template, folder)
    user = login(db.unit_of_work(), "operator", USER_PASSWORD)
    with db.unit_of_work().writing() as uow:
        keys = device_keys(uow.session)
        uow.commit()
    ticket = request_enrollment(server.unit_of_work(), db.office.device_id, name, region, keys.public())
    approve_device(server.unit_of_work(), province_admin, ticket.code)
    with server.unit_of_work() as uow:
        public = server_keys(uow.session).public()
    remember_server(db, public, region)
    return Office(db, user, folder, name)


def usb_round(office: Office, server: ServerDatabase, tag: str = "1"):
    """Office exports, the server imports and answers, the office imports the answer; the answer's parts."""
    bundle_path = office.folder / f"{office.name}-{tag}.ejps"
    answer_path = office.folder / f"{office.name}-{tag}.answer"
    export_usb(office.db, office.user, bundle_path)
    with server.unit_of_work().writing() as uow:
        answer_file(uow, bundle_path, answer_path)
    return import_usb_answer(office.db, office.user, answer_path)


def import_households(office: Office, kode_desa: str, count: int = 2, start: int = 0):
    records = [p for i in range(start, start + count) for p in household(i, kode_desa)]
    import_people(office.db, office.user, office.folder, records)
    return records


def people(db) -> dict[str, dict]:
    """nik → a few fields of every live person of a copy (office or server)."""
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(Person).where(Person.deleted_at.is_(None))).all()
        return {p.nik: {"nama": p.nama, "kode_desa": p.kode_desa, "uid": str(p.uid)} for p in rows}


def edit_person(office: Office, current_nik: str, /, **values) -> None:
    """An office edits a person (an ORM write: captured in the outbox like the GUI's); `nik=` corrects it."""
    with office.db.unit_of_work().writing() as uow:
        person = uow.session.scalars(select(Person).where(Person.nik == current_nik)).one()
        for name, value in values.items():
            setattr(person, name, value)
        uow.commit()


def fingerprint(database) -> dict[str, str]:
    """Row count and content hash of every table of a database (server or office): equal before and after an
    operation that must change nothing."""
    engine = database.engine
    found = {}
    with engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            digest = hashlib.sha256(json.dumps(sorted(map(repr, rows))).encode()).hexdigest()
            found[table] = f"{len(rows)}:{digest}"
    return found


# --- fixtures (imported by the test modules) ---
@pytest.fixture(params=["sqlite", "postgresql"])
def exchange_server(request):
    """The server's database on each backend: the embedded SQLite file and PostgreSQL."""
    fixture = "sqlite_server_url" if request.param == "sqlite" else "postgres_url"
    database = open_server_database(request.getfixturevalue(fixture))
    yield database
    database.close()


@pytest.fixture
def exchange_admin(exchange_server):
    create_first_admin(exchange_server.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Dinsos Provinsi")
    return login(exchange_server.unit_of_work(), "admin", ADMIN_PASSWORD)


@pytest.fixture
def offices(tmp_path, exchange_server, exchange_admin, office_templates):
    """Offices A and B of Kab. Gorontalo, C of Kab. Boalemo, enrolled on `exchange_server`."""
    a, b, c = (
        enrolled_office(
            office_templates[name], tmp_path / name, exchange_server, exchange_admin, name, region
        )
        for name, region in OFFICES
    )
    yield a, b, c
    for office in (a, b, c):
        office.db.close()
