"""The office's side of the exchange (sync-design.md "Wave 2"): the use cases the sync panel, the CLI and the
HTTP transport call.

- `prepare_upload`: the one outgoing bundle — re-used while unanswered, else built from the outbox (at most
  `UPLOAD_LIMIT` changes), stored sealed in `sync_outbox_bundle` and its changes marked `sent`, in one
  transaction. The same bytes go again until a receipt answers them.
- `apply_receipt`: the server's signed receipt marks each change applied / duplicate / conflict / refused, and
  records the server's numbers as the records' versions (the base of their next change). A refused bundle puts
  its changes back to `pending`: the next bundle carries them again once the cause is fixed.
- `apply_download`: a down bundle checked against the down stream, applied through sync/local_apply.py with the
  cursor and the down hash advanced in the data's transaction. A bundle of several chunks (a first install's
  snapshot) applies chunk by chunk, each chunk its own transaction that records how far it got
  (`sync_download_progress`), so a kill resumes at the next chunk; the cursor moves only with the last.
- `sync_now`: the whole exchange over HTTPS — the outgoing bundle up (resumable), its receipt applied, then
  down bundles fetched (resumable) and applied until the office is up to date.
- `export_usb` / `import_usb_answer`: the same, through files on a USB stick.
- `resolve_conflict`: a conflict the server sent down, resolved here: an ordinary change of the record plus the
  conflict's resolution, both synced up.

Each use case takes the office database and the acting user: syncing is an operator's or an admin's.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, cycle_collection_paused
from app.office import OfficeDatabase, data_dir
from db.models import Office, utcnow
from db.sync_models import DownloadProgress, OutboxBundle, SyncChange, SyncConflict, SyncState
from sync.answer import UsbRequest, read_answer_file, write_request_file
from sync.bundle import BundleRefused, Signer, build_bundle, read_bundle
from sync.changes import DELETE, UPSERT, Change, outbox_lines, outbox_span
from sync.client import DOWNLOAD_LIMIT, SyncClient
from sync.entities import entities, region_overlaps
from sync.keys import PublicKeys, device_keys
from sync.local_apply import (
    CONFLICT_ENTITY,
    ApplyCounts,
    PreparedChanges,
    _hex,
    adopt_uid,
    apply_changes,
    prepare_changes,
)
from sync.receipts import REFUSED, open_receipt
from sync.streams import StreamPosition, StreamVerdict, check_stream, down_stream, up_stream

UPLOAD_LIMIT = 50_000
# A down bundle's chunks applied in one transaction, up to this many records (sync/bundle.py cuts them at
# 5,000): the same pages are then written once, not once a chunk.
COMMIT_RECORDS = 25_000


class SyncCancelled(DomainError):
    """The user cancelled; what was applied so far stays (whole chunks), the rest resumes next time."""


@dataclass(frozen=True)
class OutgoingBundle:
    bundle_id: str
    hash: str
    seq_from: int
    seq_to: int
    records: int
    data: bytes
    reused: bool  # the unanswered bundle of an earlier attempt, sent again as it was


@dataclass(frozen=True)
class ReceiptSummary:
    bundle_id: str
    verdict: str  # applied | duplicate | refused
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    refused: int = 0
    refusal_code: str = ""
    refusal_message: str = ""
    already_answered: bool = False  # this answer was imported before: nothing changed


@dataclass(frozen=True)
class DownloadSummary:
    bundle_id: str
    verdict: str  # applied | duplicate
    records: int
    pulled_upto: int
    counts: ApplyCounts
    conflicts: int = 0
    chunks_applied: int = 0


@dataclass(frozen=True)
class _Context:
    device: uuid.UUID
    region: str
    server: PublicKeys


def _context(session: Session) -> _Context:
    office = session.scalars(select(Office)).one()
    state = session.get(SyncState, 1)
    if state is None or not state.server_keys:
        raise DomainError(
            N_(
                "Perangkat ini belum terdaftar di server provinsi. Daftarkan dulu (menu Sinkronisasi, atau "
                "'ejps device enroll'), lalu minta admin provinsi menyetujuinya."
            )
        )
    return _Context(
        office.device_id, state.device_region or office.region_code, PublicKeys.from_json(state.server_keys)
    )


def _allowed(session: Session, user: CurrentUser) -> _Context:
    context = _context(session)
    require(user, Permission.SYNC_RUN, region=context.region)
    return context


def remember_server(
    db: OfficeDatabase, server_keys: PublicKeys, device_region: str, server_url: str = ""
) -> None:
    """Keeps what the server told this device on approval: its public keys and the region it bound the device
    to (enrollment calls this once the server answers "approved")."""
    with db.unit_of_work().writing() as uow:
        state = uow.session.get(SyncState, 1)
        if state is None:
            state = SyncState(id=1)
            uow.session.add(state)
        state.server_keys = server_keys.to_json()
        state.device_region = device_region
        state.enrollment = "approved"
        if server_url:
            state.server_url = server_url
        uow.commit()


# --------------------------------------------------------------------------------------------------- upload
def _outgoing(row: OutboxBundle, reused: bool) -> OutgoingBundle:
    return OutgoingBundle(
        str(row.bundle_id), row.hash, row.seq_from, row.seq_to, row.records, row.data, reused
    )


def prepare_upload(db: OfficeDatabase, user: CurrentUser) -> OutgoingBundle | None:
    """The bundle to send now, or None when nothing waits."""
    with db.unit_of_work().writing() as uow:
        session = uow.session
        context = _allowed(session, user)
        waiting = session.scalars(select(OutboxBundle).where(OutboxBundle.answered_at.is_(None))).first()
        if waiting is not None:
            return _outgoing(waiting, reused=True)
        connection = session.connection()
        span = outbox_span(connection, limit=UPLOAD_LIMIT)
        if span is None:
            return None
        seq_from, seq_to, count = span
        state = session.get(SyncState, 1)
        keys = device_keys(session)
        sealed = build_bundle(
            outbox_lines(connection, context.device, seq_from, seq_to),
            sender=str(context.device),
            recipient="server",
            region=context.region,
            stream=up_stream(str(context.device)),
            seq_from=seq_from,
            seq_to=seq_to,
            prev_hash=state.up_last_hash,
            signing_key=keys.signing,
            recipient_key=context.server.encryption,
        )
        row = OutboxBundle(
            bundle_id=uuid.UUID(sealed.header.bundle_id),
            hash=sealed.hash,
            prev_hash=state.up_last_hash,
            seq_from=seq_from,
            seq_to=seq_to,
            records=count,
            data=sealed.data,
            verdict="",
        )
        session.add(row)
        connection.exec_driver_sql(
            "UPDATE sync_change SET state = 'sent', bundle_id = ? WHERE seq BETWEEN ? AND ? AND state = 'pending'",
            (row.bundle_id.hex, row.seq_from, row.seq_to),
        )
        uow.commit()
        return _outgoing(row, reused=False)


def _open(data: bytes, context: _Context, waiting: set[str]):
    try:
        return open_receipt(data, server_key=context.server.signing, device=str(context.device))
    except BundleRefused as error:
        if error.code != "wrong_recipient":
            raise
        # A bundle the server could not even open is refused without knowing its sender: accepted for the
        # bundle this device is waiting an answer for, and only as a refusal.
        receipt = open_receipt(data, server_key=context.server.signing, device="", expected=waiting or {"-"})
        if receipt.verdict != REFUSED:
            raise
        return receipt


def apply_receipt(db: OfficeDatabase, user: CurrentUser, receipt_bytes: bytes) -> ReceiptSummary:
    with db.unit_of_work().writing() as uow:
        session = uow.session
        context = _allowed(session, user)
        waiting = {
            str(b)
            for b in session.scalars(select(OutboxBundle.bundle_id).where(OutboxBundle.answered_at.is_(None)))
        }
        receipt = _open(receipt_bytes, context, waiting)
        bundle = session.get(OutboxBundle, uuid.UUID(receipt.bundle_id)) if receipt.bundle_id else None
        if bundle is None:
            raise BundleRefused(
                "wrong_recipient",
                N_(
                    "Tanda terima ini untuk paket {bundle} yang tidak pernah dikirim dari kantor ini. Tidak ada "
                    "yang diubah."
                ),
                bundle=receipt.bundle_id,
            )
        if bundle.answered_at is not None:
            return ReceiptSummary(receipt.bundle_id, receipt.verdict, already_answered=True)
        connection = session.connection()
        now = utcnow()
        bundle.answered_at = now
        bundle.verdict = receipt.verdict
        if receipt.verdict == REFUSED:
            connection.exec_driver_sql(
                "UPDATE sync_change SET state = 'pending', bundle_id = NULL WHERE bundle_id = ?",
                (bundle.bundle_id.hex,),
            )
            uow.commit()
            return ReceiptSummary(
                receipt.bundle_id,
                REFUSED,
                refusal_code=receipt.refusal_code,
                refusal_message=receipt.refusal_message,
            )
        answers = receipt.answers_by_seq()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = connection.exec_driver_sql(
            "SELECT seq, entity, uid, region FROM sync_change WHERE bundle_id = ? ORDER BY seq",
            (bundle.bundle_id.hex,),
        ).all()
        updates, versions, moved_away = [], {}, {}
        counts = {"applied": 0, "duplicate": 0, "conflict": 0, "refused": 0}
        adopted: dict[tuple[str, str], str] = {}
        for seq, entity, uid_hex, region in rows:
            answer = answers.get(seq)
            if answer is not None and answer.uid:
                # Registered by another office first: the server holds the record under that uid.
                held_hex = uuid.UUID(answer.uid).hex
                if (entity, uid_hex) not in adopted:
                    adopted[entity, uid_hex] = held_hex
                    adopt_uid(connection, entity, uid_hex, held_hex)
                uid_hex = held_hex
            outcome = answer.outcome if answer is not None else "duplicate"
            counts[outcome] += 1
            stream_seq = answer.stream_seq if answer is not None else None
            updates.append((outcome, stamp, stream_seq, seq))
            if outcome == "applied" and stream_seq is not None and entity != CONFLICT_ENTITY:
                # Only a change applied over what this office had seen makes the record's version its number:
                # one merged with, or equal to, changes of other offices this office has not pulled yet leaves
                # the version where it was, so that the next local edit is judged against those changes
                # rather than overwriting them unseen (they raise the version when they come down).
                if answer.code == "":
                    versions[entity, uid_hex] = max(versions.get((entity, uid_hex), 0), stream_seq)
                if region and not region_overlaps(region, context.region):
                    moved_away[entity, uid_hex] = region
                else:
                    moved_away.pop((entity, uid_hex), None)
        if updates:
            connection.exec_driver_sql(
                "UPDATE sync_change SET state = ?, answered_at = ?, server_seq = ? WHERE seq = ?", updates
            )
            numbered = [stream_seq for outcome, _stamp, stream_seq, _seq in updates if outcome == "applied"]
            numbered = [number for number in numbered if number]
            if numbered:
                # Newer than every conflict held here, and than every earlier change of this office's: the
                # server numbered them just now (each conflict's record read along its index).
                first = min(numbered)
                _own_changes_into_theirs(
                    session,
                    session.scalars(select(SyncConflict).where(SyncConflict.state == "open")).all(),
                    "server_seq >= ?",
                    lambda _row: first,
                )
        if versions:
            connection.exec_driver_sql(
                "INSERT INTO sync_version (entity, uid, server_seq) VALUES (?, ?, ?) ON CONFLICT (entity, uid) "
                "DO UPDATE SET server_seq = max(server_seq, excluded.server_seq)",
                [(name, uid_hex, seq) for (name, uid_hex), seq in versions.items()],
            )
        if moved_away:
            # This office moved them out of its region (a family moved away) and the server took it: they
            # leave this copy as they leave the other offices' of the region (sync/local_apply.py evicts).
            leaving = [
                Change("server", 0, entity, str(uuid.UUID(uid_hex)), UPSERT, {}, region=region)
                for (entity, uid_hex), region in moved_away.items()
            ]
            apply_changes(session, leaving, office_region=context.region)
        state = session.get(SyncState, 1)
        state.up_last_hash = receipt.accepted_hash or bundle.hash
        uow.commit()
        return ReceiptSummary(receipt.bundle_id, receipt.verdict, **counts)


# ------------------------------------------------------------------------------------------------- download
def _conflict_rows(session: Session, records: list[dict[str, Any]]) -> int:
    """Keeps the conflicts the server sent (new or resolved) in this copy's sync_conflict."""
    # One read for the bundle's conflicts, not one query (and autoflush) per record: a bundle of a few thousand
    # conflicts took minutes.
    uids = {uuid.UUID(record["uid"]) for record in records}
    held = {
        row.conflict_uid: row
        for start in range(0, len(uids), 10_000)
        for row in session.scalars(
            select(SyncConflict).where(SyncConflict.conflict_uid.in_(sorted(uids)[start : start + 10_000]))
        )
    }
    for record in records:
        fields = record.get("fields") or {}
        conflict_uid = uuid.UUID(record["uid"])
        row = held.get(conflict_uid)
        if row is None:
            row = held[conflict_uid] = SyncConflict(conflict_uid=conflict_uid)
            session.add(row)
        row.entity = fields.get("entity", "")
        row.uid = uuid.UUID(fields["uid"])
        row.base = fields.get("base", 0)
        row.mine = fields.get("mine") or {}
        row.theirs = fields.get("theirs") or {}
        row.kind = fields.get("kind", "")
        row.device = uuid.UUID(fields["device"])
        row.seq = fields.get("seq", 0)
        row.username = fields.get("username", "")
        row.region = fields.get("region", "")
        if row.state != "resolved":  # resolved here and not yet echoed: stays resolved
            row.state = fields.get("state", "open")
            row.resolution = fields.get("resolution")
            row.resolved_by = fields.get("resolved_by", "")
    session.flush()
    # A conflict arriving after this office's own later change of its record (the server took it, and never
    # sends it back): that change is the server's value of its fields now.
    position = {uuid.UUID(record["uid"]): record.get("server_seq") or 0 for record in records}
    arrived = [row for row in held.values() if row.state == "open" and row.conflict_uid in position]
    _own_changes_into_theirs(session, arrived, "server_seq > ?", lambda row: position[row.conflict_uid])
    return len(records)


