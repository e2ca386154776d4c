"""Encryption of a bundle to its recipient: an HPKE-wrapped content key and AES-256-GCM segments.

HPKE (RFC 9180, base mode, X25519 + HKDF-SHA256 + AES-256-GCM, `cryptography`'s `hpke.Suite`) seals only a
random 32-byte content key: `Suite` is single-shot, and a bundle may be far larger than one message should be.
The content is then cut into segments sealed with that key. Each segment's nonce is its index with a flag on
the last one (the STREAM construction), and every segment's associated data is the clear envelope naming the
recipient and the bundle, so a reordered, dropped, truncated or re-addressed file fails authentication.

`SegmentSealer` and `SegmentOpener` do the same one segment at a time, for bundles written and read as
streams: a segment's nonce depends only on its index and on whether it is the last, so a reader can open any
segment alone once it knows which index is the last one.
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
TAG_SIZE = 16  # AES-GCM's tag: a sealed segment is its plaintext plus these bytes
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


class SegmentSealer:
    """Seals segments one after the other, as the content comes; the last one must say so."""

    def __init__(self, content_key: bytes, context: bytes) -> None:
        self._aead = AESGCM(content_key)
        self._context = context
        self._index = 0
        self._finished = False

    def seal(self, plaintext: bytes | bytearray | memoryview, *, last: bool) -> bytes:
        if self._finished:
            raise ValueError("the last segment was already sealed")
        sealed = self._aead.encrypt(_nonce(self._index, last), plaintext, self._context)
        self._index += 1
        self._finished = last
        return sealed


class SegmentOpener:
    """Opens one sealed segment given its index and whether it is the last; None when it does not authenticate."""

    def __init__(self, content_key: bytes, context: bytes) -> None:
        self._aead = AESGCM(content_key)
        self._context = context

    def open(self, index: int, sealed: bytes, *, last: bool) -> bytes | None:
        try:
            return self._aead.decrypt(_nonce(index, last), sealed, self._context)
        except InvalidTag:
            return None


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
