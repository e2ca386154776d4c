"""What the transport tests and the server load benchmark stand on: enrolled devices with real keys, real
bundles, and a small apply/build pair standing in for the exchange's (sync.server.exchange) until it is merged.

The stand-ins are honest about what they do: the apply opens the bundle as the server would (recipient,
signature by an approved device, every chunk), numbers its changes in the real change stream and advances the
device's up stream in one transaction, and answers a signed receipt; a duplicate gets the same answer again.
The build writes a real bundle sealed to the device (change_log rows after `since`, plus filler records when a
test needs a large one).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest
from sqlalchemy import select

from app.auth.users import login
from app.uow import UnitOfWork
from db.models import User
from db.sync_models import ChangeLog, Device, DeviceStream
from sync.bundle import Signer, build_bundle, open_bundle, write_bundle
from sync.client import SyncClient
from sync.keys import DeviceKeys, encryption_public_key, signing_public_key
from sync.receipts import APPLIED, DUPLICATE, ChangeAnswer, Receipt, sign_receipt
from sync.request_signing import RequestSigner
from sync.server.app import create_app
from sync.server.database import SERVER_DB_ENV, ServerDatabase, open_server_database, server_keys
from sync.server.devices import approve_device, request_enrollment
from sync.server.setup import create_first_admin
from sync.server.stream import append_changes
from sync.streams import down_stream, up_stream
from tests.conftest import ADMIN_PASSWORD
from tests.sync.conftest import _free_port

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class EnrolledDevice:
    uuid: uuid.UUID
    keys: DeviceKeys
    region: str


# Every device enrolled by the tests, by its id: a test holding only a bundle signs its requests as its sender.
_ENROLLED: dict[str, EnrolledDevice] = {}


def _enrolled(device: EnrolledDevice | uuid.UUID | str) -> EnrolledDevice:
    return device if isinstance(device, EnrolledDevice) else _ENROLLED[str(device)]


def signed_client(url: str, device: EnrolledDevice | uuid.UUID | str, **options: Any) -> SyncClient:
    """The laptop's client, signing its transfer requests as `device` (an enrolled one, or its id)."""
    enrolled = _enrolled(device)
    return SyncClient(url, signer=RequestSigner(enrolled.uuid, enrolled.keys.signing), **options)


def signed(
    device: EnrolledDevice | uuid.UUID | str, method: str, path: str, body: bytes = b""
) -> dict[str, str]:
    """The signature headers of a raw request to `path` (from /v1/ on) sent as `device`."""
    enrolled = _enrolled(device)
    return RequestSigner(enrolled.uuid, enrolled.keys.signing).headers(method, path, body)


def enroll(database: ServerDatabase, region: str = "7501", admin=None) -> EnrolledDevice:
    """A device enrolled the way an office is: its request, then the province's admin approving the code."""
    admin = admin or province_admin(database)
    device, keys = uuid.uuid4(), DeviceKeys.generate()
    ticket = request_enrollment(database.unit_of_work(), device, f"Kantor {region}", region, keys.public())
    approve_device(database.unit_of_work(), admin, ticket.code)
    _ENROLLED[str(device)] = EnrolledDevice(device, keys, region)
    return _ENROLLED[str(device)]


def province_admin(database: ServerDatabase):
    """The server's admin, made the first time."""
    with database.unit_of_work() as uow:
        exists = uow.session.scalar(select(User.id).limit(1)) is not None
    if not exists:
        create_first_admin(database.unit_of_work(), "admin", ADMIN_PASSWORD, "Admin Dinsos Provinsi")
    return login(database.unit_of_work(), "admin", ADMIN_PASSWORD)


def change_records(device: EnrolledDevice, count: int, *, filler: int = 0, first_seq: int = 1) -> list[dict]:
    """`count` change records of the device's region; `filler` random bytes (hex) each make the bundle large."""
    return [
        {
            "device": str(device.uuid),
            "seq": seq,
            "entity": "person",
            "uid": str(uuid.uuid4()),
            "op": "upsert",
            "fields": {"nama": f"Warga {seq}", "catatan": os.urandom(filler).hex()}
            if filler
            else {"nama": f"W{seq}"},
            "base": 0,
            "region": device.region,
            "region_before": None,
            "at": "2026-12-06T08:00:00+00:00",
        }
        for seq in range(first_seq, first_seq + count)
    ]


