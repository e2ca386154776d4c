"""The database, its WAL and shared-memory files and the log are readable by their owner only (POSIX)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.office import create_office_database, open_office_database
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    previous = os.umask(0o022)  # what most systems give: files readable by everyone unless said otherwise
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_and_shm_are_owner_only(tmp_path):
    path = tmp_path / "kantor.db"
    db = create_office_database(path, "7501", "admin", ADMIN_PASSWORD)
    try:
        with db.sessions() as session:  # the connection keeps -wal and -shm open
            session.connection()
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        db.close()


def test_an_existing_database_readable_by_others_is_tightened_when_opened(tmp_path):
    path = tmp_path / "kantor.db"
    create_office_database(path, "7501", "admin", ADMIN_PASSWORD).close()
    os.chmod(path, 0o644)
    open_office_database(path).close()
    assert mode(path) == 0o600


def test_the_log_file_is_owner_only(tmp_path):
    data = tmp_path / "data"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import logging; from app.logs import configure_logging; configure_logging(); "
            "logging.getLogger('ejps').warning('baris 2: NIK 7501011208800001')",
        ],
        env={**os.environ, "EJPS_DATA_DIR": str(data)},
        check=True,
    )
    log = data / "logs" / "ejps.log"
    assert "7501011208800001" in log.read_text(encoding="utf-8")
    assert mode(log) == 0o600


def test_a_rotated_log_file_is_owner_only_too(tmp_path):
    import logging

    from app.logs import OwnerOnlyRotatingFileHandler

    path = tmp_path / "ejps.log"
    handler = OwnerOnlyRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    try:
        for number in range(20):
            handler.emit(logging.makeLogRecord({"msg": f"baris {number}: NIK 7501011208800001"}))
    finally:
        handler.close()
    files = sorted(tmp_path.glob("ejps.log*"))
    assert len(files) == 3
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
