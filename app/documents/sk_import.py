"""SKs issued elsewhere (Pergub 52/2020 Lampiran I–II: "Input/import SK Penetapan ke dalam aplikasi e-JPS (By Name,
By address, By NIK)"; APBN programs are entered as the ministry decreed them).

The file is read by the proposal import (`ProposalImport`: the same columns, formats and row checks), its rows
become a proposal list matched to the registry by the screening engine, and the list becomes a final SK with
`asal = "impor"` whose rows are the program's recipients. The SK was decided elsewhere, so every row enters as
written (no quota, no verdict keeps a row out); a row the engine could not identify is kept in the SK with the
NIK it was written with, and is a recipient only when that NIK is a whole one. A file with refused rows is
refused whole, naming each row and field: an SK imported with rows missing would misstate the decree. The list,
its screening, the SK and its recipients are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require
from app.documents.sk import (
    SkDetail,
    SkOrigin,
    SkStatus,
    _detail,
    apply_fields,
    default_judul,
    desil_by_nik,
    insert_penerima,
    next_penerima_id,
)
from app.documents.sk_final import freeze, lampiran_rows, require_complete
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Progress, cycle_collection_paused, waiting_for_writer
from app.office import OfficeDatabase
from app.registry.issues import Severity
from app.screening.programs import ListStatus, program_visible
from app.screening.proposal_import import ProposalImport
from app.screening.registry_index import CACHE
from app.screening.service import require_registry, screen_list_within
from db.models import Person, Proposal, ProposalList, SkPenetapan

SHOWN_ISSUES = 10  # refused rows named in the message; the rest are counted


@dataclass(frozen=True)
class SkImportResult:
    sk: SkDetail
    list_id: int
    rows: int
    matched: int  # rows identified in the registry
    unmatched: tuple[int, ...]  # the file's row numbers nobody could identify


def _refuse_bad_rows(preview) -> None:
    refused = [i for i in preview.issues if i.severity is Severity.REFUSED]
    if not refused:
        return
    lines = [f"{i.source} baris {i.row_number}, kolom {i.field}: {i.message}" for i in refused[:SHOWN_ISSUES]]
    if len(refused) > SHOWN_ISSUES:
        lines.append(f"… dan {len(refused) - SHOWN_ISSUES} masalah lain")
    raise DomainError(
        N_(
            "SK tidak diimpor: {count} baris berkas ditolak, padahal SK harus diimpor utuh.\n{rows}\nPerbaiki di "
            "berkas lalu impor ulang."
        ),
        count=preview.rows_refused,
        rows="\n".join(lines),
    )


@cycle_collection_paused()
def import_sk(
    db: OfficeDatabase,
    user: CurrentUser,
    program_id: int,
    path: Path,
    fields: dict,
    progress: Progress = NO_PROGRESS,
) -> SkImportResult:
    """Imports an SK issued elsewhere as a final SK of the program. `fields`: the SK's header (nomor and
    tanggal required; the rest as in `draft_sk`)."""
    require(user, Permission.SK_DRAFT)
    path = Path(path)
    probe = SkPenetapan(tahun=0)
    apply_fields(probe, dict(fields))  # bad fields are refused before the file is read
    if not probe.nomor or probe.tanggal is None:
        raise DomainError(N_("Isi nomor dan tanggal SK yang diimpor (--nomor dan --tanggal)."))
    require_registry(db)
    job = ProposalImport(db, user, [path], program_id, list_name=f"SK {probe.nomor}"[:200])
    try:
        job.inspect()
        preview = job.prepare(progress=progress)
        _refuse_bad_rows(preview)
        with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
            list_id = job.write(uow, progress)
            screen_list_within(uow, db, user, list_id, progress)
            session = uow.session
            program = program_visible(session, user, program_id)
            proposal_list = session.get(ProposalList, list_id)
            sk = SkPenetapan(
                program_id=program.id,
                tahun=program.tahun,
                sumber_dana=program.sumber_dana,
                nilai_per_penerima=program.nilai_per_penerima,
                instansi=program.opd,
                kode_wilayah=proposal_list.kode_wilayah_sumber,
                status=SkStatus.DRAFT.value,
                asal=SkOrigin.IMPORTED.value,
                judul=default_judul(program),
                created_by=user.username,
                origin_device=uow.device_id,
            )
            apply_fields(sk, dict(fields))
            session.add(sk)
            session.flush()
            written, unmatched = _rows_of(session, program, list_id, sk)
            insert_penerima(uow, sk, written, progress, N_("Menyimpan baris SK..."))
            proposal_list.status, proposal_list.sk_id = ListStatus.IN_SK.value, sk.id
            session.flush()
            rows = lampiran_rows(session, sk.id)  # every row is in, numbered in the file's order
            require_complete(session, sk, rows, need_nip=False)
            freeze(uow, user, sk, rows, progress)
            uow.audit(
                user,
                "sk.import",
                "sk_penetapan",
                sk.id,
                after={"file": path.name, "list": list_id, "rows": len(rows), "unmatched": len(unmatched)},
            )
            result = SkImportResult(
                _detail(session, sk), list_id, len(rows), len(rows) - len(unmatched), unmatched
            )
            uow.commit()
    finally:
        job.close()
    CACHE.save_pending(progress)
    return result


def _rows_of(session, program, list_id: int, sk: SkPenetapan) -> tuple[list[dict], tuple[int, ...]]:
    """The SK's rows (dicts of SkPenerima columns, numbered as written) and the file rows nobody matched."""
    found = session.execute(
        select(
            Proposal.id, Proposal.baris, Proposal.nik, Proposal.nik_padan, Proposal.nama, Proposal.alamat,
            Proposal.kode_desa, Person.id.label("person_id"), Person.nama.label("person_nama"),
            Person.alamat.label("person_alamat"), Person.kode_desa.label("person_kode_desa"),
        )
        .outerjoin(Person, Person.id == Proposal.person_id)
        .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
        .order_by(Proposal.baris, Proposal.id)
    ).all()  # fmt: skip
    niks = [p.nik_padan or p.nik for p in found]
    desil = desil_by_nik(session, program, [n for n in niks if n])
    rows, unmatched = [], []
    first_id = next_penerima_id(session)
    for number, (p, nik) in enumerate(zip(found, niks, strict=True), start=1):
        linked = p.person_id is not None
        if not linked:
            unmatched.append(p.baris)
        rows.append(
            {
                "id": first_id + number - 1,
                "urutan": number,
                "proposal_id": p.id,
                "person_id": p.person_id,
                "nik": (nik if nik.isdigit() else "")[:16],
                "nama": p.person_nama if linked else p.nama,
                "alamat": p.person_alamat if linked else p.alamat,
                "kode_desa": p.person_kode_desa if linked else p.kode_desa,
                "nilai": sk.nilai_per_penerima,
                "desil": desil.get(nik),
                "masuk": True,
            }
        )
    return rows, tuple(unmatched)
