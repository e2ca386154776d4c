"""Files the user asked for — exports holding NIKs and names — written whole or not at all, and nowhere else.

A file is written under a hidden name beside its destination and renamed over it once complete (a rename within
one folder is atomic): a kill midway never leaves half a file under the name the user expects, and nothing is
written to the system temp folder. While it is written, the hidden file is noted in this process's scratch
space, so that the next start removes it if the process was killed (`app/scratch.py`). The file is readable by
its owner only, like the database it comes from.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from app.errors import DomainError
from app.i18n import N_
from app.scratch import noted_partial_file

OWNER_ONLY_FILE = 0o600
PARTIAL_SUFFIX = ".sebagian"


def partial_path(path: Path) -> Path:
    """The hidden name a file is written under before it takes its own name."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}")


def _unwritable(path: Path, error: OSError) -> DomainError:
    return DomainError(
        N_(
            "Berkas {path} tidak dapat ditulis ({detail}). Periksa bahwa foldernya ada dan boleh ditulis, dan "
            "tutup berkas itu bila sedang dibuka di program lain, lalu coba lagi."
        ),
        path=str(path),
        detail=error.strerror or str(error),
    )


@contextmanager
def atomic_output(path: Path, mode: str = "wb", **open_args) -> Iterator[IO]:
    """Opens a file to be written as `path`: it takes that name only when the block ends without error;
    otherwise (an error, a cancel) it is removed and an earlier file of that name stays as it was."""
    path = Path(path)
    partial = partial_path(path)
    with noted_partial_file(partial):
        try:
            descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE)
        except OSError as error:
            raise _unwritable(path, error) from error
        try:
            with open(descriptor, mode, **open_args) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.replace(partial, path)
            except OSError as error:
                raise _unwritable(path, error) from error
        finally:
            partial.unlink(missing_ok=True)


def write_xlsx(path: Path, fill) -> None:
    """Writes an XLSX through xlsxwriter: `fill(workbook)` adds the sheets. The workbook is assembled in memory
    (`in_memory`): xlsxwriter's other modes keep every cell as plain text in temporary files of the system
    temp folder, where a kill leaves them."""
    import xlsxwriter

    with atomic_output(path) as handle:
        workbook = xlsxwriter.Workbook(
            handle, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        )
        fill(workbook)
        workbook.close()
