"""Reading a screened list for review and exporting it for the desa/OPD that sent it."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import audit_export
from app.auth.roles import CurrentUser, Permission
from app.csv_cells import formula_safe_row
from app.errors import DomainError, NotFound
from app.i18n import N_
from app.jobs import cycle_collection_paused
from app.office import OfficeDatabase
from app.output_files import atomic_output, write_xlsx
from app.screening.engine import expanded_detail
from app.screening.flags import KINDS, verdict_of
from app.screening.programs import list_in_scope
from app.screening.visibility import RegionView, masked_nik
from db.models import Person, Proposal, ProposalDecision, ProposalList, ScreeningResult, ScreeningRun

EXPORT_SUFFIXES = (".csv", ".xlsx")
RESULT_COLUMNS = ("baris", "hasil", "nik_padan", "skor_padan", "tanda", "duplikat_dari", "alasan")


@dataclass(frozen=True)
class ResultRow:
    proposal_id: int
    baris: int
    nik: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    kode_desa: str
    hasil: str
    nik_padan: str
    skor_padan: float | None
    tanda: tuple[str, ...]
    duplikat_dari: int | None
    alasan: str
    keputusan: str | None
    nik_tertulis: str = ""  # the NIK the list wrote, when the registered one was taken (batch review)


@dataclass
class ResultDetail:
    row: ResultRow
    alamat: str
    input: dict
    detail: dict  # flags, person, evidence, candidates (see engine.RowResult.detail)
    run: dict
    decisions: list[dict] = field(default_factory=list)
    keputusan_alasan: str = ""


def _row(p: Proposal, view: RegionView, stored: dict | None = None) -> ResultRow:
    """The row as this user may see it. A row linked to a person outside the user's region shows the masked
    NIK, the flags that stay (`RegionView.flags`, from the `stored` detail) and the verdict and sentence they
    give; any other row has the NIKs of people outside the region masked in its sentence."""
    nik_padan, hasil, alasan = p.nik_padan, p.hasil, view.mask_text(p.alasan, p.nik or "")
    tanda = tuple(c for c in (p.tanda or "").split(";") if c)
    if view.hides_person(p.person_id):
        flags = _flags(view, p, stored or {})
        nik_padan = masked_nik(p.nik_padan or "")
        tanda = tuple(f.code for f in flags)
        hasil = verdict_of(flags).value
        alasan = " ".join(f.sentence() for f in flags)
    return ResultRow(
        p.id, p.baris, p.nik, p.nama, p.tgl_lahir, p.jenis_kelamin, p.kode_desa, hasil, nik_padan,
        p.skor_padan, tanda, p.duplikat_dari, alasan, p.keputusan, p.nik_tertulis or "",
    )  # fmt: skip


def _flags(view: RegionView, p: Proposal, stored: dict) -> list:
    name = (stored.get("person") or {}).get("nama") or p.nama
    return view.flags(stored.get("flags") or [], p.person_id, name, p.nik_padan or "", p.nik or "")


# What a result row is made of (`_row`). Plain columns, not ORM objects: a list holds up to 50,000 rows, and
# loading them as objects took a second of every export of 10,000.
_ROW_COLUMNS = (
    Proposal.id, Proposal.baris, Proposal.nik, Proposal.nama, Proposal.tgl_lahir, Proposal.jenis_kelamin,
    Proposal.kode_desa, Proposal.hasil, Proposal.nik_padan, Proposal.skor_padan, Proposal.tanda,
    Proposal.duplikat_dari, Proposal.alasan, Proposal.keputusan, Proposal.nik_tertulis, Proposal.person_id,
    Proposal.result_id,
)  # fmt: skip


def _visible_rows(
    session, user: CurrentUser, list_id: int, with_input: bool = False
) -> list[tuple[Any, ResultRow]]:
    """Every row of the list in sheet order, with its result as this user may see it (see `visibility`);
    `with_input`: each proposal also carries the cells of the file it came from (`input`), for the export."""
    view = RegionView(session, user)
    proposals = []
    columns = (*_ROW_COLUMNS, Proposal.input) if with_input else _ROW_COLUMNS
    for row in session.execute(
        select(*columns, Person.nik.label("person_nik"), Person.kode_desa.label("person_desa"))
        .outerjoin(Person, Person.id == Proposal.person_id)
        .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
        .order_by(Proposal.baris, Proposal.id)
    ):
        view.know(row.person_id, row.person_nik, row.person_desa)
        proposals.append(row)
    view.learn_niks(p.alasan for p in proposals)
    hidden = [p.result_id for p in proposals if p.result_id and view.hides_person(p.person_id)]
    stored = _stored_details(session, hidden)
    return [(p, _row(p, view, stored.get(p.result_id))) for p in proposals]


def _stored_details(session, result_ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for start in range(0, len(result_ids), 500):
        for result_id, detail in session.execute(
            select(ScreeningResult.id, ScreeningResult.detail).where(
                ScreeningResult.id.in_(result_ids[start : start + 500])
            )
        ):
            found[result_id] = detail or {}
    return found


def list_results(db: OfficeDatabase, user: CurrentUser, list_id: int) -> list[ResultRow]:
    with db.unit_of_work() as uow:
        list_in_scope(uow.session, user, list_id, Permission.PERSON_READ)
        return [row for _proposal, row in _visible_rows(uow.session, user, list_id)]


def flag_counts(rows: list[ResultRow]) -> Counter:
    return Counter(code for r in rows for code in r.tanda)


def result_detail(db: OfficeDatabase, user: CurrentUser, proposal_id: int) -> ResultDetail:
    with db.unit_of_work() as uow:
        session = uow.session
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or proposal.deleted_at is not None:
            raise NotFound(N_("Baris usulan #{id} tidak ditemukan."), id=proposal_id)
        list_in_scope(session, user, proposal.list_id, Permission.PERSON_READ)
        result = session.get(ScreeningResult, proposal.result_id) if proposal.result_id else None
        run = session.get(ScreeningRun, result.run_id) if result is not None else None
        stored = expanded_detail(result.detail or {}) if result is not None else {}
        view = RegionView(session, user)
        view.learn_people([proposal.person_id, *(c.get("person_id") for c in stored.get("candidates") or [])])
        view.learn_niks(
            [proposal.alasan]
            + [
                v
                for f in stored.get("flags") or []
                for v in (f.get("params") or {}).values()
                if isinstance(v, str)
            ]
        )
        decisions = [
            {
                "at": d.at,
                "username": d.username,
                "action": d.action,
                "person_id": d.person_id,
                "reason": d.reason,
            }
            for d in session.scalars(
                select(ProposalDecision)
                .where(ProposalDecision.proposal_id == proposal_id)
                .order_by(ProposalDecision.id)
            )
        ]
        return ResultDetail(
            _row(proposal, view, stored),
            proposal.alamat,
            {k: v for k, v in (proposal.input or {}).items() if not k.startswith("_")},
            _visible_detail(view, proposal, stored) if result is not None else {},
            {
                "id": run.id,
                "username": run.username,
                "started_at": run.started_at,
                "engine_version": run.engine_version,
                "registry_state": run.registry_state,
            }
            if run is not None
            else {},
            decisions,
            proposal.keputusan_alasan or "",
        )


def _visible_detail(view: RegionView, proposal: Proposal, stored: dict) -> dict:
    """The stored detail as this user may see it: flags re-said in the current language from their code and
    parameters, and every registered person outside the user's region — the linked one as a runner-up —
    shown by name, desa and masked NIK only, without the evidence that compares their record."""
    hidden = view.hides_person(proposal.person_id)
    flags = [f.as_dict() for f in _flags(view, proposal, stored)]
    if not hidden:  # a flag this version does not know (a newer engine's) keeps its stored sentence
        flags += [
            {**f, "message": view.mask_text(f.get("message", ""), proposal.nik or "")}
            for f in stored.get("flags") or []
            if f.get("code") not in KINDS
        ]
    return {
        **stored,
        "flags": flags,
        "person": view.person(stored.get("person"), proposal.person_id),
        "evidence": [] if hidden else stored.get("evidence") or [],
        "candidates": [view.candidate(c) for c in stored.get("candidates") or []],
    }


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def export_rows(db: OfficeDatabase, user: CurrentUser, list_id: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the export: the file's own columns unchanged, then the result columns."""
    with db.unit_of_work() as uow:
        return export_rows_within(uow.session, user, list_id)


