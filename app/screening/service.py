"""Screening use cases: run a list, record the run, decide on a row, read the results.

A run is one transaction: the run record (who, when, engine version, settings, which registry), one result per
row with its evidence and the registry record it rests on, the rows' current verdicts and the audit entry are
written together, or nothing is. A correction or a decision re-screens the list at once, inside the same
transaction (`screen_list_within`), so a decision is never saved without the results it causes (the registry is held
in memory, so a list of a few hundred rows takes well under a second): flags whose reason is gone disappear,
new ones appear, and the duplicate and household relations with the other rows are worked out again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require_record_in_scope
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Cancelled, Progress, cycle_collection_paused, waiting_for_writer
from app.office import OfficeDatabase
from app.regions import display_name
from app.screening.desil import DesilLevel
from app.screening.engine import (
    ENGINE_VERSION,
    MatchMemory,
    ProgramRules,
    RowResult,
    ScreeningContext,
    screen,
)
from app.screening.facts import read_person_facts
from app.screening.flags import KINDS, Verdict
from app.screening.matching import (
    LINK_PROBABILITY,
    SUGGEST_PROBABILITY,
    SURE_PROBABILITY,
    Matcher,
    ProposalInput,
)
from app.screening.programs import list_in_scope, require_list_editable
from app.screening.proposal_entry import ProposalRow, apply_correction
from app.screening.registry_index import CACHE, RegistryIndex
from app.uow import UnitOfWork
from db.models import (
    AidRecipient,
    Person,
    Program,
    Proposal,
    ProposalDecision,
    ProposalList,
    Region,
    ScreeningResult,
    ScreeningRun,
    utcnow,
)
from sync.changes import record_ids

DECISIONS = {
    "accepted": N_("Terima padanan yang disarankan"),
    "chosen": N_("Pilih calon lain"),
    "rejected": N_("Tolak padanan (orang tidak ada di Dukcapil)"),
    "field_check": N_("Tandai untuk cek lapangan"),
}


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    list_id: int
    rows: int
    lolos: int
    tidak_lolos: int
    perlu_cek: int
    linked: int
    seconds: float


def _settings() -> dict:
    return {
        "link_probability": LINK_PROBABILITY,
        "sure_probability": SURE_PROBABILITY,
        "suggest_probability": SUGGEST_PROBABILITY,
    }


def _program_rules(program: Program | None) -> ProgramRules | None:
    if program is None:
        return None
    return ProgramRules(
        program.id,
        program.nama,
        program.tahun,
        program.kode_wilayah or "",
        program.desil_min,
        program.desil_max,
        bool(program.hanya_dtks),
        program.kode_program_dtks or "",
        DesilLevel(program.desil_acuan or DesilLevel.NASIONAL),
    )


def _region_namer(session):
    names = {
        code: display_name(name, kind)
        for code, name, kind in session.execute(select(Region.code, Region.name, Region.kind))
    }

    def region_name(code: str) -> str:
        return f"{names[code]} ({code})" if code in names else code

    return region_name


def _inputs(proposals) -> list[ProposalInput]:
    return [
        ProposalInput(
            p.id,
            p.baris,
            p.nik or "",
            p.nama or "",
            p.tgl_lahir,
            p.jenis_kelamin or "",
            p.alamat or "",
            p.kode_desa or "",
        )
        for p in proposals
    ]


def _decisions(proposals) -> dict[int, tuple[str, int | None]]:
    out: dict[int, tuple[str, int | None]] = {}
    for p in proposals:
        if p.keputusan in ("chosen", "accepted") and p.person_id:
            out[p.id] = ("chosen", p.person_id)
        elif p.keputusan in ("rejected", "field_check"):
            out[p.id] = (p.keputusan, None)
    return out


def _context(session, proposal_list: ProposalList, proposals) -> ScreeningContext:
    program = session.get(Program, proposal_list.program_id) if proposal_list.program_id else None
    context = ScreeningContext(program=_program_rules(program), region_name=_region_namer(session))
    context.decisions = _decisions(proposals)
    if program is not None:
        for nik, source, reference in session.execute(
            select(AidRecipient.nik, AidRecipient.source, AidRecipient.reference).where(
                AidRecipient.program_id == program.id, AidRecipient.deleted_at.is_(None)
            )
        ):
            label = _("SK") if source == "sk" else _("realisasi")
            context.recipients[nik] = f"{label} {reference}".strip()
        # People already proposed in the program's other lists (not rejected there).
        others = session.execute(
            select(Proposal.person_id, ProposalList.nama, Proposal.baris)
            .join(ProposalList, ProposalList.id == Proposal.list_id)
            .where(
                ProposalList.program_id == program.id,
                ProposalList.id != proposal_list.id,
                ProposalList.deleted_at.is_(None),
                Proposal.deleted_at.is_(None),
                Proposal.person_id.is_not(None),
                Proposal.hasil != Verdict.FAIL.value,
            )
            .order_by(ProposalList.id, Proposal.baris)
        )
        for person_id, list_name, baris in others:
            context.other_lists.setdefault(person_id, (list_name, baris))
    return context


def _require_people(session) -> None:
    if session.execute(select(Person.id).where(Person.deleted_at.is_(None)).limit(1)).first() is None:
        raise DomainError(
            N_("Registri Dukcapil masih kosong: impor data Dukcapil dulu, baru usulan dapat disaring.")
        )


def require_registry(db: OfficeDatabase) -> None:
    """Refuses (clearly) when there is no registry to screen against."""
    with db.unit_of_work() as uow:
        _require_people(uow.session)


_matcher: tuple[RegistryIndex, Matcher, MatchMemory] | None = None


def _matcher_for(index: RegistryIndex) -> tuple[Matcher, MatchMemory]:
    """One matcher (and what it already matched) per registry index: kept between runs in the program."""
    global _matcher
    if _matcher is None or _matcher[0] is not index or _matcher[1].reference_year != date.today().year:
        _matcher = (index, Matcher(index, date.today().year), MatchMemory())
    return _matcher[1], _matcher[2].for_state(index.state)


@cycle_collection_paused()
def screen_list(
    db: OfficeDatabase,
    user: CurrentUser,
    list_id: int,
    progress: Progress = NO_PROGRESS,
    scope: str = "list",
) -> RunSummary:
    """Screens every row of a list against the registry and records the run; one transaction."""
    with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
        summary = screen_list_within(uow, db, user, list_id, progress, scope)
        uow.commit()
    CACHE.save_pending(progress)  # the first screening after an import: the next session reads the index
    return summary


@cycle_collection_paused()
def prepare_matching_index(db: OfficeDatabase, progress: Progress = NO_PROGRESS) -> bool:
    """Right after a Dukcapil import has been committed: builds the matching index of the new registry and
    saves it, so that the first screening after an import costs what any screening costs instead of paying
    the build. It runs once the import's result is known, outside the import's transaction. Returns False
    when cancelled (or when the index could not be saved): nothing is lost, the first screening builds it."""
    try:
        CACHE.get(str(db.path), db.engine, progress)
    except Cancelled:
        return False
    return CACHE.save_pending(progress)


def screen_list_within(
    uow: UnitOfWork,
    db: OfficeDatabase,
    user: CurrentUser,
    list_id: int,
    progress: Progress = NO_PROGRESS,
    scope: str = "list",
) -> RunSummary:
    """Screens a list and records the run in the caller's transaction, without committing it (`ejps screen`
    commits the list's import and its screening together). The caller saves a new index afterwards
    (`CACHE.save_pending`)."""
    started = datetime.now()
    session = uow.session
    proposal_list = list_in_scope(session, user, list_id, Permission.SCREENING_RUN)
    require_list_editable(proposal_list)
    # Plain rows, not ORM objects: a list may hold 50,000 proposals.
    proposals = session.execute(
        select(
            Proposal.id, Proposal.baris, Proposal.nik, Proposal.nama, Proposal.tgl_lahir,
            Proposal.jenis_kelamin, Proposal.alamat, Proposal.kode_desa, Proposal.keputusan, Proposal.person_id,
        )
        .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
        .order_by(Proposal.baris, Proposal.id)
    ).all()  # fmt: skip
    if not proposals:
        raise DomainError(N_('Daftar usulan "{name}" belum berisi baris.'), name=proposal_list.nama)
    _require_people(session)
    index = CACHE.get(str(db.path), db.engine, progress)
    matcher, memory = _matcher_for(index)
    context = _context(session, proposal_list, proposals)
    connection = session.connection()
    results = screen(
        matcher,
        _inputs(proposals),
        context,
        lambda ids: read_person_facts(connection, ids),
        progress,
        memory,
    )
    progress.check()
    run = ScreeningRun(
        list_id=list_id,
        username=user.username,
        started_at=utcnow(),
        engine_version=ENGINE_VERSION,
        settings=_settings(),
        registry_state=index.state,
        scope=scope,
        origin_device=uow.device_id,
    )
    session.add(run)
    session.flush()
    _store_results(session, run, results, only_changed=scope == "row")
    counts = {v.value: 0 for v in Verdict}
    for r in results:
        counts[r.hasil.value] += 1
    run.counts = counts
    run.finished_at = utcnow()
    proposal_list.status = "screened"
    proposal_list.last_run_id = run.id
    uow.audit(
        user,
        "penyaringan.jalankan",
        "proposal_list",
        list_id,
        after={"run": run.id, "engine": ENGINE_VERSION, "scope": scope, **counts},
    )
    return RunSummary(
        run.id,
        list_id,
        len(results),
        counts[Verdict.PASS.value],
        counts[Verdict.FAIL.value],
        counts[Verdict.CHECK.value],
        sum(1 for r in results if r.person_id is not None),
        (datetime.now() - started).total_seconds(),
    )


def _store_results(session, run: ScreeningRun, results: list[RowResult], only_changed: bool = False) -> None:
    """One result row per proposal and the proposals' current verdicts, written with plain executemany in
    the run's transaction: ten thousand rows with their evidence in about a second. A re-screen after a
    correction records only the rows whose result changed; the others keep pointing at their result."""
    raw = session.connection().connection.driver_connection
    if only_changed and results:
        current = {
            row[0]: tuple(row[1:])
            for row in raw.execute(
                "SELECT id, hasil, person_id, nik_padan, skor_padan, tanda, duplikat_dari, alasan FROM proposal "
                "WHERE list_id = (SELECT list_id FROM proposal WHERE id = ?)",
                (results[0].key,),
            )
        }
        results = [
            r
            for r in results
            if current.get(r.key)
            != (r.hasil.value, r.person_id, r.nik_padan, r.skor_padan, r.tanda, r.duplikat_dari, r.alasan)
        ]
        if not results:
            return
    first_id = (raw.execute("SELECT coalesce(max(id), 0) FROM screening_result").fetchone()[0]) + 1
    ids = {r.key: first_id + i for i, r in enumerate(results)}
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # the form SQLAlchemy stores DateTime in on SQLite
    device = run.origin_device.hex if run.origin_device else None
    raw.executemany(
        "INSERT INTO screening_result (id, run_id, proposal_id, hasil, person_id, nik_padan, skor_padan, tanda, "
        "duplikat_dari, alasan, detail, uid, created_at, updated_at, origin_device) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                ids[r.key], run.id, r.key, r.hasil.value, r.person_id, r.nik_padan, r.skor_padan, r.tanda,
                r.duplikat_dari, r.alasan, json.dumps(r.detail(), default=str, separators=(",", ":")),
                uuid.uuid4().hex, now, now, device,
            )
            for r in results
        ],
    )  # fmt: skip
    raw.executemany(
        "UPDATE proposal SET hasil = ?, person_id = ?, nik_padan = ?, skor_padan = ?, tanda = ?, duplikat_dari = ?, "
        "alasan = ?, result_id = ?, updated_at = ? WHERE id = ?",
        [
            (
                r.hasil.value, r.person_id, r.nik_padan, r.skor_padan, r.tanda, r.duplikat_dari, r.alasan,
                ids[r.key], now, r.key,
            )
            for r in results
        ],
    )  # fmt: skip
    # For the sync's outbox, in the run's transaction: the new results, the proposals' new verdicts.
    connection = session.connection()
    record_ids(connection, "screening_result", sorted(ids.values()))
    record_ids(connection, "proposal", sorted(ids), columns=_VERDICT_COLUMNS)
    session.expire_all()  # the ORM's copies of the proposals are stale now


_VERDICT_COLUMNS = (
    "hasil",
    "person_id",
    "nik_padan",
    "skor_padan",
    "tanda",
    "duplikat_dari",
    "alasan",
    "result_id",
)


# ---------------------------------------------------------------------------------------------- decisions
def decide(
    db: OfficeDatabase,
    user: CurrentUser,
    proposal_id: int,
    action: str,
    reason: str,
    person_id: int | None = None,
) -> RunSummary:
    """The operator's decision on a row's match, with a reason; audited; the list is re-screened at once, in
    the same transaction."""
    reason = require_decision(action, reason)
    with db.unit_of_work().writing() as uow:
        session = uow.session
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or proposal.deleted_at is not None:
            raise NotFound(N_("Baris usulan #{id} tidak ditemukan."), id=proposal_id)
        proposal_list = list_in_scope(session, user, proposal.list_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        record_decision(uow, user, proposal_list, proposal, action, reason, person_id)
        summary = screen_list_within(uow, db, user, proposal.list_id, scope="row")
        uow.commit()
    CACHE.save_pending()
    return summary


@dataclass(frozen=True)
class Correction:
    row: ProposalRow
    run: RunSummary | None  # None when nothing changed (nothing saved, nothing re-screened)


def correct(
    db: OfficeDatabase,
    user: CurrentUser,
    proposal_id: int,
    fields: dict,
    reason: str = "",
    progress: Progress = NO_PROGRESS,
) -> Correction:
    """Corrects a row's fields and re-screens the list, in one transaction (see `update_proposal`)."""
    with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
        row, changed = apply_correction(uow, user, proposal_id, fields, reason)
        if not changed:
            return Correction(row, None)
        summary = screen_list_within(uow, db, user, row.list_id, progress, scope="row")
        uow.commit()
    CACHE.save_pending(progress)
    return Correction(row, summary)


