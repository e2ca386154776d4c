"""The server's HTTP API, served by uvicorn on a real socket, spoken to by the laptop's client."""

from __future__ import annotations

import uuid

import httpx
import pytest

from sync.bundle import PROVINCE
from sync.client import ServerRefused, SyncClient
from sync.keys import DeviceKeys
from sync.request_signing import RequestSigner
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


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)  # the description: any database
def test_openapi_describes_the_signed_request_header_on_every_signed_route(server_url):
    spec = httpx.get(f"{server_url}/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["EJPS-Ed25519"]
    signed = {
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == [{"EJPS-Ed25519": []}]
    }

    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")
    assert "EJPS-Ed25519 device=" in scheme["description"]
    assert signed == {
        ("get", "/v1/devices/{device}"),
        ("put", "/v1/uploads/{bundle_id}"),
        ("get", "/v1/uploads/{bundle_id}"),
        ("post", "/v1/uploads/{bundle_id}/apply"),
        ("post", "/v1/downloads"),
        ("get", "/v1/downloads/{bundle_id}"),
    }


def test_server_tells_its_province_and_public_keys(server_db, server_url):
    with SyncClient(server_url) as client:
        info = client.server_info()
    with server_db.unit_of_work() as uow:
        expected = server_keys(uow.session).public().to_json()
    assert info.province == PROVINCE
    assert info.keys.to_json() == expected


def _signed_get(server_url: str, device: uuid.UUID, keys: DeviceKeys, asked: uuid.UUID | None = None):
    """GET /v1/devices/{asked} signed as `device` with `keys` (raw HTTP, so that a refusal is seen as sent)."""
    path = f"/v1/devices/{asked or device}"
    return httpx.get(f"{server_url}{path}", headers=RequestSigner(device, keys.signing).headers("GET", path))


def _enrolled(server_url: str, keys: DeviceKeys, office: str = "Kantor") -> tuple[uuid.UUID, str]:
    device = uuid.uuid4()
    with SyncClient(server_url) as client:
        return device, client.request_enrollment(device, office, "7501", keys.public()).code


def test_enrollment_over_http_pending_then_approved_with_region(server_db, server_url, province_admin):
    device, keys = uuid.uuid4(), DeviceKeys.generate()
    with SyncClient(server_url, signer=RequestSigner(device, keys.signing)) as client:
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
    keys = DeviceKeys.generate()
    device, code = _enrolled(server_url, keys)
    approve_device(server_db.unit_of_work(), province_admin, code)
    revoke_device(server_db.unit_of_work(), province_admin, device, "Laptop dicuri")

    answer = _signed_get(server_url, device, keys)
    assert answer.status_code == 403
    assert answer.json()["code"] == "device_revoked"
    assert "dicabut" in answer.json()["message"]
    with SyncClient(server_url) as client, pytest.raises(ServerRefused) as refused:
        client.request_enrollment(device, "Kantor", "7501", DeviceKeys.generate().public())
    assert refused.value.code == "device_revoked"


def test_unknown_device_gets_a_clear_json_refusal(server_url):
    answer = _signed_get(server_url, uuid.uuid4(), DeviceKeys.generate())
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_device")
    assert "tidak dikenal" in answer.json()["message"]


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)  # the signature check: any database
def test_a_pending_device_asks_its_status_with_the_key_of_its_enrollment_request(server_url):
    keys = DeviceKeys.generate()
    device, _code = _enrolled(server_url, keys)

    answer = _signed_get(server_url, device, keys)

    assert (answer.status_code, answer.json()["status"]) == (200, "pending")


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)  # the signature check: any database
@pytest.mark.parametrize("revoked", [False, True])
def test_an_unsigned_status_request_is_refused_and_tells_nothing(
    server_db, server_url, province_admin, revoked
):
    device, code = _enrolled(server_url, DeviceKeys.generate(), office="Dinsos Kab. Gorontalo")
    approve_device(server_db.unit_of_work(), province_admin, code)
    if revoked:
        revoke_device(server_db.unit_of_work(), province_admin, device, "Laptop dicuri di Limboto")

    answer = httpx.get(f"{server_url}/v1/devices/{device}")

    assert (answer.status_code, answer.json()["code"]) == (401, "unsigned_request")
    assert "Gorontalo" not in answer.text and "7501" not in answer.text and "Limboto" not in answer.text


@pytest.mark.parametrize("server_db", ["sqlite"], indirect=True)  # the signature check: any database
def test_a_status_request_signed_by_another_device_or_key_is_refused(server_db, server_url, province_admin):
    keys, other_keys = DeviceKeys.generate(), DeviceKeys.generate()
    device, code = _enrolled(server_url, keys)
    other, other_code = _enrolled(server_url, other_keys)
    for ticket in (code, other_code):
        approve_device(server_db.unit_of_work(), province_admin, ticket)

    asked_by_other = _signed_get(server_url, other, other_keys, asked=device)
    wrong_key = _signed_get(server_url, device, other_keys)

    assert (asked_by_other.status_code, asked_by_other.json()["code"]) == (403, "device_mismatch")
    assert (wrong_key.status_code, wrong_key.json()["code"]) == (401, "unsigned_request")
    assert "Kantor" not in asked_by_other.text + wrong_key.text


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
        device, keys = uuid.uuid4(), DeviceKeys.generate()
        signer = RequestSigner(device, keys.signing)
        with serving(create_app(first)) as one, serving(create_app(second)) as two:
            with SyncClient(one, signer=signer) as client_one, SyncClient(two, signer=signer) as client_two:
                assert client_one.server_info().keys.to_json() == client_two.server_info().keys.to_json()
                ticket = client_one.request_enrollment(device, "Kantor", "7501", keys.public())
                assert client_two.device_status(device).status == "pending"
                approve_device(second.unit_of_work(), admin, ticket.code)
                assert client_one.device_status(device).status == "approved"
                revoke_device(first.unit_of_work(), admin, device, "Kantor ditutup")
                with pytest.raises(ServerRefused):
                    client_two.device_status(device)
    finally:
        first.close()
        second.close()
