"""Download of the bundle the server prepared for a device: kept in the database in pieces, served with Range,
received into `<target>.partial` and resumed from its verified prefix."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from app.jobs import Cancelled
from db.models import utcnow
from db.sync_models import Device, DownloadBundle, DownloadPart
from sync.bundle import Signer, read_bundle
from sync.client import partial_path
from sync.keys import DeviceKeys
from sync.request_signing import RequestSigner
from sync.server import transfers
from sync.server.database import server_keys
from tests.sync import transport_standins
from tests.sync.conftest import serving
from tests.sync.transport_standins import (
    EnrolledDevice,
    Misbehaving,
    StandinBuild,
    enroll,
    signed,
    signed_client,
    standin_app,
)

server_url_db = transport_standins.server_url_db
server_database = transport_standins.server_database

MB = 1 << 20


def stored_bytes(database, bundle_id: str) -> bytes:
    with database.unit_of_work() as uow:
        download_id = uow.session.scalar(
            select(DownloadBundle.id).where(DownloadBundle.bundle_id == uuid.UUID(bundle_id))
        )
        pieces = uow.session.scalars(
            select(DownloadPart.data)
            .where(DownloadPart.download_id == download_id)
            .order_by(DownloadPart.start)
        )
        return b"".join(pieces)


def opens(database, device, path) -> int:
    with database.unit_of_work() as uow:
        server_signing = server_keys(uow.session).public().signing
    with read_bundle(
        path,
        recipient=str(device.uuid),
        private_key=device.keys.encryption,
        signers=lambda sender: Signer(server_signing) if sender == "server" else None,
    ) as bundle:
        return sum(1 for _ in bundle.records())


@pytest.fixture
def large_download(server_database):
    """A device and a server with a ~4 MB bundle prepared for it (4,000 filler records)."""
    device = enroll(server_database)
    app = Misbehaving(standin_app(server_database, StandinBuild(filler=4000, filler_bytes=1000)))
    return device, app


def test_a_download_cut_midway_resumes_in_a_new_client_and_the_file_is_byte_identical(
    server_database, large_download, tmp_path
):
    device, app = large_download
    target = tmp_path / "turun.ejps"
    with serving(app) as url:
        with signed_client(url, device) as client:
            offer = client.request_download(device.uuid, 0)
            assert offer.size > 3 * MB and offer.records == 4000
            reports = []

            def half(done: int, total: int) -> None:
                reports.append(done)

            with pytest.raises(Cancelled):
                client.download(
                    offer.bundle_id, target, half, lambda: reports[-1] >= offer.size / 2 if reports else False,
                    device=device.uuid, private_key=device.keys.encryption,
                )  # fmt: skip
        partial = partial_path(target)
        assert not target.exists() and partial.stat().st_size >= offer.size / 2
        cut_at = partial.stat().st_size

        reports.clear()
        with signed_client(url, device) as client:
            got = client.download(
                offer.bundle_id, target, lambda d, t: reports.append(d),
                device=device.uuid, private_key=device.keys.encryption,
            )  # fmt: skip
    assert got == target and not partial.exists()
    resumed_from = int(app.ranges[-1].split("=")[1].rstrip("-"))
    assert 0 < resumed_from <= cut_at and resumed_from > cut_at - 2 * MB  # the verified prefix, not zero
    assert reports[-1] == offer.size
    assert target.read_bytes() == stored_bytes(server_database, offer.bundle_id)
    assert opens(server_database, device, target) == 4000


def test_a_torn_partial_tail_is_cut_back_to_the_verified_prefix(server_database, large_download, tmp_path):
    device, app = large_download
    target = tmp_path / "turun.ejps"
    with serving(app) as url, signed_client(url, device) as client:
        offer = client.request_download(device.uuid, 0)
        whole = stored_bytes(server_database, offer.bundle_id)
        # A process killed while writing: 2.5 MB received, then a torn write's garbage.
        partial_path(target).write_bytes(whole[: int(2.5 * MB)] + bytes(70_000))
        client.download(offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
    resumed_from = int(app.ranges[-1].split("=")[1].rstrip("-"))
    assert 2 * MB < resumed_from < int(2.5 * MB)  # two whole segments and the head: what verifies
    assert target.read_bytes() == whole


def test_a_partial_file_of_another_bundle_is_dropped_and_the_download_starts_over(
    server_database, large_download, tmp_path
):
    device, app = large_download
    target = tmp_path / "turun.ejps"
    with serving(app) as url, signed_client(url, device) as client:
        old = client.request_download(device.uuid, 0)
        partial_path(target).write_bytes(stored_bytes(server_database, old.bundle_id)[: 2 * MB])
        new = client.request_download(device.uuid, 0)
        client.download(new.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
    assert app.ranges[-1] is None  # asked from the start
    assert target.read_bytes() == stored_bytes(server_database, new.bundle_id)


def test_the_download_endpoint_serves_ranges_and_refuses_what_lies_beyond(server_database):
    device = enroll(server_database)
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        offer = client.request_download(device.uuid, 0)
        where = f"/v1/downloads/{offer.bundle_id}"
        path, sign = f"{url}{where}", signed(device, "GET", where)
        whole = httpx.get(path, headers=sign)
        assert (whole.status_code, whole.headers["content-type"]) == (200, "application/octet-stream")
        assert (
            whole.content == stored_bytes(server_database, offer.bundle_id)
            and len(whole.content) == offer.size
        )
        part = httpx.get(path, headers=sign | {"Range": "bytes=100-"})
        assert (part.status_code, part.headers["content-range"]) == (
            206,
            f"bytes 100-{offer.size - 1}/{offer.size}",
        )
        assert part.content == whole.content[100:]
        beyond = httpx.get(path, headers=sign | {"Range": f"bytes={offer.size}-"})
        assert (beyond.status_code, beyond.headers["content-range"]) == (416, f"bytes */{offer.size}")
        assert beyond.json()["code"] == "range_not_satisfiable"
        odd = httpx.get(path, headers=sign | {"Range": "halaman=3"})
        assert (odd.status_code, odd.json()["code"]) == (400, "invalid_range")


def test_a_new_request_replaces_the_devices_previous_download_and_an_old_one_expires(server_database):
    device = enroll(server_database)
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        first = client.request_download(device.uuid, 0)
        second = client.request_download(device.uuid, 0)
        gone = _get(url, device, f"/v1/downloads/{first.bundle_id}")
        assert (gone.status_code, gone.json()["code"]) == (404, "download_unknown")
        assert "Minta paket baru" in gone.json()["message"]
        with server_database.unit_of_work().writing() as uow:
            uow.session.execute(update(DownloadBundle).values(expires_at=utcnow() - timedelta(minutes=1)))
            uow.commit()
        expired = _get(url, device, f"/v1/downloads/{second.bundle_id}")
        assert (expired.status_code, expired.json()["code"]) == (410, "download_expired")
    with server_database.unit_of_work() as uow:
        assert uow.session.scalar(select(DownloadBundle.bundle_id)) == uuid.UUID(second.bundle_id)


def _get(url: str, device, path: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", headers=signed(device, "GET", path))


def test_only_an_approved_device_gets_a_download(server_database):
    pending = enroll(server_database)
    with server_database.unit_of_work().writing() as uow:
        uow.session.execute(update(Device).where(Device.uuid == pending.uuid).values(status="pending"))
        uow.commit()
    stranger = EnrolledDevice(uuid.uuid4(), DeviceKeys.generate(), "7501")
    with serving(standin_app(server_database)) as url:
        for device, status, code in [(pending, 403, "device_pending"), (stranger, 401, "unsigned_request")]:
            body = json.dumps({"device": str(device.uuid), "since": 0}).encode()
            headers = RequestSigner(device.uuid, device.keys.signing).headers("POST", "/v1/downloads", body)
            headers["Content-Type"] = "application/json"
            answer = httpx.post(f"{url}/v1/downloads", content=body, headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (status, code)


def test_a_download_is_read_from_the_database_one_piece_at_a_time(server_database):
    device = enroll(server_database)
    offer = transfers.prepare_download(
        server_database.unit_of_work, device.uuid, 0, "", 50_000, StandinBuild(filler=2500, filler_bytes=1000)
    )
    prepared = transfers.prepared_download(server_database.unit_of_work(), offer.bundle_id)
    pieces = list(transfers.read_download(server_database.unit_of_work, prepared, 1000))
    assert len(pieces) >= 3 and all(len(piece) <= transfers.PART_SIZE for piece in pieces)
    assert b"".join(pieces) == stored_bytes(server_database, str(offer.bundle_id))[1000:]
