"""The bundle file around a signed bundle: its clear head, and the sealed segments that carry it.

magic `EJPSBNDL`, a version byte, the clear envelope (format, bundle id, recipient: canonical JSON), the content
key wrapped with HPKE to the recipient's X25519 key, then length-prefixed AES-256-GCM segments (sync/crypto.py)
whose associated data is the envelope. The last segment is flagged as such: a file cut anywhere fails. Every
refusal here is a BundleRefused with the stable codes of sync/bundle.py.
"""

from __future__ import annotations

import bisect
import io
import json
import os
import struct
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from app.errors import DomainError
from app.i18n import N_
from sync import crypto

FORMAT = 1
MAGIC = b"EJPSBNDL"
FILE_VERSION = 1
# What a reader accepts as one sealed segment: writers use 1 MiB; the bound keeps a hostile length prefix from
# making the reader allocate gigabytes.
MAX_SEGMENT = 64 << 20
_MAX_ENVELOPE = 4096
_MAX_WRAPPED_KEY = 256  # HPKE's encapsulated key (32) + the sealed content key (32 + 16)
_HEAD = len(MAGIC) + 1 + 4 + _MAX_ENVELOPE + 4 + _MAX_WRAPPED_KEY
LENGTH = struct.Struct(">I")


class BundleRefused(DomainError):
    """A bundle was refused whole; `code` is stable (for logs, receipts and tests), the message Indonesian."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.code = code


def canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def frame(part: bytes) -> bytes:
    return LENGTH.pack(len(part)) + part


# --- writing -------------------------------------------------------------------------------------------------


def _envelope(recipient: str, bundle_id: str) -> bytes:
    return canonical({"bundle_id": bundle_id, "format": FORMAT, "recipient": recipient})


class SealingWriter:
    """Writes the file as its content comes: the clear head, then each segment as soon as it is full."""

    def __init__(
        self,
        out: BinaryIO,
        *,
        recipient: str,
        bundle_id: str,
        recipient_key: X25519PublicKey,
        segment_size: int,
    ) -> None:
        if not 0 < segment_size <= MAX_SEGMENT - crypto.TAG_SIZE:
            raise ValueError(f"segment_size must be between 1 and {MAX_SEGMENT - crypto.TAG_SIZE}")
        envelope = _envelope(recipient, bundle_id)
        content_key = crypto.new_content_key()
        self._out = out
        self._sealer = crypto.SegmentSealer(content_key, envelope)
        self._segment_size = segment_size
        self._pending = bytearray()
        self.size = 0
        wrapped = crypto.wrap_key(content_key, recipient_key, envelope)
        self._emit(MAGIC + bytes([FILE_VERSION]) + frame(envelope) + frame(wrapped))

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.size += len(data)

    def _emit_segment(self, plaintext: bytes | bytearray | memoryview, *, last: bool) -> None:
        sealed = self._sealer.seal(plaintext, last=last)
        self._emit(LENGTH.pack(len(sealed)))
        self._emit(sealed)

    def write(self, data: bytes) -> None:
        self._pending += data
        size = self._segment_size
        full = len(self._pending) // size * size
        if full:
            with memoryview(self._pending) as view:
                for start in range(0, full, size):
                    self._emit_segment(view[start : start + size], last=False)
            del self._pending[:full]

    def finish(self, signed_header: bytes) -> None:
        """Seals what is left of the chunks, then the signed header alone as the last segment."""
        if self._pending:
            self._emit_segment(self._pending, last=False)
            self._pending.clear()
        self._emit_segment(signed_header, last=True)


# --- reading -------------------------------------------------------------------------------------------------


class PartReader:
    """Length-prefixed parts of a byte string; running out of bytes is a truncated file."""

    def __init__(self, data: bytes | memoryview, start: int = 0) -> None:
        self.data = memoryview(data)
        self.position = start

    def at_end(self) -> bool:
        return self.position >= len(self.data)

    def take(self, size: int) -> bytes | None:
        end = self.position + size
        if end > len(self.data):
            return None
        piece = bytes(self.data[self.position : end])
        self.position = end
        return piece

    def part(self) -> bytes | None:
        length = self.take(LENGTH.size)
        return None if length is None else self.take(LENGTH.unpack(length)[0])


def truncated() -> BundleRefused:
    return BundleRefused(
        "truncated",
        N_(
            "Berkas paket terpotong (tidak lengkap), mungkin karena salinan atau unduhan yang terputus. "
            "Tidak ada data yang diterapkan. Salin atau unduh ulang paketnya, lalu coba lagi."
        ),
    )


def tampered(index: int) -> BundleRefused:
    return BundleRefused(
        "chunk_mismatch",
        N_(
            "Isi berkas paket rusak atau telah diubah (segmen {index}). Tidak ada data yang diterapkan. "
            "Minta pengirim mengirim ulang paketnya."
        ),
        index=index + 1,
    )


def malformed() -> BundleRefused:
    return BundleRefused(
        "not_a_bundle",
        N_(
            "Susunan isi paket sinkronisasi tidak sah. Tidak ada data yang diterapkan. "
            "Minta pengirim membuat dan mengirim ulang paketnya."
        ),
    )


def _read_envelope(data: bytes) -> tuple[PartReader, bytes, dict[str, Any]]:
    if not data:
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Berkas paket kosong (0 bita): penyalinan atau unduhannya belum selesai. "
                "Tidak ada data yang diterapkan. Salin atau unduh ulang paketnya, lalu coba lagi."
            ),
        )
    if not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            raise truncated()
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Berkas ini bukan paket sinkronisasi e-JPS (tanda pengenal berkasnya tidak cocok). "
                "Pilih berkas paket yang diekspor oleh e-JPS Desktop atau oleh server provinsi."
            ),
        )
    reader = PartReader(data, len(MAGIC))
    version = reader.take(1)
    if version is None:
        raise truncated()
    if version[0] != FILE_VERSION:
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Paket sinkronisasi ini memakai format versi {version} yang belum dikenal aplikasi ini. "
                "Perbarui e-JPS Desktop, lalu coba lagi."
            ),
            version=version[0],
        )
    length = reader.take(LENGTH.size)
    if length is None:
        raise truncated()
    if LENGTH.unpack(length)[0] > _MAX_ENVELOPE:
        raise malformed()
    reader.position -= LENGTH.size
    envelope = reader.part()
    if envelope is None:
        raise truncated()
    try:
        fields = json.loads(envelope)
    except (UnicodeDecodeError, ValueError):
        raise malformed() from None
    if (
        not isinstance(fields, dict)
        or set(fields) != {"bundle_id", "format", "recipient"}
        or not all(isinstance(fields[key], str) for key in ("bundle_id", "recipient"))
        or canonical(fields) != envelope
    ):
        raise malformed()
    return reader, envelope, fields


def wrong_recipient(addressed_to: str, recipient: str) -> BundleRefused:
    return BundleRefused(
        "wrong_recipient",
        N_(
            "Paket ini ditujukan ke {addressed_to}, bukan ke perangkat ini ({recipient}). "
            "Tidak ada data yang diterapkan. Pastikan berkas paket memang untuk kantor ini."
        ),
        addressed_to=addressed_to,
        recipient=recipient,
    )


def open_unbuffered(path: str | os.PathLike[str]) -> BinaryIO:
    # Segments are read whole (1 MiB), so a buffer would only copy them once more; and a buffer could serve
    # bytes from before a change on disk, which the second pass must see (and refuse).
    return open(path, "rb", buffering=0)  # noqa: SIM115  (closed by the caller)


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """`size` bytes, or fewer only at the end of the file (an unbuffered read may return less)."""
    data = source.read(size) or b""
    while len(data) < size:
        more = source.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _open_head(
    source: BinaryIO, recipient: str, private_key: X25519PrivateKey
) -> tuple[int, dict[str, Any], crypto.SegmentOpener]:
    """Where the segments start, the clear envelope's fields and the opener of the segments."""
    source.seek(0)
    reader, envelope, fields = _read_envelope(_read_exactly(source, _HEAD))
    if fields["recipient"] != recipient:
        raise wrong_recipient(fields["recipient"], recipient)
    length = reader.take(LENGTH.size)
    if length is None:
        raise truncated()
    if LENGTH.unpack(length)[0] > _MAX_WRAPPED_KEY:
        raise malformed()
    reader.position -= LENGTH.size
    wrapped = reader.part()
    if wrapped is None:
        raise truncated()
    content_key = crypto.unwrap_key(wrapped, private_key, envelope)
    if content_key is None:
        raise BundleRefused(
            "wrong_recipient",
            N_(
                "Paket ini tidak dapat dibuka dengan kunci perangkat ini: paket dienkripsi untuk perangkat "
                "lain, atau berkasnya rusak. Tidak ada data yang diterapkan."
            ),
        )
    return reader.position, fields, crypto.SegmentOpener(content_key, envelope)


