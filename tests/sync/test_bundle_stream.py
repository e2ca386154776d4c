"""Bundles written and read as streams: a region snapshot never held whole in memory, resumable at any chunk."""

from __future__ import annotations

import base64
import io
import os
import random
import struct
import tracemalloc

import pytest

from sync import crypto
from sync.bundle import (
    MAGIC,
    BundleRefused,
    Signer,
    build_bundle,
    open_bundle,
    read_bundle,
    verified_prefix,
    write_bundle,
)
from sync.keys import DeviceKeys

SERVER_SENDER = "server"
LAPTOP = "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"
OTHER_LAPTOP = "5d2e7c90-1f3b-4a8e-b6d4-2c9e8f7a1b03"


@pytest.fixture(scope="module")
def server_keys() -> DeviceKeys:
    return DeviceKeys.generate()


@pytest.fixture(scope="module")
def laptop_keys() -> DeviceKeys:
    return DeviceKeys.generate()


def person(seq: int) -> dict:
    """A snapshot record: one person of the region as the server sends it to a fresh laptop."""
    return {
        "device": SERVER_SENDER,
        "seq": seq,
        "entity": "person",
        "uid": f"00000000-0000-4000-8000-{seq:012d}",
        "op": "upsert",
        "fields": {"nik": f"75010{seq:011d}", "nama": f"Siti Rahma {seq}", "tgl_lahir": "1987-03-14"},
        "base": seq,
        "region": "7501012001",
        "region_before": None,
        "at": "2026-12-06T01:02:03+00:00",
    }


NOTE_POOL = base64.b64encode(random.Random(75).randbytes(1 << 20)).decode("ascii")


def noted(seq: int) -> dict:
    # Notes cut from random text at shifting places compress little: the file is large next to one chunk.
    start = seq * 397 % (len(NOTE_POOL) - 300)
    return {"seq": seq, "catatan": NOTE_POOL[start : start + 300]}


def snapshot_fields(server_keys, laptop_keys, count, **overrides) -> dict:
    fields = dict(
        sender=SERVER_SENDER,
        recipient=LAPTOP,
        region="7501",
        stream=f"down:{LAPTOP}",
        seq_from=1,
        seq_to=count,
        prev_hash="",
        signing_key=server_keys.signing,
        recipient_key=laptop_keys.encryption.public_key(),
        chunk_records=5,
        segment_size=256,
    )
    fields.update(overrides)
    return fields


def signed_by_server(server_keys, revoked=False):
    return lambda device: (
        Signer(server_keys.signing.public_key(), revoked) if device == SERVER_SENDER else None
    )


def read_as_laptop(source, server_keys, laptop_keys, **overrides):
    arguments = dict(
        recipient=LAPTOP, private_key=laptop_keys.encryption, signers=signed_by_server(server_keys)
    )
    arguments.update(overrides)
    return read_bundle(source, **arguments)


def small_streamed(server_keys, laptop_keys, count=12, **overrides) -> bytes:
    buffer = io.BytesIO()
    fields = snapshot_fields(server_keys, laptop_keys, count, **overrides)
    write_bundle(buffer, (person(seq) for seq in range(1, count + 1)), **fields)
    return buffer.getvalue()


def test_a_streamed_bundle_of_20000_records_round_trips_in_small_chunks(tmp_path, server_keys, laptop_keys):
    count = 20_000
    path = tmp_path / "snapshot.ejpsb"
    fields = snapshot_fields(server_keys, laptop_keys, count, chunk_records=200, segment_size=4096)

    written = write_bundle(path, (person(seq) for seq in range(1, count + 1)), **fields)

    with read_as_laptop(path, server_keys, laptop_keys) as stream:
        assert stream.header == written.header and stream.hash == written.hash
        assert stream.header.records == count and stream.header.chunk_count == 100
        assert all(record == person(seq) for seq, record in enumerate(stream.records(), start=1))
        assert sum(1 for _ in stream.records()) == count
    assert written.size == path.stat().st_size
    assert os.listdir(tmp_path) == ["snapshot.ejpsb"]


def test_one_format_in_memory_and_on_disk(tmp_path, server_keys, laptop_keys):
    records = [person(seq) for seq in range(1, 24)]
    fields = snapshot_fields(server_keys, laptop_keys, len(records))
    written_path = tmp_path / "written.ejpsb"
    written = write_bundle(written_path, iter(records), **fields)
    sealed = build_bundle(records, **fields)

    opened = open_bundle(
        written_path.read_bytes(),
        recipient=LAPTOP,
        private_key=laptop_keys.encryption,
        signers=signed_by_server(server_keys),
    )
    with read_as_laptop(io.BytesIO(sealed.data), server_keys, laptop_keys) as stream:
        streamed = list(stream.records())

    assert opened.records == records and opened.hash == written.hash
    assert streamed == records and stream.header == sealed.header


