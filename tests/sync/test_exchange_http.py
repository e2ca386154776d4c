"""The exchange over HTTP, end to end: the laptop's `sync_now` against the real server app served by uvicorn,
on the server's two databases. What one office writes reaches the other office of its kabupaten and no other;
syncing again with nothing new changes nothing; the Sinkronisasi page's use case is this one."""

from __future__ import annotations

from db.sync_models import SyncChange, SyncState
from sync.laptop import sync_now
from sync.server.app import create_app
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO
from tests.sync.conftest import serving
from tests.sync.exchange_helpers import edit_person, fingerprint, import_households, people


def point_at(office, url):
    with office.db.unit_of_work().writing() as uow:
        uow.session.get(SyncState, 1).server_url = url
        uow.commit()


def states(office) -> set[str]:
    with office.db.unit_of_work() as uow:
        return set(uow.session.scalars(SyncChange.__table__.select().with_only_columns(SyncChange.state)))


def test_offices_sync_over_http_and_see_their_own_region_only(offices, exchange_server):
    a, b, c = offices
    records = import_households(a, DESA_LIMBOTO)
    boalemo = import_households(c, DESA_BOALEMO, start=9)
    with serving(create_app(exchange_server)) as url:
        for office in (a, b, c):
            point_at(office, url)

        result = sync_now(a.db, a.user)
        assert result.sent.verdict == "applied" and result.sent.refused == 0
        assert states(a) == {"applied"}  # marked only once the signed receipt said so
        sync_now(c.db, c.user)
        sync_now(b.db, b.user)  # B's first pull: the snapshot of Kab. Gorontalo
        assert set(people(b.db)) == {r.nik for r in records}

        edit_person(a, records[0].nik, nama="NAMA BARU")
        assert sync_now(a.db, a.user).sent.applied == 1
        received = sync_now(b.db, b.user).received
        assert sum(d.records for d in received) == 1
        assert people(b.db)[records[0].nik]["nama"] == "NAMA BARU"

        sync_now(c.db, c.user)
        assert set(people(c.db)) == {r.nik for r in boalemo}

        # Nothing new on either side: a sync sends nothing and applies nothing.
        before = fingerprint(exchange_server)
        again = sync_now(b.db, b.user)
        assert again.sent is None and sum(d.records for d in again.received) == 0
        assert fingerprint(exchange_server) == before