def _own_changes_into_theirs(session: Session, rows, condition: str, parameter) -> None:
    """Open conflicts' `theirs` take the values of this office's own applied changes of their record that
    match `condition` (SQL on sync_change, with `parameter(row)`), in the order the server numbered them."""
    connection = session.connection()
    for row in rows:
        if row.kind == "delete_update" or not row.theirs:
            continue
        later: dict[str, Any] = {}
        for (fields,) in connection.exec_driver_sql(
            "SELECT fields FROM sync_change WHERE entity = ? AND uid = ? AND op = ? AND state = 'applied' "
            f"AND fields IS NOT NULL AND {condition} ORDER BY server_seq",
            (row.entity, row.uid.hex, UPSERT, parameter(row)),
        ):
            later.update(json.loads(fields))
        theirs = dict(row.theirs)
        theirs.update((field, later[field]) for field in theirs.keys() & later.keys())
        if theirs != row.theirs:
            row.theirs = theirs


def _theirs_kept_current(session: Session, prepared: PreparedChanges) -> None:
    """An open conflict's `theirs` follows the server's later changes of its fields.

    `theirs` is the server's values when the conflict arose. Resolving "theirs" writes them here (and sends them
    up, based on this copy's version): had another office changed such a field since, its newer value — already
    written here — went back to the old one, on this copy and then on the server, silently. So each incoming
    value of a conflicting field, newer than the conflict, becomes its `theirs`; the office also sees, in the
    conflict's detail, the value the server holds now. Likewise whether the record lives on the server, for a
    delete of this office's that gave way to another's update: deleted there since, it stays deleted here
    (_resolve_delete). This office's own applied changes, which never come down, enter `theirs` from their
    receipt (_own_changes_into_theirs)."""
    rows = session.scalars(select(SyncConflict).where(SyncConflict.state == "open")).all()
    if not rows:
        return
    # Where a conflict of this batch stands in the stream: only what comes after it is newer than its theirs.
    position = {_hex(record["uid"]): record.get("server_seq") or 0 for record in prepared.conflicts}
    wanted = {(row.entity, row.uid.hex) for row in rows}
    later: dict[tuple[str, str], list[tuple[int, Mapping[str, Any] | None]]] = defaultdict(list)
    for name, group in prepared.by_entity.items():
        for uid_hex, record, values in group:
            if (name, uid_hex) in wanted:
                fields = None if values is None else record.get("fields") or {}
                later[name, uid_hex].append((record.get("server_seq") or 0, fields))
    for row in rows:
        changes = later.get((row.entity, row.uid.hex))
        if not changes:
            continue
        after = position.get(row.conflict_uid.hex, 0) if row.conflict_uid else 0
        theirs = dict(row.theirs)
        for seq, fields in changes:
            if seq <= after:
                continue
            if row.kind == "delete_update":
                if DELETED_FIELD in row.mine:  # this office deleted; is the record alive on the server now?
                    theirs[DELETED_FIELD] = DELETED_MARK if fields is None else None
            elif fields is not None:
                theirs.update((field, fields[field]) for field in theirs.keys() & fields.keys())
        if theirs != row.theirs:
            row.theirs = theirs  # a new dict: the JSON column sees the change


