"""Bundles in transit on the server: uploads received piece by piece, downloads prepared and read piece by piece.

Both are kept in the database, never in a file or in a process: an upload begun through one server process
continues through any other behind the same database, and a download prepared by one is served by all.

Uploads (`upload_part`): a piece is taken only where the held pieces end, so the held pieces are always one
contiguous prefix of the bundle and "how much is held" is one number, the laptop's resume point. A piece sent
again (an answer lost, the laptop retried) is recognised and changes nothing. A first piece that differs from
the one held starts the upload over: the laptop sends the same bytes until answered, so a different start can
only be a rebuilt bundle, whose old pieces are worthless.

Downloads (`download_bundle` + `download_part`): the exchange builds the bundle into a temporary file (bounded
memory, even for a 1.2M-person snapshot); it is then copied into the database in pieces of 1 MiB. Pieces rather
than one value: a single bytea cannot grow by appending without being rewritten whole each time, PostgreSQL
large objects exist on PostgreSQL only (the embedded server is SQLite) and need their own clean-up; pieces
are plain rows on both, written and read in bounded memory, found by their primary key. A read from any byte
(HTTP Range) starts with `substr` of the piece holding that byte, then whole pieces, each read in its own
short transaction so that a slow office's download holds no database connection between pieces.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Integer, cast, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.i18n import N_
from app.uow import UnitOfWork
from db.models import utcnow
from db.sync_models import Device, DownloadBundle, DownloadPart, UploadPart
from sync import receipts
from sync.bundle_file import MAGIC
from sync.server import devices

PART_SIZE = 1 << 20  # what the laptop sends per request, and the size of a stored download piece
MAX_PART = 8 << 20  # the largest piece a request may carry
# Uploads carry at most 50,000 changes (a few tens of MB); the bound keeps a hostile total from meaning anything.
MAX_UPLOAD = 512 << 20
# Above this size an upload is handed to the apply as a temporary file rather than as bytes in memory.
UPLOAD_IN_MEMORY = 32 << 20
# An upload nobody finished within this time is dropped: the laptop would have come back long before.
UPLOAD_KEEP = timedelta(days=7)
# A prepared download waits this long for its office (a snapshot over a slow line may take hours, resumed).
DOWNLOAD_KEEP = timedelta(days=2)

# exchange's build_download(uow, device, since, prev_hash, limit, target) -> DownloadInfo(bundle_id, seq_to,
# records, size), writing the sealed bundle into `target`.
BuildDownload = Callable[[UnitOfWork, uuid.UUID, int, str, int, BinaryIO], Any]
UnitsOfWork = Callable[[], UnitOfWork]


class TransferError(DomainError):
    """A refused transfer request; `code` is stable (the HTTP answer's), the message Indonesian."""

    code = "transfer_refused"


class UploadOffsetMismatch(TransferError):
    """The piece does not start where the held pieces end; the answer says where they end."""

    code = "upload_offset"

    def __init__(self, received: int, total: int, start: int) -> None:
        super().__init__(
            N_(
                "Server sudah menerima {received} bita dari paket ini; bagian yang dikirim mulai di bita {start}. "
                "Kirim lanjutan dari bita {received}."
            ),
            received=received,
            start=start,
        )
        self.received, self.total = received, total


class UploadIncomplete(TransferError):
    code = "upload_incomplete"

    def __init__(self, received: int, total: int) -> None:
        super().__init__(
            N_(
                "Paket belum diterima lengkap ({received} dari {total} bita); kirim sisanya dulu, lalu minta "
                "paket diterapkan."
            ),
            received=received,
            total=total,
        )
        self.received, self.total = received, total


class UploadUnknown(TransferError):
    code = "upload_unknown"


class InvalidPart(TransferError):
    code = "invalid_range"


class NotABundleUpload(TransferError):
    code = "not_a_bundle"


DeviceNotApproved = devices.DeviceNotApproved


class DownloadUnknown(TransferError):
    code = "download_unknown"


class DownloadExpired(TransferError):
    code = "download_expired"


class RangeNotSatisfiable(TransferError):
    code = "range_not_satisfiable"

    def __init__(self, start: int, size: int) -> None:
        super().__init__(
            N_("Paket unduhan ini berukuran {size} bita; tidak ada isi mulai bita {start}."),
            size=size,
            start=start,
        )
        self.size = size


@dataclass(frozen=True)
class UploadStatus:
    received: int  # bytes held, from 0: where the laptop continues
    total: int  # the bundle's size as announced; 0 while nothing is held


@dataclass(frozen=True)
class DownloadOffer:
    bundle_id: uuid.UUID | None  # None: nothing new, no bundle kept
    size: int
    seq_to: int
    records: int
    expires_at: datetime


@dataclass(frozen=True)
class PreparedDownload:
    id: int
    size: int


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- uploads ---------------------------------------------------------------------------------------------------


def _status(uow: UnitOfWork, bundle_id: uuid.UUID) -> UploadStatus:
    received, total = uow.session.execute(
        select(func.max(UploadPart.start + UploadPart.size), func.max(UploadPart.total)).where(
            UploadPart.bundle_id == bundle_id
        )
    ).one()
    return UploadStatus(int(received or 0), int(total or 0))


def _check_owner(uow: UnitOfWork, bundle_id: uuid.UUID, device: uuid.UUID | None) -> None:
    """An upload belongs to the device whose signed requests began it: no other may continue, read or apply it."""
    if device is None:
        return
    owner = uow.session.scalar(select(UploadPart.device).where(UploadPart.bundle_id == bundle_id).limit(1))
    if owner is not None and owner != device:
        raise devices.DeviceMismatch(
            N_(
                "Paket {bundle} sedang dikirim oleh perangkat lain; perangkat {device} tidak dapat menyentuhnya."
            ),
            bundle=str(bundle_id),
            device=str(device),
        )


def upload_status(uow: UnitOfWork, bundle_id: uuid.UUID, device: uuid.UUID | None = None) -> UploadStatus:
    """How much of this bundle the server holds ((0, 0): nothing)."""
    with uow:
        _check_owner(uow, bundle_id, device)
        return _status(uow, bundle_id)


def _check_part(start: int, total: int, data: bytes) -> None:
    if not 0 < total <= MAX_UPLOAD:
        raise InvalidPart(
            N_("Ukuran paket {total} bita tidak dapat diterima (paling besar {limit} bita)."),
            total=total,
            limit=MAX_UPLOAD,
        )
    if not data or start < 0 or start + len(data) > total:
        raise InvalidPart(
            N_("Bagian paket bita {start} sampai {end} berada di luar ukuran paket ({total} bita)."),
            start=start,
            end=start + len(data) - 1,
            total=total,
        )
    if start == 0 and data[: len(MAGIC)] != MAGIC[: len(data)]:
        raise NotABundleUpload(
            N_(
                "Yang dikirim bukan paket sinkronisasi e-JPS (tanda pengenal berkasnya tidak cocok). "
                "Tidak ada yang disimpan."
            )
        )


def store_upload_part(
    uow: UnitOfWork,
    bundle_id: uuid.UUID,
    start: int,
    total: int,
    data: bytes,
    device: uuid.UUID | None = None,
) -> UploadStatus:
    """Keeps one piece of an upload; answers how much is now held. The same piece again changes nothing."""
    _check_part(start, total, data)
    try:
        with uow.writing():
            _check_owner(uow, bundle_id, device)
            held = _status(uow, bundle_id)
            same = uow.session.execute(
                select(UploadPart.total, UploadPart.data).where(
                    UploadPart.bundle_id == bundle_id, UploadPart.start == start
                )
            ).first()
            if same is not None and same.total == total and bytes(same.data) == data:
                return held  # a piece sent again: the answer to the first was lost
            if start == 0 and held.received:
                # Not the bytes held: a rebuilt bundle. Its old pieces are worthless.
                uow.session.execute(delete(UploadPart).where(UploadPart.bundle_id == bundle_id))
                held = UploadStatus(0, 0)
            if start != held.received or (held.total and total != held.total):
                raise UploadOffsetMismatch(held.received, held.total, start)
            if start == 0:
                uow.session.execute(delete(UploadPart).where(UploadPart.received_at < utcnow() - UPLOAD_KEEP))
            uow.session.execute(
                insert(UploadPart).values(
                    bundle_id=bundle_id,
                    start=start,
                    size=len(data),
                    total=total,
                    data=data,
                    received_at=utcnow(),
                    device=device,
                )
            )
            uow.commit()
            return UploadStatus(start + len(data), total)
    except IntegrityError:
        # Another process stored a piece at this place at the same moment (a retried request).
        held = upload_status(uow, bundle_id, device)
        if held.received >= start + len(data) and held.total == total:
            return held
        raise UploadOffsetMismatch(held.received, held.total, start) from None


def _complete(uow: UnitOfWork, bundle_id: uuid.UUID) -> UploadStatus:
    held = _status(uow, bundle_id)
    if held.received == 0:
        raise UploadUnknown(
            N_("Server tidak memegang bagian apa pun dari paket {bundle}; kirim paketnya dari awal."),
            bundle=str(bundle_id),
        )
    if held.received < held.total:
        raise UploadIncomplete(held.received, held.total)
    return held


def _pieces(uow: UnitOfWork, bundle_id: uuid.UUID) -> Iterator[bytes]:
    rows = uow.session.execute(
        select(UploadPart.data).where(UploadPart.bundle_id == bundle_id).order_by(UploadPart.start),
        execution_options={"yield_per": 4},
    )
    for (data,) in rows:
        yield bytes(data)


@dataclass
class ReceivedUpload:
    """A complete upload, as the apply takes it: bytes, or the path of a temporary file for a large one."""

    content: bytes | Path
    size: int

    def discard(self) -> None:
        if isinstance(self.content, Path):
            self.content.unlink(missing_ok=True)


def received_upload(uow: UnitOfWork, bundle_id: uuid.UUID, device: uuid.UUID | None = None) -> ReceivedUpload:
    """The whole uploaded bundle, once every piece is held (else UploadIncomplete / UploadUnknown)."""
    with uow:
        _check_owner(uow, bundle_id, device)
        held = _complete(uow, bundle_id)
        if held.total <= UPLOAD_IN_MEMORY:
            return ReceivedUpload(b"".join(_pieces(uow, bundle_id)), held.total)
        descriptor, name = tempfile.mkstemp(prefix="ejps-upload-", suffix=".bundle")
        try:
            with os.fdopen(descriptor, "wb") as out:
                for piece in _pieces(uow, bundle_id):
                    out.write(piece)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return ReceivedUpload(Path(name), held.total)


def held_for_review(receipt: bytes) -> bool:
    """Whether the apply refused the bundle because its device is revoked: then the bundle is kept for the
    province's review (sync/server/held.py)."""
    try:
        body = json.loads(receipt[len(receipts.MAGIC) : -receipts.SIGNATURE_SIZE].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(body, dict)
        and body.get("verdict") == receipts.REFUSED
        and body.get("refusal_code") == "revoked_signer"
    )


def finish_upload(uow: UnitOfWork, bundle_id: uuid.UUID, receipt: bytes) -> None:
    """Drops an answered upload's pieces: a lost answer costs a resend, answered "duplicate" from the stored
    receipt; a revoked device's bundle was copied to the held bundles first."""
    with uow.writing():
        uow.session.execute(delete(UploadPart).where(UploadPart.bundle_id == bundle_id))
        uow.commit()


# --- downloads -------------------------------------------------------------------------------------------------


def _approved_device(uow: UnitOfWork, device_uuid: uuid.UUID) -> Device:
    device = uow.session.scalars(select(Device).where(Device.uuid == device_uuid)).first()
    if device is None:
        raise devices.UnknownDevice(
            N_("Perangkat {device} tidak dikenal server. Daftarkan dulu dengan 'ejps device enroll'."),
            device=str(device_uuid),
        )
    if device.status == devices.DeviceStatus.REVOKED:
        raise devices.DeviceRevoked(
            N_("Perangkat {device} telah dicabut oleh admin provinsi dan tidak dapat lagi bersinkron."),
            device=str(device_uuid),
        )
    if device.status != devices.DeviceStatus.APPROVED:
        raise DeviceNotApproved(
            N_("Perangkat {device} belum disetujui admin provinsi; sinkronisasi menunggu persetujuan itu."),
            device=str(device_uuid),
        )
    return device


def _store_download(uow: UnitOfWork, device_id: int, info: Any, source: BinaryIO, size: int) -> DownloadOffer:
    expires_at = utcnow() + DOWNLOAD_KEEP
    bundle_id = uuid.UUID(str(info.bundle_id))
    with uow.writing():
        session = uow.session
        stale = select(DownloadBundle.id).where(
            (DownloadBundle.device_id == device_id) | (DownloadBundle.expires_at < utcnow())
        )
        stale_ids = list(session.scalars(stale))
        if stale_ids:
            session.execute(delete(DownloadPart).where(DownloadPart.download_id.in_(stale_ids)))
            session.execute(delete(DownloadBundle).where(DownloadBundle.id.in_(stale_ids)))
        download_id = session.execute(
            insert(DownloadBundle)
            .values(
                bundle_id=bundle_id,
                device_id=device_id,
                size=size,
                seq_to=int(info.seq_to),
                records=int(info.records),
                created_at=utcnow(),
                expires_at=expires_at,
            )
            .returning(DownloadBundle.id)
        ).scalar_one()
        source.seek(0)
        start = 0
        while piece := source.read(PART_SIZE):
            # Core inserts, one piece at a time: the session keeps no copy, memory holds one piece.
            session.execute(insert(DownloadPart).values(download_id=download_id, start=start, data=piece))
            start += len(piece)
        uow.commit()
    return DownloadOffer(bundle_id, size, int(info.seq_to), int(info.records), expires_at)


def prepare_download(
    units: UnitsOfWork,
    device_uuid: uuid.UUID,
    since: int,
    prev_hash: str,
    limit: int,
    build: BuildDownload,
) -> DownloadOffer:
    """Has the exchange build the device's next down bundle and keeps it for download, replacing the device's
    previous one (one per device at a time)."""
    with units() as uow:
        device_id = _approved_device(uow, device_uuid).id
    with tempfile.TemporaryFile(prefix="ejps-download-") as target:
        info = build(units(), device_uuid, since, prev_hash, limit, target)
        if not info.bundle_id:  # the office is up to date: nothing to keep, nothing to fetch
            return DownloadOffer(None, 0, info.seq_to, 0, utcnow())
        size = target.seek(0, os.SEEK_END)
        try:
            return _store_download(units(), device_id, info, target, size)
        except IntegrityError:
            # The same device asked twice at once through two processes: the later request replaces the other.
            return _store_download(units(), device_id, info, target, size)


def prepared_download(
    uow: UnitOfWork, bundle_id: uuid.UUID, device: uuid.UUID | None = None
) -> PreparedDownload:
    """The download prepared under this id; with `device`, only if prepared for that device (another device's
    is as unknown to it)."""
    with uow:
        row = uow.session.execute(
            select(DownloadBundle.id, DownloadBundle.size, DownloadBundle.expires_at, Device.uuid)
            .join(Device, Device.id == DownloadBundle.device_id)
            .where(DownloadBundle.bundle_id == bundle_id)
        ).first()
    if row is None or (device is not None and row.uuid != device):
        raise DownloadUnknown(
            N_(
                "Paket unduhan {bundle} tidak ada di server (sudah diganti yang lebih baru atau belum dibuat). "
                "Minta paket baru."
            ),
            bundle=str(bundle_id),
        )
    if _aware(row.expires_at) < utcnow():
        raise DownloadExpired(
            N_("Paket unduhan {bundle} sudah kedaluwarsa. Minta paket baru."), bundle=str(bundle_id)
        )
    return PreparedDownload(row.id, row.size)


def read_download(units: UnitsOfWork, download: PreparedDownload, start: int) -> Iterator[bytes]:
    """The download's bytes from byte `start` to its end, a piece at a time, each in its own transaction. Ends
    early if the download was replaced meanwhile (the office's next request finds out)."""
    if not 0 <= start < download.size:
        raise RangeNotSatisfiable(start, download.size)
    position = start
    while position < download.size:
        with units() as uow:
            piece_start = uow.session.scalar(
                select(func.max(DownloadPart.start)).where(
                    DownloadPart.download_id == download.id, DownloadPart.start <= position
                )
            )
            if piece_start is None:
                return
            # substr counts from 1; the cast: PostgreSQL's substr(bytea, integer) takes no bigint.
            from_byte = cast(literal(position - piece_start + 1), Integer)
            piece = uow.session.scalar(
                select(func.substr(DownloadPart.data, from_byte)).where(
                    DownloadPart.download_id == download.id, DownloadPart.start == piece_start
                )
            )
        if not piece:
            return
        position += len(piece)
        yield bytes(piece)
