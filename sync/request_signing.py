"""Transfer requests signed by the device's Ed25519 key (`Authorization: EJPS-Ed25519 ...`).

Every upload and download request, and a device's question about its own enrollment status, names the device
and carries its signature over the request itself:

    EJPS-REQUEST-1 \\n METHOD \\n path?query \\n device uuid \\n time \\n sha256(body) hex

The server checks it against the public key of the enrolled device (sync/server/app.py), so knowing a device id
is no longer enough to start, inspect or fetch a transfer, and a signature cannot be moved to other bytes, another
transfer or another device.

Replays. A signed request is taken only while its time lies within WINDOW of the SERVER's clock; older (or
newer) ones are refused. The laptop's own clock is never trusted for this: the laptop signs with its clock
corrected by the offset it learns from the server's answers (every answer's `Date` header, and the server's
time in a "stale_request" refusal, after which the request is signed again and sent once more) — the scheme
of Hawk's timestamp skew correction. So a laptop whose clock is a year off syncs as well as any, and no
server-side nonce store is needed (the server keeps no state per process). Within the window, a replay is
harmless by design: every transfer request is idempotent — the same piece again is recognised, an apply again is
answered "duplicate", a download is encrypted to the device that asked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SCHEME = "EJPS-Ed25519"
WINDOW_SECONDS = 300
_PREFIX = b"EJPS-REQUEST-1"
_AUTHORIZATION = re.compile(
    rf"{SCHEME} device=(?P<device>[0-9a-fA-F-]{{36}}), time=(?P<time>\d{{1,12}}), "
    r"signature=(?P<signature>[A-Za-z0-9_-]{86})"
)


class UnreadableSignature(ValueError):
    """The Authorization header is missing or not of this scheme."""


def signed_text(method: str, target: str, device: uuid.UUID, moment: int, body: bytes) -> bytes:
    """The bytes a request's signature covers. `target`: the path with its query string, as sent."""
    digest = hashlib.sha256(body).hexdigest()
    return b"\n".join(
        [_PREFIX, method.upper().encode(), target.encode(), str(device).encode(), str(moment).encode(),
         digest.encode()]
    )  # fmt: skip


@dataclass
class RequestSigner:
    """The laptop's side: signs requests as `device`, in server time (its clock plus the learnt offset)."""

    device: uuid.UUID
    key: Ed25519PrivateKey
    offset: float = field(default=0.0)  # server clock minus this laptop's clock, in seconds

    def headers(self, method: str, target: str, body: bytes = b"") -> dict[str, str]:
        moment = int(time.time() + self.offset)
        signature = self.key.sign(signed_text(method, target, self.device, moment, body))
        text = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
        return {"Authorization": f"{SCHEME} device={self.device}, time={moment}, signature={text}"}

    def learn_server_time(self, server_time: float) -> None:
        self.offset = server_time - time.time()

    def learn_from_date(self, date_header: str | None) -> None:
        """Takes the server's clock from an answer's `Date` header (second precision: well inside WINDOW)."""
        if not date_header:
            return
        try:
            self.learn_server_time(parsedate_to_datetime(date_header).timestamp())
        except (TypeError, ValueError, IndexError, OverflowError):
            pass


@dataclass(frozen=True)
class SignedRequest:
    device: uuid.UUID
    moment: int
    signature: bytes


def read_authorization(header: str | None) -> SignedRequest:
    match = _AUTHORIZATION.fullmatch((header or "").strip())
    if match is None:
        raise UnreadableSignature(header or "")
    try:
        signature = base64.urlsafe_b64decode(match["signature"] + "==")
        return SignedRequest(uuid.UUID(match["device"]), int(match["time"]), signature)
    except (ValueError, binascii.Error):
        raise UnreadableSignature(header or "") from None


def within_window(moment: int, now: float | None = None) -> bool:
    return abs((time.time() if now is None else now) - moment) <= WINDOW_SECONDS


def signature_valid(
    public_key: Ed25519PublicKey, request: SignedRequest, method: str, target: str, body: bytes
) -> bool:
    try:
        public_key.verify(
            request.signature, signed_text(method, target, request.device, request.moment, body)
        )
    except InvalidSignature:
        return False
    return True
