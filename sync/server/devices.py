"""Enrollment of office installations on the provincial server, and their revocation.

A laptop asks to be enrolled (its UUID, office name, the region it asks for, its public keys) and gets a
one-time code from the server. The operator hands that code to the province's admin (telephone, letter), who
approves it offline (`ejps device approve CODE`): that binds the device to an office and a region. Until then
the request carries no trust at all, which is why asking needs no account on the server.

The server makes the code, not the laptop: the server alone decides its entropy (80 random bits), keeps only
its hash, and knows it to be unique among the waiting requests.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError, Forbidden
from app.i18n import N_
from app.regions import valid_office_region
from app.uow import UnitOfWork
from db.models import utcnow
from db.sync_models import Device, DeviceStream
from sync import request_signing
from sync.keys import (
    PublicKeys,
    encryption_public_key,
    public_key_bytes,
    signing_public_key,
)

CODE_BYTES = 10  # 80 bits: 16 base32 characters, read out as four groups of four
# A request nobody approved within this time must be asked again: an old code lying around grants nothing.
CODE_VALID_DAYS = 7


class DeviceStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REVOKED = "revoked"


class DeviceError(DomainError):
    """A refusal about a device; `code` is stable (for the HTTP answer and the laptop), the message
    Indonesian."""

    code = "device_refused"


class UnknownDevice(DeviceError):
    code = "unknown_device"


class DeviceRevoked(DeviceError):
    code = "device_revoked"


class AlreadyEnrolled(DeviceError):
    code = "already_enrolled"


class InvalidEnrollmentCode(DeviceError):
    code = "invalid_code"


class DeviceNotApproved(DeviceError):
    code = "device_pending"


class RequestNotSigned(DeviceError):
    """A transfer request without a readable device signature, or whose signature does not verify."""

    code = "unsigned_request"


class RequestStale(DeviceError):
    """A signed request whose time lies outside the window around the server's clock (a replay, or a laptop
    that has not yet learnt the server's time: it signs again with the `server_time` of the answer)."""

    code = "stale_request"

    def __init__(self, server_time: float) -> None:
        super().__init__(
            N_(
                "Permintaan ini ditandatangani pada waktu yang terlalu jauh dari jam server (lebih dari {minutes} "
                "menit): permintaan lama yang diulang ditolak. Coba sinkronkan lagi."
            ),
            minutes=request_signing.WINDOW_SECONDS // 60,
        )
        self.server_time = server_time


class DeviceMismatch(DeviceError):
    """A signed request about another device's transfer."""

    code = "device_mismatch"


@dataclass(frozen=True)
class EnrollmentTicket:
    device: uuid.UUID
    status: DeviceStatus
    code: str  # shown once to the laptop; the server keeps only its hash
    expires_at: datetime


@dataclass(frozen=True)
class DeviceSummary:
    device: uuid.UUID
    office_name: str
    requested_region: str
    region: str
    status: DeviceStatus
    fingerprint: str
    requested_at: datetime
    approved_at: datetime | None
    approved_by: str
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str
    keys: PublicKeys


def key_fingerprint(signing_key: bytes) -> str:
    """A short text both sides can read aloud to compare keys: the first 8 bytes of SHA-256 of the Ed25519
    public key, hex in groups of four."""
    digest = hashlib.sha256(signing_key).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def normalize_code(code: str) -> str:
    """The code as generated: typed in lower case, with or without dashes and spaces, it is the same code."""
    return re.sub(r"[\s-]", "", code).upper()


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _summary(device: Device) -> DeviceSummary:
    return DeviceSummary(
        device.uuid,
        device.office_name,
        device.requested_region,
        device.region,
        DeviceStatus(device.status),
        key_fingerprint(device.signing_key),
        device.requested_at,
        device.approved_at,
        device.approved_by,
        device.revoked_at,
        device.revoked_by,
        device.revoke_reason,
        PublicKeys(signing_public_key(device.signing_key), encryption_public_key(device.encryption_key)),
    )


def _find(uow: UnitOfWork, device_uuid: uuid.UUID) -> Device | None:
    return uow.session.scalars(select(Device).where(Device.uuid == device_uuid)).first()


def _revoked(device: Device) -> DeviceRevoked:
    return DeviceRevoked(
        N_(
            "Perangkat {device} ({office}) telah dicabut oleh admin provinsi dan tidak dapat lagi bersinkron. "
            "Hubungi admin Dinas Sosial Provinsi."
        ),
        device=str(device.uuid),
        office=device.office_name,
    )


def _check_region(region: str) -> None:
    if not valid_office_region(region):
        raise DeviceError(
            N_("Kode wilayah {code} bukan wilayah Provinsi Gorontalo menurut Kemendagri."), code=region
        )


