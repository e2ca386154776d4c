"""The laptop's HTTP transport to the provincial server (httpx): timeouts, retries, clear Indonesian errors.

A request that fails to connect, times out, or gets a 5xx answer is tried again after a growing pause
(0.5 s, 1 s, 2 s… with jitter, so that offices cut off together do not come back together); a refusal (4xx)
is not retried: asking again would be refused again. Every request here is safe to repeat: reading, or an
enrollment request, which a repetition only replaces.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.errors import DomainError
from app.i18n import N_
from sync.keys import InvalidKey, PublicKeys

CONNECT_TIMEOUT_SECONDS = 10
# A server applying a large bundle may think for a while before it answers.
READ_TIMEOUT_SECONDS = 60
ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class ServerError(DomainError):
    """The server could not be reached, or answered something unusable; `code` is stable."""

    code = "server_error"


class ServerUnreachable(ServerError):
    code = "unreachable"


class ServerTimeout(ServerError):
    code = "timeout"


class ServerAnswerInvalid(ServerError):
    code = "invalid_answer"


class ServerFailed(ServerError):
    code = "server_failed"


class ServerRefused(ServerError):
    """The server refused the request with its own code and Indonesian message (passed on as it is)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(N_("Server menolak: {reason}"), reason=message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ServerInfo:
    province: str
    api: int
    bundle_format: int
    keys: PublicKeys


@dataclass(frozen=True)
class EnrollmentReply:
    device: uuid.UUID
    status: str
    code: str
    expires_at: datetime
    fingerprint: str


@dataclass(frozen=True)
class DeviceReply:
    device: uuid.UUID
    status: str
    office_name: str
    requested_region: str
    region: str
    fingerprint: str


class SyncClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | None = None,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout or httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            headers={"User-Agent": "e-JPS-Desktop"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # the requests ------------------------------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        data = self._json("GET", "/v1/server")
        try:
            return ServerInfo(
                str(data["province"]),
                int(data["api"]),
                int(data["bundle_format"]),
                PublicKeys.from_json(data["keys"]),
            )
        except (KeyError, TypeError, ValueError, InvalidKey):
            raise self._garbage() from None

    def request_enrollment(
        self, device: uuid.UUID, office_name: str, region: str, keys: PublicKeys
    ) -> EnrollmentReply:
        body = {"device": str(device), "office_name": office_name, "region": region, "keys": keys.to_json()}
        data = self._json("POST", "/v1/devices", json=body)
        try:
            return EnrollmentReply(
                uuid.UUID(data["device"]),
                str(data["status"]),
                str(data["code"]),
                datetime.fromisoformat(data["expires_at"]),
                str(data["fingerprint"]),
            )
        except (KeyError, TypeError, ValueError):
            raise self._garbage() from None

    def device_status(self, device: uuid.UUID) -> DeviceReply:
        data = self._json("GET", f"/v1/devices/{device}")
        try:
            return DeviceReply(
                uuid.UUID(data["device"]),
                str(data["status"]),
                str(data["office_name"]),
                str(data["requested_region"]),
                str(data["region"]),
                str(data["fingerprint"]),
            )
        except (KeyError, TypeError, ValueError):
            raise self._garbage() from None

    # the transport -----------------------------------------------------------------------------------------

    def _json(self, method: str, path: str, json: Any = None) -> dict:
        response = self._send(method, path, json)
        try:
            data = response.json()
        except ValueError:
            raise self._garbage() from None
        if not isinstance(data, dict):
            raise self._garbage()
        if response.is_success:
            return data
        if isinstance(data.get("code"), str) and isinstance(data.get("message"), str):
            raise ServerRefused(data["code"], data["message"], response.status_code)
        raise self._garbage()

    def _send(self, method: str, path: str, json: Any) -> httpx.Response:
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            try:
                response = self._http.request(method, path, json=json)
            except httpx.TimeoutException:
                if last:
                    raise ServerTimeout(
                        N_(
                            "Server {url} tidak menjawab dalam waktu yang wajar (dicoba {n} kali). Tidak ada "
                            "yang berubah; sinkronisasi dilanjutkan lain kali dari posisi terakhir."
                        ),
                        url=self.base_url,
                        n=self.attempts,
                    ) from None
            except httpx.TransportError:  # refused, reset, DNS, dropped mid-answer
                if last:
                    raise ServerUnreachable(
                        N_(
                            "Server {url} tidak dapat dihubungi (dicoba {n} kali). Periksa jaringan dan alamat "
                            "server, atau pakai sinkronisasi lewat USB."
                        ),
                        url=self.base_url,
                        n=self.attempts,
                    ) from None
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return response
                if last:
                    raise ServerFailed(
                        N_(
                            "Server {url} sedang bermasalah (HTTP {status}, dicoba {n} kali). Coba lagi nanti."
                        ),
                        url=self.base_url,
                        status=response.status_code,
                        n=self.attempts,
                    )
            time.sleep(self.backoff * (2**attempt) * random.uniform(0.8, 1.2))
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _garbage(self) -> ServerAnswerInvalid:
        return ServerAnswerInvalid(
            N_(
                "Jawaban server {url} tidak dapat dibaca: apakah alamat itu benar server e-JPS? Tidak ada yang "
                "berubah."
            ),
            url=self.base_url,
        )
