"""Bundles applied by the server's apply processes, taken from one queue (sync/server/apply_processes.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from db.sync_models import ChangeLog
from sync.receipts import APPLIED, open_receipt
from sync.server.app import create_app
from sync.server.apply_processes import (
    APPLY_PROCESSES_ENV,
    ApplyInterrupted,
    ApplyPool,
    apply_processes_from_environment,
    default_apply_processes,
    exchange_apply_upload,
    usable_cores,
)
from sync.server.database import SERVER_DB_ENV, open_server_database, server_keys
from sync.server.transfers import UploadIncomplete
from tests.sync.conftest import _free_port, serving
from tests.sync.transport_standins import (
    REPOSITORY,
    enroll,
    person_records,
    province_admin,
    signed,
    signed_client,
    up_bundle,
)

# Set by the tests; read in the apply processes, which inherit the environment when they start.
APPLIED_BY_ENV = "EJPS_TEST_APPLIED_BY"
CRASH_ONCE_ENV = "EJPS_TEST_CRASH_ONCE"


def apply_noting_process(uow, bundle) -> bytes:
    """The exchange's apply, leaving the applying process's id in the folder named by APPLIED_BY_ENV."""
    receipt = exchange_apply_upload(uow, bundle)
    (Path(os.environ[APPLIED_BY_ENV]) / str(os.getpid())).touch()
    return receipt


def apply_dying_once(uow, bundle) -> bytes:
    """Ends its process abruptly the first time (the file named by CRASH_ONCE_ENV exists), applies after."""
    marker = Path(os.environ[CRASH_ONCE_ENV])
    if marker.exists():
        marker.unlink()
        os._exit(9)
    return exchange_apply_upload(uow, bundle)


def _sync(url: str, device, bundle, server_key) -> str:
    with signed_client(url, device, backoff=0.01) as client:
        answer = client.upload(bundle.header.bundle_id, bundle.data)
    receipt = open_receipt(answer, server_key=server_key, device=str(device.uuid))
    assert all(answer.outcome == APPLIED for answer in receipt.answers)
    return receipt.verdict


def test_offices_bundles_are_applied_by_the_apply_processes_not_the_http_process(
    postgres_url, tmp_path, monkeypatch
):
    monkeypatch.setenv(APPLIED_BY_ENV, str(tmp_path))
    database = open_server_database(postgres_url)
    try:
        admin = province_admin(database)
        devices = [enroll(database, region, admin) for region in ("7501", "7502", "7503", "7571")]
        bundles = [
            up_bundle(database, device, person_records(device, n, 20)) for n, device in enumerate(devices)
        ]
        with database.unit_of_work() as uow:
            server_key = server_keys(uow.session).public().signing
        app = create_app(database, apply_upload=apply_noting_process, apply_processes=2)
        with serving(app) as url, ThreadPoolExecutor(len(devices)) as offices:
            verdicts = list(offices.map(lambda n: _sync(url, devices[n], bundles[n], server_key), range(4)))
        assert verdicts == [APPLIED] * 4
        applied_by = {int(path.name) for path in tmp_path.iterdir()}
        assert applied_by and os.getpid() not in applied_by and len(applied_by) <= 2
        with database.unit_of_work() as uow:
            assert uow.session.scalar(select(func.count()).select_from(ChangeLog)) == 80
    finally:
        database.close()


def test_a_refusal_raised_in_an_apply_process_reaches_the_office_whole(postgres_url):
    database = open_server_database(postgres_url)
    try:
        device = enroll(database)
        data = up_bundle(database, device, person_records(device, 0, 5)).data
        bundle_id, half = str(uuid.uuid4()), len(data) // 2
        app = create_app(database, apply_processes=1)
        with serving(app):
            pass  # served and stopped once: the app's pool starts again when it is served again
        with serving(app) as url:
            path = f"/v1/uploads/{bundle_id}"
            headers = {"Content-Range": f"bytes 0-{half - 1}/{len(data)}"}
            httpx.put(
                f"{url}{path}",
                content=data[:half],
                headers=headers | signed(device, "PUT", path, data[:half]),
            )
            early = httpx.post(f"{url}{path}/apply", headers=signed(device, "POST", f"{path}/apply"))
        # Raised by the apply process; its class, code and fields arrive as they were raised.
        assert early.status_code == 409
        assert early.json()["code"] == "upload_incomplete"
        assert (early.json()["received"], early.json()["total"]) == (half, len(data))
    finally:
        database.close()


def test_refusals_cross_between_processes_with_their_fields():
    incomplete = pickle.loads(pickle.dumps(UploadIncomplete(10, 20)))
    assert type(incomplete) is UploadIncomplete
    assert (incomplete.code, incomplete.received, incomplete.total) == ("upload_incomplete", 10, 20)
    assert str(incomplete) == str(UploadIncomplete(10, 20))


def test_an_apply_process_that_dies_is_replaced_and_the_office_sending_again_is_answered(
    postgres_url, tmp_path, monkeypatch
):
    marker = tmp_path / "crash-once"
    marker.touch()
    monkeypatch.setenv(CRASH_ONCE_ENV, str(marker))
    database = open_server_database(postgres_url)
    try:
        device = enroll(database)
        bundle = up_bundle(database, device, person_records(device, 0, 10))
        with database.unit_of_work() as uow:
            server_key = server_keys(uow.session).public().signing
        with serving(create_app(database, apply_upload=apply_dying_once, apply_processes=2)) as url:
            first_pool = {process.pid for process in multiprocessing.active_children()}
            assert len(first_pool) == 2
            path = f"/v1/uploads/{bundle.header.bundle_id}"
            headers = {"Content-Range": f"bytes 0-{len(bundle.data) - 1}/{len(bundle.data)}"}
            httpx.put(
                f"{url}{path}",
                content=bundle.data,
                headers=headers | signed(device, "PUT", path, bundle.data),
            )
            interrupted = httpx.post(
                f"{url}{path}/apply", headers=signed(device, "POST", f"{path}/apply"), timeout=60
            )
            assert not marker.exists()  # the apply process did end
            assert (interrupted.status_code, interrupted.json()["code"]) == (503, ApplyInterrupted.code)
            assert "kirim ulang" in interrupted.json()["message"]
            # The laptop's client sends again (503 is retried), and a new apply process applies it.
            assert _sync(url, device, bundle, server_key) == APPLIED
            # The broken pool's other process was ended too; the new pool's are others.
            deadline = time.monotonic() + 10
            while first_pool & {process.pid for process in multiprocessing.active_children()}:
                assert time.monotonic() < deadline, "the broken pool's processes were left running"
                time.sleep(0.1)
        with database.unit_of_work() as uow:
            assert uow.session.scalar(select(func.count()).select_from(ChangeLog)) == 10
    finally:
        database.close()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def _server_process(database_url: str, apply_processes: int) -> Iterator[subprocess.Popen]:
    """`uvicorn --factory sync.server.app:app_from_environment` (what `ejps serve` runs) in a session of its
    own, answering."""
    open_server_database(database_url).close()  # migrated before the server starts
    port = _free_port()
    environment = os.environ | {SERVER_DB_ENV: database_url, APPLY_PROCESSES_ENV: str(apply_processes)}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "sync.server.app:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=REPOSITORY, env=environment, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/server", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def _gone(pids: set[int]) -> bool:
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(_alive(pid) for pid in pids)


LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the processes in /proc")


@LINUX_ONLY
def test_a_server_process_killed_with_9_leaves_no_apply_process_behind(postgres_url):
    with _server_process(postgres_url, 2) as server:
        # The apply processes are started with the server (so is multiprocessing's resource tracker, which
        # ends on its own once nothing holds its pipe).
        children = _children(server.pid)
        assert len(children) >= 2
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        assert _gone(children)


@LINUX_ONLY
def test_ctrl_c_stops_the_server_and_its_apply_processes_quietly(postgres_url):
    with _server_process(postgres_url, 2) as server:
        children = _children(server.pid)
        os.killpg(server.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole process group
        _out, errors = server.communicate(timeout=30)
        assert server.returncode == 0
        assert "Traceback" not in errors and "KeyboardInterrupt" not in errors
        assert _gone(children)


def test_apply_processes_by_default_on_postgresql_none_on_sqlite(postgres_url, sqlite_server_url):
    on_postgresql, on_sqlite = open_server_database(postgres_url), open_server_database(sqlite_server_url)
    try:
        assert default_apply_processes(on_postgresql) == usable_cores() + 1
        assert default_apply_processes(on_sqlite) == 0
    finally:
        on_postgresql.close()
        on_sqlite.close()


def test_a_stopped_pool_starts_no_new_processes_and_asks_the_office_to_send_again(sqlite_server_url):
    before = set(multiprocessing.active_children())
    pool = ApplyPool(sqlite_server_url, 1)
    pool.close()
    with pytest.raises(ApplyInterrupted):
        asyncio.run(pool.apply(exchange_apply_upload, uuid.uuid4(), uuid.uuid4()))
    assert set(multiprocessing.active_children()) <= before


def test_a_wrong_number_of_apply_processes_in_the_environment_is_refused(sqlite_server_url, monkeypatch):
    database = open_server_database(sqlite_server_url)
    try:
        monkeypatch.setenv(APPLY_PROCESSES_ENV, "empat")
        with pytest.raises(ValueError, match=APPLY_PROCESSES_ENV):
            apply_processes_from_environment(database)
        monkeypatch.setenv(APPLY_PROCESSES_ENV, "3")
        assert apply_processes_from_environment(database) == 3
        monkeypatch.delenv(APPLY_PROCESSES_ENV)
        assert apply_processes_from_environment(database) == 0  # SQLite
    finally:
        database.close()


QUEUED_AT_EXIT = """
import sys, time
from sync.server.apply_processes import ApplyPool
pool = ApplyPool(sys.argv[1], 1)
pool.start()
queued = [pool.submit(pool._current(), time.sleep, 1) for _ in range(30)]
print("queued", flush=True)
"""


def test_a_server_ending_without_stopping_its_pool_drops_the_queued_bundles(sqlite_server_url):
    # What uvicorn's force quit (a second Ctrl-C) does: the interpreter exits, the app's shutdown not run.
    # Waiting for the 30 queued applies of a second each took 30 s; only the one under way is waited for.
    began = time.monotonic()
    ended = subprocess.run(
        [sys.executable, "-c", QUEUED_AT_EXIT, sqlite_server_url],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ended.returncode == 0 and "queued" in ended.stdout, ended.stderr
    assert time.monotonic() - began < 15
