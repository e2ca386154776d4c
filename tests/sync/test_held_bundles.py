"""A revoked device's bundles are refused, and held for review (issue 12): verified as its own, stored, never
applied, until the province's admin releases them (applied as if the device were still valid) or discards
them, each decision audited; over HTTP and by USB, from the command line too."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from app.errors import DomainError
from cli import EXIT_OK, main
from db.models import AuditEntry
from db.sync_models import Device, HeldBundle, UploadPart
from sync.laptop import export_usb, sync_now
from sync.server import exchange
from sync.server.app import create_app
from sync.server.devices import revoke_device
from sync.server.held import discard_held, hold_usb_file, list_held, release_held
from tests.conftest import ADMIN_PASSWORD
from tests.factories import DESA_LIMBOTO
from tests.sync.conftest import serving
from tests.sync.exchange_helpers import edit_person, import_households, people
from tests.sync.test_exchange_http import point_at


def _actions(database) -> list[str]:
    with database.unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _status(database, office) -> str:
    with database.unit_of_work() as uow:
        return uow.session.scalar(select(Device.status).where(Device.uuid == office.device))


def test_a_revoked_devices_upload_is_held_then_released_as_if_still_valid(
    offices, exchange_server, exchange_admin
):
    a, _b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    with serving(create_app(exchange_server)) as url:
        point_at(a, url)
        sync_now(a.db, a.user)
        revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "laptop hilang")
        edit_person(a, records[0].nik, nama="NAMA TERTAHAN")
        for _attempt in range(2):  # the laptop sends its unanswered bundle again: held once
            try:
                sync_now(a.db, a.user)
            except DomainError:
                pass

    held = list_held(exchange_server.unit_of_work(), exchange_admin)
    assert [(h.device, h.records, h.state) for h in held] == [(a.device, 1, "held")]
    assert people(exchange_server)[records[0].nik]["nama"] != "NAMA TERTAHAN"  # not applied
    with exchange_server.unit_of_work() as uow:
        assert (
            uow.session.scalar(select(UploadPart.bundle_id).limit(1)) is None
        )  # copied, not left in transit

    release_held(exchange_server.unit_of_work(), exchange_admin, held[0].id)
    assert people(exchange_server)[records[0].nik]["nama"] == "NAMA TERTAHAN"
    assert _status(exchange_server, a) == "revoked"  # valid for that one apply only
    assert _actions(exchange_server)[-2:] == ["device.hold", "device.release_held"]
    assert list_held(exchange_server.unit_of_work(), exchange_admin) == []
    with pytest.raises(DomainError, match="sudah diputuskan"):
        release_held(exchange_server.unit_of_work(), exchange_admin, held[0].id)


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_held_usb_bundle_is_listed_and_discarded_from_the_command_line(
    offices, exchange_server, exchange_admin, tmp_path, monkeypatch, capsys
):
    a, _b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "kantor ditutup")
    url = exchange_server.engine.url.render_as_string(hide_password=False)
    sent, answer = tmp_path / "kantor-a.ejps", tmp_path / "jawaban.ejps"
    export_usb(a.db, a.user, sent)
    monkeypatch.setenv("EJPS_USER", "admin")
    monkeypatch.setenv("EJPS_PASSWORD", ADMIN_PASSWORD)

    main(["server", "import", str(sent), "--db", url, "--answer", str(answer)])
    assert "ditahan untuk ditinjau" in capsys.readouterr().out
    assert main(["device", "held", "--db", url]) == EXIT_OK
    listed = capsys.readouterr().out
    assert str(a.device) in listed and "kantor-a" in listed and "perubahan 1–" in listed
    (held,) = list_held(exchange_server.unit_of_work(), exchange_admin)

    assert main(["device", "discard", str(held.id), "--db", url]) == EXIT_OK
    assert "dibuang" in capsys.readouterr().out
    assert set(people(exchange_server)).isdisjoint(r.nik for r in records)
    with exchange_server.unit_of_work() as uow:
        row = uow.session.get(HeldBundle, held.id)
        assert (row.state, row.data, row.decided_by) == ("discarded", None, "admin")
    assert _actions(exchange_server)[-1] == "device.discard_held"
    with pytest.raises(DomainError, match="sudah diputuskan"):
        discard_held(exchange_server.unit_of_work(), exchange_admin, held.id)


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_bundle_not_signed_by_the_revoked_device_is_not_held(
    offices, exchange_server, exchange_admin, tmp_path
):
    a, b, _c = offices
    import_households(b, DESA_LIMBOTO)
    sent = tmp_path / "kantor-b.ejps"
    export_usb(b.db, b.user, sent)
    revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "laptop hilang")

    # B's bundle (B is not revoked) offered for holding: nothing is kept.
    assert hold_usb_file(exchange_server.unit_of_work(), sent) is None
    with exchange_server.unit_of_work() as uow:
        assert uow.session.scalar(select(HeldBundle.id).limit(1)) is None


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
def test_a_release_that_loses_a_race_for_a_nik_runs_again_whole(
    offices, exchange_server, exchange_admin, tmp_path, monkeypatch
):
    """The release's decision and audit share the apply's transaction: when the apply meets a NIK another
    office's bundle committed meanwhile, all of it is rolled back and the release runs again — not the apply
    alone, which would find the device revoked again and say so."""
    a, _b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "laptop hilang")
    sent = tmp_path / "kantor-a.ejps"
    export_usb(a.db, a.user, sent)
    hold_usb_file(exchange_server.unit_of_work(), sent)
    [held] = list_held(exchange_server.unit_of_work(), exchange_admin)
    real_once, lost = exchange._apply_upload_once, []

    def apply_upload_once(session, data):
        if not lost:  # as when another office's bundle committed the same NIK first
            lost.append(True)
            session.rollback()
            raise psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")
        return real_once(session, data)

    monkeypatch.setattr(exchange, "_apply_upload_once", apply_upload_once)

    release_held(exchange_server.unit_of_work(), exchange_admin, held.id)

    assert lost and {r.nik for r in records} <= set(people(exchange_server))
    assert _status(exchange_server, a) == "revoked"
    assert _actions(exchange_server).count("device.release_held") == 1  # recorded once
    assert list_held(exchange_server.unit_of_work(), exchange_admin) == []
