"""What the sync panel shows, read from the office database: where enrollment stands, the last sync, what is
waiting to go (by kind of record, in an officer's words), the ledger of what was sent and what the server
answered (the answer to "did my records arrive?"), and the conflicts waiting for someone to judge them.

Reading is for anyone who may see the office's aggregates (a guest too: counts of their region); searching the
ledger by NIK or name, and the conflicts' values, show personal data and need PERSON_READ; starting a sync or a
USB exchange writes received records into the registry and needs REGISTRY_IMPORT (not a guest's).
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from app.audit import audit_export
from app.auth.roles import CurrentUser, Permission, require
from app.csv_cells import formula_safe_row
from app.i18n import N_, _
from app.output_files import atomic_output
from app.sync.enrollment import APPROVED, EnrollmentState, read_enrollment
from app.uow import UnitOfWork
from db.models import Base
from db.sync_models import SyncAttempt, SyncChange, SyncConflict, SyncState

READ_PERMISSION = Permission.AGGREGATE_READ
SEARCH_PERMISSION = Permission.PERSON_READ
SYNC_PERMISSION = Permission.REGISTRY_IMPORT

# The records that travel, named as an officer knows them; in the order an office's work goes.
KIND_LABELS: dict[str, str] = {
    "proposal": N_("Usulan"),
    "proposal_list": N_("Daftar usulan"),
    "proposal_decision": N_("Keputusan usulan"),
    "screening_run": N_("Penyaringan"),
    "screening_result": N_("Hasil skrining"),
    "sk_penetapan": N_("SK"),
    "sk_penerima": N_("Penerima SK"),
    "realisasi": N_("Realisasi"),
    "aid_recipient": N_("Penerima bantuan"),
    "form1": N_("Form 1"),
    "form1_anggota": N_("Anggota Form 1"),
    "person": N_("Data penduduk"),  # one record's kind ("Penduduk" alone is the population, "Residents")
    "household": N_("Keluarga"),
    "dtks_record": N_("Data DTKS"),
    "record_history": N_("Riwayat data"),
    "program": N_("Program"),
    "kuota_wilayah": N_("Kuota"),
    "import_batch": N_("Impor data"),
    "audit_log": N_("Catatan audit"),
}
ATTEMPT_KINDS = {
    "http": N_("lewat jaringan"),
    "usb_export": N_("ekspor USB"),
    "usb_import": N_("impor jawaban USB"),
}
# The answers a change gets from the server (sync_change.state after `sent`).
ANSWERS = ("applied", "duplicate", "conflict", "refused")
# The tables searched by NIK or name, and their columns: a change is found when its record is still here.
_SEARCHED = {
    "person": ("nik", "nama"),
    "dtks_record": ("nik", "nama"),
    "proposal": ("nik", "nama"),
    "sk_penerima": ("nik", "nama"),
    "realisasi": ("nik", "nama"),
    "form1": ("nik", "nama"),
    "form1_anggota": ("nik", "nama"),
    "aid_recipient": ("nik", None),
    "screening_result": ("nik_padan", None),
}
# The exchange's table of bundles sent (sync-design "Wave 2"): when present, the ledger says when each was sent.
OUTBOX_BUNDLE_TABLE = "sync_outbox_bundle"


def kind_label(entity: str) -> str:
    return _(KIND_LABELS[entity]) if entity in KIND_LABELS else entity


def may_start_sync(user: CurrentUser) -> bool:
    return user.can(SYNC_PERMISSION)


def require_sync_start(user: CurrentUser) -> None:
    """For every use case that starts an exchange with the server (HTTP or USB): a guest may not."""
    require(user, SYNC_PERMISSION)


# --------------------------------------------------------------------------------------------- plain data
@dataclass(frozen=True)
class AttemptView:
    kind: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    message: str
    username: str


@dataclass(frozen=True)
class SyncOverview:
    enrollment: EnrollmentState
    last_attempt: AttemptView | None
    last_success_at: datetime | None
    last_answer_at: datetime | None  # the last time the server confirmed a change of ours
    pulled_upto: int  # the server stream number of the last change received here
    waiting: int  # changes not yet sent
    unanswered: int  # sent, no receipt yet
    open_conflicts: int
    may_sync: bool
    may_enroll: bool
    may_search: bool

    @property
    def ready(self) -> bool:
        """Enrolled, approved, with a server to talk to: a sync over the network may be tried."""
        return self.enrollment.status == APPROVED and bool(self.enrollment.server_url)


@dataclass(frozen=True)
class KindCount:
    entity: str
    label: str
    count: int


@dataclass(frozen=True)
class LedgerFilter:
    kind: str = ""  # an entity name, "" for all
    text: str = ""  # a NIK or part of a name


@dataclass(frozen=True)
class LedgerRow:
    bundle_id: uuid.UUID
    sent_at: datetime | None
    seq_from: int
    seq_to: int
    changes: int
    applied: int
    duplicate: int
    conflict: int
    refused: int
    unanswered: int
    answered_at: datetime | None
    kinds: tuple[str, ...] = field(default=())  # labels of the kinds of record carried

    @property
    def confirmed(self) -> bool:
        return self.unanswered == 0


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]
    total: int  # bundles matching the filter


@dataclass(frozen=True)
class ConflictView:
    id: int
    conflict_uid: uuid.UUID | None  # the conflict's identity across devices: what a resolution names
    entity: str
    label: str
    uid: uuid.UUID
    record: str  # NIK and name (or number) of the record when it is here, else ""
    kind: str  # the conflict rule that held
    base: int
    mine: dict
    theirs: dict
    username: str
    device: uuid.UUID
    created_at: datetime


@dataclass(frozen=True)
class ConflictField:
    """One field of a conflict in words: its label as the registry and the audit log show it, both values."""

    name: str  # the column: what a resolution with a value names
    label: str
    mine: str
    theirs: str
    differs: bool


def conflict_fields(conflict: ConflictView) -> list[ConflictField]:
    """The conflict's fields with their Indonesian labels and values in words (the audit log's: one naming of
    the registry's fields throughout the program), those that differ first, then by label."""
    from app.audit import CHANGE_LABELS
    from app.audit import _value_text as value_text

    found = []
    for name in set(conflict.mine) | set(conflict.theirs):
        mine, theirs = conflict.mine.get(name), conflict.theirs.get(name)
        label = _(CHANGE_LABELS[name]) if name in CHANGE_LABELS else name
        found.append(
            ConflictField(name, label, value_text(name, mine), value_text(name, theirs), mine != theirs)
        )
    return sorted(found, key=lambda f: (not f.differs, f.label.casefold()))