def require_decision(action: str, reason: str) -> str:
    """The action is a known decision and has a reason; returns the reason, trimmed."""
    if action not in DECISIONS:
        raise DomainError(N_("Keputusan tidak dikenal: {action}."), action=action)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Tuliskan alasan keputusan ini."))
    return reason


def record_decision(
    uow: UnitOfWork,
    user: CurrentUser,
    proposal_list: ProposalList,
    proposal: Proposal,
    action: str,
    reason: str,
    person_id: int | None = None,
) -> None:
    """Records one decision on one row (the row, a `ProposalDecision`, an audit entry), not committed; the
    caller re-screens the list in the same transaction."""
    session = uow.session
    before = {"keputusan": proposal.keputusan, "person_id": proposal.person_id, "hasil": proposal.hasil}
    if action == "accepted":
        if proposal.person_id is None:
            suggested = suggested_person(session, proposal)
            if suggested is None:
                raise DomainError(N_("Baris ini tidak memiliki padanan yang disarankan untuk diterima."))
            person_id = suggested
        else:
            person_id = proposal.person_id
        require_record_in_scope(user, Permission.PERSON_READ, _kode_desa_of(session, person_id))
    elif action == "chosen":
        if not person_id:
            raise DomainError(N_("Pilih calon yang dimaksud."))
        allowed = _candidate_ids(session, proposal)
        if person_id not in allowed:
            raise DomainError(N_("Orang yang dipilih bukan salah satu calon baris ini."))
        require_record_in_scope(user, Permission.PERSON_READ, _kode_desa_of(session, person_id))
    else:
        person_id = None
    proposal.keputusan = action
    proposal.keputusan_alasan = reason
    if person_id is not None:
        proposal.person_id = person_id
    restored = restore_written_nik(proposal, action)
    session.add(
        ProposalDecision(
            proposal_id=proposal.id,
            username=user.username,
            action=action,
            person_id=person_id,
            reason=reason,
            origin_device=uow.device_id,
        )
    )
    uow.audit(
        user,
        f"penyaringan.keputusan.{action}",
        "proposal",
        f"{proposal_list.nama} baris {proposal.baris}",
        before=before | ({"nik": restored[0]} if restored else {}),
        after={"keputusan": action, "person_id": person_id, "alasan": reason}
        | ({"nik": restored[1]} if restored else {}),
    )


