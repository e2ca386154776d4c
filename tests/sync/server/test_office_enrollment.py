"""Enrollment from the office's side (app/sync/enrollment.py, called by `ejps device enroll|status` and the sync
page), against a real server served by uvicorn: the device keys are kept once, and where enrollment stands is
recorded in the office database as the server answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import Forbidden
from app.sync.enrollment import (
    APPROVED,
    NOT_ENROLLED,
    PENDING,
    REVOKED,
    check_enrollment,
    enroll_device,
    read_enrollment,
)
from db.sync_models import Device, DeviceKey, SyncState
from sync.client import SyncClient
from sync.keys import load_device_keys, public_key_bytes
from sync.server.app import create_app
from sync.server.devices import approve_device, revoke_device
from tests.sync.conftest import serving


@pytest.fixture
def server(server_db, province_admin):
    with serving(create_app(server_db)) as url, SyncClient(url, backoff=0.01) as client:
        yield client


def _office_state(office_db):
    with office_db.unit_of_work() as uow:
        row = uow.session.get(SyncState, 1)
        return read_enrollment(uow.session), row.server_keys if row else None


def test_enroll_approve_and_check_records_the_bound_region(
    server, server_db, province_admin, office_db, admin
):
    pending = enroll_device(office_db.unit_of_work(), admin, server, office_name="Dinsos Limboto")

    state, row = _office_state(office_db)
    assert (pending.status, state.status, state.server_url) == (PENDING, PENDING, server.base_url)
    assert state.code == pending.code and len(pending.code) == 19
    assert state.code_expires_at is not None and state.fingerprint
    assert row == server.server_info().keys.to_json()
    assert check_enrollment(office_db.unit_of_work(), admin, server).status == PENDING

    approve_device(server_db.unit_of_work(), province_admin, pending.code, region="750101")
    approved = check_enrollment(office_db.unit_of_work(), admin, server)

    state, _row = _office_state(office_db)
    assert (approved.status, state.status, state.region) == (APPROVED, APPROVED, "750101")
    assert state.office_name == "Dinsos Limboto"
    assert state.code == ""  # spent


def test_the_device_keys_are_kept_once_and_the_server_knows_their_public_half(
    server, server_db, office_db, admin
):
    enroll_device(office_db.unit_of_work(), admin, server)
    with office_db.unit_of_work() as uow:
        kept = load_device_keys(uow.session)
    assert kept is not None

    enroll_device(office_db.unit_of_work(), admin, server)  # asked again while pending: a new code, same keys

    with office_db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(DeviceKey)).all()) == 1
        assert load_device_keys(uow.session).private_bytes() == kept.private_bytes()
    with server_db.unit_of_work() as uow:
        device = uow.session.scalars(select(Device)).one()
        assert device.signing_key == public_key_bytes(kept.signing.public_key())


def test_a_revoked_device_is_recorded_with_the_servers_reason(
    server, server_db, province_admin, office_db, admin
):
    pending = enroll_device(office_db.unit_of_work(), admin, server)
    approve_device(server_db.unit_of_work(), province_admin, pending.code)
    revoke_device(server_db.unit_of_work(), province_admin, office_db.office.device_id, "laptop hilang")

    revoked = check_enrollment(office_db.unit_of_work(), admin, server)

    assert revoked.status == REVOKED and "dicabut" in revoked.note
    assert _office_state(office_db)[0].status == REVOKED


def test_an_operator_or_guest_cannot_enroll_and_nothing_is_recorded(server, office_db, operator, guest):
    for user in (operator, guest):
        with pytest.raises(Forbidden):
            enroll_device(office_db.unit_of_work(), user, server)
        with pytest.raises(Forbidden):
            check_enrollment(office_db.unit_of_work(), user, server)
    assert _office_state(office_db)[0].status == NOT_ENROLLED
