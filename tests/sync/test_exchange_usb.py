"""The exchange through USB files, end to end, on the server's two databases (PostgreSQL and SQLite): what one
office writes reaches the other offices of its kabupaten and no other, a bundle applied twice changes nothing,
refusals change nothing."""

from __future__ import annotations

import pytest

from app.auth.users import login
from app.errors import Forbidden
from sync.server.database import open_server_database
from sync.server.setup import create_first_admin
from tests.conftest import ADMIN_PASSWORD
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, DESA_TELAGA
from tests.sync.exchange_helpers import (  # noqa: F401  (office_templates: a fixture)
    OFFICES,
    edit_person,
    enrolled_office,
    import_households,
    office_templates,
    people,
    usb_round,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request):
    fixture = "sqlite_server_url" if request.param == "sqlite" else "postgres_url"
    database = open_server_database(request.getfixturevalue(fixture))
    yield database
    database.close()


@pytest.fixture
def province_admin(server):
    create_first_admin(server.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Dinsos Provinsi")
    return login(server.unit_of_work(), "admin", ADMIN_PASSWORD)


@pytest.fixture
def offices(tmp_path, server, province_admin, office_templates):  # noqa: F811
    a, b, c = (
        enrolled_office(office_templates[name], tmp_path / name, server, province_admin, name, region)
        for name, region in OFFICES
    )
    yield a, b, c
    for office in (a, b, c):
        office.db.close()


def test_an_edit_goes_up_by_usb_and_reaches_the_other_office_of_the_kabupaten_only(offices, server):
    a, b, c = offices
    records = import_households(a, DESA_LIMBOTO) + import_households(a, DESA_TELAGA, start=5)
    boalemo = import_households(c, DESA_BOALEMO, start=9)

    receipt, down = usb_round(a, server)
    assert receipt.verdict == "applied" and receipt.refused == 0 and receipt.conflict == 0
    assert {r.nik for r in records} <= set(people(server))
    usb_round(c, server)

    # B's first pull: the region's snapshot — A's people, not C's.
    receipt, snapshot = usb_round(b, server)
    assert snapshot.verdict == "applied"
    assert set(people(b.db)) == {r.nik for r in records}

    edit_person(a, records[0].nik, nama="NAMA BARU")
    receipt, _down = usb_round(a, server, "2")
    assert receipt.applied == 1
    assert people(server)[records[0].nik]["nama"] == "NAMA BARU"

    usb_round(b, server, "2")
    assert people(b.db)[records[0].nik]["nama"] == "NAMA BARU"
    # The other kabupaten holds its own people and nothing of A's.
    usb_round(c, server, "2")
    assert set(people(c.db)) == {r.nik for r in boalemo}


def test_a_guest_may_not_sync(offices, tmp_path):
    a, _b, _c = offices
    from app.auth.roles import Role
    from sync.laptop import export_usb
    from tests.conftest import make_user

    admin = login(a.db.unit_of_work(), "admin", ADMIN_PASSWORD)
    guest = make_user(a.db, admin, "tamu", Role.GUEST, "7501")
    with pytest.raises(Forbidden):
        export_usb(a.db, guest, tmp_path / "x.ejps")