# How a delete-versus-update conflict names the record's fate in its mine/theirs: deleted, or None (alive).
DELETED_FIELD, DELETED_MARK = "deleted_at", "deleted"


# A down bundle's records are parsed into hundreds of thousands of dicts that reference counting frees; the
# cycle collector, triggered by their allocation, walked them again and again on both threads (half a second of
# a 100,000-change apply) and found nothing to free.
@cycle_collection_paused()
def apply_download(
    db: OfficeDatabase,
    user: CurrentUser,
    path: str | os.PathLike[str] | BinaryIO,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DownloadSummary:
    """Applies a down bundle file, or an open seekable binary file (verified whole first). `progress(chunks
    done, chunks)` after each chunk committed; `cancelled()` asked before each chunk (SyncCancelled: the chunks
    done stay, the rest resumes)."""
    with db.unit_of_work().writing() as uow:  # writing: the keys are made the first time they are asked for
        context = _allowed(uow.session, user)
        keys = device_keys(uow.session)
        uow.commit()

    def signers(sender: str) -> Signer | None:
        return Signer(context.server.signing) if sender == "server" else None

    with read_bundle(
        path, recipient=str(context.device), private_key=keys.encryption, signers=signers
    ) as bundle:
        header = bundle.header
        total = header.chunk_count
        counts = ApplyCounts()
        conflicts = 0
        start = 0
        done = 0
        reading, expected = iter(()), -1  # the chunks read on, while the one before is being applied
        while True:
            if cancelled is not None and cancelled():
                raise SyncCancelled(
                    N_("Sinkronisasi dibatalkan. Bagian yang sudah diterapkan tetap tersimpan.")
                )
            with db.unit_of_work().writing() as uow:
                session = uow.session
                state = session.get(SyncState, 1)
                verdict = check_stream(
                    header,
                    bundle.hash,
                    stream=down_stream(str(context.device)),
                    position=StreamPosition(state.pulled_upto, state.down_last_hash),
                )
                if verdict is StreamVerdict.DUPLICATE:
                    return DownloadSummary(
                        header.bundle_id, "duplicate", header.records, state.pulled_upto, counts
                    )
                progress_row = session.get(DownloadProgress, 1)
                if progress_row is not None and progress_row.bundle_hash == bundle.hash:
                    start = max(start, progress_row.chunks_done)
                if start >= total:  # every chunk in, or none at all: the cursor moves
                    _finish(session, header.seq_to, bundle.hash)
                    uow.commit()
                    return DownloadSummary(
                        header.bundle_id, "applied", header.records, header.seq_to, counts, conflicts, done
                    )
                if expected != start:
                    # Each chunk made ready for the apply on the reader's thread (sync/local_apply.py).
                    reading = bundle.chunks(start, prepare=prepare_changes)
                # Chunks in one transaction up to COMMIT_RECORDS: each commit writes the pages it touched
                # (the person indexes' leaves again and again), so fewer commits spare most of that. A Cancel
                # still takes effect at the next chunk (what is applied is committed first); a kill loses
                # only the transaction under way, and the next apply resumes after the last one committed.
                in_transaction = 0
                while True:
                    index, prepared = next(reading)
                    expected = index + 1
                    last = index == total - 1
                    applied = apply_changes(
                        session,
                        prepared,
                        office_region=context.region,
                        pulled_upto=header.seq_to if last else None,
                    )
                    conflicts += _conflict_rows(session, prepared.conflicts)
                    _theirs_kept_current(session, prepared)
                    counts = _sum(counts, applied)
                    in_transaction += prepared.count
                    done += 1
                    if last or in_transaction >= COMMIT_RECORDS or (cancelled is not None and cancelled()):
                        break
                if last:
                    _finish(session, header.seq_to, bundle.hash)
                else:
                    if progress_row is None:
                        progress_row = DownloadProgress(id=1)
                        session.add(progress_row)
                    progress_row.bundle_hash = bundle.hash
                    progress_row.chunks_done = index + 1
                uow.commit()
            start = index + 1
            if progress is not None:
                progress(start, total)
            if last:
                return DownloadSummary(
                    header.bundle_id, "applied", header.records, header.seq_to, counts, conflicts, done
                )


def _finish(session: Session, seq_to: int, bundle_hash: str) -> None:
    state = session.get(SyncState, 1)
    state.pulled_upto = max(state.pulled_upto, seq_to)
    state.down_last_hash = bundle_hash
    progress_row = session.get(DownloadProgress, 1)
    if progress_row is not None:
        session.delete(progress_row)


def _sum(a: ApplyCounts, b: ApplyCounts) -> ApplyCounts:
    return ApplyCounts(*(x + y for x, y in zip(a.__dict__.values(), b.__dict__.values(), strict=True)))


# ------------------------------------------------------------------------------------------------------ USB
def export_usb(db: OfficeDatabase, user: CurrentUser, path: str | os.PathLike[str]) -> OutgoingBundle | None:
    """Writes the USB file for the server (sync/answer.py): the bundle to send — the unanswered one again, else
    a new one; none when nothing waits — and this office's down cursor, so the answer brings what is new."""
    bundle = prepare_upload(db, user)
    with db.unit_of_work() as uow:
        context = _allowed(uow.session, user)
        state = uow.session.get(SyncState, 1)
        request = UsbRequest(
            str(context.device), state.pulled_upto, state.down_last_hash, bundle.data if bundle else b""
        )
    write_request_file(path, request)
    return bundle


def import_usb_answer(
    db: OfficeDatabase,
    user: CurrentUser,
    path: str | os.PathLike[str],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[ReceiptSummary | None, DownloadSummary | None]:
    """Imports the server's answer file: the receipt first, then the down bundle it carries (each may be
    absent)."""
    with db.unit_of_work() as uow:
        _allowed(uow.session, user)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DomainError(
            N_("Berkas {path} tidak dapat dibaca: {error}"), path=str(path), error=error.strerror
        ) from None
    receipt_bytes, down = read_answer_file(data)
    receipt = apply_receipt(db, user, receipt_bytes) if receipt_bytes else None
    if not down:
        return receipt, None
    # Read from memory, not a temporary file: a laptop switched off midway would leave the file behind.
    return receipt, apply_download(db, user, io.BytesIO(down), progress, cancelled)


# ------------------------------------------------------------------------------------------------ conflicts
def open_conflicts(db: OfficeDatabase, user: CurrentUser) -> list[dict[str, Any]]:
    """The conflicts of this office's region still to resolve, as plain data (for the sync panel)."""
    with db.unit_of_work() as uow:
        context = _allowed(uow.session, user)
        rows = uow.session.scalars(
            select(SyncConflict).where(SyncConflict.state == "open").order_by(SyncConflict.id)
        )
        return [
            {
                "conflict_uid": str(row.conflict_uid),
                "entity": row.entity,
                "uid": str(row.uid),
                "kind": row.kind,
                "mine": row.mine,
                "theirs": row.theirs,
                "username": row.username,
                "device": str(row.device),
                "own": row.device == context.device,
            }
            for row in rows
        ]


def resolve_conflict(
    db: OfficeDatabase, user: CurrentUser, conflict_uid: str | uuid.UUID, choice: str | dict[str, Any]
) -> None:
    """Resolves a conflict: "theirs" keeps the server's values, "mine" takes the values of the change that
    conflicted, a dict gives the values (field → wire value). Either way the record's change (based on the
    server's version) and the resolution go into the outbox, in one transaction."""
    with db.unit_of_work().writing() as uow:
        session = uow.session
        context = _allowed(session, user)
        row = session.scalars(
            select(SyncConflict).where(SyncConflict.conflict_uid == uuid.UUID(str(conflict_uid)))
        ).first()
        if row is None or row.state != "open":
            raise DomainError(
                N_("Konflik {uid} tidak ditemukan atau sudah diselesaikan."), uid=str(conflict_uid)
            )
        entity = entities().get(row.entity)
        if entity is None:
            raise DomainError(N_("Jenis data {entity} tidak dikenal."), entity=row.entity)
        connection = session.connection()
        if choice == "theirs":
            values = dict(row.theirs)
        elif choice == "mine":
            values = dict(row.mine)
        elif isinstance(choice, dict):
            values = dict(choice)
        else:
            raise DomainError(N_("Pilihan penyelesaian konflik tidak dikenal: {choice}."), choice=str(choice))
        base = (
            connection.exec_driver_sql(
                "SELECT server_seq FROM sync_version WHERE entity = ? AND uid = ?", (row.entity, row.uid.hex)
            ).scalar()
            or 0
        )
        op = UPSERT
        if row.kind == "delete_update":
            op, values = _resolve_delete(connection, entity, row, choice, values, context.device)
        elif _deleted_here(connection, entity, row.uid):
            # Deleted since the conflict (here, or by the server's word): the delete stands — sending the chosen
            # values would bring the record back. The copy takes the server's values, which the record has
            # should it come back (a delete conflict resolved for the update).
            _write_local(connection, entity, row.uid, dict(row.theirs))
            op, values = None, {}
        # The server's values may differ from this copy's (the office's own losing value stays here until
        # resolved): the record takes the chosen values now, and the change carries them up.
        elif values:
            _write_local(connection, entity, row.uid, values)
        next_seq = connection.exec_driver_sql(
            "SELECT coalesce(max(seq), 0) + 1 FROM sync_change"
        ).scalar_one()
        now = utcnow()
        if op is not None:
            session.add(
                SyncChange(
                    seq=next_seq, entity=row.entity, uid=row.uid, op=op, fields=values, base=base,
                    region=row.region, recorded_at=now, state="pending",
                )
            )  # fmt: skip
            next_seq += 1
        row.state = "resolved"
        row.resolution = {"choice": choice if isinstance(choice, str) else "value", "values": values}
        row.resolved_by = user.username
        row.resolved_at = now
        session.add(
            SyncChange(
                seq=next_seq, entity=CONFLICT_ENTITY, uid=row.conflict_uid, op=UPSERT,
                fields={"resolution": row.resolution, "resolved_by": user.username}, base=0,
                region=row.region or context.region, recorded_at=now, state="pending",
            )
        )  # fmt: skip
        uow.audit(user, "sync.conflict.resolve", row.entity, str(row.uid), after=row.resolution)
        uow.commit()


def _deleted_here(connection, entity, uid: uuid.UUID) -> bool:
    table = entity.table
    return (
        connection.execute(select(table.c.deleted_at.is_not(None)).where(table.c.uid == uid)).scalar() is True
    )


def _resolve_delete(
    connection,
    entity,
    row: SyncConflict,
    choice: str | dict[str, Any],
    values: dict[str, Any],
    own_device: uuid.UUID,
) -> tuple[str | None, dict[str, Any]]:
    """A delete-versus-update conflict resolved: whether the record stays deleted, in this copy and on the
    server, is the choice — not a field value (its `theirs`/`mine` name no field to write: None stands for "the
    record is gone"). Returns the record's change to send (op, fields), op None when the server already holds
    the chosen outcome."""
    from sync.changes import capture_suspended

    this_office_deleted = DELETED_FIELD in row.mine
    if isinstance(choice, dict):
        keep_deleted = False
    else:
        keep_deleted = (choice == "mine") == this_office_deleted
    table = entity.table
    if (
        this_office_deleted
        and not keep_deleted
        and (row.theirs.get(DELETED_FIELD) is not None or _deleted_again(connection, row, own_device))
    ):
        # The update this office's delete gave way to is gone since: deleted on the server by another office
        # (its delete came down: _theirs_kept_current), or by a later delete of this office's own, which the
        # server took or will judge. The record stays deleted, here as there; nothing to send.
        return None, {}
    # The delete came down before its conflict did: a record alive here now was brought back since (another
    # conflict of this office's about it resolved for the update, or the server's word), on the server too.
    back_since = not this_office_deleted and not _deleted_here(connection, entity, row.uid)
    with capture_suspended(connection):
        connection.execute(
            table.update().where(table.c.uid == row.uid).values(deleted_at=utcnow() if keep_deleted else None)
        )
    if keep_deleted:
        # This office's delete wins: the server, which kept the other office's update, deletes it too. The other
        # office's delete wins: the server holds it already — unless the record came back since, then it goes
        # again.
        return (DELETE, {}) if this_office_deleted or back_since else (None, {})
    if this_office_deleted:
        return (
            None,
            {},
        )  # the other office's update wins: the server holds it already, this copy takes it back
    # This office's update wins over the other's delete: the record comes back with its values, everywhere.
    values = dict(row.mine) if choice == "mine" else {k: v for k, v in values.items() if v is not None}
    if values:
        _write_local(connection, entity, row.uid, values)
    return UPSERT, values


def _deleted_again(connection, row: SyncConflict, own_device: uuid.UUID) -> bool:
    """Whether this office deleted the record once more after its change that conflicted (a later change of its
    own, not refused or itself in conflict)."""
    if row.device != own_device:
        return False
    return (
        connection.exec_driver_sql(
            "SELECT 1 FROM sync_change WHERE entity = ? AND uid = ? AND seq > ? AND op = ? "
            "AND state NOT IN ('refused', 'conflict') LIMIT 1",
            (row.entity, row.uid.hex, row.seq, DELETE),
        ).first()
        is not None
    )


def _write_local(connection, entity, uid: uuid.UUID, values: dict[str, Any]) -> None:
    """Writes wire `values` of plain fields into this copy's record, outside capture (the change is added by
    the caller with the right base)."""
    from sync.changes import capture_suspended
    from sync.values import decode_fields

    plain = decode_fields(entity.table, {k: v for k, v in values.items() if k in entity.fields})
    if not plain:
        return
    with capture_suspended(connection):
        connection.execute(entity.table.update().where(entity.table.c.uid == uid).values(**plain))


# ---------------------------------------------------------------------------------------------------- HTTP
# Down bundles wait here, still encrypted to this device, so that a download cut off (or a laptop switched off)
# continues from what arrived at the next sync, even after a restart; a bundle received whole stays until
# applied whole, so that an apply cut midway goes on at its next chunk.
DOWNLOAD_FOLDER = "sync-unduhan"
DOWNLOAD_ROUNDS = 100  # 100 × 50,000 changes: far beyond a province; a guard against a server that never ends


@dataclass(frozen=True)
class SyncResult:
    sent: ReceiptSummary | None
    received: tuple[DownloadSummary, ...]

    def __str__(self) -> str:
        parts = []
        if self.sent is not None:
            parts.append(
                _("dikirim: {applied} diterima, {conflict} konflik, {refused} ditolak").format(
                    applied=self.sent.applied + self.sent.duplicate,
                    conflict=self.sent.conflict,
                    refused=self.sent.refused,
                )
            )
        parts.append(_("diterima dari server: {n} perubahan").format(n=sum(d.records for d in self.received)))
        return "; ".join(parts)


def sync_now(
    db: OfficeDatabase, user: CurrentUser, progress: Progress = NO_PROGRESS, *, server_url: str = ""
) -> SyncResult:
    """Sends what waits and fetches what is new, over HTTP, with the server this device enrolled with. Every
    step is resumable: a cut connection, a cancel or a killed laptop continue at the next call from where
    things stood (the outgoing bundle is the same bytes until answered; a download continues its .partial
    file; a bundle received but not applied whole goes on at its next chunk; the cursor moves only with the
    data). `server_url`: another address of the same server (its keys, learnt at enrollment, still verify
    every answer)."""
    with db.unit_of_work().writing() as uow:  # writing: the keys are made the first time they are asked for
        context = _allowed(uow.session, user)
        keys = device_keys(uow.session)
        server_url = server_url or uow.session.get(SyncState, 1).server_url
        uow.commit()
    if not server_url:
        raise DomainError(
            N_("Alamat server provinsi belum diisi. Daftarkan perangkat ini di halaman Sinkronisasi dulu.")
        )

    def transfer_progress(what: str):
        return lambda done, total: progress.report(done, total, what)

    cancelled = progress.cancelled
    sent = None
    received: list[DownloadSummary] = []
    from sync.request_signing import RequestSigner

    with SyncClient(server_url, signer=RequestSigner(context.device, keys.signing)) as client:
        outgoing = prepare_upload(db, user)
        if outgoing is not None:
            progress.check()
            receipt = client.upload(
                outgoing.bundle_id, outgoing.data, transfer_progress(_("Mengirim perubahan…")), cancelled
            )
            sent = apply_receipt(db, user, receipt)
        folder = data_dir() / DOWNLOAD_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{context.device}.bundle"

        def apply_received() -> DownloadSummary:
            summary = apply_download(
                db,
                user,
                target,
                lambda done, total: progress.report(done, total, _("Menerapkan perubahan dari server…")),
                cancelled,
            )
            target.unlink()
            return summary

        if target.exists():
            # A bundle received whole whose apply stopped midway (cancelled, or the laptop switched off): it
            # goes on at its next chunk; a new bundle would start a snapshot over from its first.
            try:
                leftover = apply_received()
                if leftover.verdict == "applied":
                    received.append(leftover)
            except BundleRefused:
                target.unlink()  # applied already and overtaken, or unsound: what is new is fetched below
        for _round in range(DOWNLOAD_ROUNDS):
            progress.check()
            with db.unit_of_work() as uow:
                state = uow.session.get(SyncState, 1)
                since, prev_hash = state.pulled_upto, state.down_last_hash
            reply = client.request_download(context.device, since, prev_hash)
            if not reply.bundle_id:
                break
            client.download(
                reply.bundle_id,
                target,
                transfer_progress(_("Mengunduh perubahan dari server…")),
                cancelled,
                device=context.device,
                private_key=keys.encryption,
                size=reply.size,
            )
            try:
                summary = apply_received()
            except BundleRefused:
                target.unlink()
                raise
            received.append(summary)
            if reply.records < DOWNLOAD_LIMIT or summary.pulled_upto <= since:
                break
    return SyncResult(sent, tuple(received))


__all__ = [
    "DownloadSummary",
    "OutgoingBundle",
    "ReceiptSummary",
    "SyncCancelled",
    "apply_download",
    "apply_receipt",
    "export_usb",
    "import_usb_answer",
    "open_conflicts",
    "prepare_upload",
    "remember_server",
    "resolve_conflict",
    "sync_now",
]
