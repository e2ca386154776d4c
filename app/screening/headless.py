"""`ejps screen FILE`: import a proposal file as a list, screen it, export the result — without a display,
through the same services the GUI uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.auth.roles import CurrentUser
from app.jobs import NO_PROGRESS, Progress
from app.office import OfficeDatabase
from app.screening.proposal_import import ProposalImport, ProposalPreview
from app.screening.results import export_results
from app.screening.service import RunSummary, screen_list


@dataclass(frozen=True)
class ScreenFileResult:
    list_id: int
    preview: ProposalPreview
    run: RunSummary
    exported: int


def screen_file(
    db: OfficeDatabase,
    user: CurrentUser,
    path: Path,
    export_path: Path,
    program_id: int | None = None,
    progress: Progress = NO_PROGRESS,
) -> ScreenFileResult:
    path = Path(path)
    job = ProposalImport(db, user, [path], program_id, list_name=path.stem)
    try:
        job.inspect()
        preview = job.prepare(progress=progress)
        list_id = job.commit(progress)
    finally:
        job.close()
    run = screen_list(db, user, list_id, progress)
    exported = export_results(db, user, list_id, Path(export_path))
    return ScreenFileResult(list_id, preview, run, exported)
