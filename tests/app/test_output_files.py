"""Exports of personal data are written whole or not at all, and nowhere but where the user asked."""

from __future__ import annotations

import stat
import tempfile

import openpyxl
import pytest

from app.errors import DomainError
from app.registry.issues import RowIssue, Severity
from app.registry.issues_export import write_issues_xlsx
from app.screening.results import write_export

ISSUE = RowIssue("ekstrak.csv", 2, "nik", "7501011208800001", "kunci_ganda", Severity.REFUSED, "NIK ganda")


@pytest.fixture
def temp_files_made(monkeypatch) -> list:
    """Every file made through the tempfile module (xlsxwriter's temporary files go through it)."""
    made: list = []
    original = tempfile.mkstemp

    def recording_mkstemp(*args, **kwargs):
        result = original(*args, **kwargs)
        made.append(result[1])
        return result

    monkeypatch.setattr(tempfile, "mkstemp", recording_mkstemp)
    return made


@pytest.fixture
def folder(tmp_path):
    """The user's folder for exports."""
    (tmp_path / "ekspor").mkdir()
    return tmp_path / "ekspor"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_results_export_writes_no_temporary_file(folder, temp_files_made, suffix):
    out = folder / f"hasil{suffix}"
    rows = [["7501011208800001", "SITI LASENA", "LOLOS"]] * 300
    assert write_export(out, ["NIK", "Nama", "hasil"], rows) == 300
    assert temp_files_made == []
    assert [p.name for p in folder.iterdir()] == [out.name]


def test_the_issue_list_export_writes_no_temporary_file(folder, temp_files_made):
    out = folder / "masalah.xlsx"
    assert write_issues_xlsx([ISSUE] * 300, out) == 300
    assert temp_files_made == []
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet.cell(2, 4).value == "7501011208800001"


class BrokenRows:
    """Rows that fail after the first few, like a disk that fills up midway."""

    def __iter__(self):
        yield ["7501011208800001", "SITI LASENA"]
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_export_that_fails_midway_leaves_no_file_and_the_earlier_one_whole(folder, suffix):
    out = folder / f"hasil{suffix}"
    out.write_bytes(b"hasil sebelumnya")
    with pytest.raises(OSError):
        write_export(out, ["NIK", "Nama"], BrokenRows())
    assert out.read_bytes() == b"hasil sebelumnya"
    assert [p.name for p in folder.iterdir()] == [out.name]


def test_an_export_is_readable_by_its_owner_only(tmp_path):
    out = tmp_path / "hasil.csv"
    write_export(out, ["NIK"], [["7501011208800001"]])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_an_export_to_a_missing_folder_says_so(tmp_path):
    out = tmp_path / "tidak_ada" / "hasil.xlsx"
    with pytest.raises(DomainError, match="tidak dapat ditulis"):
        write_export(out, ["NIK"], [["7501011208800001"]])
