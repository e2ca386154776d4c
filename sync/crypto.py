"""Encryption of a bundle to its recipient: an HPKE-wrapped content key and AES-256-GCM segments.

HPKE (RFC 9180, base mode, X25519 + HKDF-SHA256 + AES-256-GCM, `cryptography`'s `hpke.Suite`) seals only a
random 32-byte content key: `Suite` is single-shot, and a bundle may be far larger than one message should be.
The content is then cut into segments sealed with that key. Each segment's nonce is its index with a flag on
the last one (the STREAM construction), and every segment's associated data is the clear envelope naming the
recipient and the bundle, so a reordered, dropped, truncated or re-addressed file fails authentication.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEGMENT_SIZE = 1 << 20
CONTENT_KEY_SIZE = 32
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_WRAP_INFO = b"ejps-bundle-key-v1\x00"
_NONCE = struct.Struct(">Q3xB")  # 8-byte segment index, 3 zero bytes, 1 if last: 12 bytes


class SegmentError(Exception):
    """The segments did not authenticate; `kind` says how: "tampered", "truncated" or "trailing"."""

    def __init__(self, kind: str, index: int) -> None:
        super().__init__(f"{kind} at segment {index}")
        self.kind = kind
        self.index = index


def new_content_key() -> bytes:
    return os.urandom(CONTENT_KEY_SIZE)


def wrap_key(content_key: bytes, recipient: X25519PublicKey, context: bytes) -> bytes:
    return _SUITE.encrypt(content_key, recipient, info=_WRAP_INFO + context)


def unwrap_key(wrapped: bytes, private_key: X25519PrivateKey, context: bytes) -> bytes | None:
    """The content key, or None when this key cannot open it (another recipient's, or the bytes changed)."""
    try:
        key = _SUITE.decrypt(wrapped, private_key, info=_WRAP_INFO + context)
    except (InvalidTag, ValueError):
        return None
    return key if len(key) == CONTENT_KEY_SIZE else None


def _nonce(index: int, last: bool) -> bytes:
    return _NONCE.pack(index, 1 if last else 0)


def encrypt_segments(
    content_key: bytes, plaintext: bytes, context: bytes, segment_size: int = SEGMENT_SIZE
) -> Iterator[bytes]:
    """The sealed segments of `plaintext` in order; an empty plaintext still yields one (last) segment."""
    aead = AESGCM(content_key)
    view = memoryview(plaintext)
    count = max(1, -(-len(plaintext) // segment_size))
    for index in range(count):
        piece = view[index * segment_size : (index + 1) * segment_size]
        yield aead.encrypt(_nonce(index, index == count - 1), bytes(piece), context)


def decrypt_segments(content_key: bytes, segments: Iterable[bytes], context: bytes) -> bytes:
    """The plaintext; raises SegmentError unless every segment authenticates and exactly the last is last."""
    aead = AESGCM(content_key)
    parts: list[bytes] = []
    finished = False
    index = -1
    for index, sealed in enumerate(segments):
        if finished:
            raise SegmentError("trailing", index)
        try:
            parts.append(aead.decrypt(_nonce(index, False), sealed, context))
            continue
        except InvalidTag:
            pass
        try:
            parts.append(aead.decrypt(_nonce(index, True), sealed, context))
        except InvalidTag:
            raise SegmentError("tampered", index) from None
        finished = True
    if not finished:
        raise SegmentError("truncated", index + 1)
    return b"".join(parts)
