"""Tampering through the real applies: every byte of a small real bundle changed in turn, fed to the server's
apply_upload and to the laptop's apply_download, is refused whole with a message the office can read, and the
database does not change; so are a bundle signed by another device, a replayed one, a truncated file, and on
the laptop a down bundle re-addressed, from another province, signed by other than the server, or a ZIP.

The byte loops run on the embedded SQLite server (opening a bundle does not depend on the database kind); the
named cases on both. The bundle format alone is tested byte by byte in test_bundle.py."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest

from app.errors import DomainError
from sync.bundle import BundleRefused, build_bundle
from sync.keys import DeviceKeys, device_keys
from sync.laptop import apply_download, prepare_upload
from sync.receipts import REFUSED, open_receipt
from sync.server.database import server_keys
from sync.server.devices import request_enrollment
from sync.server.exchange import apply_upload, build_download
from sync.streams import down_stream, up_stream
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import edit_person, fingerprint, import_households, usb_round

FLIP = 0x01  # the lowest bit: the smallest change a disk or a cable makes


def _apply(server, data: bytes) -> bytes:
    with server.unit_of_work().writing() as uow:
        return apply_upload(uow, data)


def _server_key(server):
    with server.unit_of_work() as uow:
        return server_keys(uow.session).public().signing


def _refusal(key, signed: bytes, device: str = "") -> tuple[str, str]:
    """(code, message) of the server's answer, which must be a refusal."""
    try:
        receipt = open_receipt(signed, server_key=key, device=device)
    except BundleRefused:  # a refusal of a bundle whose sender could not be read names no device
        receipt = open_receipt(signed, server_key=key, device="", expected=())
    assert receipt.verdict == REFUSED, receipt
    return receipt.refusal_code, receipt.refusal_message


def _flipped(data: bytes):
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= FLIP
        yield position, bytes(damaged)


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_every_byte_of_an_upload_changed_in_turn_is_refused_by_the_server_and_changes_nothing(
    offices, exchange_server
):
    a, _b, _c = offices
    bundle = prepare_upload(a.db, a.user)  # the office's first changes: its users, a handful
    assert bundle is not None and bundle.records <= 10
    before = fingerprint(exchange_server)
    key = _server_key(exchange_server)

    unclear = []
    for position, damaged in _flipped(bundle.data):
        code, message = _refusal(key, _apply(exchange_server, damaged), str(a.device))
        if not code or len(message) < 20:
            unclear.append((position, code, message))

    assert unclear == []
    assert fingerprint(exchange_server) == before
    # The bundle itself, untouched, still applies.
    receipt = open_receipt(_apply(exchange_server, bundle.data), server_key=key, device=str(a.device))
    assert receipt.verdict == "applied"


def _down_bundle(server, office, **overrides) -> bytes:
    """A small down bundle for `office` (its region's snapshot), or one built by hand with `overrides`."""
    target = io.BytesIO()
    with server.unit_of_work().writing() as uow:
        if not overrides:
            build_download(uow, office.device, 0, "", 50_000, target)
            return target.getvalue()
        keys = server_keys(uow.session)
        uow.rollback()
    with office.db.unit_of_work() as uow:
        recipient = device_keys(uow.session).public()
    fields = {
        "sender": "server",
        "recipient": str(office.device),
        "region": "7501",
        "stream": down_stream(str(office.device)),
        "seq_from": 1,
        "seq_to": 5,
        "prev_hash": "",
        "signing_key": keys.signing,
        "recipient_key": recipient.encryption,
    }
    fields.update(overrides)
    record = {
        "device": "server", "seq": 0, "entity": "program", "uid": "3f0c6f4e-8a51-4d0e-9a3c-7b1d2e4f5a60",
        "op": "upsert", "fields": {"nama": "Bantuan"}, "base": 1, "region": "7501", "region_before": None,
        "at": "", "server_seq": 1,
    }  # fmt: skip
    return build_bundle([record], **fields).data


