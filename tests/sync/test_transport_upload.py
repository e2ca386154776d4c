"""Resumable upload of a laptop's bundle: pieces kept in the server's database, continued by any process."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from app.jobs import Cancelled
from db.sync_models import ChangeLog, UploadPart
from sync.client import TransferInterrupted
from sync.receipts import APPLIED, DUPLICATE, Receipt, open_receipt
from sync.server import transfers
from sync.server.database import open_server_database, server_keys
from tests.sync import transport_standins
from tests.sync.conftest import serving
from tests.sync.transport_standins import (
    change_records,
    enroll,
    server_process,
    signed,
    signed_client,
    standin_app,
    up_bundle,
)

# The fixtures: a server database on SQLite and on PostgreSQL.
server_url_db = transport_standins.server_url_db
server_database = transport_standins.server_database

MB = 1 << 20


def _receipt(database, device, data: bytes) -> Receipt:
    with database.unit_of_work() as uow:
        key = server_keys(uow.session).public().signing
    return open_receipt(data, server_key=key, device=str(device.uuid))


def _held(database, bundle_id) -> int:
    with database.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(UploadPart).where(UploadPart.bundle_id == uuid.UUID(bundle_id))
        )


def _logged(database, device) -> int:
    with database.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(ChangeLog).where(ChangeLog.device == device.uuid)
        )


def test_an_upload_goes_in_pieces_and_is_answered_with_the_signed_receipt(server_database):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 3000, filler=800))
    assert len(bundle.data) > 2 * MB
    reports = []
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        answer = client.upload(
            bundle.header.bundle_id, bundle.data, lambda done, total: reports.append((done, total))
        )
    receipt = _receipt(server_database, device, answer)
    assert (receipt.verdict, len(receipt.answers), receipt.bundle_id) == (
        APPLIED,
        3000,
        bundle.header.bundle_id,
    )
    total = len(bundle.data)
    assert reports[0] == (0, total) and reports[-1] == (total, total)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert len(reports) == -(-total // MB) + 1
    # Answered: the pieces are dropped; the changes are in the stream once.
    assert _held(server_database, bundle.header.bundle_id) == 0
    assert _logged(server_database, device) == 3000


def test_an_upload_from_a_file_path_is_sent_the_same(server_database, tmp_path):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 50))
    path = tmp_path / "keluar.ejps"
    path.write_bytes(bundle.data)
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        answer = client.upload(bundle.header.bundle_id, path)
    assert _receipt(server_database, device, answer).verdict == APPLIED


def test_a_bundle_of_one_piece_goes_without_asking_first_and_a_piece_the_server_holds_is_taken_again(
    server_database,
):
    """One piece: sent, then applied (two requests, not three); a server already holding it (the answer to the
    piece was lost) takes it as a repeat and applies it."""
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 20))
    bundle_id, total = bundle.header.bundle_id, len(bundle.data)
    assert total < MB
    held = transfers.store_upload_part(
        server_database.unit_of_work(), uuid.UUID(bundle_id), 0, total, bundle.data, device.uuid
    )
    assert (held.received, held.total) == (total, total)
    sent = []
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        client._http.event_hooks["request"] = [
            lambda request: sent.append((request.method, request.url.path))
        ]
        answer = client.upload(bundle_id, bundle.data)
    path = f"/v1/uploads/{bundle_id}"
    assert sent == [("PUT", path), ("POST", f"{path}/apply")]
    receipt = _receipt(server_database, device, answer)
    assert (receipt.verdict, len(receipt.answers)) == (APPLIED, 20)
    assert _held(server_database, bundle_id) == 0


def test_a_lost_receipt_is_answered_again_as_duplicate_when_the_same_bundle_is_sent_again(server_database):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 20))
    with serving(standin_app(server_database)) as url, signed_client(url, device) as client:
        first = client.upload(bundle.header.bundle_id, bundle.data)
        again = client.upload(bundle.header.bundle_id, bundle.data)
    assert _receipt(server_database, device, first).verdict == APPLIED
    assert _receipt(server_database, device, again).verdict == DUPLICATE
    assert _logged(server_database, device) == 20


def test_an_upload_killed_at_40_percent_continues_in_a_new_client_and_a_new_server_process(server_url_db):
    """The first server process is killed when 40 % is across; a new process on the same database and a new
    client continue from the piece where it stopped, not from the start."""
    database = open_server_database(server_url_db)
    try:
        device = enroll(database)
        bundle = up_bundle(database, device, change_records(device, 1500, filler=3700))
        total = len(bundle.data)
        assert total > 5 * MB

        with server_process(server_url_db) as (url, process):

            def kill_at_40_percent(done: int, _total: int) -> None:
                if done >= 0.4 * total and process.poll() is None:
                    process.kill()
                    process.wait()

            with (
                signed_client(url, device, attempts=2, backoff=0.01) as client,
                pytest.raises(TransferInterrupted) as cut,
            ):
                client.upload(bundle.header.bundle_id, bundle.data, kill_at_40_percent)
        held = transfers.upload_status(database.unit_of_work(), uuid.UUID(bundle.header.bundle_id))
        assert (held.received, held.total) == (-(-int(0.4 * total) // MB) * MB, total)
        assert f"terputus pada {held.received * 100 // total} %" in str(cut.value)
        assert "melanjutkan dari situ" in str(cut.value)

        reports = []
        with server_process(server_url_db) as (url, _), signed_client(url, device) as client:
            answer = client.upload(bundle.header.bundle_id, bundle.data, lambda d, t: reports.append(d))
        assert reports[0] == held.received  # continued where the server stood
        assert len(reports) == (total - held.received + MB - 1) // MB + 1
        receipt = _receipt(database, device, answer)
        assert (receipt.verdict, len(receipt.answers)) == (APPLIED, 1500)
        assert _logged(database, device) == 1500
    finally:
        database.close()


def test_two_server_processes_on_one_postgresql_serve_pieces_of_the_same_upload(postgres_url):
    first, second = open_server_database(postgres_url), open_server_database(postgres_url)
    try:
        device = enroll(first)
        bundle = up_bundle(first, device, change_records(device, 3000, filler=800))
        pieces = -(-len(bundle.data) // MB)
        assert pieces >= 3
        with serving(standin_app(first)) as one, serving(standin_app(second)) as two:
            clients = [signed_client(one, device), signed_client(two, device)]
            answer, turn, rounds = None, 0, 0
            while answer is None:
                asked = []  # each call sends one piece, then stops: the other process takes the next one

                def one_piece(asked=asked) -> bool:
                    asked.append(1)
                    return len(asked) > 1

                try:
                    answer = clients[turn].upload(bundle.header.bundle_id, bundle.data, cancelled=one_piece)
                except Cancelled:
                    rounds += 1
                turn = 1 - turn
            for client in clients:
                client.close()
        assert rounds == pieces - 1  # the last call sends the last piece and has the bundle applied
        assert _receipt(first, device, answer).verdict == APPLIED
        assert _logged(second, device) == 3000
    finally:
        first.close()
        second.close()


# --- the endpoints' rules, spoken to directly ---------------------------------------------------------------------


def _put(url: str, device, bundle_id: str, start: int, data: bytes, total: int) -> httpx.Response:
    path = f"/v1/uploads/{bundle_id}"
    headers = {"Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"}
    return httpx.put(f"{url}{path}", content=data, headers=headers | signed(device, "PUT", path, data))


def _get(url: str, device, path: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", headers=signed(device, "GET", path))


def _post(url: str, device, path: str) -> httpx.Response:
    return httpx.post(f"{url}{path}", headers=signed(device, "POST", path))


def test_a_piece_is_taken_only_where_the_held_ones_end_and_a_repeated_piece_changes_nothing(server_database):
    device = enroll(server_database)
    data = up_bundle(server_database, device, change_records(device, 10)).data
    bundle_id, total, half = str(uuid.uuid4()), len(data), len(data) // 2
    with serving(standin_app(server_database)) as url:
        assert _get(url, device, f"/v1/uploads/{bundle_id}").json() == {"received": 0, "total": 0}
        assert _put(url, device, bundle_id, 0, data[:half], total).json() == {
            "received": half,
            "total": total,
        }
        assert _put(url, device, bundle_id, 0, data[:half], total).json() == {
            "received": half,
            "total": total,
        }
        ahead = _put(url, device, bundle_id, half + 10, data[half + 10 :], total)
        assert (ahead.status_code, ahead.json()["code"], ahead.json()["received"]) == (
            409,
            "upload_offset",
            half,
        )
        assert "Kirim lanjutan dari bita" in ahead.json()["message"]
        early = _post(url, device, f"/v1/uploads/{bundle_id}/apply")
        assert (early.status_code, early.json()["code"]) == (409, "upload_incomplete")
        assert _put(url, device, bundle_id, half, data[half:], total).json() == {
            "received": total,
            "total": total,
        }
        assert _get(url, device, f"/v1/uploads/{bundle_id}").json() == {"received": total, "total": total}
        # The last piece again (its answer was lost): taken as already held.
        assert _put(url, device, bundle_id, half, data[half:], total).json() == {
            "received": total,
            "total": total,
        }


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"Content-Range": "0-9/10"}, b"EJPSBNDL\x01x", 400, "invalid_range"),
        ({"Content-Range": "bytes 0-9/5"}, b"EJPSBNDL\x01x", 400, "invalid_range"),
        (
            {"Content-Range": "bytes 0-19/40"},
            b"EJPSBNDL\x01x",
            400,
            "invalid_range",
        ),  # shorter than announced
        ({"Content-Range": "bytes 0-9/40"}, b"PK\x03\x04zipzip", 422, "not_a_bundle"),
        ({"Content-Range": f"bytes 0-{9 << 20}/{10 << 20}"}, b"EJPSBNDL\x01x", 413, "part_too_large"),
    ],
)
def test_a_malformed_piece_is_refused_in_indonesian_and_nothing_is_kept(
    server_database, headers, body, status, code
):
    device, bundle_id = enroll(server_database), str(uuid.uuid4())
    path = f"/v1/uploads/{bundle_id}"
    with serving(standin_app(server_database)) as url:
        answer = httpx.put(f"{url}{path}", content=body, headers=headers | signed(device, "PUT", path, body))
        assert (answer.status_code, answer.json()["code"]) == (status, code)
        assert answer.json()["message"]
        assert _get(url, device, f"/v1/uploads/{bundle_id}").json() == {"received": 0, "total": 0}


def test_applying_an_upload_the_server_does_not_hold_says_to_send_it_again(server_database):
    device = enroll(server_database)
    with serving(standin_app(server_database)) as url:
        answer = _post(url, device, f"/v1/uploads/{uuid.uuid4()}/apply")
    assert (answer.status_code, answer.json()["code"]) == (404, "upload_unknown")
    assert "kirim paketnya dari awal" in answer.json()["message"]
