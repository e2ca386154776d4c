"""The USB answer file: what the server gives back for a laptop's bundle brought on a stick.

Magic `EJPSANSW`, then the signed receipt and the device's down bundle (empty when nothing is new), each
prefixed by its length (8 bytes, big-endian). Both parts carry their own signatures; the frame only holds
them together, and a file cut anywhere is refused whole.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from app.i18n import N_
from sync.bundle import BundleRefused

ANSWER_MAGIC = b"EJPSANSW"
_PART = struct.Struct(">Q")


def write_answer_file(out: str | os.PathLike[str], receipt: bytes, down_bundle: bytes) -> None:
    """Writes the answer file whole or not at all (a temporary name, then a rename)."""
    path = Path(out)
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "wb") as file:
        file.write(ANSWER_MAGIC)
        for part in (receipt, down_bundle):
            file.write(_PART.pack(len(part)))
            file.write(part)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def read_answer_file(data: bytes) -> tuple[bytes, bytes]:
    """(receipt, down bundle — b"" when none) of an answer file, or BundleRefused."""
    if not data.startswith(ANSWER_MAGIC):
        raise BundleRefused(
            "not_a_bundle",
            N_(
                "Berkas ini bukan berkas jawaban server e-JPS (mungkin ZIP atau berkas lain). Tidak ada yang "
                "diubah; impor berkas jawaban yang dibuat dengan 'ejps server import … --answer'."
            ),
        )
    position = len(ANSWER_MAGIC)
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
        N_("Berkas jawaban terpotong atau rusak. Tidak ada yang diubah; salin ulang berkasnya dari server."),
    )