def request_enrollment(
    uow: UnitOfWork, device_uuid: uuid.UUID, office_name: str, region: str, keys: PublicKeys
) -> EnrollmentTicket:
    """A device asks to be enrolled. Asking again while waiting (a lost code) replaces the code and keys: only
    the code the admin receives from the office decides which request is approved."""
    with uow.writing():
        office_name = office_name.strip()
        if not office_name:
            raise DeviceError(N_("Nama kantor wajib diisi."))
        _check_region(region)
        signing, encryption = public_key_bytes(keys.signing), public_key_bytes(keys.encryption)
        device = _find(uow, device_uuid)
        if device is not None and device.status == DeviceStatus.REVOKED:
            raise _revoked(device)
        if device is not None and device.status == DeviceStatus.APPROVED:
            raise AlreadyEnrolled(
                N_("Perangkat {device} sudah terdaftar untuk {office} (wilayah {region})."),
                device=str(device_uuid),
                office=device.office_name,
                region=device.region,
            )
        if device is None:
            device = Device(uuid=device_uuid)
            uow.session.add(device)
        code = _new_code()
        now = utcnow()
        device.office_name = office_name
        device.requested_region = region
        device.signing_key, device.encryption_key = signing, encryption
        device.status = DeviceStatus.PENDING.value
        device.enrollment_code_hash = _code_hash(code)
        device.requested_at = now
        uow.audit(
            "device",  # no account: the request is anonymous until an admin approves it
            "device.request",
            "device",
            str(device_uuid),
            after={"office_name": office_name, "region": region, "fingerprint": key_fingerprint(signing)},
        )
        uow.commit()
        return EnrollmentTicket(
            device_uuid, DeviceStatus.PENDING, code, now + timedelta(days=CODE_VALID_DAYS)
        )


def device_status(uow: UnitOfWork, device_uuid: uuid.UUID) -> DeviceSummary:
    """What the server knows of a device; an unknown or revoked one is refused, saying so."""
    with uow:
        device = _find(uow, device_uuid)
        if device is None:
            raise UnknownDevice(
                N_("Perangkat {device} tidak dikenal server. Daftarkan dulu dengan 'ejps device enroll'."),
                device=str(device_uuid),
            )
        if device.status == DeviceStatus.REVOKED:
            raise _revoked(device)
        return _summary(device)


def _require_device_region(actor: CurrentUser, region: str) -> None:
    """The admin manages devices of regions inside their own: a kabupaten's admin cannot bind an office to
    another kabupaten, nor to the whole province."""
    require(actor, Permission.DEVICE_MANAGE)
    if not actor.covers(region):
        raise Forbidden(
            N_("Perangkat wilayah {region} berada di luar wilayah kerja Anda ({own})."),
            region=region,
            own=actor.region_code,
        )


def approve_device(
    uow: UnitOfWork,
    actor: CurrentUser,
    code: str,
    region: str | None = None,
    office_name: str | None = None,
) -> DeviceSummary:
    """Approves the waiting request with this one-time code, binding the device to `region` (by default the
    one it asked for) and `office_name`. The code is then spent."""
    with uow.writing():
        require(actor, Permission.DEVICE_MANAGE)
        device = uow.session.scalars(
            select(Device).where(
                Device.enrollment_code_hash == _code_hash(code), Device.status == DeviceStatus.PENDING.value
            )
        ).first()
        if device is None or _aware(device.requested_at) < utcnow() - timedelta(days=CODE_VALID_DAYS):
            raise InvalidEnrollmentCode(
                N_(
                    "Kode pendaftaran {code} tidak dikenal, sudah dipakai, atau sudah lebih dari {days} hari. "
                    "Periksa kodenya, atau minta kantor mendaftar ulang dengan 'ejps device enroll'."
                ),
                code=code,
                days=CODE_VALID_DAYS,
            )
        bound_region = region or device.requested_region
        _check_region(bound_region)
        _require_device_region(actor, bound_region)
        device.status = DeviceStatus.APPROVED.value
        device.region = bound_region
        if office_name and office_name.strip():
            device.office_name = office_name.strip()
        device.approved_at = utcnow()
        device.approved_by = actor.username
        device.enrollment_code_hash = None
        if uow.session.get(DeviceStream, device.id) is None:
            uow.session.add(DeviceStream(device_id=device.id))
        uow.audit(
            actor,
            "device.approve",
            "device",
            str(device.uuid),
            after={"office_name": device.office_name, "region": bound_region},
        )
        uow.commit()
        return _summary(device)


