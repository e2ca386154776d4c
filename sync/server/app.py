"""The provincial server's HTTP API (FastAPI on uvicorn; OpenAPI at /openapi.json).

FastAPI rather than bare Starlette: the request and answer models are declared once and validated, and the
OpenAPI description — what another team's client is written against — comes from them for free.

No state is kept in the process: every request opens its own unit of work (its own transaction) on the shared
database and reads what it needs there, so several processes behind one PostgreSQL answer alike. Endpoints are
plain functions: FastAPI runs them on its thread pool, as SQLAlchemy's sessions are synchronous.

Every refusal is a JSON object `{"code": stable code, "message": Indonesian sentence}`.

Bundles travel through resumable transfers kept in the database (sync/server/transfers.py): an upload in
pieces (`PUT /v1/uploads/{id}` with Content-Range, `GET` to resume, `POST .../apply` for the signed receipt),
a download prepared per device (`POST /v1/downloads`) and read with Range (`GET /v1/downloads/{id}`). The
apply and the build are the exchange's (sync/server/exchange.py), passed in or imported when first needed;
each receives a fresh unit of work, not yet entered, which it enters and commits itself.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time.

import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, BinaryIO

import anyio
from fastapi import Depends, FastAPI, Header, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.errors import DomainError, Forbidden
from app.i18n import N_
from app.uow import UnitOfWork
from sync import request_signing
from sync.bundle import FORMAT, PROVINCE
from sync.keys import InvalidKey, PublicKeys, public_key_bytes
from sync.server import devices, transfers
from sync.server.apply_processes import (
    ApplyInterrupted,
    ApplyPool,
    ApplyUpload,
    apply_processes_from_environment,
    apply_received,
    exchange_apply_upload,
    not_implemented,
    tune_garbage_collector,
)
from sync.server.database import SERVER_DB_ENV, ServerDatabase, open_server_database, server_keys

API_VERSION = 1

# Bundles applied at once by one server process's threads, when it has no apply processes
# (sync/server/apply_processes.py); the others wait their turn (first come, first served) without
# holding a thread, a database connection or the bundle in memory. An apply is Python holding the GIL most of its time, and its end
# holds the province's stream counter (sync/server/stream.py), for which every other apply waits: with dozens
# in flight in one process, the one holding the counter got the GIL back after each of its round trips only
# among all the others — under 50 offices at once, 6 to 7 connections on average waited for that lock. Two
# keep both the process and the database busy: while one apply runs Python, the other waits on PostgreSQL
# (50 offices on 2 cores, 2 processes: p95 3.6 s with two at once, 3.9-4.2 s with four, 5.6 s with one); the
# memory and the connections applies take stay bounded however many offices send at once (a province grows
# by adding processes).
APPLIES_AT_ONCE = 2

# HTTP status of each refusal code; a refusal not listed is 400.
STATUS_OF_CODE = {
    devices.UnknownDevice.code: 404,
    devices.DeviceRevoked.code: 403,
    devices.AlreadyEnrolled.code: 409,
    devices.InvalidEnrollmentCode.code: 400,
    devices.RequestNotSigned.code: 401,
    devices.RequestStale.code: 401,
    devices.DeviceMismatch.code: 403,
    "forbidden": 403,
    "invalid_request": 422,
    "not_found": 404,
    transfers.DeviceNotApproved.code: 403,
    transfers.UploadOffsetMismatch.code: 409,
    transfers.UploadIncomplete.code: 409,
    transfers.UploadUnknown.code: 404,
    transfers.InvalidPart.code: 400,
    transfers.NotABundleUpload.code: 422,
    transfers.DownloadUnknown.code: 404,
    transfers.DownloadExpired.code: 410,
    transfers.RangeNotSatisfiable.code: 416,
    "part_too_large": 413,
    "not_implemented": 501,
    ApplyInterrupted.code: 503,  # the laptop sends again
}


class KeysIn(BaseModel):
    signing: str = Field(description="Kunci publik Ed25519, 32 bita dalam base64")
    encryption: str = Field(description="Kunci publik X25519, 32 bita dalam base64")


class EnrollmentIn(BaseModel):
    device: uuid.UUID
    office_name: str = Field(min_length=1, max_length=200)
    region: str = Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$", description="Kode wilayah Kemendagri")
    keys: KeysIn


class EnrollmentOut(BaseModel):
    device: uuid.UUID
    status: str
    code: str = Field(description="Kode sekali pakai untuk disetujui admin provinsi")
    expires_at: datetime
    fingerprint: str


class DeviceOut(BaseModel):
    device: uuid.UUID
    status: str
    office_name: str
    requested_region: str
    region: str = Field(description="Wilayah yang diikat admin; kosong selama menunggu")
    fingerprint: str


class ServerOut(BaseModel):
    api: int
    bundle_format: int
    province: str
    keys: KeysIn


class ErrorOut(BaseModel):
    code: str
    message: str


class UploadOut(BaseModel):
    received: int = Field(description="Bita paket yang sudah dipegang server, dari awal: lanjutkan dari sini")
    total: int = Field(description="Ukuran paket seperti diumumkan pengirim; 0 bila belum ada yang diterima")


class DownloadIn(BaseModel):
    device: uuid.UUID
    since: int = Field(ge=0, description="Nomor alur terakhir yang sudah diterapkan kantor (pulled_upto)")
    prev_hash: str = Field(default="", pattern=r"^([0-9a-f]{64})?$", description="Hash paket turun terakhir")
    limit: int = Field(default=50_000, ge=1, le=50_000, description="Perubahan paling banyak dalam paket")


class DownloadOut(BaseModel):
    bundle_id: uuid.UUID | None  # None: nothing new for this device (its cursor is at the stream's head)
    size: int
    seq_to: int
    records: int
    expires_at: datetime


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _refusal_code(error: DomainError) -> str:
    if isinstance(error, Forbidden):
        return "forbidden"
    return getattr(error, "code", "refused")


def _device_out(summary: devices.DeviceSummary) -> DeviceOut:
    return DeviceOut(
        device=summary.device,
        status=summary.status.value,
        office_name=summary.office_name,
        requested_region=summary.requested_region,
        region=summary.region,
        fingerprint=summary.fingerprint,
    )


def _exchange_build_download(
    uow: UnitOfWork, device: uuid.UUID, since: int, prev_hash: str, limit: int, target: BinaryIO
) -> object:
    try:
        from sync.server.exchange import build_download
    except ImportError:
        raise not_implemented() from None
    with uow.writing():  # it records how far the device's down stream was sent
        return build_download(uow, device, since, prev_hash, limit, target)


_CONTENT_RANGE = re.compile(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15})")
_RANGE = re.compile(r"bytes=(\d{1,15})-")  # from a byte to the end: what resuming asks


def _content_range(header: str | None) -> tuple[int, int, int]:
    match = _CONTENT_RANGE.fullmatch((header or "").strip())
    if match is None or int(match[1]) > int(match[2]):
        raise transfers.InvalidPart(
            N_(
                "Kepala Content-Range '{header}' tidak sah: harus berbentuk 'bytes awal-akhir/ukuran', misalnya "
                "'bytes 0-1048575/5242880'."
            ),
            header=header or "",
        )
    return int(match[1]), int(match[2]), int(match[3])


async def _part_body(request: Request, expected: int) -> bytes:
    """The request's body, at most MAX_PART bytes, and exactly the length its Content-Range announced: a
    piece cut short by a dropped connection is never stored."""
    if expected > transfers.MAX_PART:
        error = DomainError(
            N_("Bagian paket terlalu besar ({size} bita; paling besar {limit} bita per permintaan)."),
            size=expected,
            limit=transfers.MAX_PART,
        )
        error.code = "part_too_large"
        raise error
    data = bytearray()
    try:
        async for piece in request.stream():
            data += piece
            if len(data) > expected:
                break
    except ClientDisconnect:
        pass
    if len(data) != expected:
        raise transfers.InvalidPart(
            N_(
                "Bagian paket tidak lengkap atau berlebih: {got} bita diterima, Content-Range menyebut {expected}. "
                "Bagian ini tidak disimpan; kirim ulang."
            ),
            got=len(data),
            expected=expected,
        )
    return bytes(data)


# The signed requests' header, described in /openapi.json for a client written elsewhere. Declared only: the
# signature is checked against the request itself (devices.signed_device), which a dependency cannot see whole.
SIGNED_REQUEST = APIKeyHeader(
    name="Authorization",
    scheme_name=request_signing.SCHEME,
    description=(
        f"`{request_signing.SCHEME} device=<uuid perangkat>, time=<detik Unix menurut jam server>, "
        "signature=<tanda tangan Ed25519, base64url tanpa '='>`: tanda tangan kunci perangkat atas "
        "`EJPS-REQUEST-1\\nMETODE\\npath?query (mulai /v1/)\\nuuid perangkat\\nwaktu\\nsha256(isi) hex`. "
        f"Berlaku {request_signing.WINDOW_SECONDS} detik di sekitar jam server; jawaban 401 `stale_request` "
        "menyebut `server_time`. Lihat sync/request_signing.py."
    ),
    auto_error=False,
)
SIGNED = [Security(SIGNED_REQUEST)]


def _target(request: Request) -> str:
    """The path and query of a request as the client signed it: from `/v1/` on, so that a server published
    under a prefix by a reverse proxy (https://host/ejps/v1/...) checks the same text."""
    path, query = request.url.path, request.url.query
    return path[max(path.find(f"/v{API_VERSION}/"), 0) :] + (f"?{query}" if query else "")


async def _raw_body(request: Request) -> bytes:
    # Read once and kept by Starlette: the body model of the endpoint is parsed from the same bytes.
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def create_app(
    database: ServerDatabase,
    *,
    apply_upload: ApplyUpload | None = None,
    build_download: transfers.BuildDownload | None = None,
    applies_at_once: int = APPLIES_AT_ONCE,
    apply_processes: int = 0,
) -> FastAPI:
    """The server's app on `database`. `apply_upload` and `build_download` are the exchange's (by default
    sync.server.exchange's, imported when first needed). With `apply_processes`, bundles are applied by that
    many processes taking them from one queue (started with the app, ended with it; `apply_upload` is then
    handed to them, so it is a module's function); without, by this process's threads, at most
    `applies_at_once` at a time."""
    apply_upload = apply_upload or exchange_apply_upload
    applying = anyio.CapacityLimiter(applies_at_once)
    build_download = build_download or _exchange_build_download
    pool = ApplyPool(database.url, apply_processes) if apply_processes > 0 else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if pool is None:
            yield
            return
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    app = FastAPI(
        lifespan=lifespan,
        title="e-JPS server provinsi",
        version=str(API_VERSION),
        description="Sinkronisasi kantor e-JPS Desktop dengan server Provinsi Gorontalo.",
        responses={400: {"model": ErrorOut}},
    )

    def unit_of_work() -> Iterator[UnitOfWork]:
        yield database.unit_of_work()

    Uow = Annotated[UnitOfWork, Depends(unit_of_work)]

    def signer(request: Request, body: bytes, *, allow_revoked: bool = False) -> devices.DeviceSummary:
        """The enrolled device that signed this transfer request (sync/request_signing.py); a revoked device
        only for its uploads, which are held for review and never applied."""
        return devices.signed_device(
            database.unit_of_work(),
            request.headers.get("authorization"),
            request.method,
            _target(request),
            body,
            allow_revoked=allow_revoked,
        )

    @app.exception_handler(DomainError)
    def _refused(_request: Request, error: DomainError) -> JSONResponse:
        code = _refusal_code(error)
        return _error(STATUS_OF_CODE.get(code, 400), code, str(error))

    @app.exception_handler(transfers.UploadOffsetMismatch)
    @app.exception_handler(transfers.UploadIncomplete)
    def _upload_position(_request: Request, error: transfers.UploadOffsetMismatch) -> JSONResponse:
        # The answer says where the held pieces end, so that the laptop continues from there.
        body = {"code": error.code, "message": str(error), "received": error.received, "total": error.total}
        return JSONResponse(body, status_code=409)

    @app.exception_handler(devices.RequestStale)
    def _stale(_request: Request, error: devices.RequestStale) -> JSONResponse:
        # The server's time: the laptop corrects its clock's offset with it and signs the request again.
        body = {"code": error.code, "message": str(error), "server_time": error.server_time}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": request_signing.SCHEME})

    @app.exception_handler(transfers.RangeNotSatisfiable)
    def _unsatisfiable(_request: Request, error: transfers.RangeNotSatisfiable) -> JSONResponse:
        response = _error(416, error.code, str(error))
        response.headers["Content-Range"] = f"bytes */{error.size}"
        return response

    @app.exception_handler(RequestValidationError)
    def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        where = ".".join(str(part) for part in problems[0]["loc"][1:]) if problems else ""
        message = DomainError(
            N_("Permintaan tidak sah: kolom {field} kosong atau isinya salah ({detail})."),
            field=where or "?",
            detail=problems[0]["msg"] if problems else "",
        )
        return _error(422, "invalid_request", str(message))

    @app.exception_handler(StarletteHTTPException)
    def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return _error(404, "not_found", str(DomainError(N_("Alamat ini tidak ada di server e-JPS."))))
        return _error(error.status_code, "http_error", str(error.detail))

    @app.get("/v1/server", response_model=ServerOut, summary="Provinsi dan kunci publik server")
    def server_info(uow: Uow) -> ServerOut:
        with uow:
            keys = server_keys(uow.session).public().to_json()
        return ServerOut(api=API_VERSION, bundle_format=FORMAT, province=PROVINCE, keys=KeysIn(**keys))

    @app.post(
        "/v1/devices",
        response_model=EnrollmentOut,
        status_code=201,
        summary="Permintaan pendaftaran perangkat (kode sekali pakai dikembalikan)",
        responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    )
    def request_enrollment(body: EnrollmentIn, uow: Uow) -> EnrollmentOut:
        try:
            keys = PublicKeys.from_json(body.keys.model_dump())
        except InvalidKey:
            raise devices.DeviceError(
                N_("Kunci publik perangkat tidak sah: harus 32 bita dalam base64.")
            ) from None
        ticket = devices.request_enrollment(uow, body.device, body.office_name, body.region, keys)
        return EnrollmentOut(
            device=ticket.device,
            status=ticket.status.value,
            code=ticket.code,
            expires_at=ticket.expires_at,
            fingerprint=devices.key_fingerprint(public_key_bytes(keys.signing)),
        )

    @app.get(
        "/v1/devices/{device}",
        response_model=DeviceOut,
        dependencies=SIGNED,
        summary="Status pendaftaran perangkat (ditandatangani kunci perangkat itu sendiri)",
        responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
    )
    def device_status(device: uuid.UUID, request: Request, body: RawBody, uow: Uow) -> DeviceOut:
        authorization = request.headers.get("authorization")
        return _device_out(
            devices.signed_device_status(uow, device, authorization, request.method, _target(request), body)
        )

    # --- transport: resumable upload of a laptop's bundle, download of the bundle prepared for it ------------

    @app.put(
        "/v1/uploads/{bundle_id}",
        response_model=UploadOut,
        dependencies=SIGNED,
        summary="Satu bagian paket (Content-Range: bytes awal-akhir/ukuran), mulai dari yang sudah dipegang",
        responses={409: {"model": ErrorOut}, 413: {"model": ErrorOut}},
    )
    async def put_upload_part(bundle_id: uuid.UUID, request: Request) -> UploadOut:
        start, end, total = _content_range(request.headers.get("content-range"))
        data = await _part_body(request, end - start + 1)
        device = await run_in_threadpool(lambda: signer(request, data, allow_revoked=True))
        now_held = await run_in_threadpool(
            transfers.store_upload_part, database.unit_of_work(), bundle_id, start, total, data, device.device
        )
        return UploadOut(received=now_held.received, total=now_held.total)

    @app.get(
        "/v1/uploads/{bundle_id}",
        dependencies=SIGNED,
        response_model=UploadOut,
        summary="Berapa bita paket sudah diterima",
    )
    def get_upload(bundle_id: uuid.UUID, request: Request, body: RawBody, uow: Uow) -> UploadOut:
        device = signer(request, body, allow_revoked=True)
        now_held = transfers.upload_status(uow, bundle_id, device.device)
        return UploadOut(received=now_held.received, total=now_held.total)

    @app.post(
        "/v1/uploads/{bundle_id}/apply",
        dependencies=SIGNED,
        response_class=Response,
        summary="Menerapkan paket yang sudah diterima lengkap; jawabannya tanda terima bertanda tangan",
        responses={200: {"content": {"application/octet-stream": {}}}, 409: {"model": ErrorOut}},
    )
    async def apply_uploaded(bundle_id: uuid.UUID, request: Request, body: RawBody) -> Response:
        device = await run_in_threadpool(lambda: signer(request, body, allow_revoked=True))
        if pool is not None:
            receipt = await pool.apply(apply_upload, bundle_id, device.device)
        else:
            receipt = await anyio.to_thread.run_sync(
                apply_received, database, apply_upload, bundle_id, device.device, limiter=applying
            )
        await run_in_threadpool(transfers.finish_upload, database.unit_of_work(), bundle_id, receipt)
        return Response(receipt, media_type="application/octet-stream")

    @app.post(
        "/v1/downloads",
        response_model=DownloadOut,
        dependencies=SIGNED,
        summary="Menyusun paket turun berikutnya untuk perangkat (menggantikan yang sebelumnya)",
        responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
    )
    def post_download(body: DownloadIn, request: Request, raw: RawBody) -> DownloadOut:
        device = signer(request, raw)
        if device.device != body.device:
            raise devices.DeviceMismatch(
                N_(
                    "Permintaan ditandatangani perangkat {signer}, tetapi meminta paket untuk perangkat {device}."
                ),
                signer=str(device.device),
                device=str(body.device),
            )
        offer = transfers.prepare_download(
            database.unit_of_work, body.device, body.since, body.prev_hash, body.limit, build_download
        )
        return DownloadOut(
            bundle_id=offer.bundle_id,
            size=offer.size,
            seq_to=offer.seq_to,
            records=offer.records,
            expires_at=offer.expires_at,
        )

    @app.get(
        "/v1/downloads/{bundle_id}",
        dependencies=SIGNED,
        response_class=StreamingResponse,
        summary="Isi paket turun; dengan Range: bytes=awal- untuk melanjutkan (206)",
        responses={
            200: {"content": {"application/octet-stream": {}}},
            206: {"content": {"application/octet-stream": {}}},
            404: {"model": ErrorOut},
            410: {"model": ErrorOut},
            416: {"model": ErrorOut},
        },
    )
    def get_download(
        bundle_id: uuid.UUID,
        request: Request,
        body: RawBody,
        range: Annotated[str | None, Header()] = None,  # noqa: A002
    ) -> Response:
        device = signer(request, body)
        prepared = transfers.prepared_download(database.unit_of_work(), bundle_id, device.device)
        start = 0
        if range is not None:
            match = _RANGE.fullmatch(range.strip())
            if match is None:
                raise transfers.InvalidPart(
                    N_("Kepala Range '{header}' tidak sah: harus berbentuk 'bytes=awal-'."), header=range
                )
            start = int(match[1])
        if start >= prepared.size:
            raise transfers.RangeNotSatisfiable(start, prepared.size)
        headers = {"Content-Length": str(prepared.size - start), "Accept-Ranges": "bytes"}
        if range is not None:
            headers["Content-Range"] = f"bytes {start}-{prepared.size - 1}/{prepared.size}"
        return StreamingResponse(
            transfers.read_download(database.unit_of_work, prepared, start),
            status_code=206 if range is not None else 200,
            media_type="application/octet-stream",
            headers=headers,
        )

    return app


def app_from_environment() -> FastAPI:
    """The app on the database named by EJPS_SERVER_DB (or the default file), with the apply processes of
    EJPS_SERVER_APPLY_PROCESSES (else `default_apply_processes`): uvicorn's factory, so that
    `ejps serve --workers N` starts N processes on one database. The process is the server's alone: its
    garbage collector is tuned for applies (`tune_garbage_collector`)."""
    database = open_server_database(os.environ.get(SERVER_DB_ENV))
    app = create_app(database, apply_processes=apply_processes_from_environment(database))
    tune_garbage_collector()
    return app
