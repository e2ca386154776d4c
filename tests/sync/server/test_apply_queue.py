"""A server process applies a few bundles at a time; the others wait their turn without holding a thread."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sync.receipts import APPLIED, open_receipt
from sync.server.app import create_app
from sync.server.database import open_server_database, server_keys
from tests.sync.conftest import serving
from tests.sync.transport_standins import (
    StandinBuild,
    change_records,
    enroll,
    province_admin,
    signed_client,
    standin_apply_upload,
    up_bundle,
)


class _Counting:
    """The stand-in apply, counting how many run at once (each lasts long enough for the others to arrive)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def __call__(self, uow, bundle) -> bytes:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.2)
            return standin_apply_upload(uow, bundle)
        finally:
            with self.lock:
                self.running -= 1


def test_a_process_applies_at_most_its_share_of_bundles_at_once_and_answers_every_office(sqlite_server_url):
    database = open_server_database(sqlite_server_url)
    try:
        admin = province_admin(database)  # one login: each costs a password hash
        devices = [enroll(database, admin=admin) for _ in range(6)]
        bundles = [up_bundle(database, device, change_records(device, 5)) for device in devices]
        with database.unit_of_work() as uow:
            server_key = server_keys(uow.session).public().signing
        counting = _Counting()
        app = create_app(database, apply_upload=counting, build_download=StandinBuild(), applies_at_once=2)
        with serving(app) as url:

            def office(index: int) -> str:
                with signed_client(url, devices[index]) as client:
                    answer = client.upload(bundles[index].header.bundle_id, bundles[index].data)
                receipt = open_receipt(answer, server_key=server_key, device=str(devices[index].uuid))
                return receipt.verdict

            with ThreadPoolExecutor(len(devices)) as pool:
                verdicts = list(pool.map(office, range(len(devices))))
        assert verdicts == [APPLIED] * len(devices)
        assert counting.most == 2
    finally:
        database.close()
