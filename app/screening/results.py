"""Reading a screened list for review and exporting it for the desa/OPD that sent it."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.audit import audit_export
from app.auth.roles import CurrentUser, Permission
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.jobs import cycle_collection_paused
from app.office import OfficeDatabase
from app.screening.engine import expanded_detail
from app.screening.flags import KINDS, Flag, Severity
from app.screening.programs import list_in_scope
from db.models import Proposal, ProposalDecision, ProposalList, ScreeningResult, ScreeningRun

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


@dataclass
class ResultDetail:
    row: ResultRow
    alamat: str
    input: dict
    detail: dict  # flags, person, evidence, candidates (see engine.RowResult.detail)
    run: dict
    decisions: list[dict] = field(default_factory=list)
    keputusan_alasan: str = ""


def _row(p: Proposal) -> ResultRow:
    return ResultRow(
        p.id, p.baris, p.nik, p.nama, p.tgl_lahir, p.jenis_kelamin, p.kode_desa, p.hasil, p.nik_padan,
        p.skor_padan, tuple(c for c in (p.tanda or "").split(";") if c), p.duplikat_dari, p.alasan, p.keputusan,
    )  # fmt: skip


def list_results(db: OfficeDatabase, user: CurrentUser, list_id: int) -> list[ResultRow]:
    with db.unit_of_work() as uow:
        list_in_scope(uow.session, user, list_id, Permission.PERSON_READ)
        proposals = uow.session.scalars(
            select(Proposal)
            .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
            .order_by(Proposal.baris, Proposal.id)
        )
        return [_row(p) for p in proposals]


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
            _row(proposal),
            proposal.alamat,
            {k: v for k, v in (proposal.input or {}).items() if not k.startswith("_")},
            _within_region(user, result.detail, proposal.person_id) if result is not None else {},
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


def _within_region(user: CurrentUser, detail: dict, linked_person: int | None) -> dict:
    """The detail as this user may see it: a runner-up candidate living outside the user's region shows
    only name, desa and how likely; their NIK, birth date and address stay hidden (the linked person is the
    row's result and stays whole: the desa needs the NIK to correct its list)."""
    detail = expanded_detail(detail)
    candidates = []
    flags = []
    for stored in detail.get("flags", []):
        # Re-said in the current language from code and parameters; the stored sentence is the fallback.
        if stored.get("code") in KINDS:
            flag = Flag(stored["code"], stored.get("params", {}), Severity(stored["severity"]))
            stored = {**stored, "message": flag.sentence(), "rule": _(flag.kind.rule)}
        flags.append(stored)
    for candidate in detail.get("candidates", []):
        person = candidate.get("person") or {}
        desa = person.get("kode_desa", "")
        if candidate.get("person_id") != linked_person and desa and not user.covers(desa):
            candidate = {
                **candidate,
                "nik": candidate["nik"][:6] + "******" + candidate["nik"][-4:],
                "person": {"nama": person.get("nama", candidate.get("nama", "")), "kode_desa": desa},
                "evidence": [],
                "hidden": True,
            }
        candidates.append(candidate)
    return {**detail, "flags": flags, "candidates": candidates}


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def export_rows(db: OfficeDatabase, user: CurrentUser, list_id: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the export: the file's own columns unchanged, then the result columns."""
    with db.unit_of_work() as uow:
        proposal_list: ProposalList = list_in_scope(uow.session, user, list_id, Permission.PERSON_READ)
        if proposal_list.last_run_id is None:
            raise DomainError(N_('Daftar usulan "{name}" belum disaring.'), name=proposal_list.nama)
        headers = list(proposal_list.input_headers or [])
        out_headers = headers + [c for c in RESULT_COLUMNS]
        # A file that already has a column of the same name keeps it; ours gets a mark.
        out_headers = headers + [c if c not in headers else f"{c}_hasil" for c in RESULT_COLUMNS]
        rows = []
        for p in uow.session.scalars(
            select(Proposal)
            .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
            .order_by(Proposal.baris)
        ):
            cells = [str((p.input or {}).get(h, "") or "") for h in headers]
            cells += [
                str(p.baris),
                p.hasil,
                p.nik_padan or "",
                _score(p.skor_padan) if p.nik_padan else "",
                p.tanda or "",
                "" if p.duplikat_dari is None else str(p.duplikat_dari),
                p.alasan or "",
            ]
            rows.append(cells)
        return out_headers, rows


@cycle_collection_paused()
def export_results(db: OfficeDatabase, user: CurrentUser, list_id: int, path: Path) -> int:
    """Writes the export as CSV or XLSX (by the file's extension); returns the number of rows."""
    path = Path(path)
    headers, rows = export_rows(db, user, list_id)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(rows)
    elif suffix == ".xlsx":
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        sheet = workbook.add_worksheet("hasil")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, headers, bold)
        for i, cells in enumerate(rows, start=1):
            # Every cell as text: a NIK must never become a rounded number.
            for j, value in enumerate(cells):
                sheet.write_string(i, j, value)
        sheet.freeze_panes(1, 0)
        workbook.close()
    else:
        raise DomainError(N_("Ekspor hanya ke berkas .csv atau .xlsx, bukan {name}."), name=path.name)
    audit_export(
        db.unit_of_work(), user, "export.screening_results", "proposal_list", list_id, path, len(rows)
    )
    return len(rows)