# --------------------------------------------------------------------------------------------- scoping
def _in_user_region(user: CurrentUser) -> ColumnElement[bool]:
    """A change of the user's region, or of a wider one containing it (a program of the whole province)."""
    return _overlapping(SyncChange.region, user)


def _overlapping(region, user: CurrentUser) -> ColumnElement[bool]:
    """A region inside the user's, or a wider one containing it."""
    return or_(
        region.startswith(user.region_code, autoescape=True), literal(user.region_code).startswith(region)
    )


def _search_condition(text: str) -> ColumnElement[bool]:
    text = text.strip()
    tables = Base.metadata.tables
    conditions = []
    for entity, (nik_column, name_column) in _SEARCHED.items():
        record = tables[entity]
        matches = [record.c[nik_column] == text]
        if name_column and not text.isdigit():
            matches.append(record.c[name_column].ilike(f"%{text}%"))
        found = select(record.c.uid).where(or_(*matches))
        conditions.append(and_(SyncChange.entity == entity, SyncChange.uid.in_(found)))
    return or_(*conditions)


def _ledger_conditions(user: CurrentUser, filters: LedgerFilter) -> list[ColumnElement[bool]]:
    conditions = [SyncChange.bundle_id.is_not(None), _in_user_region(user)]
    if filters.kind:
        conditions.append(SyncChange.entity == filters.kind)
    if filters.text.strip():
        require(user, SEARCH_PERMISSION)
        conditions.append(_search_condition(filters.text))
    return conditions