def test_the_file_appears_only_complete_and_never_holds_a_record_in_clear(tmp_path, server_keys, laptop_keys):
    path = tmp_path / "snapshot.ejpsb"
    seen_partial = []

    def records():
        for seq in range(1, 10_001):
            if seq % 1_000 == 0:
                assert not path.exists()
                for name in os.listdir(tmp_path):
                    content = (tmp_path / name).read_bytes()
                    assert b"Siti Rahma" not in content and b"75010" not in content
                    seen_partial.append(len(content))
            # Random notes keep the file large enough to reach the disk while the records still come.
            yield {**person(seq), "catatan": noted(seq)["catatan"]}

    write_bundle(path, records(), **snapshot_fields(server_keys, laptop_keys, 10_000, chunk_records=500))

    assert max(seen_partial) > 0  # the checks above looked at a temporary file that held segments already
    content = path.read_bytes()
    assert b"Siti Rahma" not in content and b"75010" not in content
    assert os.listdir(tmp_path) == ["snapshot.ejpsb"]


def test_records_that_fail_midway_leave_no_file(tmp_path, server_keys, laptop_keys):
    def records():
        for seq in range(1, 3_001):
            yield person(seq)
        raise ConnectionError("the server query was cut")

    with pytest.raises(ConnectionError):
        write_bundle(
            tmp_path / "snapshot.ejpsb", records(), **snapshot_fields(server_keys, laptop_keys, 6_000)
        )

    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("mask", [0x01, 0xFF])
def test_every_byte_of_a_streamed_bundle_flipped_is_refused_before_any_record(server_keys, laptop_keys, mask):
    data = small_streamed(server_keys, laptop_keys)
    accepted, other_errors = [], []
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= mask
        try:
            read_as_laptop(io.BytesIO(bytes(damaged)), server_keys, laptop_keys)
        except BundleRefused:
            continue
        except Exception as error:  # noqa: BLE001  (the point: nothing but a refusal may come out)
            other_errors.append((position, error))
        else:
            accepted.append(position)

    assert accepted == [] and other_errors == []


def segment_starts(data: bytes) -> list[int]:
    """Where each framed part after the magic and version starts: envelope, wrapped key, then segments."""
    position, starts = len(MAGIC) + 1, []
    while position < len(data):
        starts.append(position)
        (length,) = struct.unpack(">I", data[position : position + 4])
        position += 4 + length
    return starts


def refused_code(source, server_keys, laptop_keys, **overrides) -> str:
    with pytest.raises(BundleRefused) as refused:
        read_as_laptop(source, server_keys, laptop_keys, **overrides)
    return refused.value.code