class SealedFile:
    """A bundle file's segments: where each lies, found from the length prefixes alone, and how to open each.

    Reads from a seekable binary file; only the head and one segment at a time are ever in memory.
    """

    def __init__(self, source: BinaryIO, recipient: str, private_key: X25519PrivateKey) -> None:
        start, self.fields, self._opener = _open_head(source, recipient, private_key)
        self.source = source
        self.segments = self._locate(start)
        # Where each segment before the last (the chunks' segments) starts in the chunks' byte stream.
        self.body_starts: list[int] = []
        position = 0
        for _, sealed_length in self.segments[:-1]:
            self.body_starts.append(position)
            position += sealed_length - crypto.TAG_SIZE

    def _locate(self, position: int) -> list[tuple[int, int]]:
        """(file offset, length) of every sealed segment; a file that ends inside one is truncated."""
        size = self.source.seek(0, io.SEEK_END)
        segments: list[tuple[int, int]] = []
        while position < size:
            self.source.seek(position)
            prefix = _read_exactly(self.source, LENGTH.size)
            if len(prefix) < LENGTH.size:
                raise truncated()
            (length,) = LENGTH.unpack(prefix)
            if not crypto.TAG_SIZE <= length <= MAX_SEGMENT:
                raise tampered(len(segments))
            if position + LENGTH.size + length > size:
                raise truncated()
            segments.append((position + LENGTH.size, length))
            position += LENGTH.size + length
        if not segments:
            raise truncated()
        return segments

    def _sealed(self, index: int) -> bytes:
        offset, length = self.segments[index]
        self.source.seek(offset)
        sealed = _read_exactly(self.source, length)
        if len(sealed) != length:
            raise truncated()
        return sealed

    def signed_header(self) -> bytes:
        """The last segment's plaintext: the framed header and its signature."""
        last = len(self.segments) - 1
        sealed = self._sealed(last)
        plaintext = self._opener.open(last, sealed, last=True)
        if plaintext is None:
            # A whole number of segments whose final one is not flagged last: the file was cut between two.
            if self._opener.open(last, sealed, last=False) is not None:
                raise truncated()
            raise tampered(last)
        return plaintext

    def body(self, start: int = 0) -> Iterator[bytes]:
        """The plaintext of the chunks' segments, from segment `start` on."""
        for index in range(start, len(self.segments) - 1):
            plaintext = self._opener.open(index, self._sealed(index), last=False)
            if plaintext is None:
                raise tampered(index)
            yield plaintext

    def body_from(self, offset: int) -> Iterator[bytes | memoryview]:
        """The chunks' byte stream (every segment but the last, decrypted) from its byte `offset` on."""
        if not self.body_starts:
            return
        segment = max(0, bisect.bisect_right(self.body_starts, offset) - 1)
        skip = offset - self.body_starts[segment]
        for plaintext in self.body(segment):
            yield memoryview(plaintext)[skip:] if skip else plaintext
            skip = 0


