"""Transfer requests are signed by the device (sync/request_signing.py), over uvicorn, on both server databases:
without the enrolled device's key nobody starts, inspects or fetches a transfer; an old signed request is
refused; a laptop whose clock is a year off still syncs, its clock corrected by the server's."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from sync.client import ServerRefused, SyncClient
from sync.keys import DeviceKeys
from sync.request_signing import RequestSigner
from sync.server.devices import revoke_device
from tests.sync import transport_standins
from tests.sync.conftest import serving
from tests.sync.transport_standins import (
    change_records,
    enroll,
    province_admin,
    signed,
    signed_client,
    standin_app,
    up_bundle,
)

server_url_db = transport_standins.server_url_db
server_database = transport_standins.server_database

YEAR = 365 * 24 * 3600


def test_an_unsigned_or_falsely_signed_transfer_request_is_refused_in_indonesian(server_database):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 5))
    path = f"/v1/uploads/{bundle.header.bundle_id}"
    impostor = RequestSigner(device.uuid, DeviceKeys.generate().signing)  # knows the id, not the key
    with serving(standin_app(server_database)) as url:
        with SyncClient(url, backoff=0.01) as anonymous, pytest.raises(ServerRefused) as refused:
            anonymous.upload(bundle.header.bundle_id, bundle.data)
        assert (refused.value.status, refused.value.code) == (401, "unsigned_request")
        assert "ditandatangani kunci perangkat" in str(refused.value)
        for headers in (impostor.headers("GET", path), signed(device, "GET", path, b"other bytes")):
            answer = httpx.get(f"{url}{path}", headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (401, "unsigned_request")
            assert "Tanda tangan permintaan tidak sah" in answer.json()["message"]
        with SyncClient(url, backoff=0.01, signer=impostor) as client, pytest.raises(ServerRefused):
            client.request_download(device.uuid, 0)
        # Nothing of the bundle reached the server.
        assert httpx.get(f"{url}{path}", headers=signed(device, "GET", path)).json() == {
            "received": 0,
            "total": 0,
        }


def test_a_signed_request_replayed_outside_the_window_is_refused_and_the_server_tells_its_time(
    server_database,
):
    device = enroll(server_database)
    path = f"/v1/uploads/{uuid.uuid4()}"
    old = RequestSigner(device.uuid, device.keys.signing, offset=-600).headers("GET", path)
    with serving(standin_app(server_database)) as url:
        assert httpx.get(f"{url}{path}", headers=old).status_code == 401
        answer = httpx.get(f"{url}{path}", headers=old)
        assert answer.json()["code"] == "stale_request"
        assert abs(answer.json()["server_time"] - time.time()) < 60
        # Within the window the same signed request is taken again: every transfer request is idempotent.
        fresh = signed(device, "GET", path)
        assert httpx.get(f"{url}{path}", headers=fresh).status_code == 200
        assert httpx.get(f"{url}{path}", headers=fresh).status_code == 200


def test_a_laptop_whose_clock_is_a_year_off_uploads_and_downloads(server_database, tmp_path):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 20))
    # The laptop's clock is a year ahead; it has not yet heard the server's.
    signer = RequestSigner(device.uuid, device.keys.signing, offset=YEAR)
    with serving(standin_app(server_database)) as url, SyncClient(url, signer=signer) as client:
        receipt = client.upload(bundle.header.bundle_id, bundle.data)
        assert abs(signer.offset) < 60  # learnt from the server's answer
        signer.offset = -YEAR  # and again from scratch, a year behind, for the download
        offer = client.request_download(device.uuid, 0)
        signer.offset = -YEAR
        target = client.download(
            offer.bundle_id, tmp_path / "turun.ejps", device=device.uuid, private_key=device.keys.encryption
        )
    assert receipt.startswith(b"EJPS") and target.stat().st_size == offer.size


def test_a_device_cannot_touch_another_devices_transfers_and_a_revoked_one_downloads_nothing(server_database):
    admin = province_admin(server_database)
    one, other = enroll(server_database, admin=admin), enroll(server_database, admin=admin)
    bundle = up_bundle(server_database, one, change_records(one, 5))
    path = f"/v1/uploads/{bundle.header.bundle_id}"
    with serving(standin_app(server_database)) as url:
        with signed_client(url, one) as client:
            first_piece = bundle.data[:100]
            headers = {"Content-Range": f"bytes 0-99/{len(bundle.data)}"}
            put = httpx.put(
                f"{url}{path}", content=first_piece, headers=headers | signed(one, "PUT", path, first_piece)
            )
            assert put.status_code == 200
            offer = client.request_download(one.uuid, 0)
        for method, where in (("GET", path), ("POST", f"{path}/apply")):
            answer = httpx.request(method, f"{url}{where}", headers=signed(other, method, where))
            assert (answer.status_code, answer.json()["code"]) == (403, "device_mismatch")
        where = f"/v1/downloads/{offer.bundle_id}"
        answer = httpx.get(f"{url}{where}", headers=signed(other, "GET", where))
        assert (answer.status_code, answer.json()["code"]) == (404, "download_unknown")
        with signed_client(url, other) as client, pytest.raises(ServerRefused) as refused:
            client._json("POST", "/v1/downloads", json={"device": str(one.uuid), "since": 0})
        assert refused.value.code == "device_mismatch"

        revoke_device(
            server_database.unit_of_work(), province_admin(server_database), one.uuid, "laptop hilang"
        )
        with signed_client(url, one) as client, pytest.raises(ServerRefused) as refused:
            client.request_download(one.uuid, 0)
        assert (refused.value.status, refused.value.code) == (403, "device_revoked")
        assert "dicabut" in str(refused.value)
