"""Scratch files (import staging) live in the data folder; what a killed process left there is removed at the
next start, what a running process uses is not."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from app.registry.fields import ExtractKind
from app.registry.importer import RegistryImport
from app.scratch import remove_leftovers, scratch_root
from tests.factories import people, write_csv

# A process that makes a scratch file, says so on stdout, then waits or kills itself.
SCRATCH_USER = """
import os, signal, sys, time
from app.scratch import new_scratch_file
print(new_scratch_file("staging-", ".db"), flush=True)
if sys.argv[1] == "die":
    os.kill(os.getpid(), signal.SIGKILL)
time.sleep(600)
"""


def scratch_process(mode: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-c", SCRATCH_USER, mode], stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def test_import_staging_is_kept_in_the_data_folder_not_the_system_temp_folder(
    office_db, admin, tmp_path, monkeypatch
):
    system_temp = tmp_path / "systemp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    extract = write_csv(tmp_path / "dukcapil.csv", people(3))
    job = RegistryImport(office_db, admin, ExtractKind.DUKCAPIL, [extract])
    try:
        job.prepare()
        staging = job._scratch
        assert staging.is_relative_to(scratch_root()) and staging.exists()
        assert list(system_temp.iterdir()) == []
    finally:
        job.close()
    assert not staging.exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_the_scratch_files_of_a_killed_process_are_removed_at_the_next_start():
    process, staging = scratch_process("die")
    process.wait()
    assert scratch_root() in Path(staging).parents and Path(staging).exists()
    assert remove_leftovers() == 1
    assert not Path(staging).exists()
    assert list(scratch_root().iterdir()) == []


def test_the_scratch_files_of_a_running_process_are_left_alone():
    process, staging = scratch_process("wait")
    try:
        assert remove_leftovers() == 0
        assert Path(staging).exists()
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while remove_leftovers() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)  # the lock goes with the process, a moment after it is reaped
    assert not Path(staging).exists()
