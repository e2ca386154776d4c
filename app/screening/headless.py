"""`ejps screen FILE`: import a proposal file as a list, screen it, export the result — without a display,
through the same services the GUI uses. Whatever can be checked before anything is written is checked first
(the export's file type, an empty registry).

The list's import, its screening and the export are ONE transaction: a failure, a cancel or a kill at any
point leaves no list behind (nor a half export), so the same command can simply be run once more. The export
takes its name just before the commit: a kill between the two leaves a file and no list, and the rerun
writes the file again; a list committed without its export would refuse the rerun (the same file twice)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.auth.roles import CurrentUser
from app.errors import DomainError
from app.i18n import N_
from app.jobs import NO_PROGRESS, Progress, cycle_collection_paused, waiting_for_writer
from app.office import OfficeDatabase
from app.screening.proposal_import import ProposalImport, ProposalPreview
from app.screening.registry_index import CACHE
from app.screening.results import EXPORT_SUFFIXES, export_rows_within, write_export
from app.screening.service import RunSummary, require_registry, screen_list_within


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
    save_index: bool = True,
) -> ScreenFileResult:
    """`save_index=False`: the caller saves a newly built matching index itself (`CACHE.save_pending`), e.g.
    the command line after it has printed the result, so the user does not wait for it."""
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
        with db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
            list_id = job.write(uow, progress)
            run = screen_list_within(uow, db, user, list_id, progress)
            headers, rows = export_rows_within(uow.session, user, list_id)
            exported = write_export(export_path, headers, rows)
            # The export is recorded with the screening it comes from: both are committed, or neither.
            uow.audit(
                user,
                "export.screening_results",
                "proposal_list",
                list_id,
                after={"file": export_path.name, "rows": exported},
            )
            try:
                uow.commit()
            except BaseException:
                export_path.unlink(missing_ok=True)  # results of a screening that was not recorded
                raise
    finally:
        job.close()
        warm_up.join()
    if save_index:
        CACHE.save_pending(progress)  # the first screening after an import: the next session reads the index
    return ScreenFileResult(list_id, preview, run, exported)
