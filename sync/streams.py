"""Where a bundle stands in its stream: the receiver's check of the sequence range and the hash chain.

Each direction between the server and one device is a stream (`up:<device>`, `down:<device>`). The receiver
keeps, in the same transaction as the data, the last sequence number it accepted in that stream and the hash of
the bundle that carried it. A verified bundle (sync/bundle.py) is then:

- the next one: its range starts right after the last accepted number and its `prev_hash` names the last
  accepted bundle — applied;
- the last one again (the sender did not get the answer: a lost receipt, a killed laptop, a USB stick imported
  twice): its hash is the last accepted — a *duplicate*, answered again, nothing changed;
- behind (a range already passed, or overlapping it): an old bundle replayed — refused;
- ahead (a range starting after a gap): a bundle in between was lost — refused, the sender sends from the gap;
- a range that follows but a `prev_hash` that names another bundle: not the bundle that continues this stream
  (rebuilt elsewhere, or forged) — refused.

The sender's clock never enters: only the numbers and the hashes order a stream.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.i18n import N_
from sync.bundle import BundleHeader, BundleRefused


class StreamVerdict(enum.Enum):
    APPLY = "apply"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class StreamPosition:
    """What the receiver accepted last in one stream; (0, "") before the first bundle."""

    last_seq: int = 0
    last_hash: str = ""


def up_stream(device: str) -> str:
    return f"up:{device}"


def down_stream(device: str) -> str:
    return f"down:{device}"


def check_stream(
    header: BundleHeader, bundle_hash: str, *, stream: str, position: StreamPosition
) -> StreamVerdict:
    """APPLY or DUPLICATE for a verified bundle, or BundleRefused (replay, older, gap, chain, wrong_stream)."""
    if header.stream != stream:
        raise BundleRefused(
            "wrong_stream",
            N_(
                "Paket ini milik alur {stream}, bukan alur {expected} yang diharapkan di sini. Paket ditolak; "
                "tidak ada data yang diterapkan."
            ),
            stream=header.stream,
            expected=stream,
        )
    if header.seq_from < 1 or header.seq_to < header.seq_from:
        raise BundleRefused(
            "not_a_bundle",
            N_("Rentang nomor perubahan dalam paket tidak sah ({first}–{last}). Paket ditolak."),
            first=header.seq_from,
            last=header.seq_to,
        )
    if position.last_hash and bundle_hash == position.last_hash:
        return StreamVerdict.DUPLICATE
    if header.seq_to <= position.last_seq:
        raise BundleRefused(
            "replay",
            N_(
                "Paket ini (perubahan {first}–{last}) sudah pernah diterima sebelumnya; yang terakhir diterima "
                "adalah perubahan {accepted}. Paket lama tidak diterapkan lagi; tidak ada data yang berubah."
            ),
            first=header.seq_from,
            last=header.seq_to,
            accepted=position.last_seq,
        )
    if header.seq_from <= position.last_seq:
        raise BundleRefused(
            "older",
            N_(
                "Paket ini dimulai dari perubahan {first}, padahal perubahan sampai {accepted} sudah diterima. "
                "Paket ditolak; pengirim perlu membuat paket baru mulai perubahan {next}."
            ),
            first=header.seq_from,
            accepted=position.last_seq,
            next=position.last_seq + 1,
        )
    if header.seq_from > position.last_seq + 1:
        raise BundleRefused(
            "gap",
            N_(
                "Ada paket yang belum diterima: paket ini dimulai dari perubahan {first}, padahal yang terakhir "
                "diterima adalah perubahan {accepted}. Paket ditolak; kirim ulang mulai perubahan {next}."
            ),
            first=header.seq_from,
            accepted=position.last_seq,
            next=position.last_seq + 1,
        )
    if header.prev_hash != position.last_hash:
        raise BundleRefused(
            "chain",
            N_(
                "Paket ini tidak menyambung paket terakhir yang diterima (rantai paket berbeda): paket itu "
                "dibuat ulang atau bukan kelanjutan alur ini. Paket ditolak; tidak ada data yang diterapkan."
            ),
        )
    return StreamVerdict.APPLY