def revoke_device(uow: UnitOfWork, actor: CurrentUser, device_uuid: uuid.UUID, reason: str) -> DeviceSummary:
    """Revokes a device (a stolen laptop, a closed office): its bundles and requests are refused from now on."""
    with uow.writing():
        require(actor, Permission.DEVICE_MANAGE)
        reason = reason.strip()
        if not reason:
            raise DeviceError(N_("Alasan pencabutan wajib diisi."))
        device = _find(uow, device_uuid)
        if device is None:
            raise UnknownDevice(N_("Perangkat {device} tidak dikenal server."), device=str(device_uuid))
        _require_device_region(actor, device.region or device.requested_region)
        if device.status == DeviceStatus.REVOKED:
            raise DeviceError(N_("Perangkat {device} sudah dicabut."), device=str(device_uuid))
        before = device.status
        device.status = DeviceStatus.REVOKED.value
        device.enrollment_code_hash = None
        device.revoked_at = utcnow()
        device.revoked_by = actor.username
        device.revoke_reason = reason
        uow.audit(
            actor,
            "device.revoke",
            "device",
            str(device_uuid),
            before={"status": before},
            after={"reason": reason},
        )
        uow.commit()
        return _summary(device)


def list_devices(uow: UnitOfWork, actor: CurrentUser) -> list[DeviceSummary]:
    """The devices of the actor's region, waiting ones first."""
    with uow:
        require(actor, Permission.DEVICE_MANAGE)
        devices = uow.session.scalars(select(Device).order_by(Device.requested_at))
        found = [_summary(d) for d in devices if actor.covers(d.region or d.requested_region)]
        order = {DeviceStatus.PENDING: 0, DeviceStatus.APPROVED: 1, DeviceStatus.REVOKED: 2}
        return sorted(found, key=lambda d: order[d.status])


def signed_device(
    uow: UnitOfWork, authorization: str | None, method: str, target: str, body: bytes, *, allow_revoked: bool
) -> DeviceSummary:
    """The device that signed this transfer request (sync/request_signing.py), checked in this order: a
    readable signature, a time inside the window of the server's clock, an enrolled device, the signature
    verifying with its key — only then its status is told: a pending device is refused, a revoked one too
    unless `allow_revoked` (its uploads are taken to be held for review, never applied)."""
    signed = _read_signed(authorization)
    with uow:
        device = _find(uow, signed.device)
        if device is None or not request_signing.signature_valid(
            signing_public_key(device.signing_key), signed, method, target, body
        ):
            raise RequestNotSigned(
                N_(
                    "Tanda tangan permintaan tidak sah: perangkat {device} tidak dikenal server atau kuncinya tidak "
                    "cocok. Daftarkan perangkat ini dengan 'ejps device enroll'."
                ),
                device=str(signed.device),
            )
        if device.status == DeviceStatus.REVOKED and not allow_revoked:
            raise _revoked(device)
        if device.status == DeviceStatus.PENDING:
            raise DeviceNotApproved(
                N_(
                    "Perangkat {device} belum disetujui admin provinsi; sinkronisasi menunggu persetujuan itu."
                ),
                device=str(signed.device),
            )
        return _summary(device)


def _read_signed(authorization: str | None) -> request_signing.SignedRequest:
    """A readable signature of a time inside the window of the server's clock."""
    try:
        signed = request_signing.read_authorization(authorization)
    except request_signing.UnreadableSignature:
        raise RequestNotSigned(
            N_(
                "Permintaan pengiriman atau pengunduhan paket harus ditandatangani kunci perangkat yang terdaftar. "
                "Perbarui e-JPS Desktop di kantor ini, lalu sinkronkan lagi."
            )
        ) from None
    if not request_signing.within_window(signed.moment):
        raise RequestStale(utcnow().timestamp())
    return signed


def signed_device_status(
    uow: UnitOfWork, device_uuid: uuid.UUID, authorization: str | None, method: str, target: str, body: bytes
) -> DeviceSummary:
    """`device_status` asked by the device itself, its request signed with its own key (the one its enrollment
    request gave, so a device still waiting for approval can sign too). Without it, anyone who learnt a
    device's id (a USB file names it, so do the server's logs) could read the office's name and region, and a
    revoked device's reason. An unknown id is said to be unknown: that tells nothing about any office."""
    signed = _read_signed(authorization)
    if signed.device != device_uuid:
        raise DeviceMismatch(
            N_("Permintaan ditandatangani perangkat {signer}, tetapi menanyakan status perangkat {device}."),
            signer=str(signed.device),
            device=str(device_uuid),
        )
    with uow:
        device = _find(uow, device_uuid)
        if device is not None and not request_signing.signature_valid(
            signing_public_key(device.signing_key), signed, method, target, body
        ):
            raise RequestNotSigned(
                N_(
                    "Tanda tangan permintaan tidak sah: kunci perangkat {device} tidak cocok dengan kunci yang "
                    "terdaftar di server."
                ),
                device=str(device_uuid),
            )
    return device_status(uow, device_uuid)