def export_rows_within(
    session: Session, user: CurrentUser, list_id: int
) -> tuple[list[str], list[list[str]]]:
    """`export_rows` in the caller's transaction: `ejps screen` exports what it is about to commit."""
    proposal_list: ProposalList = list_in_scope(session, user, list_id, Permission.PERSON_READ)
    if proposal_list.last_run_id is None:
        raise DomainError(N_('Daftar usulan "{name}" belum disaring.'), name=proposal_list.nama)
    headers = list(proposal_list.input_headers or [])
    # A file that already has a column of the same name keeps it; ours gets a mark.
    out_headers = headers + [c if c not in headers else f"{c}_hasil" for c in RESULT_COLUMNS]
    rows = []
    for p, row in _visible_rows(session, user, list_id, with_input=True):
        cells = [str((p.input or {}).get(h, "") or "") for h in headers]
        cells += [
            str(row.baris),
            row.hasil,
            row.nik_padan or "",
            _score(row.skor_padan) if row.nik_padan else "",
            ";".join(row.tanda),
            "" if row.duplikat_dari is None else str(row.duplikat_dari),
            row.alasan or "",
        ]
        rows.append(cells)
    return out_headers, rows


@cycle_collection_paused()
def export_results(db: OfficeDatabase, user: CurrentUser, list_id: int, path: Path) -> int:
    """Writes the export as CSV or XLSX (by the file's extension); returns the number of rows."""
    headers, rows = export_rows(db, user, list_id)
    count = write_export(Path(path), headers, rows)
    audit_export(db.unit_of_work(), user, "export.screening_results", "proposal_list", list_id, path, count)
    return count


def write_export(path: Path, headers: list[str], rows: list[list[str]]) -> int:
    """Writes the export's header and rows to `path`, whole or not at all (`app/output_files.py`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_output(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(formula_safe_row(headers))
            writer.writerows(formula_safe_row(cells) for cells in rows)
    elif suffix == ".xlsx":

        def fill(workbook) -> None:
            sheet = workbook.add_worksheet("hasil")
            bold = workbook.add_format({"bold": True})
            sheet.write_row(0, 0, headers, bold)
            for i, cells in enumerate(rows, start=1):
                # Every cell as text: a NIK must never become a rounded number.
                for j, value in enumerate(cells):
                    sheet.write_string(i, j, value)
            sheet.freeze_panes(1, 0)

        write_xlsx(path, fill)
    else:
        raise DomainError(N_("Ekspor hanya ke berkas .csv atau .xlsx, bukan {name}."), name=path.name)
    return len(rows)
