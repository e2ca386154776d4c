from __future__ import annotations

import pytest

from app.auth.users import login
from sync.server.database import open_server_database
from sync.server.setup import create_first_admin
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request):
    """The server's database on each backend it runs on: the embedded SQLite file and PostgreSQL."""
    fixture = "sqlite_server_url" if request.param == "sqlite" else "postgres_url"
    database = open_server_database(request.getfixturevalue(fixture))
    yield database
    database.close()


@pytest.fixture
def province_admin(server_db):
    create_first_admin(server_db.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Dinsos Provinsi")
    return login(server_db.unit_of_work(), "admin", ADMIN_PASSWORD)
