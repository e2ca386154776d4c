"""Shared fixtures: every test gets its own data folder and an encrypted office database of Kab. Gorontalo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from app.auth.roles import CurrentUser, Role  # noqa: E402
from app.auth.users import create_user, login  # noqa: E402
from app.i18n import set_language  # noqa: E402
from app.office import OfficeDatabase, create_office_database, open_office_database  # noqa: E402

ADMIN_PASSWORD = "rahasia-admin-1"
USER_PASSWORD = "rahasia-user-1"
OFFICE_REGION = "7501"  # Kab. Gorontalo


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EJPS_DATA_DIR", str(tmp_path / "data"))
    # No OS keyring on a CI machine: the documented passphrase fallback (db/keys.py).
    monkeypatch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
    for name in ("EJPS_USER", "EJPS_PASSWORD", "EJPS_LANG"):
        monkeypatch.delenv(name, raising=False)
    set_language("id")
    yield
    set_language("id")


def copy_database_files(template: Path, target: Path) -> None:
    """Copy an office database file with its WAL companions, as a closed database leaves them."""
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))


@pytest.fixture(scope="session")
def office_template(tmp_path_factory) -> Path:
    """A new office database made once per test process: creating one (all migrations, the region reference,
    the admin's password hash) costs far more than copying the file, and most tests start from one."""
    folder = tmp_path_factory.mktemp("office-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJPS_DATA_DIR", str(folder / "data"))
        patch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
        create_office_database(
            folder / "kantor.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin Dinsos"
        ).close()
    return folder / "kantor.db"


@pytest.fixture
def office_recipe():
    """What a test's office database holds before the test starts: None for a new office. A conftest may
    override it with a (name, build) recipe for the tests that need the same data: `build(db, operator, folder)`
    runs once per test process, returns the fixtures' values (`office_values`), and each test gets a copy."""
    return None


_BUILT_OFFICES: dict[str, tuple[Path, dict]] = {}


def _built_office(tmp_path_factory, office_template: Path, name: str, build) -> tuple[Path, dict]:
    if name not in _BUILT_OFFICES:
        folder = tmp_path_factory.mktemp(f"office-{name}")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("EJPS_DATA_DIR", str(folder / "data"))
            patch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
            copy_database_files(office_template, folder / "kantor.db")
            db = open_office_database(folder / "kantor.db")
            try:
                admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
                values = build(db, make_user(db, admin, "operator", Role.OPERATOR, OFFICE_REGION), folder)
            finally:
                db.close()
        _BUILT_OFFICES[name] = (folder / "kantor.db", values)
    return _BUILT_OFFICES[name]


@pytest.fixture
def office_db(office_recipe, office_template, tmp_path_factory, tmp_path) -> OfficeDatabase:
    template = office_template
    if office_recipe is not None:
        template, _values = _built_office(tmp_path_factory, office_template, *office_recipe)
    copy_database_files(template, tmp_path / "kantor.db")
    db = open_office_database(tmp_path / "kantor.db")
    yield db
    db.close()


@pytest.fixture
def admin(office_db) -> CurrentUser:
    return login(office_db.unit_of_work(), "admin", ADMIN_PASSWORD)


def make_user(db: OfficeDatabase, admin: CurrentUser, username: str, role: Role, region: str) -> CurrentUser:
    create_user(
        db.unit_of_work(), admin, username, username.title(), USER_PASSWORD, role, region, "Dinas Sosial"
    )
    return login(db.unit_of_work(), username, USER_PASSWORD)


@pytest.fixture
def office_values(office_recipe, office_db) -> dict:
    """The values the recipe's build returned ({} for a new office)."""
    return {} if office_recipe is None else _BUILT_OFFICES[office_recipe[0]][1]


@pytest.fixture
def operator(office_db, admin, office_recipe) -> CurrentUser:
    if office_recipe is not None:  # the recipe's build made the operator
        return login(office_db.unit_of_work(), "operator", USER_PASSWORD)
    return make_user(office_db, admin, "operator", Role.OPERATOR, OFFICE_REGION)


@pytest.fixture
def kecamatan_operator(office_db, admin) -> CurrentUser:
    """An operator of Kec. Limboto (750101) only."""
    return make_user(office_db, admin, "op_limboto", Role.OPERATOR, "750101")


@pytest.fixture
def guest(office_db, admin) -> CurrentUser:
    return make_user(office_db, admin, "tamu", Role.GUEST, OFFICE_REGION)


@pytest.fixture(scope="session")
def monitoring_template(tmp_path_factory):
    """The monitoring program year (tests/app/documents/monitoring_data.py) built once per test process through
    the use cases, then copied for each test that reads it (`monitoring_copy`): building it costs seconds."""
    from tests.app.documents.monitoring_data import build_monitoring_data

    folder = tmp_path_factory.mktemp("monitoring-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJPS_DATA_DIR", str(folder / "data"))
        patch.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
        db = create_office_database(
            folder / "kantor.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin Dinsos"
        )
        try:
            admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
            operator = make_user(db, admin, "operator", Role.OPERATOR, OFFICE_REGION)
            data = build_monitoring_data(db, operator)
        finally:
            db.close()
    return folder / "kantor.db", data


@pytest.fixture
def monitoring_copy(monitoring_template, tmp_path):
    """A fresh copy of the monitoring template: (its office database, the data's ids); the user "operator"
    exists in it."""
    template, data = monitoring_template
    copy_database_files(template, tmp_path / "kantor.db")
    db = open_office_database(tmp_path / "kantor.db")
    yield db, data
    db.close()
