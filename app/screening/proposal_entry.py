"""Typing a proposal row by row (keyboard-first entry), correcting a row, and removing one.

Choices, so that the next reader need not guess:

- `lookup_by_nik` fills the entry form from the registry. It answers only for a person inside the user's
  region (Pergub 52/2020 Lampiran II: an operator works within their own region); a NIK of someone elsewhere
  gives None, exactly like an unknown NIK, so the form reveals nothing of another region. The operator then
  types the row by hand and screening says what it finds.
- A typed row keeps what was typed in `Proposal.input`, under the list's column for each field: for a typed
  list (no file) the canonical headers `TYPED_HEADERS`, which become the list's `input_headers`; for a row
  added to an imported list, the file's column the field was mapped from (a field the file had no column for
  is kept in the parsed fields only).
- A correction changes the parsed fields only. `Proposal.input` stays what the file (or the first typing)
  said, so an export shows the proposal as it was sent beside what was corrected; the correction itself is a
  `ProposalDecision` ("corrected", with its reason) and an audit entry with the values before and after.
- Typed values are checked as an import checks cells, but what an import keeps with a warning is refused
  here when the operator can fix it on the spot (an unreadable date, an unknown sex, a malformed desa code);
  a doubtful NIK is kept and returned as a warning, because screening finds the person by name.
- None of these functions screens: the caller re-screens an added or corrected row. A list in an SK
  penetapan ("in_sk") is never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select

from app.auth.roles import CurrentUser, Permission, require
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.registry.issues import Severity
from app.registry.nik import parse_nik
from app.screening.programs import (
    list_in_scope,
    require_list_editable,
    require_read,
    unit_of_work,
)
from app.screening.proposal_import import ReadContext, clean_nik, field_labels, read_rows
from app.uow import UnitOfWork
from db.models import Person, Proposal, ProposalDecision, ProposalList, utcnow

# The fields a typed row has, and the column names a typed list's export shows (DESIGN.md "proposal").
TYPED_HEADERS = ("nik", "nama", "tgl_lahir", "jenis_kelamin", "alamat", "kode_desa")
# Problems an import keeps with a warning but typed entry refuses: the operator can fix them now.
_REFUSED_WHEN_TYPED = frozenset(
    {
        "tanpa_nik_nama",
        "terlalu_panjang",
        "tanggal_tak_terbaca",
        "tanggal_masa_depan",
        "jk_tak_dikenal",
        "kode_desa_salah",
    }
)


@dataclass(frozen=True)
class RegistryPerson:
    """What the entry form takes from the registry for a NIK."""

    person_id: int
    nik: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    alamat: str  # with RT/RW
    kode_desa: str
    status: str  # hidup | meninggal | pindah


@dataclass(frozen=True)
class ProposalRow:
    id: int
    list_id: int
    baris: int
    nik: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    alamat: str
    kode_desa: str
    input: dict
    warnings: tuple[str, ...] = ()  # what the entry kept but the operator should know


def _row(proposal: Proposal, warnings: tuple[str, ...] = ()) -> ProposalRow:
    return ProposalRow(
        proposal.id,
        proposal.list_id,
        proposal.baris,
        proposal.nik,
        proposal.nama,
        proposal.tgl_lahir,
        proposal.jenis_kelamin,
        proposal.alamat,
        proposal.kode_desa,
        dict(proposal.input or {}),
        warnings,
    )


def _values(proposal: Proposal) -> dict:
    return {name: getattr(proposal, name) for name in TYPED_HEADERS}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def lookup_by_nik(target: OfficeDatabase | UnitOfWork, user: CurrentUser, nik: str) -> RegistryPerson | None:
    """The registry's record of a 16-digit NIK inside the user's region, or None (unknown, incomplete, or
    outside the user's region: the form does not tell these apart)."""
    require(user, Permission.PROPOSAL_EDIT)
    require(user, Permission.PERSON_READ)
    nik = clean_nik(pd.Series([nik or ""])).iloc[0]
    if parse_nik(nik) is None:
        return None
    with unit_of_work(target) as uow:
        person = uow.session.scalars(
            select(Person).where(Person.nik == nik, Person.deleted_at.is_(None))
        ).first()
        if person is None or not user.covers(person.kode_desa):
            return None
        parts = [
            person.alamat,
            f"RT {person.rt}" if person.rt else "",
            f"RW {person.rw}" if person.rw else "",
        ]
        return RegistryPerson(
            person.id,
            person.nik,
            person.nama,
            person.tgl_lahir,
            person.jenis_kelamin,
            " ".join(p for p in parts if p),
            person.kode_desa,
            person.status,
        )


def _read_typed(session, proposal_list: ProposalList, values: Mapping[str, object]) -> tuple[dict, tuple]:
    """The typed values read as an import reads cells: (parsed fields, warnings). Raises on what the
    operator must fix now."""
    frame = pd.DataFrame({name: [_as_text(values.get(name))] for name in TYPED_HEADERS}, dtype=object)
    context = ReadContext.load(session, proposal_list.kode_wilayah_sumber)
    read = read_rows(frame, "", [1], context)
    labels = field_labels()
    for issue in read.issues:
        if issue.code in _REFUSED_WHEN_TYPED:
            raise DomainError(
                N_("{field}: {reason}"), field=labels.get(issue.field, issue.field), reason=issue.message
            )
    parsed = read.rows.iloc[0].to_dict()
    parsed["tgl_lahir"] = date.fromisoformat(parsed["tgl_lahir"]) if parsed["tgl_lahir"] else None
    warnings = [i.message for i in read.issues if i.severity is Severity.FLAGGED]
    nik = parsed["nik"]
    if nik and parse_nik(nik) is None and not any(i.field == "nik" for i in read.issues):
        warnings.append(
            _(
                'NIK "{nik}" bukan NIK yang sah (16 digit dengan tanggal lahir yang mungkin). Baris tetap '
                "disimpan; penyaringan akan mencari orangnya menurut nama."
            ).format(nik=nik)
        )
    return parsed, tuple(warnings)


def _unknown_fields(values: Mapping[str, object]) -> None:
    unknown = sorted(set(values) - set(TYPED_HEADERS))
    if unknown:
        raise DomainError(N_("Isian usulan tidak dikenal: {fields}."), fields=", ".join(unknown))


def add_proposal(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, list_id: int, fields: Mapping[str, object]
) -> ProposalRow:
    """A typed row at the end of the list (`baris` = the list's highest + 1). `fields`: any of
    TYPED_HEADERS; a NIK or a name is required."""
    require(user, Permission.PROPOSAL_EDIT)
    _unknown_fields(fields)
    with unit_of_work(target).writing() as uow:
        session = uow.session
        proposal_list = list_in_scope(session, user, list_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        parsed, warnings = _read_typed(session, proposal_list, fields)
        if not proposal_list.file_name and not proposal_list.input_headers:
            proposal_list.input_headers = list(TYPED_HEADERS)
            proposal_list.mapping = {name: name for name in TYPED_HEADERS}
        columns = proposal_list.mapping or {name: name for name in TYPED_HEADERS}
        typed = {
            columns[name]: _as_text(fields.get(name)).strip()
            for name in TYPED_HEADERS
            if columns.get(name) and name in fields
        }
        last = session.scalar(select(func.max(Proposal.baris)).where(Proposal.list_id == list_id)) or 0
        proposal = Proposal(
            list_id=list_id, baris=last + 1, input=typed, origin_device=uow.device_id, **parsed
        )
        session.add(proposal)
        session.flush()
        uow.audit(
            user, "proposal.add", "proposal", proposal.id, after={"list_id": list_id} | _values(proposal)
        )
        uow.commit()
        return _row(proposal, warnings)


def _proposal_in_scope(session, user: CurrentUser, proposal_id: int, permission: Permission):
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.deleted_at is not None:
        raise NotFound(N_("Baris usulan #{id} tidak ditemukan."), id=proposal_id)
    return proposal, list_in_scope(session, user, proposal.list_id, permission)


def get_proposal(target: OfficeDatabase | UnitOfWork, user: CurrentUser, proposal_id: int) -> ProposalRow:
    require_read(user)
    permission = Permission.PROPOSAL_EDIT if user.can(Permission.PROPOSAL_EDIT) else Permission.SCREENING_RUN
    with unit_of_work(target) as uow:
        proposal, _list = _proposal_in_scope(uow.session, user, proposal_id, permission)
        return _row(proposal)


def update_proposal(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    proposal_id: int,
    fields: Mapping[str, object],
    reason: str = "",
) -> ProposalRow:
    """Corrects the given fields of a row (a `ProposalDecision` "corrected" and an audit entry); `input`
    keeps the cells as sent. Nothing is recorded when nothing changes. The caller re-screens the row (the
    review page uses `service.correct`, which does both in one transaction)."""
    with unit_of_work(target).writing() as uow:
        row, _changed = apply_correction(uow, user, proposal_id, fields, reason)
        uow.commit()
        return row


def check_correction(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    proposal_id: int,
    fields: Mapping[str, object],
    reason: str = "",
) -> ProposalRow:
    """What `update_proposal` would do, saving nothing: a form checks the values (refusals, warnings) before
    the page saves them with the re-screen in one transaction."""
    with unit_of_work(target).writing() as uow:
        row, _changed = apply_correction(uow, user, proposal_id, fields, reason)
        return row  # the unit of work rolls back on leaving


def apply_correction(
    uow: UnitOfWork,
    user: CurrentUser,
    proposal_id: int,
    fields: Mapping[str, object],
    reason: str = "",
) -> tuple[ProposalRow, bool]:
    """`update_proposal` inside the caller's transaction, not committed; also says whether anything
    changed."""
    require(user, Permission.PROPOSAL_EDIT)
    _unknown_fields(fields)
    session = uow.session
    proposal, proposal_list = _proposal_in_scope(session, user, proposal_id, Permission.PROPOSAL_EDIT)
    require_list_editable(proposal_list)
    before = _values(proposal)
    parsed, warnings = _read_typed(session, proposal_list, before | dict(fields))
    changed = {name: value for name, value in parsed.items() if before[name] != value}
    if not changed:
        return _row(proposal, warnings), False
    for name, value in changed.items():
        setattr(proposal, name, value)
    proposal.updated_at = utcnow()
    proposal.origin_device = uow.device_id
    reason = reason.strip() or _("Diperbaiki: {fields}.").format(
        fields=", ".join(field_labels()[name] for name in changed)
    )
    session.add(
        ProposalDecision(
            proposal_id=proposal.id,
            username=user.username,
            action="corrected",
            reason=reason,
            origin_device=uow.device_id,
        )
    )
    uow.audit(
        user,
        "proposal.correct",
        "proposal",
        proposal.id,
        before={name: before[name] for name in changed},
        after=changed | {"reason": reason},
    )
    session.flush()
    return _row(proposal, warnings), True


def delete_proposal(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, proposal_id: int, reason: str = ""
) -> None:
    """Removes a row from its list (soft delete: `deleted_at`); its `baris` is never given again."""
    with unit_of_work(target).writing() as uow:
        session = uow.session
        proposal, proposal_list = _proposal_in_scope(session, user, proposal_id, Permission.PROPOSAL_EDIT)
        require_list_editable(proposal_list)
        proposal.deleted_at = proposal.updated_at = utcnow()
        proposal.origin_device = uow.device_id
        uow.audit(
            user,
            "proposal.delete",
            "proposal",
            proposal.id,
            before={"list_id": proposal.list_id, "baris": proposal.baris} | _values(proposal),
            after={"reason": reason.strip()} if reason.strip() else None,
        )
        uow.commit()
