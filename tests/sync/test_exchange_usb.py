"""The exchange through USB files, end to end, on the server's two databases (PostgreSQL and SQLite): what one
office writes reaches the other offices of its kabupaten and no other, a bundle applied twice changes nothing,
refusals change nothing."""

from __future__ import annotations

import pytest

from app.auth.users import login
from app.errors import Forbidden
from tests.conftest import ADMIN_PASSWORD
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, DESA_TELAGA
from tests.sync.exchange_helpers import edit_person, import_households, people, usb_round


def test_an_edit_goes_up_by_usb_and_reaches_the_other_office_of_the_kabupaten_only(offices, exchange_server):
    a, b, c = offices
    records = import_households(a, DESA_LIMBOTO) + import_households(a, DESA_TELAGA, start=5)
    boalemo = import_households(c, DESA_BOALEMO, start=9)

    receipt, down = usb_round(a, exchange_server)
    assert receipt.verdict == "applied" and receipt.refused == 0 and receipt.conflict == 0
    assert {r.nik for r in records} <= set(people(exchange_server))
    usb_round(c, exchange_server)

    # B's first pull: the region's snapshot — A's people, not C's.
    receipt, snapshot = usb_round(b, exchange_server)
    assert snapshot.verdict == "applied"
    assert set(people(b.db)) == {r.nik for r in records}

    edit_person(a, records[0].nik, nama="NAMA BARU")
    receipt, _down = usb_round(a, exchange_server, "2")
    assert receipt.applied == 1
    assert people(exchange_server)[records[0].nik]["nama"] == "NAMA BARU"

    usb_round(b, exchange_server, "2")
    assert people(b.db)[records[0].nik]["nama"] == "NAMA BARU"
    # The other kabupaten holds its own people and nothing of A's.
    usb_round(c, exchange_server, "2")
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
