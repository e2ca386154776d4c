"""The provincial server's HTTP API (FastAPI on uvicorn; OpenAPI at /openapi.json).

FastAPI rather than bare Starlette: the request and answer models are declared once and validated, and the
OpenAPI description — what another team's client is written against — comes from them for free.

No state is kept in the process: every request opens its own unit of work (its own transaction) on the shared
database and reads what it needs there, so several processes behind one PostgreSQL answer alike. Endpoints are
plain functions: FastAPI runs them on its thread pool, as SQLAlchemy's sessions are synchronous.

Every refusal is a JSON object `{"code": stable code, "message": Indonesian sentence}`.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time.

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError, Forbidden
from app.i18n import N_
from app.uow import UnitOfWork
from sync.bundle import FORMAT, PROVINCE
from sync.keys import InvalidKey, PublicKeys, public_key_bytes
from sync.server import devices
from sync.server.database import SERVER_DB_ENV, ServerDatabase, open_server_database, server_keys

API_VERSION = 1

# HTTP status of each refusal code; a refusal not listed is 400.
STATUS_OF_CODE = {
    devices.UnknownDevice.code: 404,
    devices.DeviceRevoked.code: 403,
    devices.AlreadyEnrolled.code: 409,
    devices.InvalidEnrollmentCode.code: 400,
    "forbidden": 403,
    "invalid_request": 422,
    "not_found": 404,
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


def create_app(database: ServerDatabase) -> FastAPI:
    app = FastAPI(
        title="e-JPS server provinsi",
        version=str(API_VERSION),
        description="Sinkronisasi kantor e-JPS Desktop dengan server Provinsi Gorontalo.",
        responses={400: {"model": ErrorOut}},
    )

    def unit_of_work() -> Iterator[UnitOfWork]:
        yield database.unit_of_work()

    Uow = Annotated[UnitOfWork, Depends(unit_of_work)]

    @app.exception_handler(DomainError)
    def _refused(_request: Request, error: DomainError) -> JSONResponse:
        code = _refusal_code(error)
        return _error(STATUS_OF_CODE.get(code, 400), code, str(error))

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
        summary="Status pendaftaran perangkat",
        responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
    )
    def device_status(device: uuid.UUID, uow: Uow) -> DeviceOut:
        return _device_out(devices.device_status(uow, device))

    return app


def app_from_environment() -> FastAPI:
    """The app on the database named by EJPS_SERVER_DB (or the default file): uvicorn's factory, so that
    `ejps serve --workers N` starts N processes on one database."""
    return create_app(open_server_database(os.environ.get(SERVER_DB_ENV)))
