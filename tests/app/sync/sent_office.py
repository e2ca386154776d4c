"""An office whose outbox was filled by its real work, then partly "sent": the exchange that sends bundles and
applies receipts is another part, so the fixture marks sync_change rows sent and answered through the table
(as a receipt would), leaving the rest pending. Built once per test process, copied for each test.

Import both fixtures where they are used: `from tests.app.sync.sent_office import sent_office,
sent_office_template`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from app.auth.roles import CurrentUser, Role
from app.auth.users import login
from app.documents.form1 import create_form1
from app.documents.realisasi import RealisasiInput, record_realisasi
from app.office import OfficeDatabase, create_office_database, open_office_database
from db.sync_models import SyncChange
from tests.app.documents.conftest import HEADS, REGISTRY_AT_SK, SK_VALUE, import_people, make_final_sk
from tests.app.documents.form1_data import a_form1
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD, OFFICE_REGION, copy_database_files, make_user

FIRST_SENT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
FIRST_ANSWERED = datetime(2026, 12, 1, 9, 31, tzinfo=UTC)


@dataclass(frozen=True)
class SentOffice:
    db: OfficeDatabase
    admin: CurrentUser
    operator: CurrentUser
    kecamatan_operator: CurrentUser  # Kec. Limboto only
    guest: CurrentUser
    first: uuid.UUID  # answered: applied, one duplicate, one conflict, one refused
    second: uuid.UUID  # sent, not answered yet
    first_range: tuple[int, int]
    second_range: tuple[int, int]
    realisasi_nik: str


def mark_sent(db, seqs: range, bundle: uuid.UUID, state: str = "sent", answered_at=None) -> None:
    with db.sessions() as session:
        session.execute(
            update(SyncChange)
            .where(SyncChange.seq.in_(list(seqs)))
            .values(bundle_id=bundle, state=state, answered_at=answered_at)
        )
        session.commit()


@dataclass(frozen=True)
class _Template:
    path: Path
    first: uuid.UUID
    second: uuid.UUID
    first_range: tuple[int, int]
    second_range: tuple[int, int]
    users: dict[str, CurrentUser]  # plain data: the same in every copy (logging in again costs a slow hash)


@pytest.fixture(scope="session")
def sent_office_template(tmp_path_factory) -> _Template:
    folder = tmp_path_factory.mktemp("sent-office")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJPS_DATA_DIR", str(folder / "data"))
        patch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
        db = create_office_database(
            folder / "kantor.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin Dinsos"
        )
        try:
            admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
            users = {
                "admin": admin,
                "op_limboto": make_user(db, admin, "op_limboto", Role.OPERATOR, "750101"),
                "tamu": make_user(db, admin, "tamu", Role.GUEST, OFFICE_REGION),
                "operator": make_user(db, admin, "operator", Role.OPERATOR, OFFICE_REGION),
            }
            return _fill(db, users, folder)
        finally:
            db.close()


@pytest.fixture
def sent_office(sent_office_template, tmp_path) -> SentOffice:
    template = sent_office_template
    copy_database_files(template.path, tmp_path / "kantor.db")
    db = open_office_database(tmp_path / "kantor.db")
    users = template.users
    yield SentOffice(
        db,
        users["admin"],
        users["operator"],
        users["op_limboto"],
        users["tamu"],
        template.first,
        template.second,
        template.first_range,
        template.second_range,
        HEADS[0].nik,
    )
    db.close()


def _fill(office_db, users, tmp_path) -> _Template:
    operator = users["operator"]
    import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)
    program = make_program(office_db, operator, tahun=2026)
    sk = make_final_sk(office_db, operator, program.id, HEADS)
    with office_db.sessions() as session:
        first_end = session.query(SyncChange).count()
    entry = RealisasiInput(nik=HEADS[0].nik, tanggal=date(2026, 3, 5), nilai=SK_VALUE, saluran="bank")
    record_realisasi(office_db, operator, sk.id, entry)
    with office_db.sessions() as session:
        total = session.query(SyncChange).count()
    first, second = uuid.uuid4(), uuid.uuid4()
    # The first bundle: the registry, the program and the SK; answered. The second: the realisasi; unanswered.
    # Then a Form 1, not sent yet.
    mark_sent(office_db, range(1, first_end + 1), first, "applied", FIRST_ANSWERED)
    mark_sent(office_db, range(2, 3), first, "duplicate", FIRST_ANSWERED)
    mark_sent(office_db, range(3, 4), first, "conflict", FIRST_ANSWERED)
    mark_sent(office_db, range(4, 5), first, "refused", FIRST_ANSWERED)
    mark_sent(office_db, range(first_end + 1, total + 1), second)
    create_form1(office_db, operator, a_form1())  # waiting to go
    return _Template(office_db.path, first, second, (1, first_end), (first_end + 1, total), users)
