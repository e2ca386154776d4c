"""The USB files: what a laptop takes to the server on a stick, and what the server gives back.

The laptop's file (`ejps sync --export`): magic `EJPSUSBX`, then a small request — canonical JSON of the
device, its down cursor (`since`) and last down bundle hash (`prev_hash`), as the HTTP download request
carries them — and the sealed bundle of its changes (empty when none wait: the trip then only fetches), each
prefixed by its length. The request is not signed, like the HTTP one: all it can change is which part of the
device's own region is sent, encrypted to the device's key, which nobody else can read. Carrying the laptop's
own cursor means a lost or never-imported answer costs nothing: the next answer starts where the laptop is.

The server's answer file (`ejps server import … --answer`): magic `EJPSANSW`, then the signed receipt (empty
when no bundle came) and the device's down bundle (empty when nothing is new), each prefixed by its length.
Both parts carry their own signatures; the frame only holds them together. A file cut anywhere is refused whole.
"""

from __future__ import annotations

import json
import os
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.i18n import N_
from sync.bundle import BundleRefused

ANSWER_MAGIC = b"EJPSANSW"
REQUEST_MAGIC = b"EJPSUSBX"
_PART = struct.Struct(">Q")


@dataclass(frozen=True)
class UsbRequest:
    device: str
    since: int
    prev_hash: str
    bundle: bytes  # the sealed bundle, b"" when nothing waited


def _write_parts(out: str | os.PathLike[str], magic: bytes, parts: tuple[bytes, ...]) -> None:
    """Writes the file whole or not at all (a temporary name, then a rename)."""
    path = Path(out)
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "wb") as file:
        file.write(magic)
        for part in parts:
            file.write(_PART.pack(len(part)))
            file.write(part)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def write_answer_file(out: str | os.PathLike[str], receipt: bytes, down_bundle: bytes) -> None:
    _write_parts(out, ANSWER_MAGIC, (receipt, down_bundle))


def write_request_file(out: str | os.PathLike[str], request: UsbRequest) -> None:
    head = json.dumps(
        {"device": request.device, "since": request.since, "prev_hash": request.prev_hash},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    _write_parts(out, REQUEST_MAGIC, (head, request.bundle))


def read_request_file(data: bytes) -> UsbRequest:
    """The laptop's USB file, or BundleRefused (not such a file, cut, malformed)."""
    if not data.startswith(REQUEST_MAGIC):
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Berkas ini bukan berkas kiriman kantor e-JPS (mungkin ZIP atau berkas lain). Tidak ada yang "
                "diubah; impor berkas yang dibuat dengan 'ejps sync --export'."
            ),
        )
    head, bundle = _parts(data, len(REQUEST_MAGIC))
    try:
        fields = json.loads(head)
        request = UsbRequest(str(fields["device"]), int(fields["since"]), str(fields["prev_hash"]), bundle)
        uuid.UUID(request.device)
    except (ValueError, KeyError, TypeError):
        raise _truncated_answer() from None
    return request


def read_answer_file(data: bytes) -> tuple[bytes, bytes]:
    """(receipt, down bundle — each b"" when none) of an answer file, or BundleRefused."""
    if not data.startswith(ANSWER_MAGIC):
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Berkas ini bukan berkas jawaban server e-JPS (mungkin ZIP atau berkas lain). Tidak ada yang "
                "diubah; impor berkas jawaban yang dibuat dengan 'ejps server import … --answer'."
            ),
        )
    receipt, down = _parts(data, len(ANSWER_MAGIC))
    return receipt, down


def _parts(data: bytes, position: int) -> tuple[bytes, bytes]:
    parts = []
    for _ in range(2):
        if len(data) < position + _PART.size:
            raise _truncated_answer()
        (size,) = _PART.unpack_from(data, position)
        position += _PART.size
        if len(data) < position + size:
            raise _truncated_answer()
        parts.append(data[position : position + size])
        position += size
    if position != len(data):
        raise _truncated_answer()
    return parts[0], parts[1]


def _truncated_answer() -> BundleRefused:
    return BundleRefused(
        "truncated",
        N_("Berkas sinkronisasi terpotong atau rusak. Tidak ada yang diubah; salin ulang berkasnya."),
    )
