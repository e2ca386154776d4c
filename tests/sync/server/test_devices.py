"""Enrollment on the provincial server: request, approval with the one-time code, status, revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.auth.roles import Role
from app.auth.users import create_user, login
from app.errors import Forbidden
from db.models import utcnow
from db.sync_models import Device
from sync.keys import DeviceKeys
from sync.server.devices import (
    AlreadyEnrolled,
    DeviceRevoked,
    DeviceStatus,
    InvalidEnrollmentCode,
    UnknownDevice,
    approve_device,
    device_status,
    list_devices,
    request_enrollment,
    revoke_device,
)
from tests.conftest import USER_PASSWORD


def _ask(server_db, region="7501", name="Dinsos Kab. Gorontalo"):
    device = uuid.uuid4()
    ticket = request_enrollment(
        server_db.unit_of_work(), device, name, region, DeviceKeys.generate().public()
    )
    return device, ticket


def test_request_then_approval_with_the_code_binds_office_and_region(server_db, province_admin):
    device, ticket = _ask(server_db, region="7501")
    assert ticket.status == DeviceStatus.PENDING
    assert device_status(server_db.unit_of_work(), device).status == DeviceStatus.PENDING

    approved = approve_device(
        server_db.unit_of_work(), province_admin, ticket.code.lower(), region="750101", office_name="Limboto"
    )

    status = device_status(server_db.unit_of_work(), device)
    assert (approved.status, status.status) == (DeviceStatus.APPROVED, DeviceStatus.APPROVED)
    assert (status.region, status.office_name, status.approved_by) == ("750101", "Limboto", "admin")


def test_a_wrong_code_is_refused_and_the_device_stays_pending(server_db, province_admin):
    device, ticket = _ask(server_db)
    wrong = ("B" if ticket.code[0] == "A" else "A") + ticket.code[1:]
    with pytest.raises(InvalidEnrollmentCode):
        approve_device(server_db.unit_of_work(), province_admin, wrong)
    assert device_status(server_db.unit_of_work(), device).status == DeviceStatus.PENDING


def test_a_code_approves_once(server_db, province_admin):
    _, ticket = _ask(server_db)
    approve_device(server_db.unit_of_work(), province_admin, ticket.code)
    with pytest.raises(InvalidEnrollmentCode):
        approve_device(server_db.unit_of_work(), province_admin, ticket.code)


def test_a_code_older_than_its_validity_is_refused(server_db, province_admin):
    device, ticket = _ask(server_db)
    with server_db.unit_of_work().writing() as uow:
        uow.session.execute(
            update(Device).where(Device.uuid == device).values(requested_at=utcnow() - timedelta(days=8))
        )
        uow.commit()
    with pytest.raises(InvalidEnrollmentCode):
        approve_device(server_db.unit_of_work(), province_admin, ticket.code)


def test_asking_again_while_waiting_replaces_the_code(server_db, province_admin):
    device = uuid.uuid4()
    keys = DeviceKeys.generate().public()
    first = request_enrollment(server_db.unit_of_work(), device, "Kantor", "7501", keys)
    second = request_enrollment(server_db.unit_of_work(), device, "Kantor", "7501", keys)
    with pytest.raises(InvalidEnrollmentCode):
        approve_device(server_db.unit_of_work(), province_admin, first.code)
    approve_device(server_db.unit_of_work(), province_admin, second.code)
    with pytest.raises(AlreadyEnrolled):
        request_enrollment(server_db.unit_of_work(), device, "Kantor", "7501", keys)


def test_revoked_device_is_refused_from_then_on(server_db, province_admin):
    device, ticket = _ask(server_db)
    approve_device(server_db.unit_of_work(), province_admin, ticket.code)

    revoke_device(server_db.unit_of_work(), province_admin, device, "Laptop hilang")

    with pytest.raises(DeviceRevoked):
        device_status(server_db.unit_of_work(), device)
    with pytest.raises(DeviceRevoked):
        request_enrollment(server_db.unit_of_work(), device, "Kantor", "7501", DeviceKeys.generate().public())


def test_unknown_device_is_refused(server_db):
    with pytest.raises(UnknownDevice):
        device_status(server_db.unit_of_work(), uuid.uuid4())


def test_admin_of_one_kabupaten_cannot_bind_a_device_elsewhere(server_db, province_admin):
    kabupaten_admin = _account(server_db, province_admin, "admin_kab", Role.ADMIN, "7501")
    _, ticket = _ask(server_db, region="7502")
    with pytest.raises(Forbidden):
        approve_device(server_db.unit_of_work(), kabupaten_admin, ticket.code)
    with pytest.raises(Forbidden):
        approve_device(server_db.unit_of_work(), kabupaten_admin, ticket.code, region="75")
    approve_device(server_db.unit_of_work(), kabupaten_admin, ticket.code, region="750101")


def test_an_operator_cannot_approve_devices(server_db, province_admin):
    operator = _account(server_db, province_admin, "operator", Role.OPERATOR, "7501")
    _, ticket = _ask(server_db)
    with pytest.raises(Forbidden):
        approve_device(server_db.unit_of_work(), operator, ticket.code)


def test_list_shows_waiting_devices_first_and_only_the_admins_region(server_db, province_admin):
    _, approved = _ask(server_db, region="7501", name="Kab. Gorontalo")
    approve_device(server_db.unit_of_work(), province_admin, approved.code)
    _ask(server_db, region="7502", name="Boalemo")
    _ask(server_db, region="7501", name="Limboto")
    names = [d.office_name for d in list_devices(server_db.unit_of_work(), province_admin)]
    assert names == ["Boalemo", "Limboto", "Kab. Gorontalo"]
    kabupaten_admin = _account(server_db, province_admin, "admin_kab", Role.ADMIN, "7501")
    assert [d.office_name for d in list_devices(server_db.unit_of_work(), kabupaten_admin)] == [
        "Limboto",
        "Kab. Gorontalo",
    ]


def _account(server_db, admin, username, role, region):
    create_user(server_db.unit_of_work(), admin, username, username, USER_PASSWORD, role, region)
    return login(server_db.unit_of_work(), username, USER_PASSWORD)