def person_records(device, index: int, count: int) -> list[dict]:
    """`count` new people of the device's region, whole (what an office's registry import sends)."""
    desa = f"{device.region}011001"
    tag = device.uuid.hex[:6]
    return [
        {
            "device": str(device.uuid),
            "seq": seq,
            "entity": "person",
            "uid": str(uuid.uuid4()),
            "op": "upsert",
            "fields": {
                "nik": f"{desa[:6]}{index:06d}{seq:04d}",
                "no_kk": f"{desa[:6]}01{index:04d}{seq // 4:04d}",
                "nama": f"WARGA {tag.upper()} {seq}",
                "nama_key": f"warga {tag} {seq}",
                "jenis_kelamin": "L" if seq % 2 else "P",
                "tgl_lahir": "1980-01-01",
                "kode_desa": desa,
                "hubungan_keluarga": "KEPALA KELUARGA" if seq % 4 == 0 else "ANAK",
            },
            "base": 0,
            "region": desa,
            "region_before": None,
            "at": "2026-12-06T08:00:00+00:00",
        }
        for seq in range(1, count + 1)
    ]


def up_bundle(database: ServerDatabase, device: EnrolledDevice, records: list[dict], prev_hash: str = ""):
    """A real up bundle of `records`, signed by the device and sealed to the server."""
    with database.unit_of_work() as uow:
        server = server_keys(uow.session).public()
    return build_bundle(
        records,
        sender=str(device.uuid),
        recipient="server",
        region=device.region,
        stream=up_stream(str(device.uuid)),
        seq_from=records[0]["seq"],
        seq_to=records[-1]["seq"],
        prev_hash=prev_hash,
        signing_key=device.keys.signing,
        recipient_key=server.encryption,
    )


def _signers(uow: UnitOfWork) -> Callable[[str], Signer | None]:
    def lookup(sender: str) -> Signer | None:
        try:
            device = uow.session.scalars(select(Device).where(Device.uuid == uuid.UUID(sender))).first()
        except ValueError:
            return None
        if device is None or device.status == "pending":
            return None
        return Signer(signing_public_key(device.signing_key), revoked=device.status == "revoked")

    return lookup


def standin_apply_upload(uow: UnitOfWork, bundle: bytes | Path) -> bytes:
    """Stands in for sync.server.exchange.apply_upload: verify, number, answer — one transaction."""
    data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
    with uow.writing():
        keys = server_keys(uow.session)
        opened = open_bundle(data, recipient="server", private_key=keys.encryption, signers=_signers(uow))
        header = opened.header
        device = uow.session.scalars(select(Device).where(Device.uuid == uuid.UUID(header.sender))).one()
        stream = uow.session.get(DeviceStream, device.id)
        if stream.up_last_hash == opened.hash:
            numbers = dict(
                uow.session.execute(
                    select(ChangeLog.seq, ChangeLog.stream_seq).where(
                        ChangeLog.device == device.uuid,
                        ChangeLog.seq.between(header.seq_from, header.seq_to),
                    )
                ).all()
            )
            verdict, answers = (
                DUPLICATE,
                [ChangeAnswer(r["seq"], "duplicate", numbers.get(r["seq"])) for r in opened.records],
            )
        else:
            applied = append_changes(uow.session, device.uuid, opened.records)
            stream.up_seq, stream.up_last_hash = header.seq_to, opened.hash
            verdict = APPLIED
            answers = [
                ChangeAnswer(r["seq"], "applied", n) for r, n in zip(opened.records, applied, strict=True)
            ]
        receipt = Receipt(
            bundle_id=header.bundle_id,
            bundle_hash=opened.hash,
            device=header.sender,
            stream=header.stream,
            verdict=verdict,
            accepted_seq=header.seq_to,
            accepted_hash=opened.hash,
            answers=tuple(answers),
        )
        signed = sign_receipt(receipt, keys.signing)
        uow.commit()
        return signed


@dataclass(frozen=True)
class StandinDownloadInfo:
    bundle_id: str
    seq_to: int
    records: int
    size: int


@dataclass
class StandinBuild:
    """Stands in for sync.server.exchange.build_download: the change_log rows after `since` (not the device's
    own), then `filler` extra records of `filler_bytes` random bytes each (a large bundle on demand)."""

    filler: int = 0
    filler_bytes: int = 600

    def __call__(
        self, uow: UnitOfWork, device: uuid.UUID, since: int, prev_hash: str, limit: int, target: BinaryIO
    ) -> StandinDownloadInfo:
        with uow:
            keys = server_keys(uow.session)
            row = uow.session.scalars(select(Device).where(Device.uuid == device)).one()
            changes = uow.session.scalars(
                select(ChangeLog)
                .where(ChangeLog.stream_seq > since, ChangeLog.device != device)
                .order_by(ChangeLog.stream_seq)
                .limit(limit)
            ).all()
            records: list[dict[str, Any]] = [
                {
                    "stream_seq": c.stream_seq,
                    "entity": c.entity,
                    "uid": str(c.uid),
                    "op": c.op,
                    "fields": c.fields,
                }
                for c in changes
            ]
            records += [
                {"stream_seq": 0, "entity": "filler", "fields": {"x": os.urandom(self.filler_bytes).hex()}}
                for _ in range(self.filler)
            ]
            seq_to = changes[-1].stream_seq if changes else since
            written = write_bundle(
                target,
                records,
                sender="server",
                recipient=str(device),
                region=row.region,
                stream=down_stream(str(device)),
                seq_from=since + 1,
                seq_to=seq_to,
                prev_hash=prev_hash,
                signing_key=keys.signing,
                recipient_key=encryption_public_key(row.encryption_key),
            )
        return StandinDownloadInfo(written.header.bundle_id, seq_to, written.header.records, written.size)