def verified_prefix(
    source: str | os.PathLike[str] | BinaryIO, *, recipient: str, private_key: X25519PrivateKey
) -> tuple[int, bool]:
    """How much of a partly received bundle file is sound: (length, complete).

    `length` is the size of the longest prefix made of the head and whole segments that authenticate, in
    order; `complete` says whether it ends with the last segment (the file is whole: read_bundle it). A
    transfer cut short (a killed process, a dropped connection, a torn write) keeps that prefix and asks for
    the rest from there (an HTTP Range from `length`): the file is append-only, so nothing is fetched twice.
    A head not all there yet gives (0, False); a file for another recipient, or not a bundle at all, is
    refused as by read_bundle.
    """
    owned = isinstance(source, str | os.PathLike)
    file: BinaryIO = open_unbuffered(source) if owned else source  # noqa: SIM115  (closed below)
    try:
        try:
            position, _, opener = _open_head(file, recipient, private_key)
        except BundleRefused as refused:
            if refused.code == "truncated" or file.seek(0, io.SEEK_END) == 0:
                return 0, False
            raise
        size = file.seek(0, io.SEEK_END)
        index = 0
        while position + LENGTH.size <= size:
            file.seek(position)
            (length,) = LENGTH.unpack(_read_exactly(file, LENGTH.size))
            if not crypto.TAG_SIZE <= length <= MAX_SEGMENT or position + LENGTH.size + length > size:
                break
            sealed = _read_exactly(file, length)
            if opener.open(index, sealed, last=False) is not None:
                position += LENGTH.size + length
                index += 1
                continue
            if opener.open(index, sealed, last=True) is not None:
                return position + LENGTH.size + length, True
            break
        return position, False
    finally:
        if owned:
            file.close()
