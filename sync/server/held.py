"""A revoked device's bundles, held for review.

"A revoked device's bundles are refused, and its unacknowledged changes are held for review." A bundle that the
apply refuses because its signer is revoked is kept here — only once verified whole as signed by that device
(its key as enrolled, every chunk, addressed to this server), never applied. The province's admin lists them
and decides, each decision audited:

- release: the bundle is applied as if the device were still valid when it sent it — in ONE transaction the
  device counts as approved for the apply only (its status is put back before that same transaction commits,
  so no moment exists where the revoked device could sync), the region bound at approval still limits it;
- discard: its changes are dropped (the row stays, without its bytes, as the record of the decision).

The laptop of a revoked device sends its unanswered changes again at every attempt: they are held once (by
the bundle's hash, or its device and sequence range).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError
from app.i18n import N_
from app.uow import UnitOfWork
from db.models import utcnow
from db.sync_models import Device, HeldBundle
from sync.bundle import BundleRefused, Signer, open_bundle
from sync.keys import signing_public_key
from sync.receipts import DUPLICATE, REFUSED, open_receipt
from sync.server.database import server_keys
from sync.server.devices import DeviceStatus, _require_device_region

HELD, RELEASED, DISCARDED = "held", "released", "discarded"


class HeldBundleError(DomainError):
    code = "held_bundle"


@dataclass(frozen=True)
class HeldSummary:
    id: int
    device: uuid.UUID
    office_name: str
    region: str
    bundle_id: uuid.UUID
    seq_from: int
    seq_to: int
    records: int
    size: int
    received_at: datetime
    state: str
    decided_by: str


def _summary(row: HeldBundle, device: Device) -> HeldSummary:
    return HeldSummary(
        row.id,
        device.uuid,
        device.office_name,
        device.region,
        row.bundle_id,
        row.seq_from,
        row.seq_to,
        row.records,
        row.size,
        row.received_at,
        row.state,
        row.decided_by,
    )


def hold_refused(uow: UnitOfWork, device_uuid: uuid.UUID | None, bundle: bytes | Path) -> HeldSummary | None:
    """Keeps a revoked device's refused bundle for review, if it verifies whole as signed by a revoked device
    (`device_uuid`, when the transfer's signature named it already); None otherwise: then it is nobody's
    bundle to hold, and nothing is kept."""
    data = bundle if isinstance(bundle, bytes) else Path(bundle).read_bytes()
    with uow.writing():
        session = uow.session
        signer_device: dict[str, Device] = {}

        def revoked_signer(sender: str) -> Signer | None:
            try:
                sender_uuid = uuid.UUID(sender)
            except ValueError:
                return None
            if device_uuid is not None and sender_uuid != device_uuid:
                return None
            found = session.scalars(select(Device).where(Device.uuid == sender_uuid)).first()
            if found is None or found.status != DeviceStatus.REVOKED:
                return None
            signer_device[sender] = found
            # Verified as if valid: the point is to know the bundle is whole and truly this device's.
            return Signer(signing_public_key(found.signing_key))

        try:
            opened = open_bundle(
                data,
                recipient="server",
                private_key=server_keys(session).encryption,
                signers=revoked_signer,
            )
        except BundleRefused:
            return None
        device = signer_device[opened.header.sender]
        device_uuid = device.uuid
        header = opened.header
        # The laptop, refused, builds its bundle again at the next attempt (another id, the same changes):
        # the changes (device, seq range) are held once.
        row = session.scalars(
            select(HeldBundle).where(
                (HeldBundle.bundle_hash == opened.hash)
                | (
                    (HeldBundle.device_id == device.id)
                    & (HeldBundle.seq_from == header.seq_from)
                    & (HeldBundle.seq_to == header.seq_to)
                    & (HeldBundle.state == HELD)
                )
            )
        ).first()
        if row is None:
            row = HeldBundle(
                device_id=device.id,
                bundle_id=uuid.UUID(header.bundle_id),
                bundle_hash=opened.hash,
                seq_from=header.seq_from,
                seq_to=header.seq_to,
                records=len(opened.records),
                size=len(data),
                data=data,
                received_at=utcnow(),
                state=HELD,
                decided_by="",
            )
            session.add(row)
            session.flush()
            uow.audit(
                "device",
                "device.hold",
                "device",
                str(device_uuid),
                after={"held": row.id, "bundle": header.bundle_id, "records": row.records},
            )
        summary = _summary(row, device)
        uow.commit()
        return summary


def hold_usb_file(uow: UnitOfWork, usb_file: str | Path) -> HeldSummary | None:
    """The same for a laptop's USB file (`ejps server import`): its bundle, bare or inside the request file."""
    from sync.answer import read_request_file
    from sync.bundle_file import MAGIC

    data = Path(usb_file).read_bytes()
    bundle = data if data.startswith(MAGIC) else read_request_file(data).bundle
    return hold_refused(uow, None, bundle) if bundle else None


def list_held(uow: UnitOfWork, actor: CurrentUser, *, every: bool = False) -> list[HeldSummary]:
    """The held bundles of devices in the actor's region, oldest first; `every`: decided ones too."""
    with uow:
        require(actor, Permission.DEVICE_MANAGE)
        query = select(HeldBundle, Device).join(Device, Device.id == HeldBundle.device_id)
        if not every:
            query = query.where(HeldBundle.state == HELD)
        rows = uow.session.execute(query.order_by(HeldBundle.received_at, HeldBundle.id)).all()
        return [_summary(row, device) for row, device in rows if actor.covers(device.region)]


def _held_row(uow: UnitOfWork, actor: CurrentUser, held_id: int) -> tuple[HeldBundle, Device]:
    require(actor, Permission.DEVICE_MANAGE)
    row = uow.session.get(HeldBundle, held_id)
    if row is None:
        raise HeldBundleError(
            N_("Paket tertahan nomor {id} tidak ada. Lihat daftarnya dengan 'ejps device held'."), id=held_id
        )
    device = uow.session.get(Device, row.device_id)
    _require_device_region(actor, device.region)
    if row.state != HELD:
        raise HeldBundleError(
            N_("Paket tertahan nomor {id} sudah diputuskan ({state}) oleh {who}."),
            id=held_id,
            state=row.state,
            who=row.decided_by,
        )
    return row, device


def _decide(row: HeldBundle, actor: CurrentUser, state: str) -> None:
    row.state = state
    row.decided_at = utcnow()
    row.decided_by = actor.username
    row.data = None


def discard_held(uow: UnitOfWork, actor: CurrentUser, held_id: int) -> HeldSummary:
    """Drops a held bundle's changes for good; audited."""
    with uow.writing():
        row, device = _held_row(uow, actor, held_id)
        _decide(row, actor, DISCARDED)
        uow.audit(
            actor,
            "device.discard_held",
            "device",
            str(device.uuid),
            after={"held": row.id, "bundle": str(row.bundle_id), "records": row.records},
        )
        summary = _summary(row, device)
        uow.commit()
        return summary


def release_held(uow: UnitOfWork, actor: CurrentUser, held_id: int) -> HeldSummary:
    """Applies a held bundle as if its device were still valid, in one transaction with the decision and its
    audit; a bundle the apply refuses (its stream moved on, a region outside the device's…) stays held, and the
    refusal is said. A release that lost a race to another office's bundle (the same NIK registered at once)
    runs again whole, decision and audit included (sync/server/exchange.py apply_upload)."""
    from sync.server.exchange import after_lost_races

    return after_lost_races(lambda: _release_held_once(uow, actor, held_id))


def _release_held_once(uow: UnitOfWork, actor: CurrentUser, held_id: int) -> HeldSummary:
    from sync.server.exchange import apply_upload

    with uow.writing():
        session = uow.session
        row, device = _held_row(uow, actor, held_id)
        data = bytes(row.data or b"")
        _decide(row, actor, RELEASED)
        summary = _summary(row, device)
        uow.audit(
            actor,
            "device.release_held",
            "device",
            str(device.uuid),
            after={"held": row.id, "bundle": str(row.bundle_id), "records": row.records},
        )

        def revoked_again(committing) -> None:
            device.status = DeviceStatus.REVOKED.value

        device.status = DeviceStatus.APPROVED.value
        session.flush()
        event.listen(session, "before_commit", revoked_again)
        try:
            signed = apply_upload(session, data)  # commits (the status put back first), or rolls back
        finally:
            event.remove(session, "before_commit", revoked_again)
        receipt = open_receipt(
            signed, server_key=server_keys(session).public().signing, device=str(device.uuid)
        )
        if receipt.verdict == REFUSED:
            session.rollback()
            raise HeldBundleError(
                N_("Paket tertahan nomor {id} tidak dapat diterapkan dan tetap tertahan: {reason}"),
                id=held_id,
                reason=receipt.refusal_message,
            )
    if receipt.verdict == DUPLICATE:
        # Already applied before the device was revoked: only the decision is left to record.
        with uow.writing():
            row, device = _held_row(uow, actor, held_id)
            _decide(row, actor, RELEASED)
            uow.audit(
                actor,
                "device.release_held",
                "device",
                str(device.uuid),
                after={"held": row.id, "bundle": str(row.bundle_id), "records": 0},
            )
            summary = _summary(row, device)
            uow.commit()
    return summary
