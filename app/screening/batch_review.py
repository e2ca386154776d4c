"""Batch review of a screened list: one decision for many rows, and taking the registered NIK for the rows whose
written NIK cannot be the linked person's.

A 10,000-row list leaves a few thousand rows PERLU CEK, most of them `NIK_SALAH_KETIK`: the person is found
(by name, birth date and the NIK's other digits) but the written NIK differs from the registered one by one
digit or a swap, and the SK needs the registered NIK. Deciding those one dialog at a time is not work an
office can do, so:

- `decide_many` applies one decision (accept, reject, field check) with one reason to the rows the operator
  selected: the same rules and checks as a single decision, one `ProposalDecision` and one audit entry per
  row, and one re-screen, in one transaction.
- `find_niks_to_take` lists the rows where taking the registered NIK is safe enough to do without looking: the
  written NIK cannot be the person's — a slip of the registered one (`NIK_SALAH_KETIK`), or not a NIK at all
  (`NIK_TIDAK_SAH`: 15 or 17 digits, a number Excel turned into 7.50119E+15, an impossible date), the person
  then being found by name, birth date and desa — and that NIK is the row's only doubt; the row is linked to
  a person inside the user's region with a match probability of at least `DEFAULT_MIN_PROBABILITY` (or the
  operator's own), and nobody has rejected or sent it for a field check. Both kinds are the same situation:
  the SK needs the registered NIK, and the written one is no evidence against the match (a slip agrees with it
  but for one digit; a malformed one points to nobody, unlike a NIK registered to someone else,
  `NIK_MILIK_LAIN`, which stays one by one). `take_registered_niks` then writes, in one transaction, the
  registered NIK into the row, keeps the written one in `nik_tertulis` (the export still gives the file's own
  cell unchanged), records a decision "nik_taken" and an audit entry per row, and re-screens: with its NIK
  now the linked person's and no other doubt, the row passes. A later decision other than "accepted" on the
  row gives it back its written NIK (`service.restore_written_nik`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from app.auth.roles import CurrentUser, Permission
from app.errors import DomainError, Forbidden
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.office import OfficeDatabase
from app.screening.flags import KINDS, Severity
from app.screening.programs import list_in_scope, require_list_editable
from app.screening.registry_index import CACHE
from app.screening.service import (
    RunSummary,
    record_decision,
    require_decision,
    screen_list_within,
    suggested_person,
)
from db.models import Person, Proposal, ProposalDecision, utcnow

# Decisions that can be given to many rows at once; "chosen" names one person per row and stays one by one.
BATCH_DECISIONS = ("accepted", "rejected", "field_check")
NIK_TAKEN = "nik_taken"  # the ProposalDecision action of `take_registered_niks`
# The written NIKs the registered one may replace without looking: a slip of it, and one that is no NIK at all.
NIK_KINDS = ("NIK_SALAH_KETIK", "NIK_TIDAK_SAH")
# The least match probability at which the registered NIK is taken without looking. The matcher links from
# 0.5 and is "sure" from 0.9 (matching.SURE_PROBABILITY), but "sure enough to be reviewed quickly" is not
# "sure enough to write into the SK without anyone looking". On the development set (10,000 rows, about 1,600
# slip rows; tests/bench/review.py) the slips linked to the wrong person reach 0.989: 5 wrong from 0.9, 2 from
# 0.95, none from 0.99. A default of 0.99 would sit on that one file's edge; 0.999 (odds of 999 to 1, ten
# times those of the highest wrong slip seen) keeps an order of magnitude of margin for lists that are not
# that file, and costs about 50 rows of one-by-one review on it. An operator may go lower (`--min-probability`).
# A malformed NIK brings no NIK evidence, so its probability rests on name, birth date and desa alone and is
# the same measure of the same question (is this the person?): the same threshold holds. On that file none of
# its 345 linked rows is linked to a wrong person at any threshold, so the slips' margin is the one to keep.
DEFAULT_MIN_PROBABILITY = 0.999
SHOWN_ROWS = 10  # rows named in a refusal; the rest are counted


@dataclass(frozen=True)
class BatchDecision:
    action: str
    rows: int
    run: RunSummary


@dataclass(frozen=True)
class NikToTake:
    proposal_id: int
    baris: int
    kind: str  # of the written NIK, one of NIK_KINDS: a slip, or malformed
    nik_tertulis: str
    nik_terdaftar: str
    nama: str  # as registered
    probability: float
    person_id: int


@dataclass(frozen=True)
class NiksTaken:
    taken: list[NikToTake]
    skipped: int  # rows of the preview that no longer qualify (changed meanwhile): left alone
    run: RunSummary | None  # None when nothing was taken


def _rows_text(barises: list[int]) -> str:
    shown = ", ".join(str(b) for b in sorted(barises)[:SHOWN_ROWS])
    more = len(barises) - SHOWN_ROWS
    return shown + (_(" dan {n} baris lainnya").format(n=more) if more > 0 else "")


def decide_many(
    db: OfficeDatabase,
    user: CurrentUser,
    proposal_ids: Iterable[int],
    action: str,
    reason: str,
    progress: Progress = NO_PROGRESS,
) -> BatchDecision:
    """One decision with one reason for many rows of one list: audited per row, re-screened, one transaction.
    Refused as a whole, naming the rows, when any row cannot take it."""
    if action not in BATCH_DECISIONS:
        raise DomainError(
            N_("Keputusan {action} hanya dapat diberikan satu baris demi satu baris."), action=action
        )
    reason = require_decision(action, reason)
    ids = sorted(set(proposal_ids))
    if not ids:
        raise DomainError(N_("Pilih dulu baris yang akan diputuskan."))
    with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
        session = uow.session
        proposals = _proposals(session, ids)
        missing = set(ids) - {p.id for p in proposals}
        if missing:
            raise DomainError(
                N_("Baris usulan #{ids} tidak ditemukan; muat ulang daftar lalu pilih lagi."),
                ids=", ".join(str(i) for i in sorted(missing)[:SHOWN_ROWS]),
            )
        list_ids = {p.list_id for p in proposals}
        if len(list_ids) > 1:
            raise DomainError(N_("Baris yang dipilih berasal dari lebih dari satu daftar usulan."))
        list_id = list_ids.pop()
        proposal_list = list_in_scope(session, user, list_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        # One flush for all rows, not one per row: each read below would otherwise flush the row before.
        with session.no_autoflush:
            if action == "accepted":
                _require_acceptable(session, user, proposals)
            for proposal in proposals:
                record_decision(uow, user, proposal_list, proposal, action, reason)
        summary = screen_list_within(uow, db, user, list_id, progress, scope="row")
        uow.commit()
    CACHE.save_pending(progress)
    return BatchDecision(action, len(proposals), summary)


def _proposals(session, ids: list[int]) -> list[Proposal]:
    found: list[Proposal] = []
    for start in range(0, len(ids), 5000):  # well below SQLite's limit of bound parameters
        found.extend(
            session.scalars(
                select(Proposal).where(
                    Proposal.id.in_(ids[start : start + 5000]), Proposal.deleted_at.is_(None)
                )
            )
        )
    return sorted(found, key=lambda p: (p.baris, p.id))


def _require_acceptable(session, user: CurrentUser, proposals: list[Proposal]) -> None:
    """Every row has a person to accept, and that person lives inside the user's region: the same check as a
    single acceptance (Pergub 52/2020 Lampiran II: an operator works within their own region)."""
    people = {p.id: p.person_id or suggested_person(session, p) for p in proposals}
    without = [p.baris for p in proposals if people[p.id] is None]
    if without:
        raise DomainError(
            N_("Baris {rows} tidak memiliki padanan yang disarankan untuk diterima; keluarkan dari pilihan."),
            rows=_rows_text(without),
        )
    desa = _desa_of(session, set(people.values()))
    outside = [p.baris for p in proposals if not user.covers(desa.get(people[p.id], ""))]
    if outside:
        raise Forbidden(
            N_(
                "Orang yang dipadankan pada baris {rows} tinggal di luar wilayah kerja Anda ({own}); "
                "keluarkan baris itu dari pilihan."
            ),
            rows=_rows_text(outside),
            own=user.region_code,
        )


def _desa_of(session, person_ids: set[int]) -> dict[int, str]:
    ids = sorted(person_ids)
    found: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        found.update(
            session.execute(
                select(Person.id, Person.kode_desa).where(Person.id.in_(ids[start : start + 5000]))
            ).all()
        )
    return found


# ---------------------------------------------------------------------------------------- registered NIKs
def _probability(value: float | None) -> float:
    if value is None or not 0 < value <= 1:
        raise DomainError(N_("Batas keyakinan harus antara 0 dan 1; tertulis {value}."), value=value)
    return float(value)


def _only_doubt(codes: list[str]) -> str:
    """The kind of written NIK (a `NIK_KINDS` code) when it is the row's only doubt, else "". A row that needs
    a look for another reason too (same KK as another row, an uncertain match, a person outside the user's
    region) is decided by the operator as a whole, NIK included: taking its NIK here would clear one doubt
    without anyone looking at the other."""
    kinds = [code for code in codes if code in NIK_KINDS]
    if len(kinds) != 1:
        return ""
    # A code this version does not know (a newer one's) counts as a doubt.
    others = [
        code
        for code in codes
        if code != kinds[0] and (code not in KINDS or KINDS[code].severity == Severity.CHECK)
    ]
    return "" if others else kinds[0]


def _niks_to_take(session, user: CurrentUser, list_id: int, min_probability: float) -> list[NikToTake]:
    rows = session.execute(
        select(
            Proposal.id, Proposal.baris, Proposal.nik, Proposal.nik_padan, Proposal.skor_padan, Proposal.tanda,
            Proposal.person_id, Person.nik, Person.nama, Person.kode_desa,
        )
        .join(Person, Person.id == Proposal.person_id)
        .where(
            Proposal.list_id == list_id,
            Proposal.deleted_at.is_(None),
            or_(*(Proposal.tanda.contains(kind) for kind in NIK_KINDS)),
            Proposal.skor_padan >= min_probability,
            Proposal.keputusan.is_(None) | Proposal.keputusan.not_in(("rejected", "field_check")),
        )
        .order_by(Proposal.baris, Proposal.id)
    )  # fmt: skip
    found = []
    for proposal_id, baris, written, nik_padan, score, tanda, person_id, registered, nama, desa in rows:
        kind = _only_doubt(tanda.split(";"))
        # The registry may have changed since the run: only what the run showed, and what is still so.
        if kind and registered == nik_padan and user.covers(desa) and written != registered:
            found.append(
                NikToTake(proposal_id, baris, kind, written, registered, nama, float(score), person_id)
            )
    return found


def find_niks_to_take(
    db: OfficeDatabase,
    user: CurrentUser,
    list_id: int,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
) -> list[NikToTake]:
    """The rows whose registered NIK `take_registered_niks` would take: the preview, nothing changed."""
    min_probability = _probability(min_probability)
    with db.unit_of_work() as uow:
        proposal_list = list_in_scope(uow.session, user, list_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        return _niks_to_take(uow.session, user, list_id, min_probability)


def take_registered_niks(
    db: OfficeDatabase,
    user: CurrentUser,
    list_id: int,
    proposal_ids: Iterable[int] | None = None,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
    reason: str = "",
    progress: Progress = NO_PROGRESS,
) -> NiksTaken:
    """Takes the registered NIK for the rows of `find_niks_to_take` (only those of `proposal_ids`, the preview
    the operator saw, when given), keeping the written NIK; audited per row, re-screened, one transaction."""
    min_probability = _probability(min_probability)
    reason = reason.strip() or _(
        "NIK terdaftar diambil untuk NIK tertulis yang salah ketik atau tidak sah (keyakinan padanan "
        "sedikitnya {p})."
    ).format(p=f"{min_probability:g}")
    with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
        session = uow.session
        proposal_list = list_in_scope(session, user, list_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        rows = _niks_to_take(session, user, list_id, min_probability)
        skipped = 0
        if proposal_ids is not None:
            wanted = set(proposal_ids)
            skipped = len(wanted - {r.proposal_id for r in rows})
            rows = [r for r in rows if r.proposal_id in wanted]
        if not rows:
            return NiksTaken([], skipped, None)
        now = utcnow()
        proposals = {p.id: p for p in _proposals(session, [r.proposal_id for r in rows])}
        for row in rows:
            proposal = proposals[row.proposal_id]
            # A row corrected after an earlier taking keeps the NIK the list first wrote.
            proposal.nik_tertulis = proposal.nik_tertulis or proposal.nik
            proposal.nik = row.nik_terdaftar
            proposal.updated_at = now
            proposal.origin_device = uow.device_id
            session.add(
                ProposalDecision(
                    proposal_id=proposal.id,
                    username=user.username,
                    action=NIK_TAKEN,
                    person_id=row.person_id,
                    reason=reason,
                    origin_device=uow.device_id,
                )
            )
            uow.audit(
                user,
                "penyaringan.nik_terdaftar",
                "proposal",
                f"{proposal_list.nama} baris {proposal.baris}",
                before={"nik": row.nik_tertulis},
                after={
                    "nik": row.nik_terdaftar,
                    "nik_tertulis": proposal.nik_tertulis,
                    "jenis": row.kind,
                    "person_id": row.person_id,
                    "skor_padan": row.probability,
                    "alasan": reason,
                },
            )
        summary = screen_list_within(uow, db, user, list_id, progress, scope="row")
        uow.commit()
    CACHE.save_pending(progress)
    return NiksTaken(rows, skipped, summary)
