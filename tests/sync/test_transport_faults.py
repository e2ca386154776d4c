"""Transfers through a server that misbehaves midway (garbage, silence, dropped connections, ranges and sizes
that do not fit): a clear Indonesian message, and the partial state left to resume."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from db.sync_models import ChangeLog
from sync.client import (
    ServerAnswerInvalid,
    TransferInterrupted,
    TransferMismatch,
    partial_path,
)
from sync.receipts import DUPLICATE, open_receipt
from sync.server import transfers
from sync.server.database import server_keys
from tests.sync import transport_standins
from tests.sync.conftest import serving
from tests.sync.test_transport_download import stored_bytes
from tests.sync.transport_standins import (
    Fault,
    Misbehaving,
    StandinBuild,
    change_records,
    enroll,
    signed_client,
    standin_app,
    up_bundle,
)

server_url_db = transport_standins.server_url_db
server_database = transport_standins.server_database

MB = 1 << 20
QUICK = httpx.Timeout(0.3, connect=2)


@pytest.fixture
def upload(server_database):
    device = enroll(server_database)
    bundle = up_bundle(server_database, device, change_records(device, 700, filler=4000))
    assert len(bundle.data) > 2 * MB
    return bundle


def _held(database, bundle) -> int:
    return transfers.upload_status(database.unit_of_work(), uuid.UUID(bundle.header.bundle_id)).received


def test_garbage_answered_midway_through_an_upload_is_said_and_the_upload_resumes(server_database, upload):
    app = Misbehaving(standin_app(server_database))
    app.fault = Fault("PUT", "/v1/uploads/", "html", after=1)
    with serving(app) as url:
        with (
            signed_client(url, upload.header.sender, backoff=0.01) as client,
            pytest.raises(ServerAnswerInvalid) as garbage,
        ):
            client.upload(upload.header.bundle_id, upload.data)
        assert "tidak dapat dibaca" in str(garbage.value)
        assert _held(server_database, upload) == MB
        app.fault = None
        with signed_client(url, upload.header.sender) as client:
            reports = []
            client.upload(upload.header.bundle_id, upload.data, lambda d, t: reports.append(d))
    assert reports[0] == MB


def test_a_server_that_stops_answering_midway_through_an_upload_is_said_and_the_upload_resumes(
    server_database, upload
):
    app = Misbehaving(standin_app(server_database))
    app.fault = Fault("PUT", "/v1/uploads/", "stall", after=1, seconds=1.0)
    with serving(app) as url:
        with signed_client(url, upload.header.sender, timeout=QUICK, attempts=2, backoff=0.01) as client:
            with pytest.raises(TransferInterrupted) as silent:
                client.upload(upload.header.bundle_id, upload.data)
        message = str(silent.value)
        assert (
            "terputus pada" in message and "tidak menjawab" in message and "melanjutkan dari situ" in message
        )
        assert _held(server_database, upload) == MB
        app.fault = None
        with signed_client(url, upload.header.sender) as client:
            reports = []
            client.upload(upload.header.bundle_id, upload.data, lambda d, t: reports.append(d))
    assert reports[0] == MB


def test_a_lost_answer_to_the_apply_is_recovered_by_sending_again_and_answered_duplicate(
    server_database, upload
):
    """The server applied the bundle and dropped its pieces, but the receipt never arrived: the client asks
    again, learns the server holds nothing, sends the bundle again and gets the stored answer."""
    app = Misbehaving(standin_app(server_database))
    app.fault = Fault("POST", "/v1/uploads/", "cut_at", at=0, once=True)
    with serving(app) as url, signed_client(url, upload.header.sender, backoff=0.01) as client:
        answer = client.upload(upload.header.bundle_id, upload.data)
    with server_database.unit_of_work() as uow:
        key = server_keys(uow.session).public().signing
        logged = uow.session.scalar(select(func.count()).select_from(ChangeLog))
    receipt = open_receipt(answer, server_key=key, device=upload.header.sender)
    assert (receipt.verdict, logged) == (DUPLICATE, 700)


@pytest.fixture
def prepared(server_database, tmp_path):
    """A device, a ~3 MB download prepared for it behind a misbehaving server, and where it goes."""
    device = enroll(server_database)
    app = Misbehaving(standin_app(server_database, StandinBuild(filler=3000, filler_bytes=1000)))
    return device, app, tmp_path / "turun.ejps"


def _finish(url, device, offer, target, database) -> None:
    """The server behaves again: the download completes from what was kept, byte for byte."""
    with signed_client(url, device) as client:
        client.download(offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
    assert target.read_bytes() == stored_bytes(database, offer.bundle_id)


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("stall_at", TransferInterrupted, "tidak menjawab dalam waktu yang wajar"),
        ("cut_at", TransferInterrupted, "sambungan ke server hilang"),
    ],
)
def test_a_download_the_server_stops_midway_keeps_what_arrived_and_resumes(
    server_database, prepared, kind, error, words
):
    device, app, target = prepared
    with serving(app) as url:
        with signed_client(url, device, timeout=QUICK, attempts=2, backoff=0.01) as client:
            offer = client.request_download(device.uuid, 0)
            app.fault = Fault("GET", "/v1/downloads/", kind, at=int(1.5 * MB), seconds=1.0)
            with pytest.raises(error) as stopped:
                client.download(
                    offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption
                )
        assert words in str(stopped.value) and "melanjutkan dari situ" in str(stopped.value)
        assert partial_path(target).stat().st_size == int(1.5 * MB)
        app.fault = None
        _finish(url, device, offer, target, server_database)
    assert app.ranges[-1] is not None and int(app.ranges[-1].split("=")[1].rstrip("-")) > MB


def test_a_garbage_page_instead_of_the_download_is_said_and_the_partial_file_is_kept(
    server_database, prepared
):
    device, app, target = prepared
    with serving(app) as url:
        with signed_client(url, device) as client:
            offer = client.request_download(device.uuid, 0)
        app.fault = Fault("GET", "/v1/downloads/", "cut_at", at=2 * MB + 100)
        with signed_client(url, device, attempts=1) as client, pytest.raises(TransferInterrupted):
            client.download(offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
        kept = partial_path(target).read_bytes()
        app.fault = Fault("GET", "/v1/downloads/", "html")
        with signed_client(url, device) as client, pytest.raises(ServerAnswerInvalid) as garbage:
            client.download(offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
        assert "tidak dapat dibaca" in str(garbage.value)
        now = partial_path(target).read_bytes()
        assert len(now) > MB and kept.startswith(now)  # the verified prefix of what was kept; no HTML in it
        app.fault = None
        _finish(url, device, offer, target, server_database)


def test_corrupted_bytes_are_caught_at_the_end_and_cut_back_to_the_verified_prefix(server_database, prepared):
    device, app, target = prepared
    with serving(app) as url:
        with signed_client(url, device) as client:
            offer = client.request_download(device.uuid, 0)
            app.fault = Fault("GET", "/v1/downloads/", "corrupt_at", at=int(1.5 * MB))
            with pytest.raises(ServerAnswerInvalid) as corrupt:
                client.download(
                    offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption
                )
        assert "rusak" in str(corrupt.value) and not target.exists()
        assert MB < partial_path(target).stat().st_size < int(1.5 * MB)  # the segments before the damage
        app.fault = None
        _finish(url, device, offer, target, server_database)


def test_a_416_or_a_changed_size_drops_the_partial_file_and_says_the_bundle_changed(
    server_database, prepared
):
    device, app, target = prepared
    with serving(app) as url:
        with signed_client(url, device) as client:
            offer = client.request_download(device.uuid, 0)
        partial_path(target).write_bytes(stored_bytes(server_database, offer.bundle_id)[: 2 * MB])
        app.fault = Fault(
            "GET", "/v1/downloads/", "status", status=416, headers=((b"content-range", b"bytes */900"),)
        )
        with signed_client(url, device) as client, pytest.raises(TransferMismatch) as mismatch:
            client.download(offer.bundle_id, target, device=device.uuid, private_key=device.keys.encryption)
        assert "tidak cocok" in str(mismatch.value) and "900" in str(mismatch.value)
        assert not partial_path(target).exists()

        # Answered with another size than the server announced: not the same bundle any more.
        size = offer.size + 5
        app.fault = Fault(
            "GET", "/v1/downloads/", "status", status=200,
            headers=((b"content-type", b"application/octet-stream"), (b"content-length", str(size).encode())),
        )  # fmt: skip
        with signed_client(url, device) as client, pytest.raises(TransferMismatch):
            client.download(
                offer.bundle_id,
                target,
                size=offer.size,
                device=device.uuid,
                private_key=device.keys.encryption,
            )