def test_every_truncation_of_a_streamed_bundle_is_refused(server_keys, laptop_keys):
    data = small_streamed(server_keys, laptop_keys)

    for length in range(len(data)):
        with pytest.raises(BundleRefused):
            read_as_laptop(io.BytesIO(data[:length]), server_keys, laptop_keys)
    assert refused_code(io.BytesIO(data[: len(data) // 2]), server_keys, laptop_keys) == "truncated"
    assert refused_code(io.BytesIO(data[:-1]), server_keys, laptop_keys) == "truncated"
    # Cut exactly before the last segment (the signed header): every remaining segment is whole.
    assert refused_code(io.BytesIO(data[: segment_starts(data)[-1]]), server_keys, laptop_keys) == "truncated"


def test_reading_from_chunk_k_yields_exactly_the_records_after_it(server_keys, laptop_keys):
    records = [person(seq) for seq in range(1, 24)]
    data = small_streamed(server_keys, laptop_keys, count=23)

    with read_as_laptop(io.BytesIO(data), server_keys, laptop_keys) as stream:
        assert stream.header.chunk_count == 5
        for start in range(stream.header.chunk_count + 1):
            assert list(stream.records(start_chunk=start)) == records[start * 5 :]
            assert [index for index, _ in stream.chunks(start)] == list(range(start, 5))
        with pytest.raises(ValueError):
            stream.chunks(6)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("another_recipient", "wrong_recipient"),
        ("another_key", "wrong_recipient"),
        ("unknown_signer", "unknown_signer"),
        ("revoked_signer", "revoked_signer"),
        ("signed_by_another_key", "bad_signature"),
        ("another_province", "wrong_province"),
        ("zip", "not_a_bundle"),
        ("empty", "not_a_bundle"),
    ],
)
def test_read_bundle_refuses_with_the_same_codes_as_open_bundle(server_keys, laptop_keys, case, code):
    build, read = {}, {}
    if case == "another_recipient":
        build = {"recipient": OTHER_LAPTOP}
    elif case == "another_key":
        read = {"private_key": DeviceKeys.generate().encryption}
    elif case == "unknown_signer":
        read = {"signers": lambda device: None}
    elif case == "revoked_signer":
        read = {"signers": signed_by_server(server_keys, revoked=True)}
    elif case == "signed_by_another_key":
        build = {"signing_key": DeviceKeys.generate().signing}
    elif case == "another_province":
        build = {"province": "76", "region": "7601"}
    not_bundles = {"zip": b"PK\x03\x04" + bytes(60), "empty": b""}
    data = not_bundles[case] if case in not_bundles else small_streamed(server_keys, laptop_keys, **build)
    arguments = dict(
        recipient=LAPTOP, private_key=laptop_keys.encryption, signers=signed_by_server(server_keys)
    )
    arguments.update(read)

    with pytest.raises(BundleRefused) as in_memory:
        open_bundle(data, **arguments)
    with pytest.raises(BundleRefused) as streamed:
        read_bundle(io.BytesIO(data), **arguments)

    assert streamed.value.code == in_memory.value.code == code
    assert str(streamed.value) == str(in_memory.value)


def test_bytes_changed_on_disk_after_the_verifying_pass_are_refused_not_read(
    tmp_path, server_keys, laptop_keys, monkeypatch
):
    # Same content key, bundle id and layout: the other file's segments authenticate; only the chunk hashes
    # signed in the header tell the chunks apart, and they are checked again when the records are read.
    monkeypatch.setattr(crypto, "new_content_key", lambda: bytes(range(32)))
    path = tmp_path / "snapshot.ejpsb"
    fields = snapshot_fields(server_keys, laptop_keys, 10, bundle_id="7f0c2b9e-2d7a-4f57-9c43-0e6d5a1b8c21")
    write_bundle(path, ({"seq": seq, "catatan": "a" * 200} for seq in range(10)), **fields)
    other = io.BytesIO()
    write_bundle(other, ({"seq": seq, "catatan": "b" * 200} for seq in range(10)), **fields)
    assert len(other.getvalue()) == path.stat().st_size

    with read_as_laptop(path, server_keys, laptop_keys) as stream:
        with path.open("r+b") as rewrite:
            rewrite.write(other.getvalue())
        with pytest.raises(BundleRefused) as refused:
            list(stream.records())

    assert refused.value.code == "chunk_mismatch"


def test_memory_stays_bounded_while_60000_records_are_written_and_read(tmp_path, server_keys, laptop_keys):
    count = 60_000
    path = tmp_path / "snapshot.ejpsb"
    fields = snapshot_fields(
        server_keys, laptop_keys, count, chunk_records=1_000, segment_size=crypto.SEGMENT_SIZE
    )

    tracemalloc.start()
    try:
        written = write_bundle(path, (noted(seq) for seq in range(count)), **fields)
        _, writing_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with read_as_laptop(path, server_keys, laptop_keys) as stream:
            last = None
            for last in stream.records():  # noqa: B007  (only the passing through counts)
                pass
        _, reading_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert last == noted(count - 1)
    assert written.size > 12_000_000
    # Holding the file, or its records, whole would take more than its size; a few chunks' worth stays far below.
    assert writing_peak < written.size / 2 and reading_peak < written.size / 2


def test_a_transfer_cut_at_half_keeps_its_sound_prefix_and_continues_to_a_whole_file(
    tmp_path, server_keys, laptop_keys
):
    data = small_streamed(server_keys, laptop_keys, count=60)
    partial = tmp_path / "snapshot.ejpsb.partial"
    # Killed at 50 %: half the bytes arrived, and a torn write left zeros after them.
    partial.write_bytes(data[: len(data) // 2] + bytes(100))

    length, complete = verified_prefix(partial, recipient=LAPTOP, private_key=laptop_keys.encryption)

    assert not complete and 0 < length <= len(data) // 2 and length in segment_starts(data)
    with partial.open("r+b") as resumed:  # what the transport does: keep the sound prefix, fetch the rest
        resumed.truncate(length)
        resumed.seek(length)
        resumed.write(data[length:])
    assert partial.read_bytes() == data
    assert verified_prefix(partial, recipient=LAPTOP, private_key=laptop_keys.encryption) == (len(data), True)
    with read_as_laptop(partial, server_keys, laptop_keys) as stream:
        assert list(stream.records()) == [person(seq) for seq in range(1, 61)]


def test_a_prefix_stops_before_a_changed_segment_and_a_headless_file_has_none(server_keys, laptop_keys):
    data = small_streamed(server_keys, laptop_keys, count=60)
    starts = segment_starts(data)
    damaged = bytearray(data)
    damaged[starts[5] + 10] ^= 0x01

    def prefix(content: bytes) -> tuple[int, bool]:
        return verified_prefix(io.BytesIO(content), recipient=LAPTOP, private_key=laptop_keys.encryption)

    assert prefix(bytes(damaged)) == (starts[5], False)
    assert prefix(b"") == (0, False) and prefix(data[:20]) == (0, False)
    with pytest.raises(BundleRefused):
        prefix(b"PK\x03\x04" + bytes(60))
