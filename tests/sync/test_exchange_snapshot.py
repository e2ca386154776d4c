"""A first install's snapshot: the region's records whole, applied chunk by chunk, resumable after a kill."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.sync_models import DownloadProgress, SyncState
from sync.entities import entities, region_overlaps
from sync.laptop import apply_download
from sync.server.exchange import build_download
from sync.values import encode_value
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, DESA_TELAGA
from tests.sync.exchange_helpers import import_households, usb_round

COMPARED = ("household", "person", "dtks_record")


def records(database, region: str, skip_uids: set[str] = frozenset()) -> dict[str, dict[str, dict]]:
    """Live records of the region (kode_desa) per entity, all travelling plain fields in wire form."""
    found = {}
    with database.engine.connect() as connection:
        for name in COMPARED:
            entity = entities()[name]
            table = entity.table
            rows = connection.execute(select(table).where(table.c.deleted_at.is_(None))).mappings()
            found[name] = {
                str(row["uid"]): {f: encode_value(table.c[f].type, row[f]) for f in entity.fields}
                for row in rows
                if region_overlaps(row["kode_desa"], region) and str(row["uid"]) not in skip_uids
            }
    return found


def _uids(database) -> set[str]:
    return {uid for rows in records(database, "75").values() for uid in rows}


def test_a_region_snapshot_applied_to_a_fresh_office_equals_the_server_region(offices, exchange_server):
    a, b, c = offices
    import_households(a, DESA_LIMBOTO, count=3)
    import_households(a, DESA_TELAGA, count=2, start=5)
    import_households(c, DESA_BOALEMO, count=2, start=9)
    usb_round(a, exchange_server)
    usb_round(c, exchange_server)
    own = _uids(b.db)

    _receipt, down = usb_round(b, exchange_server)

    assert down.verdict == "applied" and down.counts.inserted > 0
    assert records(b.db, "7501", skip_uids=own) == records(exchange_server, "7501")
    assert records(b.db, "7502") == {name: {} for name in COMPARED}


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_snapshot_apply_killed_after_chunk_k_resumes_at_the_next_chunk(
    offices, exchange_server, tmp_path, monkeypatch
):
    monkeypatch.setattr("sync.laptop.COMMIT_RECORDS", 6)  # two chunks of 3 records a transaction
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO, count=4)
    usb_round(a, exchange_server)
    path = tmp_path / "snapshot.bundle"
    with exchange_server.unit_of_work().writing() as uow:
        info = build_download(uow, b.device, 0, "", 50_000, path, chunk_records=3)
    assert info.snapshot

    def killed_after_second_chunk(done: int, total: int) -> None:
        assert done % 2 == 0 or done == total  # told after each transaction, not each chunk
        if done == 2:
            raise KeyboardInterrupt  # the process dies here: chunk 2 committed, nothing after

    with pytest.raises(KeyboardInterrupt):
        apply_download(b.db, b.user, path, progress=killed_after_second_chunk)
    with b.db.unit_of_work() as uow:
        assert uow.session.get(DownloadProgress, 1).chunks_done == 2
        assert uow.session.get(SyncState, 1).pulled_upto == 0  # the cursor moves only with the last chunk

    total = info.records // 3 + (1 if info.records % 3 else 0)
    summary = apply_download(b.db, b.user, path)

    assert summary.chunks_applied == total - 2
    assert summary.pulled_upto == info.seq_to
    assert records(b.db, "7501") == records(exchange_server, "7501")
    with b.db.unit_of_work() as uow:
        assert uow.session.get(DownloadProgress, 1) is None
