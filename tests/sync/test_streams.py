"""A stream takes the next bundle, answers the last one again as a duplicate, and refuses anything else."""

from __future__ import annotations

import pytest

from sync.bundle import BundleHeader, BundleRefused
from sync.streams import StreamPosition, StreamVerdict, check_stream, down_stream, up_stream

DEVICE = "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"
STREAM = up_stream(DEVICE)


def header(seq_from: int, seq_to: int, prev_hash: str, stream: str = STREAM) -> BundleHeader:
    return BundleHeader(
        bundle_id="b",
        province="75",
        sender=DEVICE,
        recipient="server",
        region="7501",
        stream=stream,
        seq_from=seq_from,
        seq_to=seq_to,
        prev_hash=prev_hash,
        # A laptop clock a year off changes nothing: only numbers and hashes order a stream.
        created_at="2025-12-06T00:00:00+00:00",
        chunk_count=0,
        chunk_hashes=(),
        records=0,
    )


def refusal(bundle: BundleHeader, bundle_hash: str, position: StreamPosition, stream: str = STREAM) -> str:
    with pytest.raises(BundleRefused) as refused:
        check_stream(bundle, bundle_hash, stream=stream, position=position)
    return refused.value.code


def test_the_first_bundle_of_a_stream_starts_at_one_with_no_previous_hash():
    assert (
        check_stream(header(1, 40, ""), "h1", stream=STREAM, position=StreamPosition()) is StreamVerdict.APPLY
    )


def test_the_next_bundle_follows_the_last_accepted_number_and_hash():
    position = StreamPosition(last_seq=40, last_hash="h1")
    assert check_stream(header(41, 90, "h1"), "h2", stream=STREAM, position=position) is StreamVerdict.APPLY


def test_the_last_accepted_bundle_again_is_a_duplicate_not_a_refusal():
    position = StreamPosition(last_seq=90, last_hash="h2")
    verdict = check_stream(header(41, 90, "h1"), "h2", stream=STREAM, position=position)
    assert verdict is StreamVerdict.DUPLICATE


def test_an_older_bundle_replayed_is_refused():
    position = StreamPosition(last_seq=90, last_hash="h2")
    assert refusal(header(1, 40, ""), "h1", position) == "replay"


def test_a_rebuilt_bundle_overlapping_what_was_accepted_is_refused():
    position = StreamPosition(last_seq=90, last_hash="h2")
    assert refusal(header(41, 120, "h1"), "h2-rebuilt", position) == "older"


def test_a_bundle_after_a_gap_is_refused():
    position = StreamPosition(last_seq=90, last_hash="h2")
    assert refusal(header(95, 120, "h-lost"), "h4", position) == "gap"


def test_a_bundle_that_follows_in_numbers_but_names_another_previous_bundle_is_refused():
    position = StreamPosition(last_seq=90, last_hash="h2")
    assert refusal(header(91, 120, "forged"), "h3", position) == "chain"


def test_the_first_bundle_must_not_claim_a_previous_one():
    assert refusal(header(1, 10, "h0"), "h1", StreamPosition()) == "chain"


def test_a_bundle_of_another_stream_is_refused_even_when_its_numbers_fit():
    other = header(1, 10, "", stream=up_stream("5d2e7c90-1f3b-4a8e-b6d4-2c9e8f7a1b03"))
    assert refusal(other, "h1", StreamPosition()) == "wrong_stream"
    assert refusal(header(1, 10, "", stream=down_stream(DEVICE)), "h1", StreamPosition()) == "wrong_stream"


@pytest.mark.parametrize(("seq_from", "seq_to"), [(0, 5), (7, 6), (-3, 2)])
def test_a_range_that_is_not_a_range_is_refused(seq_from, seq_to):
    assert refusal(header(seq_from, seq_to, ""), "h", StreamPosition()) == "not_a_bundle"


def test_a_refusal_explains_itself_in_indonesian_with_where_to_resume():
    position = StreamPosition(last_seq=90, last_hash="h2")
    with pytest.raises(BundleRefused) as refused:
        check_stream(header(95, 120, "x"), "h4", stream=STREAM, position=position)
    assert "mulai perubahan 91" in str(refused.value)