def _cursor(office) -> tuple:
    with office.db.engine.connect() as connection:
        return tuple(connection.exec_driver_sql("SELECT pulled_upto, down_last_hash FROM sync_state").one())


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_every_byte_of_a_down_bundle_changed_in_turn_is_refused_by_the_laptop_and_changes_nothing(
    offices, exchange_server
):
    a, b, _c = offices
    usb_round(a, exchange_server)  # A's users: what B's snapshot carries
    data = _down_bundle(exchange_server, b)
    before, cursor = fingerprint(b.db), _cursor(b)

    unclear = []
    for position, damaged in _flipped(data):
        with pytest.raises(DomainError) as refused:
            apply_download(b.db, b.user, io.BytesIO(damaged))
        if len(str(refused.value)) < 20:
            unclear.append((position, str(refused.value)))

    assert unclear == []
    assert fingerprint(b.db) == before and _cursor(b) == cursor
    assert apply_download(b.db, b.user, io.BytesIO(data)).verdict == "applied"


def test_a_bundle_signed_by_another_device_replayed_truncated_or_from_a_pending_device_is_refused(
    offices, exchange_server
):
    a, b, _c = offices
    people = import_households(a, DESA_LIMBOTO, count=1)
    first = prepare_upload(a.db, a.user)
    usb_round(a, exchange_server)
    edit_person(a, people[0].nik, nama="NAMA BARU")
    usb_round(a, exchange_server)
    with b.db.unit_of_work() as uow:
        b_keys = device_keys(uow.session)
    with exchange_server.unit_of_work() as uow:
        public = server_keys(uow.session).public()
    stranger, stranger_uuid = DeviceKeys.generate(), uuid.uuid4()
    request_enrollment(exchange_server.unit_of_work(), stranger_uuid, "kantor-x", "7501", stranger.public())

    def forged(sender: str, signing) -> bytes:
        change = {
            "device": sender, "seq": 1, "entity": "program", "uid": "9b1e4c2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d",
            "op": "upsert", "fields": {"nama": "Bantuan"}, "base": 0, "region": "7501", "region_before": None,
            "at": "",
        }  # fmt: skip
        return build_bundle(
            [change], sender=sender, recipient="server", region="7501", stream=up_stream(sender), seq_from=1,
            seq_to=1, prev_hash="", signing_key=signing, recipient_key=public.encryption,
        ).data  # fmt: skip

    cases = {
        "bad_signature": forged(str(a.device), b_keys.signing),  # B signs as A
        "replay": first.data,  # A's first bundle after its second was taken
        "truncated": first.data[: len(first.data) // 2],
        "unknown_signer": forged(str(stranger_uuid), stranger.signing),  # enrolled, never approved
    }
    before = fingerprint(exchange_server)
    key = _server_key(exchange_server)
    for expected, data in cases.items():
        code, message = _refusal(key, _apply(exchange_server, data), str(a.device))
        assert code == expected and message
        assert fingerprint(exchange_server) == before, expected


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_down_bundle_re_addressed_replayed_forged_from_another_province_or_a_zip_is_refused(
    offices, exchange_server
):
    a, b, _c = offices
    usb_round(a, exchange_server)
    _receipt, down = usb_round(b, exchange_server)  # B's first down bundle, applied
    assert down is not None
    with exchange_server.unit_of_work().writing() as uow:
        first = io.BytesIO()
        build_download(uow, b.device, 0, "", 50_000, first)
    with a.db.unit_of_work() as uow:
        a_keys = device_keys(uow.session)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("data.csv", "nik,nama\n")
    cases = {
        "wrong_recipient": _down_bundle(exchange_server, a),  # A's, given to B
        "replay": first.getvalue(),  # a snapshot again after the cursor moved (an older answer file)
        "wrong_province": _down_bundle(exchange_server, b, province="76"),
        "unknown_signer": _down_bundle(exchange_server, b, sender=str(a.device), signing_key=a_keys.signing),
        "bad_signature": _down_bundle(exchange_server, b, signing_key=a_keys.signing),
        "not_a_bundle": zipped.getvalue(),
        "truncated": first.getvalue()[:-7],
    }
    before, cursor = fingerprint(b.db), _cursor(b)
    for expected, data in cases.items():
        with pytest.raises(BundleRefused) as refused:
            apply_download(b.db, b.user, io.BytesIO(data))
        assert (refused.value.code, expected) == (expected, expected) and str(refused.value)
        assert fingerprint(b.db) == before and _cursor(b) == cursor, expected
