"""A first install on a server whose registry was loaded without change capture (an empty stream)."""

from __future__ import annotations

import gc

from sqlalchemy import insert, select

from db.sync_models import SyncState
from sync import laptop
from sync.entities import entities
from sync.laptop import apply_download
from sync.server.exchange import DOWN_LIMIT, build_download
from tests.app.documents.conftest import import_people
from tests.factories import DESA_LIMBOTO, household
from tests.sync.exchange_helpers import people, usb_round

REGISTRY = ("household", "person")


def _seed_server_from_a_dump(server, office, folder) -> None:
    """The server's registry restored from a dump (rows copied table by table, as `pg_restore` would): no
    change is captured, the stream stays empty. (The server has no registry import of its own.)"""
    import_people(office.db, office.user, folder, [p for i in range(3) for p in household(i, DESA_LIMBOTO)])
    with office.db.engine.connect() as source, server.engine.begin() as target:
        for name in REGISTRY:
            table = entities()[name].table
            rows = [
                {column: None if column.endswith("batch_id") else value for column, value in row.items()}
                for row in source.execute(select(table)).mappings()
            ]  # the office's import batches stay behind
            target.execute(insert(table), rows)


def _pull(office, server, folder, name: str):
    """One HTTP-less pull of the office: the server builds its down bundle from the office's cursor, the
    office applies it (what `sync_now` does over HTTP); None when the server had nothing new."""
    with office.db.unit_of_work() as uow:
        state = uow.session.get(SyncState, 1)
        since, prev_hash = state.pulled_upto, state.down_last_hash
    path = folder / name
    with server.unit_of_work().writing() as uow:
        info = build_download(uow, office.device, since, prev_hash, DOWN_LIMIT, path)
    return apply_download(office.db, office.user, path) if info.bundle_id else None


def test_first_pull_on_an_empty_stream_brings_the_region_once(offices, exchange_server, tmp_path):
    a, b, _c = offices
    _seed_server_from_a_dump(exchange_server, b, tmp_path)
    in_region = people(exchange_server)
    assert len(in_region) == 9

    first = _pull(a, exchange_server, tmp_path, "first.bundle")

    assert first is not None and first.verdict == "applied" and first.counts.inserted >= 9
    assert people(a.db) == in_region
    assert first.pulled_upto >= 1  # never 0 again: the next pull goes on from there, not from a new snapshot
    assert _pull(a, exchange_server, tmp_path, "second.bundle") is None

    _receipt, down = usb_round(a, exchange_server)  # its own changes go up; nothing comes down twice

    assert down is None or down.counts.inserted == down.counts.updated == 0
    assert people(a.db) == in_region


def test_the_cycle_collector_rests_while_a_down_bundle_applies_on_both_threads(
    offices, exchange_server, tmp_path, monkeypatch
):
    """The records parsed (read-ahead thread) and written (the apply's) are freed by reference counting: the
    collector, walking them again and again, cost half a second of a 100,000-change apply."""
    a, b, _c = offices
    _seed_server_from_a_dump(exchange_server, b, tmp_path)
    seen: list[tuple[str, bool]] = []
    real_apply, real_prepare = laptop.apply_changes, laptop.prepare_changes

    def apply_changes(*args, **kwargs):
        seen.append(("apply", gc.isenabled()))
        return real_apply(*args, **kwargs)

    def prepare_changes(changes):
        seen.append(("prepare", gc.isenabled()))
        return real_prepare(changes)

    monkeypatch.setattr(laptop, "apply_changes", apply_changes)
    monkeypatch.setattr(laptop, "prepare_changes", prepare_changes)
    assert gc.isenabled()

    pulled = _pull(a, exchange_server, tmp_path, "first.bundle")

    assert pulled is not None and pulled.counts.inserted >= 9
    assert {kind for kind, _ in seen} == {"apply", "prepare"}
    assert not any(enabled for _, enabled in seen), seen
    assert gc.isenabled()  # back once the apply is over
