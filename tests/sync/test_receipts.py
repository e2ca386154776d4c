"""A receipt opens only as the server signed it, for this device and a bundle it waits for."""

from __future__ import annotations

import pytest

from sync.bundle import BundleRefused
from sync.keys import DeviceKeys
from sync.receipts import ChangeAnswer, Receipt, open_receipt, sign_receipt

DEVICE = "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"


@pytest.fixture(scope="module")
def server_keys() -> DeviceKeys:
    return DeviceKeys.generate()


def receipt(**overrides) -> Receipt:
    values = dict(
        bundle_id="b-1",
        bundle_hash="ab" * 32,
        device=DEVICE,
        stream=f"up:{DEVICE}",
        verdict="applied",
        accepted_seq=3,
        accepted_hash="ab" * 32,
        answers=(
            ChangeAnswer(1, "applied", 101),
            ChangeAnswer(2, "conflict", 102, "identity"),
            ChangeAnswer(3, "refused", None, "append_only"),
        ),
        server_time="2026-12-06T10:00:00+00:00",
    )
    values.update(overrides)
    return Receipt(**values)


def test_a_signed_receipt_opens_to_the_same_answers(server_keys):
    data = sign_receipt(receipt(), server_keys.signing)
    opened = open_receipt(data, server_key=server_keys.public().signing, device=DEVICE, expected={"b-1"})
    assert opened == receipt()
    assert opened.answers_by_seq()[2].code == "identity"


def test_every_byte_changed_is_refused(server_keys):
    data = sign_receipt(receipt(), server_keys.signing)
    refused = 0
    for index in range(len(data)):
        altered = bytearray(data)
        altered[index] ^= 0x01
        with pytest.raises(BundleRefused):
            open_receipt(bytes(altered), server_key=server_keys.public().signing, device=DEVICE)
        refused += 1
    assert refused == len(data)


def test_a_receipt_signed_by_another_key_is_refused(server_keys):
    data = sign_receipt(receipt(), DeviceKeys.generate().signing)
    with pytest.raises(BundleRefused) as error:
        open_receipt(data, server_key=server_keys.public().signing, device=DEVICE)
    assert error.value.code == "bad_signature"


def test_a_receipt_for_another_device_or_bundle_is_refused(server_keys):
    data = sign_receipt(receipt(device="5d2e7c90-1f3b-4a8e-b6d4-2c9e8f7a1b03"), server_keys.signing)
    with pytest.raises(BundleRefused) as error:
        open_receipt(data, server_key=server_keys.public().signing, device=DEVICE)
    assert error.value.code == "wrong_recipient"
    data = sign_receipt(receipt(), server_keys.signing)
    with pytest.raises(BundleRefused):
        open_receipt(data, server_key=server_keys.public().signing, device=DEVICE, expected={"b-2"})


@pytest.mark.parametrize(
    "garbage", [b"", b"<html>Login Wi-Fi</html>", b"EJPSRCPT", b"PK\x03\x04" + b"0" * 100]
)
def test_garbage_from_a_proxy_or_a_portal_is_refused_with_a_clear_message(server_keys, garbage):
    with pytest.raises(BundleRefused) as error:
        open_receipt(garbage, server_key=server_keys.public().signing, device=DEVICE)
    assert error.value.code == "bad_receipt"
    assert "tetap menunggu" in str(error.value)


def test_a_signed_receipt_whose_answers_are_not_answers_is_refused(server_keys):
    bad = receipt(answers=(ChangeAnswer(1, "maybe", None),))
    with pytest.raises(BundleRefused) as error:
        open_receipt(
            sign_receipt(bad, server_keys.signing), server_key=server_keys.public().signing, device=DEVICE
        )
    assert error.value.code == "bad_receipt"
