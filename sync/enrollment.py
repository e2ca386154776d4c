"""The laptop's side of enrollment: ask the provincial server to enroll this office installation.

The office admin asks; the server answers a one-time code, which the admin hands to the province's admin
(telephone, letter) for approval. The device's key pairs are made by the caller and must be kept by it (in the
encrypted office database, sync/keys.py): the server binds the device to their public halves.
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.uow import UnitOfWork
from db.models import Office
from sync.client import DeviceReply, EnrollmentReply, SyncClient
from sync.keys import DeviceKeys


def request_office_enrollment(
    uow: UnitOfWork, user: CurrentUser, client: SyncClient, keys: DeviceKeys
) -> EnrollmentReply:
    with uow:
        office = uow.session.scalars(select(Office)).one()
        require(user, Permission.DEVICE_MANAGE, region=office.region_code)
        device, name, region = office.device_id, office.name, office.region_code
    return client.request_enrollment(device, name, region, keys.public())


def office_enrollment_status(uow: UnitOfWork, user: CurrentUser, client: SyncClient) -> DeviceReply:
    with uow:
        office = uow.session.scalars(select(Office)).one()
        require(user, Permission.DEVICE_MANAGE, region=office.region_code)
        device = office.device_id
    return client.device_status(device)
