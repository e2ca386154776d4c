"""A server process started by uvicorn's factory tunes its garbage collector for applies."""

from __future__ import annotations

import gc

from sync.server.app import app_from_environment
from sync.server.apply_processes import YOUNG_COLLECTION_THRESHOLD
from sync.server.database import SERVER_DB_ENV


def test_the_server_process_freezes_its_startup_objects_and_collects_young_objects_less_often(
    sqlite_server_url, monkeypatch
):
    monkeypatch.setenv(SERVER_DB_ENV, sqlite_server_url)
    threshold = gc.get_threshold()
    try:
        gc.unfreeze()
        app_from_environment()
        assert gc.get_freeze_count() > 10_000  # the modules, the app and the engine: never scanned again
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