# --------------------------------------------------------------------------------------------- queries
def sync_overview(uow: UnitOfWork, user: CurrentUser) -> SyncOverview:
    with uow:
        require(user, READ_PERMISSION)
        session = uow.session
        enrollment = read_enrollment(session)
        last = session.scalars(select(SyncAttempt).order_by(SyncAttempt.id.desc()).limit(1)).first()
        last_success = session.scalar(
            select(func.max(SyncAttempt.finished_at)).where(SyncAttempt.ok.is_(True))
        )
        counts = dict(
            session.execute(
                select(SyncChange.state, func.count())
                .where(SyncChange.state.in_(("pending", "sent")), _in_user_region(user))
                .group_by(SyncChange.state)
            ).all()
        )
        state = session.get(SyncState, 1)
        return SyncOverview(
            enrollment=enrollment,
            last_attempt=(
                AttemptView(
                    last.kind, last.started_at, last.finished_at, last.ok, last.message, last.username
                )
                if last
                else None
            ),
            last_success_at=last_success,
            last_answer_at=session.scalar(select(func.max(SyncChange.answered_at))),
            pulled_upto=state.pulled_upto if state else 0,
            waiting=counts.get("pending", 0),
            unanswered=counts.get("sent", 0),
            open_conflicts=session.scalar(
                select(func.count()).select_from(SyncConflict).where(SyncConflict.state == "open")
            )
            or 0,
            may_sync=may_start_sync(user),
            may_enroll=user.can(Permission.DEVICE_MANAGE),
            may_search=user.can(SEARCH_PERMISSION),
        )


def sync_ready(uow: UnitOfWork, user: CurrentUser) -> bool:
    """Whether this user may sync now over the network: approved, with a server set (a cheap read, for the
    automatic retry)."""
    if not may_start_sync(user):
        return False
    with uow:
        state = uow.session.get(SyncState, 1)
        return state is not None and state.enrollment == APPROVED and bool(state.server_url)


def waiting_by_kind(uow: UnitOfWork, user: CurrentUser) -> list[KindCount]:
    """The changes not yet sent, by kind of record, most first."""
    with uow:
        require(user, READ_PERMISSION)
        rows = uow.session.execute(
            select(SyncChange.entity, func.count())
            .where(SyncChange.state == "pending", _in_user_region(user))
            .group_by(SyncChange.entity)
        ).all()
    order = list(KIND_LABELS)
    rows = sorted(rows, key=lambda r: (-r[1], order.index(r[0]) if r[0] in order else len(order)))
    return [KindCount(entity, kind_label(entity), count) for entity, count in rows]


def ledger_kinds(uow: UnitOfWork, user: CurrentUser) -> list[KindCount]:
    """The kinds of record ever sent, for the ledger's filter."""
    with uow:
        require(user, READ_PERMISSION)
        rows = uow.session.execute(
            select(SyncChange.entity, func.count())
            .where(SyncChange.bundle_id.is_not(None), _in_user_region(user))
            .group_by(SyncChange.entity)
        ).all()
    return sorted((KindCount(e, kind_label(e), n) for e, n in rows), key=lambda k: k.label)


def _count(state: str):
    return func.sum(case((SyncChange.state == state, 1), else_=0))


def sync_ledger(
    uow: UnitOfWork,
    user: CurrentUser,
    filters: LedgerFilter = LedgerFilter(),
    offset: int = 0,
    limit: int = 200,
) -> LedgerPage:
    """The bundles sent from here, newest first, each with how many of its changes (matching the filter) the
    server applied, found already there (duplicate), held as a conflict or refused, and when it answered."""
    with uow:
        require(user, READ_PERMISSION)
        conditions = _ledger_conditions(user, filters)
        total = (
            uow.session.scalar(select(func.count(func.distinct(SyncChange.bundle_id))).where(*conditions))
            or 0
        )
        query = (
            select(
                SyncChange.bundle_id,
                func.min(SyncChange.seq),
                func.max(SyncChange.seq),
                func.count(),
                *(_count(answer) for answer in ANSWERS),
                _count("sent"),
                func.max(SyncChange.answered_at),
            )
            .where(*conditions)
            .group_by(SyncChange.bundle_id)
            .order_by(func.max(SyncChange.seq).desc())
            .offset(offset)
            .limit(limit)
        )
        found = uow.session.execute(query).all()
        ids = [row[0] for row in found]
        sent_at = _sent_times(uow, ids)
        kinds: dict[uuid.UUID, set[str]] = {}
        if ids:
            for bundle, entity in uow.session.execute(
                select(SyncChange.bundle_id, SyncChange.entity)
                .where(SyncChange.bundle_id.in_(ids), *conditions)
                .group_by(SyncChange.bundle_id, SyncChange.entity)
            ):
                kinds.setdefault(bundle, set()).add(kind_label(entity))
        rows = [
            LedgerRow(
                bundle_id=bundle,
                sent_at=sent_at.get(bundle),
                seq_from=first,
                seq_to=last,
                changes=n,
                applied=applied or 0,
                duplicate=duplicate or 0,
                conflict=conflict or 0,
                refused=refused or 0,
                unanswered=unanswered or 0,
                answered_at=answered_at,
                kinds=tuple(sorted(kinds.get(bundle, ()))),
            )
            for bundle, first, last, n, applied, duplicate, conflict, refused, unanswered, answered_at in found
        ]
        return LedgerPage(rows, total)