def standin_app(database: ServerDatabase, build: StandinBuild | None = None):
    return create_app(database, apply_upload=standin_apply_upload, build_download=build or StandinBuild())


def app_from_environment():
    """uvicorn's factory for a server process on EJPS_SERVER_DB with the stand-ins (tests, the benchmark)."""
    filler = int(os.environ.get("EJPS_STANDIN_FILLER", "0"))
    return standin_app(open_server_database(os.environ[SERVER_DB_ENV]), StandinBuild(filler=filler))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- fixtures (imported by the test modules) ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url_db(request) -> Iterator[str]:
    """The URL of a fresh server database on each backend the server runs on."""
    fixture = "sqlite_server_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def server_database(server_url_db) -> Iterator[ServerDatabase]:
    database = open_server_database(server_url_db)
    yield database
    database.close()


@contextmanager
def server_process(database_url: str, *, filler: int = 0) -> Iterator[tuple[str, subprocess.Popen]]:
    """A server in a process of its own (uvicorn, the stand-ins) on `database_url`; yields (URL, process)."""
    port = _free_port()
    environment = os.environ | {SERVER_DB_ENV: database_url, "EJPS_STANDIN_FILLER": str(filler)}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "tests.sync.transport_standins:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPOSITORY, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server process ended before answering")
            try:
                if httpx.get(f"{url}/v1/server", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server process did not answer")
            time.sleep(0.1)
        yield url, process
    finally:
        process.kill()
        process.wait(timeout=10)


# --- a server that misbehaves on the requests a test chooses -------------------------------------------------


@dataclass
class Fault:
    """What to do to requests of `method` on paths starting with `path`, after letting `after` of them pass.

    kind: "html" (a captive portal's page), "stall" (answer nothing for `seconds`), "status" (answer `status`
    with `headers`), or, for downloads, "cut_at" / "stall_at" / "corrupt_at" byte `at` of the bundle file."""

    method: str
    path: str
    kind: str
    after: int = 0
    at: int = 0
    seconds: float = 1.0
    status: int = 200
    headers: tuple[tuple[bytes, bytes], ...] = ()
    once: bool = False  # only the first request it chooses


class Misbehaving:
    """An ASGI wrapper around the real app: passes requests through, except those its `fault` chooses; keeps
    the Range header of every download request."""

    def __init__(self, app) -> None:
        self.app = app
        self.fault: Fault | None = None
        self.ranges: list[str | None] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        requested = dict(scope["headers"]).get(b"range")
        if scope["method"] == "GET" and scope["path"].startswith("/v1/downloads/"):
            self.ranges.append(requested.decode() if requested else None)
        fault = self.fault
        if fault is None or scope["method"] != fault.method or not scope["path"].startswith(fault.path):
            return await self.app(scope, receive, send)
        if fault.after > 0:
            fault.after -= 1
            return await self.app(scope, receive, send)
        if fault.once:
            self.fault = None
        if fault.kind in ("html", "stall", "status"):
            while (await receive()).get("more_body"):
                pass
            if fault.kind == "stall":
                await asyncio.sleep(fault.seconds)
                return None
            status, headers, body = fault.status, list(fault.headers), b""
            if fault.kind == "html":
                headers, body = [(b"content-type", b"text/html")], b"<html>Login hotspot</html>"
            await send({"type": "http.response.start", "status": status, "headers": headers})
            return await send({"type": "http.response.body", "body": body})
        position = int(requested.decode().split("=")[1].rstrip("-")) if requested else 0
        stalled: list[bool] = []

        async def faulty_send(message) -> None:
            nonlocal position
            if message["type"] != "http.response.body":
                return await send(message)
            body = message.get("body", b"")
            start, position = position, position + len(body)
            if fault.kind == "corrupt_at":
                if position > fault.at:
                    cut = max(0, fault.at - start)
                    body = body[:cut] + bytes(b ^ 0xFF for b in body[cut:])
                return await send({**message, "body": body})
            if position <= fault.at:
                return await send(message)
            if start < fault.at:
                await send(
                    {"type": "http.response.body", "body": body[: fault.at - start], "more_body": True}
                )
            if fault.kind == "stall_at" and not stalled:
                stalled.append(True)
                await asyncio.sleep(fault.seconds)
            return None  # nothing more leaves: the answer ends short of its length

        return await self.app(scope, receive, faulty_send)