def restore_written_nik(proposal: Proposal, action: str) -> tuple[str, str] | None:
    """A decision other than accepting the linked person (whose registered NIK was taken) undoes the taking:
    the row gets back the NIK the list wrote. Returns (taken, written) when it did."""
    if not proposal.nik_tertulis or action == "accepted":
        return None
    taken, written = proposal.nik, proposal.nik_tertulis
    proposal.nik, proposal.nik_tertulis = written, ""
    proposal.updated_at = utcnow()
    return taken, written


def _detail_of(session, proposal: Proposal) -> dict:
    if proposal.result_id is None:
        return {}
    result = session.get(ScreeningResult, proposal.result_id)
    return result.detail if result is not None else {}


def _candidate_ids(session, proposal: Proposal) -> set[int]:
    return {c["person_id"] for c in _detail_of(session, proposal).get("candidates", [])}


def suggested_person(session, proposal: Proposal) -> int | None:
    candidates = _detail_of(session, proposal).get("candidates", [])
    return candidates[0]["person_id"] if candidates else None


def _kode_desa_of(session, person_id: int) -> str:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("Orang #{id} tidak ditemukan di registri."), id=person_id)
    return person.kode_desa


def flag_label(code: str) -> str:
    kind = KINDS.get(code)
    return _(kind.label) if kind else code