def _sent_times(uow: UnitOfWork, bundle_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each bundle was sealed for sending, from the exchange's outbox of bundles (when it exists)."""
    outbox = Base.metadata.tables.get(OUTBOX_BUNDLE_TABLE)
    if outbox is None or not bundle_ids or "created_at" not in outbox.c:
        return {}
    rows = uow.session.execute(
        select(outbox.c.bundle_id, outbox.c.created_at).where(outbox.c.bundle_id.in_(bundle_ids))
    )
    return {bundle: created for bundle, created in rows}


def open_conflicts(uow: UnitOfWork, user: CurrentUser) -> list[ConflictView]:
    """The conflicts waiting to be judged (table `sync_conflict`, state "open"), oldest first, with the record's
    NIK and name when it is here. Their values are personal data: PERSON_READ."""
    with uow:
        require(user, SEARCH_PERMISSION)
        rows = uow.session.scalars(
            select(SyncConflict)
            .where(SyncConflict.state == "open", _overlapping(SyncConflict.region, user))
            .order_by(SyncConflict.id)
        ).all()
        return [
            ConflictView(
                row.id,
                row.conflict_uid,
                row.entity,
                kind_label(row.entity),
                row.uid,
                _record_text(uow, row.entity, row.uid),
                row.kind,
                row.base,
                dict(row.mine or {}),
                dict(row.theirs or {}),
                row.username,
                row.device,
                row.created_at,
            )
            for row in rows
        ]


def _record_text(uow: UnitOfWork, entity: str, uid: uuid.UUID) -> str:
    record = Base.metadata.tables.get(entity)
    if record is None or "uid" not in record.c:
        return ""
    wanted = [c for c in ("nik", "nomor", "nama") if c in record.c]
    if not wanted:
        return ""
    found = uow.session.execute(select(*(record.c[c] for c in wanted)).where(record.c.uid == uid)).first()
    return " — ".join(str(value) for value in found if value) if found else ""


# --------------------------------------------------------------------------------------------- export
LEDGER_HEADERS = (
    N_("Bundel"),
    N_("Dikirim"),
    N_("Perubahan"),
    N_("Diterapkan"),
    N_("Duplikat"),
    N_("Konflik"),
    N_("Ditolak"),
    N_("Belum dijawab"),
    N_("Dijawab"),
    N_("Jenis data"),
)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def export_ledger_csv(db, user: CurrentUser, path: Path, filters: LedgerFilter = LedgerFilter()) -> int:
    """Writes the whole ledger (matching the filter) to a CSV file, whole or not at all; returns its rows."""
    rows: list[LedgerRow] = []
    while True:
        page = sync_ledger(db.unit_of_work(), user, filters, offset=len(rows), limit=5_000)
        rows.extend(page.rows)
        if len(page.rows) < 5_000:
            break
    with atomic_output(Path(path), "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(formula_safe_row(_(h) for h in LEDGER_HEADERS))
        for row in rows:
            writer.writerow(
                formula_safe_row(
                    [
                        str(row.bundle_id),
                        _when(row.sent_at),
                        str(row.changes),
                        str(row.applied),
                        str(row.duplicate),
                        str(row.conflict),
                        str(row.refused),
                        str(row.unanswered),
                        _when(row.answered_at),
                        ", ".join(row.kinds),
                    ]
                )
            )
    if filters.text.strip():  # a search by NIK or name is a look at personal data: audited like an export
        audit_export(db.unit_of_work(), user, "export.sync_ledger", "sync_change", "", path, len(rows))
    return len(rows)
