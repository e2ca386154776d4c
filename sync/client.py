"""The laptop's HTTP transport to the provincial server (httpx): timeouts, retries, clear Indonesian errors.

A request that fails to connect, times out, or gets a 5xx answer is tried again after a growing pause
(0.5 s, 1 s, 2 s… with jitter, so that offices cut off together do not come back together); a refusal (4xx)
is not retried: asking again would be refused again. Every request here is safe to repeat: reading, an
enrollment request, which a repetition only replaces, a piece of an upload, which the server recognises, or
an apply, which the server answers "duplicate" the second time.

Every request is signed with the device's Ed25519 key when the client is given a signer
(sync/request_signing.py): the server takes upload and download requests from enrolled devices only, and tells
a device's enrollment status to that device alone (its key known from the enrollment request). The
signature's time is the server's clock, learnt from its answers, never this laptop's own: a laptop whose clock
is a year off is told the server's time by the first refusal, signs again, and goes on.

Transfers resume where they stopped. An upload asks the server how much it holds and sends the rest in pieces
of 1 MiB. A download is written, still encrypted, to `<target>.partial`; before asking for the rest (HTTP
Range), the partial file is cut back to its verified prefix (whole segments that authenticate: a killed
process's torn tail is not trusted), and it takes the target's name only once the whole file verifies.
"""

from __future__ import annotations

import json as json_module
import os
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.errors import DomainError
from app.i18n import N_
from app.jobs import Cancelled
from sync import receipts
from sync.bundle_file import FILE_VERSION, FORMAT, MAGIC, BundleRefused, canonical, frame, verified_prefix
from sync.keys import InvalidKey, PublicKeys
from sync.request_signing import RequestSigner

CONNECT_TIMEOUT_SECONDS = 10
# A server applying a large bundle may think for a while before it answers.
READ_TIMEOUT_SECONDS = 60
ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
PART_SIZE = 1 << 20  # one upload request, one write of a download
# Applying a bundle of 50,000 changes, or building a region's snapshot, takes the server a while.
APPLY_TIMEOUT_SECONDS = 300
BUILD_TIMEOUT_SECONDS = 600
DOWNLOAD_LIMIT = 50_000

# (bytes done, bytes in all)
TransferProgress = Callable[[int, int], None]


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


class TransferInterrupted(ServerError):
    """A transfer stopped midway (server gone, timeouts); what got across is kept and the next one resumes."""

    code = "interrupted"


class TransferMismatch(ServerError):
    """The server's bundle is not the one partly received (another size): the partial file was dropped."""

    code = "transfer_mismatch"


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


@dataclass(frozen=True)
class DownloadReply:
    bundle_id: str
    size: int
    seq_to: int
    records: int
    expires_at: datetime


def _percent(done: int, total: int) -> int:
    return int(done * 100 / total) if total else 0


def partial_path(target: Path) -> Path:
    """Where a download is written until it is whole: beside the target, already encrypted."""
    return target.with_name(target.name + ".partial")


def _expected_head(bundle_id: str, recipient: str) -> bytes:
    """The clear beginning every file of this bundle for this recipient starts with (sync/bundle_file.py)."""
    envelope = canonical({"bundle_id": bundle_id, "format": FORMAT, "recipient": recipient})
    return MAGIC + bytes([FILE_VERSION]) + frame(envelope)


def sound_partial(
    partial: Path, bundle_id: str, recipient: str, private_key: X25519PrivateKey
) -> tuple[int, bool]:
    """Cuts a partial download back to its verified prefix; (its length, whether the file is whole). A partial
    file of another bundle, or not a bundle at all, is emptied."""
    if not partial.exists():
        return 0, False
    head = _expected_head(bundle_id, recipient)
    with open(partial, "r+b") as file:
        start = file.read(len(head))
        try:
            if start != head[: len(start)]:
                raise BundleRefused("not_a_bundle", "")
            length, complete = verified_prefix(file, recipient=recipient, private_key=private_key)
        except BundleRefused:
            length, complete = 0, False
        if file.seek(0, os.SEEK_END) != length:
            file.truncate(length)
    return length, complete


class _UploadSource:
    """The bytes to upload: in memory, or read piece by piece from a file."""

    def __init__(self, data_or_path: bytes | str | os.PathLike[str]) -> None:
        self._file: BinaryIO | None = None
        if isinstance(data_or_path, bytes | bytearray | memoryview):
            self._data: memoryview | None = memoryview(data_or_path)
            self.size = len(self._data)
        else:
            self._data = None
            self._file = open(data_or_path, "rb")  # noqa: SIM115  (closed by close())
            self.size = os.fstat(self._file.fileno()).st_size

    def read(self, start: int, end: int) -> bytes:
        if self._data is not None:
            return bytes(self._data[start:end])
        assert self._file is not None
        self._file.seek(start)
        return self._file.read(end - start)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")


class SyncClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | None = None,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        signer: RequestSigner | None = None,
    ) -> None:
        """`signer`: this device's, for the transfer requests (uploads, downloads) and its status; the enrollment
        request itself needs none."""
        self.base_url = base_url.rstrip("/")
        self.signer = signer
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

    # uploads -----------------------------------------------------------------------------------------------

    def upload(
        self,
        bundle_id: str | uuid.UUID,
        data_or_path: bytes | str | os.PathLike[str],
        progress: TransferProgress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> bytes:
        """Sends a sealed bundle in pieces, continuing from what the server already holds, then has it applied;
        returns the server's signed receipt (bytes, not yet verified: sync/receipts.py opens it).

        Stops with Cancelled between pieces when asked, with TransferInterrupted when the server is gone: what
        the server holds stays there, and the next call continues from it."""
        bundle_id = str(uuid.UUID(str(bundle_id)))
        source = _UploadSource(data_or_path)
        try:
            self._send_pieces(bundle_id, source, progress, cancelled)
            try:
                return self._apply(bundle_id)
            except ServerRefused as refused:
                if refused.code not in {"upload_unknown", "upload_incomplete"}:
                    raise
            # The server no longer holds the whole bundle: its answer to an apply was lost and the pieces were
            # dropped, or an abandoned upload expired. Sent again, it is answered (as a duplicate if applied).
            self._send_pieces(bundle_id, source, progress, cancelled)
            return self._apply(bundle_id)
        finally:
            source.close()

    def _send_pieces(
        self,
        bundle_id: str,
        source: _UploadSource,
        progress: TransferProgress | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        total = source.size
        path = f"/v1/uploads/{bundle_id}"
        received = 0
        try:
            if total > PART_SIZE:
                held = self._upload_position(self._json("GET", path))
                received = held[0] if held[1] == total else 0
            # A bundle of one piece goes at once: asking first what the server holds could only spare sending
            # that piece again, which the server answers as a repeat; the question was a third of a sync's
            # requests.
            stalled = 0
            while received < total:
                if progress:
                    progress(received, total)
                if cancelled and cancelled():
                    raise Cancelled()
                end = min(received + PART_SIZE, total)
                response = self._send(
                    "PUT",
                    path,
                    content=source.read(received, end),
                    headers={
                        "Content-Range": f"bytes {received}-{end - 1}/{total}",
                        "Content-Type": "application/octet-stream",
                    },
                )
                data = self._decoded(response)
                if response.is_success or data.get("code") == "upload_offset":
                    now_held, held_total = self._upload_position(data)
                else:
                    raise self._refusal(data, response.status_code)
                # A server holding another bundle under this id starts over from our first piece.
                now_held = now_held if held_total == total else 0
                stalled = stalled + 1 if now_held <= received and not response.is_success else 0
                if stalled > 2 or now_held > total:
                    raise self._garbage()
                received = now_held
            if progress:
                progress(total, total)
        except (ServerUnreachable, ServerTimeout, ServerFailed) as error:
            raise TransferInterrupted(
                N_(
                    "Pengiriman paket terputus pada {percent} % ({done} dari {total} bita). {reason} Bagian yang "
                    "sudah diterima server tersimpan; sinkronisasi berikutnya melanjutkan dari situ."
                ),
                percent=_percent(received, total),
                done=received,
                total=total,
                reason=str(error),
            ) from None

    def _upload_position(self, data: dict) -> tuple[int, int]:
        received, total = data.get("received"), data.get("total")
        if not isinstance(received, int) or not isinstance(total, int) or not 0 <= received <= max(total, 0):
            raise self._garbage()
        return received, total

    def _apply(self, bundle_id: str) -> bytes:
        response = self._send("POST", f"/v1/uploads/{bundle_id}/apply", timeout=APPLY_TIMEOUT_SECONDS)
        if response.is_success:
            if not response.content.startswith(receipts.MAGIC):
                raise self._garbage()
            return response.content
        raise self._refusal(self._decoded(response), response.status_code)

    # downloads ---------------------------------------------------------------------------------------------

    def request_download(
        self, device: uuid.UUID | str, since: int, prev_hash: str = "", limit: int = DOWNLOAD_LIMIT
    ) -> DownloadReply:
        """Has the server prepare this device's next down bundle (changes after `since`); says which, how big."""
        body = {"device": str(device), "since": since, "prev_hash": prev_hash, "limit": limit}
        data = self._json("POST", "/v1/downloads", json=body, timeout=BUILD_TIMEOUT_SECONDS)
        try:
            reply = DownloadReply(
                str(uuid.UUID(data["bundle_id"])) if data["bundle_id"] is not None else "",
                int(data["size"]),
                int(data["seq_to"]),
                int(data["records"]),
                datetime.fromisoformat(data["expires_at"]),
            )
        except (KeyError, TypeError, ValueError):
            raise self._garbage() from None
        if (reply.bundle_id and reply.size <= 0) or reply.records < 0:
            raise self._garbage()
        return reply

    def download(
        self,
        bundle_id: str | uuid.UUID,
        target: str | os.PathLike[str],
        progress: TransferProgress | None = None,
        cancelled: Callable[[], bool] | None = None,
        *,
        device: uuid.UUID | str,
        private_key: X25519PrivateKey,
        size: int | None = None,
    ) -> Path:
        """Downloads a prepared bundle to `target` (still encrypted, as the server sealed it to this device),
        continuing a partial download; returns `target` once the whole file verifies.

        `device` and `private_key` (this device's X25519 key) verify what was received before resuming after
        it; `size`, the size request_download announced, if known: a server answering another size is not
        serving this bundle. Cancelled between pieces; TransferInterrupted when the server is gone or answers
        nothing usable for long: what was received stays in `<target>.partial` for the next call."""
        bundle_id = str(uuid.UUID(str(bundle_id)))
        target = Path(target)
        partial = partial_path(target)
        recipient = str(device)
        held, complete = sound_partial(partial, bundle_id, recipient, private_key)
        total = size
        failures = 0
        while not complete:
            before = held
            seen: dict[str, int] = {}
            try:
                total = self._fetch(bundle_id, partial, held, total, progress, cancelled, seen)
            except (httpx.TransportError, _Retry) as error:
                held = partial.stat().st_size if partial.exists() else 0
                total = seen.get("total", total)
                failures = 0 if held > before else failures + 1
                if failures >= self.attempts:
                    raise self._download_interrupted(held, total, error) from None
                self._pause(failures - 1)
                continue
            held, complete = sound_partial(partial, bundle_id, recipient, private_key)
            if not complete:
                # Every byte arrived, yet the file does not verify: the server (or something between) sent
                # other bytes. The sound prefix is kept; the rest is asked again next time.
                raise ServerAnswerInvalid(
                    N_(
                        "Isi paket yang diunduh dari {url} rusak (tidak lolos pemeriksaan). Bagian yang sah "
                        "({done} bita) disimpan; unduhan dilanjutkan dari situ pada sinkronisasi berikutnya."
                    ),
                    url=self.base_url,
                    done=held,
                )
        with open(partial, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(partial, target)
        return target

    def _fetch(
        self,
        bundle_id: str,
        partial: Path,
        held: int,
        total: int | None,
        progress: TransferProgress | None,
        cancelled: Callable[[], bool] | None,
        seen: dict[str, int],
    ) -> int:
        """Appends the rest of the bundle from byte `held` to the partial file; returns the bundle's size (also
        put in `seen` as soon as the answer tells it, for the message if the transfer stops midway)."""
        path = f"/v1/downloads/{bundle_id}"
        headers = {"Range": f"bytes={held}-"} if held else {}
        with self._http.stream("GET", path, headers=headers | self._signature("GET", path, b"")) as response:
            self._learn_time(response)
            if response.status_code in RETRIED_STATUSES:
                raise _Retry(f"HTTP {response.status_code}")
            if response.status_code == 401 and self.signer is not None:
                response.read()
                if self._stale(response):
                    raise _Retry("signed again in the server's time")
            if response.status_code == 416:
                match = _UNSATISFIED_RANGE.fullmatch(response.headers.get("content-range", ""))
                partial.unlink(missing_ok=True)
                raise self._mismatch(held, int(match[1]) if match else None)
            if not response.is_success:
                response.read()
                if response.status_code in (404, 410):
                    partial.unlink(missing_ok=True)  # the server no longer has it: a new one will be asked
                raise self._refusal(self._decoded(response), response.status_code)
            if response.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
                raise self._garbage()
            start, size = self._served_range(response, held)
            if total is not None and size != total:
                partial.unlink(missing_ok=True)
                raise self._mismatch(total, size)
            seen["total"] = size
            done = start
            with open(partial, "r+b" if partial.exists() else "wb") as out:
                out.truncate(start)
                out.seek(start)
                for piece in response.iter_bytes():  # as it arrives: a stall keeps what came before it
                    if done + len(piece) > size:
                        raise self._garbage()
                    out.write(piece)
                    done += len(piece)
                    if progress:
                        progress(done, size)
                    if cancelled and cancelled() and done < size:
                        raise Cancelled()
            if done < size:
                raise _Retry("short body")
            return size

    def _served_range(self, response: httpx.Response, held: int) -> tuple[int, int]:
        """(first byte, bundle size) of what the server sends: the asked range (206), or all of it (200)."""
        if response.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", ""))
            if match is None or int(match[1]) != held or int(match[2]) != int(match[3]) - 1:
                raise self._garbage()
            return held, int(match[3])
        length = response.headers.get("content-length", "")
        if response.status_code != 200 or not length.isdigit() or int(length) == 0:
            raise self._garbage()
        return 0, int(length)  # the whole file again: what was held is rewritten

    def _download_interrupted(self, held: int, total: int | None, error: Exception) -> TransferInterrupted:
        where = {
            "url": self.base_url,
            "percent": _percent(held, total or 0),
            "done": held,
            "total": total if total is not None else "?",
            "n": self.attempts,
        }
        if isinstance(error, httpx.TimeoutException):
            return TransferInterrupted(
                N_(
                    "Unduhan paket dari {url} terhenti pada {percent} % ({done} dari {total} bita): server tidak "
                    "menjawab dalam waktu yang wajar (dicoba {n} kali). Bagian yang sudah diterima disimpan; "
                    "sinkronisasi berikutnya melanjutkan dari situ."
                ),
                **where,
            )
        return TransferInterrupted(
            N_(
                "Unduhan paket dari {url} terputus pada {percent} % ({done} dari {total} bita): sambungan ke server "
                "hilang (dicoba {n} kali). Bagian yang sudah diterima disimpan; sinkronisasi berikutnya "
                "melanjutkan dari situ."
            ),
            **where,
        )

    def _mismatch(self, expected: int | None, size: int | None) -> TransferMismatch:
        return TransferMismatch(
            N_(
                "Ukuran paket di server ({size} bita) tidak cocok dengan yang sedang diunduh ({expected} bita): "
                "paketnya sudah diganti. Bagian yang diterima dibuang; sinkronisasi berikutnya mengunduh paket "
                "baru dari awal."
            ),
            size=size if size is not None else "?",
            expected=expected if expected is not None else "?",
        )

    # the transport -----------------------------------------------------------------------------------------

    def _decoded(self, response: httpx.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise self._garbage() from None
        if not isinstance(data, dict):
            raise self._garbage()
        return data

    def _refusal(self, data: dict, status: int) -> ServerError:
        if isinstance(data.get("code"), str) and isinstance(data.get("message"), str):
            return ServerRefused(data["code"], data["message"], status)
        return self._garbage()

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * (2**attempt) * random.uniform(0.8, 1.2))

    def _json(self, method: str, path: str, json: Any = None, timeout: float | None = None) -> dict:
        response = self._send(method, path, json, timeout=timeout)
        data = self._decoded(response)
        if response.is_success:
            return data
        raise self._refusal(data, response.status_code)

    def _send(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = httpx.Timeout(timeout, connect=CONNECT_TIMEOUT_SECONDS)
        headers = dict(headers or {})
        if json is not None:
            # Serialised here, not by httpx: the signature covers exactly the bytes sent.
            content = json_module.dumps(json, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        body = content or b""
        resigned = False
        attempt = 0
        while True:
            last = attempt == self.attempts - 1
            try:
                response = self._http.request(
                    method,
                    path,
                    content=content,
                    headers=headers | self._signature(method, path, body),
                    **extra,
                )
                self._learn_time(response)
                if response.status_code == 401 and not resigned and self._stale(response):
                    resigned = True  # once: the clock is corrected now, a second refusal is a real one
                    continue
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
            self._pause(attempt)
            attempt += 1

    def _signature(self, method: str, path: str, body: bytes) -> dict[str, str]:
        return self.signer.headers(method, path, body) if self.signer is not None else {}

    def _learn_time(self, response: httpx.Response) -> None:
        if self.signer is not None:
            self.signer.learn_from_date(response.headers.get("date"))

    def _stale(self, response: httpx.Response) -> bool:
        """Whether the server refused the request's time (and told its own, now learnt)."""
        if self.signer is None:
            return False
        try:
            data = response.json()
        except ValueError:
            return False
        if not isinstance(data, dict) or data.get("code") != "stale_request":
            return False
        server_time = data.get("server_time")
        if isinstance(server_time, int | float):
            self.signer.learn_server_time(float(server_time))
        return True

    def _garbage(self) -> ServerAnswerInvalid:
        return ServerAnswerInvalid(
            N_(
                "Jawaban server {url} tidak dapat dibaca: apakah alamat itu benar server e-JPS? Tidak ada yang "
                "berubah."
            ),
            url=self.base_url,
        )


class _Retry(Exception):
    """A download answer worth asking again (a 5xx, a body cut short without a transport error)."""
