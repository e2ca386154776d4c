"""The server's HTTP API, served by uvicorn on a real socket, spoken to by the laptop's client."""

from __future__ import annotations

import uuid

import httpx
import pytest

from sync.bundle import PROVINCE
from sync.client import ServerRefused, SyncClient
from sync.keys import DeviceKeys
from sync.server.app import create_app
from sync.server.database import server_keys
from sync.server.devices import approve_device, revoke_device
from tests.sync.conftest import serving


@pytest.fixture
def server_url(server_db):
    with serving(create_app(server_db)) as url:
        yield url


def test_openapi_lists_the_routes(server_url):
    paths = httpx.get(f"{server_url}/openapi.json").json()["paths"]
    assert {"/v1/server", "/v1/devices", "/v1/devices/{device}"} <= set(paths)


def test_server_tells_its_province_and_public_keys(server_db, server_url):
    with SyncClient(server_url) as client:
        info = client.server_info()
    with server_db.unit_of_work() as uow:
        expected = server_keys(uow.session).public().to_json()
    assert info.province == PROVINCE
    assert info.keys.to_json() == expected


def test_enrollment_over_http_pending_then_approved_with_region(server_db, server_url, province_admin):
    device, keys = uuid.uuid4(), DeviceKeys.generate()
    with SyncClient(server_url) as client:
        ticket = client.request_enrollment(device, "Dinsos Kab. Gorontalo", "7501", keys.public())
        assert (ticket.status, client.device_status(device).status) == ("pending", "pending")

        approve_device(server_db.unit_of_work(), province_admin, ticket.code, region="750101")

        status = client.device_status(device)
    assert (status.status, status.region, status.office_name) == (
        "approved",
        "750101",
        "Dinsos Kab. Gorontalo",
    )
    assert status.fingerprint == ticket.fingerprint


def test_revoked_device_gets_a_clear_json_refusal(server_db, server_url, province_admin):
    device = uuid.uuid4()
    with SyncClient(server_url) as client:
        ticket = client.request_enrollment(device, "Kantor", "7501", DeviceKeys.generate().public())
    approve_device(server_db.unit_of_work(), province_admin, ticket.code)
    revoke_device(server_db.unit_of_work(), province_admin, device, "Laptop dicuri")

    answer = httpx.get(f"{server_url}/v1/devices/{device}")
    assert answer.status_code == 403
    assert answer.json()["code"] == "device_revoked"
    assert "dicabut" in answer.json()["message"]
    with SyncClient(server_url) as client, pytest.raises(ServerRefused) as refused:
        client.request_enrollment(device, "Kantor", "7501", DeviceKeys.generate().public())
    assert refused.value.code == "device_revoked"


def test_unknown_device_gets_a_clear_json_refusal(server_url):
    answer = httpx.get(f"{server_url}/v1/devices/{uuid.uuid4()}")
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_device")
    assert "tidak dikenal" in answer.json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region": "7501x"}, "region"),
        ({"keys": {"signing": "bukan-kunci", "encryption": "x"}}, None),
        ({"office_name": ""}, "office_name"),
    ],
)
def test_a_malformed_enrollment_request_is_refused_in_indonesian(server_url, change, field):
    keys = DeviceKeys.generate().public().to_json()
    body = {"device": str(uuid.uuid4()), "office_name": "Kantor", "region": "7501", "keys": keys} | change
    answer = httpx.post(f"{server_url}/v1/devices", json=body)
    assert answer.status_code in (400, 422)
    assert set(answer.json()) == {"code", "message"}
    if field:
        assert field in answer.json()["message"]
    assert "tidak sah" in answer.json()["message"]


def test_two_server_processes_on_one_postgresql_answer_alike(postgres_url):
    """Nothing is kept in a process: what one server wrote, the other answers at once."""
    from app.auth.users import login
    from sync.server.database import open_server_database
    from sync.server.setup import create_first_admin
    from tests.conftest import ADMIN_PASSWORD

    first, second = open_server_database(postgres_url), open_server_database(postgres_url)
    try:
        create_first_admin(first.unit_of_work(), "admin", ADMIN_PASSWORD)
        admin = login(second.unit_of_work(), "admin", ADMIN_PASSWORD)
        device = uuid.uuid4()
        with serving(create_app(first)) as one, serving(create_app(second)) as two:
            with SyncClient(one) as client_one, SyncClient(two) as client_two:
                assert client_one.server_info().keys.to_json() == client_two.server_info().keys.to_json()
                ticket = client_one.request_enrollment(
                    device, "Kantor", "7501", DeviceKeys.generate().public()
                )
                assert client_two.device_status(device).status == "pending"
                approve_device(second.unit_of_work(), admin, ticket.code)
                assert client_one.device_status(device).status == "approved"
                revoke_device(first.unit_of_work(), admin, device, "Kantor ditutup")
                with pytest.raises(ServerRefused):
                    client_two.device_status(device)
    finally:
        first.close()
        second.close()
