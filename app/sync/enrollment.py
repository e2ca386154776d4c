"""Enrolling this office's installation on the provincial server, as the CLI (`ejps device enroll|status`) and
the sync page both do it.

Enrolling keeps the device's key pairs (made once per installation, in the encrypted office database), asks the
server for its public keys and for a one-time code, and records where things stand in `sync_state` (server URL,
`enrollment = "pending"`, the code, the server's keys) and `sync_enrollment` (fingerprint, until when the code
holds). Checking the status records the server's answer: approved (with the region and office name the admin
bound), still pending, or revoked (with the server's reason).

The network is asked between two short transactions, never inside one: an office's other writers must not wait
on a slow line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError
from app.i18n import N_
from app.uow import UnitOfWork
from db.models import Office, utcnow
from db.sync_models import SyncEnrollment, SyncState

if TYPE_CHECKING:  # the HTTP and key stacks load when enrollment runs, not with the GUI
    from sync.client import SyncClient

NOT_ENROLLED, PENDING, APPROVED, REVOKED = "none", "pending", "approved", "revoked"


@dataclass(frozen=True)
class EnrollmentState:
    status: str  # none | pending | approved | revoked
    server_url: str
    code: str  # the one-time code while pending
    code_expires_at: datetime | None
    fingerprint: str
    office_name: str  # as the server bound it once approved; as asked while pending
    region: str  # the region the server bound (approved)
    requested_at: datetime | None
    checked_at: datetime | None
    note: str  # the server's last word: why a device was revoked or is unknown


def _rows(uow: UnitOfWork) -> tuple[SyncState, SyncEnrollment]:
    state = uow.session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1)
        uow.session.add(state)
    enrollment = uow.session.get(SyncEnrollment, 1)
    if enrollment is None:
        enrollment = SyncEnrollment(id=1)
        uow.session.add(enrollment)
    return state, enrollment


def _state_of(state: SyncState | None, enrollment: SyncEnrollment | None) -> EnrollmentState:
    return EnrollmentState(
        status=state.enrollment if state else NOT_ENROLLED,
        server_url=state.server_url if state else "",
        code=state.enrollment_code if state else "",
        code_expires_at=enrollment.code_expires_at if enrollment else None,
        fingerprint=enrollment.fingerprint if enrollment else "",
        office_name=enrollment.office_name if enrollment else "",
        region=state.device_region if state else "",
        requested_at=enrollment.requested_at if enrollment else None,
        checked_at=enrollment.checked_at if enrollment else None,
        note=enrollment.note if enrollment else "",
    )


def read_enrollment(session) -> EnrollmentState:
    """Where enrollment stands, from the caller's session (no role check: callers check)."""
    return _state_of(session.get(SyncState, 1), session.get(SyncEnrollment, 1))


def _office(uow: UnitOfWork, user: CurrentUser) -> Office:
    office = uow.session.scalars(select(Office)).one()
    require(user, Permission.DEVICE_MANAGE, region=office.region_code)
    return office


def enroll_device(
    uow: UnitOfWork, user: CurrentUser, client: SyncClient, office_name: str | None = None
) -> EnrollmentState:
    """Asks the server at `client.base_url` to enroll this installation; returns the state with the one-time
    code to hand to the province's admin. Asking again while pending replaces the code."""
    from sync.keys import device_keys

    with uow.writing():
        office = _office(uow, user)
        state = uow.session.get(SyncState, 1)
        if state is not None and state.enrollment == APPROVED and state.server_url == client.base_url:
            raise DomainError(
                N_(
                    "Perangkat ini sudah terdaftar dan disetujui pada server {url}. Pendaftaran ulang hanya "
                    "perlu bila perangkat dicabut."
                ),
                url=client.base_url,
            )
        keys = device_keys(uow.session)  # made once per installation, kept in the encrypted database
        device, region = office.device_id, office.region_code
        name = (office_name or "").strip() or office.name
        uow.commit()
    info = client.server_info()
    reply = client.request_enrollment(device, name, region, keys.public())
    with uow.writing():
        _office(uow, user)
        state, enrollment = _rows(uow)
        state.server_url = client.base_url
        state.enrollment = PENDING
        state.enrollment_code = reply.code
        state.server_keys = info.keys.to_json()
        state.device_region = ""
        enrollment.fingerprint = reply.fingerprint
        enrollment.office_name = name
        enrollment.requested_at = utcnow()
        enrollment.code_expires_at = reply.expires_at
        enrollment.checked_at = None
        enrollment.note = ""
        uow.audit(
            user, "device.enroll", "device", str(device), after={"server": client.base_url, "region": region}
        )
        uow.commit()
        return _state_of(state, enrollment)


def check_enrollment(uow: UnitOfWork, user: CurrentUser, client: SyncClient) -> EnrollmentState:
    """Asks the server where this installation's enrollment stands and records the answer."""
    from sync.client import ServerRefused
    from sync.keys import load_device_keys
    from sync.request_signing import RequestSigner

    with uow:
        device = _office(uow, user).device_id
        keys = load_device_keys(uow.session)
    status, region, office_name, note = PENDING, "", "", ""
    if keys is None:  # keys are made when enrolling: without them this installation never asked
        status = NOT_ENROLLED
    else:
        if client.signer is None:
            # The server tells a device's status to that device alone (sync/server/devices.py
            # `signed_device_status`).
            client.signer = RequestSigner(device, keys.signing)
        try:
            reply = client.device_status(device)
        except ServerRefused as refused:
            if refused.code == "device_revoked":
                status, note = REVOKED, str(refused.params.get("reason", refused))
            elif refused.code == "unknown_device":
                status, note = NOT_ENROLLED, str(refused.params.get("reason", refused))
            else:
                raise
        else:
            status = reply.status if reply.status in (PENDING, APPROVED) else PENDING
            region, office_name = reply.region, reply.office_name
    with uow.writing():
        _office(uow, user)
        state, enrollment = _rows(uow)
        before = state.enrollment
        state.server_url = state.server_url or client.base_url
        state.enrollment = status
        enrollment.checked_at = utcnow()
        enrollment.note = note
        if status == APPROVED:
            state.device_region = region
            state.enrollment_code = ""  # spent: the admin approved with it
            enrollment.office_name = office_name
        elif status in (REVOKED, NOT_ENROLLED):
            state.enrollment_code = ""
        if before != status:
            uow.audit(
                user,
                "device.status",
                "device",
                str(device),
                before={"status": before},
                after={"status": status},
            )
        uow.commit()
        return _state_of(state, enrollment)
