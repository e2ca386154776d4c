"""The bundle format: what is sealed opens to the same records, and anything else is refused whole."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib

import pytest

from sync.bundle import (
    MAGIC,
    SIGNATURE_SIZE,
    BundleHeader,
    BundleRefused,
    Signer,
    _decode_chunk,
    build_bundle,
    open_bundle,
    seal,
    unseal,
)
from sync.keys import DeviceKeys, InvalidKey, PublicKeys, encryption_public_key

LAPTOP = "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"
OTHER_LAPTOP = "5d2e7c90-1f3b-4a8e-b6d4-2c9e8f7a1b03"
SERVER = "server"


@pytest.fixture(scope="module")
def laptop_keys() -> DeviceKeys:
    return DeviceKeys.generate()


@pytest.fixture(scope="module")
def server_keys() -> DeviceKeys:
    return DeviceKeys.generate()


def change(seq: int) -> dict:
    return {
        "device": LAPTOP,
        "seq": seq,
        "entity": "person",
        "uid": f"00000000-0000-4000-8000-{seq:012d}",
        "op": "upsert",
        "fields": {"nik": f"75010{seq:011d}", "nama": f"Siti Rahma {seq}", "tgl_lahir": "1987-03-14"},
        "base": 0,
        "region": "7501012001",
        "region_before": None,
        "at": "2026-12-06T01:02:03+00:00",
    }


def make_bundle(laptop_keys, server_keys, count=12, **overrides):
    arguments = dict(
        sender=LAPTOP,
        recipient=SERVER,
        region="7501",
        stream=f"up:{LAPTOP}",
        seq_from=1,
        seq_to=count,
        prev_hash="",
        signing_key=laptop_keys.signing,
        recipient_key=server_keys.encryption.public_key(),
        chunk_records=5,
        segment_size=256,
    )
    arguments.update(overrides)
    return build_bundle([change(seq) for seq in range(1, count + 1)], **arguments)


def known(laptop_keys, revoked=False):
    return lambda device: Signer(laptop_keys.signing.public_key(), revoked) if device == LAPTOP else None


def open_as_server(data, laptop_keys, server_keys, **overrides):
    arguments = dict(recipient=SERVER, private_key=server_keys.encryption, signers=known(laptop_keys))
    arguments.update(overrides)
    return open_bundle(data, **arguments)


def refused_code(data, laptop_keys, server_keys, **overrides) -> str:
    with pytest.raises(BundleRefused) as refused:
        open_as_server(data, laptop_keys, server_keys, **overrides)
    return refused.value.code


def split_signed(signed: bytes) -> tuple[bytes, bytes, list[bytes]]:
    """Header, signature and chunks of a decrypted bundle (what a recipient could tamper with)."""
    (length,) = struct.unpack(">I", signed[:4])
    header, position = signed[4 : 4 + length], 4 + length
    signature, position = signed[position : position + SIGNATURE_SIZE], position + SIGNATURE_SIZE
    chunks = []
    while position < len(signed):
        (length,) = struct.unpack(">I", signed[position : position + 4])
        chunks.append(signed[position + 4 : position + 4 + length])
        position += 4 + length
    return header, signature, chunks


def join_signed(header: bytes, signature: bytes, chunks: list[bytes]) -> bytes:
    frame = lambda part: struct.pack(">I", len(part)) + part  # noqa: E731
    return frame(header) + signature + b"".join(frame(chunk) for chunk in chunks)


def test_a_bundle_opens_to_the_same_records_and_header(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, prev_hash="ab" * 32)

    opened = open_as_server(sealed.data, laptop_keys, server_keys)

    assert opened.records == [change(seq) for seq in range(1, 13)]
    assert opened.header == sealed.header
    assert opened.hash == sealed.hash
    header = opened.header
    assert (header.format, header.province, header.sender, header.recipient) == (1, "75", LAPTOP, SERVER)
    assert (header.region, header.stream, header.seq_from, header.seq_to) == ("7501", f"up:{LAPTOP}", 1, 12)
    assert (header.prev_hash, header.records, header.chunk_count) == ("ab" * 32, 12, 3)
    assert len(header.chunk_hashes) == 3
    assert sealed.data.startswith(MAGIC)


def test_an_empty_bundle_round_trips(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, count=0, seq_from=1, seq_to=0)

    opened = open_as_server(sealed.data, laptop_keys, server_keys)

    assert opened.records == [] and opened.header.chunk_count == 0


def test_the_file_carries_no_record_in_clear(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, segment_size=1 << 20)

    assert b"Siti Rahma" not in sealed.data and b"75010" not in sealed.data


@pytest.mark.parametrize("mask", [0x01, 0xFF])
def test_every_byte_flipped_in_turn_is_refused(laptop_keys, server_keys, mask):
    data = make_bundle(laptop_keys, server_keys).data
    accepted, other_errors = [], []
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= mask
        try:
            open_as_server(bytes(damaged), laptop_keys, server_keys)
        except BundleRefused:
            continue
        except Exception as error:  # noqa: BLE001  (the point: nothing but a refusal may come out)
            other_errors.append((position, error))
        else:
            accepted.append(position)

    assert accepted == [] and other_errors == []


def test_every_truncation_is_refused_and_a_cut_inside_is_reported_as_truncated(laptop_keys, server_keys):
    data = make_bundle(laptop_keys, server_keys).data

    for length in range(len(data)):
        with pytest.raises(BundleRefused):
            open_as_server(data[:length], laptop_keys, server_keys)
    assert refused_code(data[: len(data) // 2], laptop_keys, server_keys) == "truncated"
    assert refused_code(data[:-1], laptop_keys, server_keys) == "truncated"


def test_a_file_cut_at_a_segment_boundary_is_truncated(laptop_keys, server_keys):
    data = make_bundle(laptop_keys, server_keys).data
    # Drop the last framed segment exactly: its length prefix says how long it is.
    position, starts = len(MAGIC) + 1, []
    while position < len(data):
        starts.append(position)
        (length,) = struct.unpack(">I", data[position : position + 4])
        position += 4 + length

    assert refused_code(data[: starts[-1]], laptop_keys, server_keys) == "truncated"


def test_an_empty_file_is_not_a_bundle(laptop_keys, server_keys):
    with pytest.raises(BundleRefused) as refused:
        open_as_server(b"", laptop_keys, server_keys)

    assert refused.value.code == "not_a_bundle"
    assert "kosong" in str(refused.value)


def test_a_zip_of_something_else_is_not_a_bundle(laptop_keys, server_keys):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("laporan.xlsx", b"bukan paket")

    with pytest.raises(BundleRefused) as refused:
        open_as_server(buffer.getvalue(), laptop_keys, server_keys)

    assert refused.value.code == "not_a_bundle"
    assert "bukan paket sinkronisasi" in str(refused.value)


def test_a_newer_file_version_is_refused_with_a_hint_to_update(laptop_keys, server_keys):
    data = bytearray(make_bundle(laptop_keys, server_keys).data)
    data[len(MAGIC)] = 2

    with pytest.raises(BundleRefused) as refused:
        open_as_server(bytes(data), laptop_keys, server_keys)

    assert refused.value.code == "not_a_bundle" and "Perbarui" in str(refused.value)


def test_a_bundle_for_another_device_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, recipient=OTHER_LAPTOP)

    with pytest.raises(BundleRefused) as refused:
        open_as_server(sealed.data, laptop_keys, server_keys)

    assert refused.value.code == "wrong_recipient"
    assert OTHER_LAPTOP in str(refused.value)


def test_a_wrong_recipient_key_cannot_open_it(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys)

    code = refused_code(sealed.data, laptop_keys, server_keys, private_key=DeviceKeys.generate().encryption)

    assert code == "wrong_recipient"


def test_a_signature_by_an_unknown_signer_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys)

    with pytest.raises(BundleRefused) as refused:
        open_as_server(sealed.data, laptop_keys, server_keys, signers=lambda device: None)

    assert refused.value.code == "unknown_signer" and LAPTOP in str(refused.value)


def test_a_signature_by_a_revoked_signer_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys)

    code = refused_code(sealed.data, laptop_keys, server_keys, signers=known(laptop_keys, revoked=True))

    assert code == "revoked_signer"


def test_a_bundle_signed_with_another_key_than_the_senders_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, signing_key=DeviceKeys.generate().signing)

    assert refused_code(sealed.data, laptop_keys, server_keys) == "bad_signature"


def test_a_changed_header_breaks_the_signature(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys)
    signed = unseal(sealed.data, recipient=SERVER, private_key=server_keys.encryption)
    header, signature, chunks = split_signed(signed)
    forged = header.replace(b'"records":12', b'"records":10')
    data = seal(
        join_signed(forged, signature, chunks),
        recipient=SERVER,
        bundle_id=sealed.header.bundle_id,
        recipient_key=server_keys.encryption.public_key(),
    )

    assert refused_code(data, laptop_keys, server_keys) == "bad_signature"


def reseal(signed: bytes, sealed, server_keys) -> bytes:
    return seal(
        signed,
        recipient=SERVER,
        bundle_id=sealed.header.bundle_id,
        recipient_key=server_keys.encryption.public_key(),
    )


def test_a_chunk_swapped_with_another_bundles_chunk_is_refused(laptop_keys, server_keys):
    first = make_bundle(laptop_keys, server_keys)
    second = build_bundle(
        [change(seq) for seq in range(13, 25)],
        sender=LAPTOP,
        recipient=SERVER,
        region="7501",
        stream=f"up:{LAPTOP}",
        seq_from=13,
        seq_to=24,
        prev_hash=first.hash,
        signing_key=laptop_keys.signing,
        recipient_key=server_keys.encryption.public_key(),
        chunk_records=5,
    )
    header, signature, chunks = split_signed(
        unseal(first.data, recipient=SERVER, private_key=server_keys.encryption)
    )
    _, _, other_chunks = split_signed(
        unseal(second.data, recipient=SERVER, private_key=server_keys.encryption)
    )

    swapped = join_signed(header, signature, [chunks[0], other_chunks[1], chunks[2]])

    assert refused_code(reseal(swapped, first, server_keys), laptop_keys, server_keys) == "chunk_mismatch"


def test_a_missing_or_reordered_chunk_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys)
    header, signature, chunks = split_signed(
        unseal(sealed.data, recipient=SERVER, private_key=server_keys.encryption)
    )

    missing = join_signed(header, signature, chunks[:2])
    reordered = join_signed(header, signature, [chunks[1], chunks[0], chunks[2]])

    assert refused_code(reseal(missing, sealed, server_keys), laptop_keys, server_keys) == "chunk_mismatch"
    assert refused_code(reseal(reordered, sealed, server_keys), laptop_keys, server_keys) == "chunk_mismatch"


def test_an_encrypted_segment_swapped_with_another_files_segment_is_refused(laptop_keys, server_keys):
    first, second = make_bundle(laptop_keys, server_keys), make_bundle(laptop_keys, server_keys)

    # Both files have the same layout; the second segment starts after magic, version, envelope, key and one.
    def segment_spans(data):
        position, spans = len(MAGIC) + 1, []
        while position < len(data):
            (length,) = struct.unpack(">I", data[position : position + 4])
            spans.append((position, position + 4 + length))
            position += 4 + length
        return spans[2:]  # after the envelope and the wrapped key

    start, end = segment_spans(first.data)[1]
    other_start, other_end = segment_spans(second.data)[1]
    mixed = first.data[:start] + second.data[other_start:other_end] + first.data[end:]

    assert refused_code(mixed, laptop_keys, server_keys) == "chunk_mismatch"


def test_a_re_addressed_bundle_is_refused(laptop_keys, server_keys):
    # The first recipient decrypts a bundle meant for it and re-encrypts it, signature intact, to another.
    other = DeviceKeys.generate()
    sealed = make_bundle(laptop_keys, server_keys)
    signed = unseal(sealed.data, recipient=SERVER, private_key=server_keys.encryption)
    re_addressed = seal(
        signed,
        recipient=OTHER_LAPTOP,
        bundle_id=sealed.header.bundle_id,
        recipient_key=other.encryption.public_key(),
    )

    with pytest.raises(BundleRefused) as refused:
        open_bundle(
            re_addressed, recipient=OTHER_LAPTOP, private_key=other.encryption, signers=known(laptop_keys)
        )

    assert refused.value.code == "wrong_recipient"
    assert "diubah" in str(refused.value)


def test_a_bundle_from_another_province_is_refused(laptop_keys, server_keys):
    sealed = make_bundle(laptop_keys, server_keys, province="76", region="7601")

    with pytest.raises(BundleRefused) as refused:
        open_as_server(sealed.data, laptop_keys, server_keys)

    assert refused.value.code == "wrong_province"
    assert "76" in str(refused.value) and "75" in str(refused.value)


def test_a_signed_chunk_with_two_records_on_one_line_is_refused(laptop_keys, server_keys):
    # A signer's own bytes, validly signed, must still be one record per line: counts cannot be bent.
    chunk = zlib.compress(b'{"seq":1},{"seq":2}')
    header = BundleHeader(
        bundle_id="7f0c2b9e-2d7a-4f57-9c43-0e6d5a1b8c21",
        province="75",
        sender=LAPTOP,
        recipient=SERVER,
        region="7501",
        stream=f"up:{LAPTOP}",
        seq_from=1,
        seq_to=2,
        prev_hash="",
        created_at="2026-12-06T00:00:00+00:00",
        chunk_count=1,
        chunk_hashes=(hashlib.sha256(chunk).hexdigest(),),
        records=2,
    )
    header_bytes = header.canonical_bytes()
    signed = join_signed(header_bytes, laptop_keys.signing.sign(header_bytes), [chunk])
    data = seal(
        signed,
        recipient=SERVER,
        bundle_id=header.bundle_id,
        recipient_key=server_keys.encryption.public_key(),
    )

    assert refused_code(data, laptop_keys, server_keys) == "chunk_mismatch"


def test_public_keys_travel_as_base64_json_and_private_keys_as_raw_bytes():
    keys = DeviceKeys.generate()

    public = PublicKeys.from_json(keys.public().to_json())
    restored = DeviceKeys.from_private_bytes(*keys.private_bytes())

    assert public.to_json() == keys.public().to_json()
    assert restored.public().to_json() == keys.public().to_json()
    assert all(len(raw) == 32 for raw in keys.private_bytes())
    message = b"paket"
    public.signing.verify(restored.signing.sign(message), message)


@pytest.mark.parametrize("text", ["bukan-base64!", "AAAA", ""])
def test_a_malformed_public_key_is_refused(text):
    with pytest.raises(InvalidKey):
        encryption_public_key(text)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1}\n\n{"b": 2}',  # an empty line
        b'{"a": 1}\n',  # a trailing newline: an empty last line
        b'{"a": 1}{"b": 2}',  # two records on one line
        b'{"a": 1}\n[1, 2]',  # a line that is not a record
        b'{"a": 1}\n{"b": nul}',  # not JSON
        b'{"a": "\xff"}',  # not UTF-8
    ],
)
def test_a_chunk_not_made_of_one_json_record_per_line_is_refused(text):
    with pytest.raises(BundleRefused) as refused:
        _decode_chunk(zlib.compress(text))
    assert refused.value.code == "chunk_mismatch"


def test_a_chunk_gives_its_records_in_order_as_the_standard_parser_reads_them():
    records = [{"uid": "ü", "n": 2**62, "x": 0.1, "d": None, "l": [True, {"k": "\u2028"}]}, {"e": {}}]
    text = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in records)
    assert _decode_chunk(zlib.compress(text)) == records
    # What orjson refuses and the standard parser reads (a float column's NaN, a lone surrogate) stays read.
    odd = b'{"x": NaN}\n{"s": "\\ud800"}'
    decoded = _decode_chunk(zlib.compress(odd))
    assert decoded[0]["x"] != decoded[0]["x"] and decoded[1] == {"s": "\ud800"}
