"""`ejps screen FILE`: import a proposal file as a list, screen it, export the result — without a display,
through the same services the GUI uses. Whatever can be checked before anything is written is checked first
(the export's file type, an empty registry); if screening or the export fails after the list was imported,
the list is withdrawn again, so the same command can simply be run once more."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.auth.roles import CurrentUser
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Progress, cycle_collection_paused
from app.office import OfficeDatabase
from app.screening.programs import delete_proposal_list
from app.screening.proposal_import import ProposalImport, ProposalPreview
from app.screening.registry_index import CACHE
from app.screening.results import EXPORT_SUFFIXES, export_results
from app.screening.service import RunSummary, require_registry, screen_list


@dataclass(frozen=True)
class ScreenFileResult:
    list_id: int
    preview: ProposalPreview
    run: RunSummary
    exported: int


@cycle_collection_paused()
def screen_file(
    db: OfficeDatabase,
    user: CurrentUser,
    path: Path,
    export_path: Path,
    program_id: int | None = None,
    progress: Progress = NO_PROGRESS,
) -> ScreenFileResult:
    path, export_path = Path(path), Path(export_path)
    if export_path.suffix.lower() not in EXPORT_SUFFIXES:
        raise DomainError(N_("Ekspor hanya ke berkas .csv atau .xlsx, bukan {name}."), name=export_path.name)
    require_registry(db)
    # Reading the registry into memory (seconds on a province) overlaps with reading the proposal file.
    warm_up = threading.Thread(
        target=CACHE.get, args=(str(db.path), db.engine), name="registry-index", daemon=True
    )
    warm_up.start()
    job = ProposalImport(db, user, [path], program_id, list_name=path.stem)
    try:
        job.inspect()
        preview = job.prepare(progress=progress)
        list_id = job.commit(progress)
    finally:
        job.close()
        warm_up.join()
    try:
        run = screen_list(db, user, list_id, progress)
        exported = export_results(db, user, list_id, export_path)
    except BaseException:
        delete_proposal_list(db, user, list_id, N_("Penyaringan dari baris perintah tidak selesai."))
        raise
    return ScreenFileResult(list_id, preview, run, exported)
