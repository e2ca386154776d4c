"""Exporting a screened list for the desa or OPD that sent it: their file back unchanged, column for column,
with the result columns after it (DESIGN.md "Interchange files")."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from app.audit import audit_entries
from app.errors import DomainError
from app.screening import service
from app.screening.programs import create_proposal_list
from app.screening.proposal_entry import TYPED_HEADERS, add_proposal, delete_proposal
from app.screening.results import RESULT_COLUMNS, export_results, flag_counts, list_results
from tests.app.screening.test_engine import (
    LIMBOTO,
    NOT_REGISTERED,
    REGISTRY,
    TELAGA,
    by_baris,
    import_list,
    import_registry,
    proposal,
    registry_dtks,
)
from tests.factories import DESA_LIMBOTO, write_csv, write_xlsx

# The desa's own columns, in its own order: a running number, a note the screening does not read, the name
# before the NIK.
HEADERS = ["No", "Nama Lengkap", "Keterangan", "NIK", "Tgl Lahir", "JK", "Alamat", "Kode Desa"]
RESULTS = list(RESULT_COLUMNS)


def desa_row(number: int, person_row: dict, note: str = "") -> dict:
    return {
        "No": str(number),
        "Nama Lengkap": person_row["Nama"],
        "Keterangan": note,
        "NIK": person_row["NIK"],
        "Tgl Lahir": person_row["Tgl Lahir"],
        "JK": person_row["JK"],
        "Alamat": person_row["Alamat"],
        "Kode Desa": person_row["Kode Desa"],
    }


ROWS = [
    desa_row(1, proposal(LIMBOTO[0]), "lansia"),
    desa_row(2, NOT_REGISTERED, "disabilitas"),
    desa_row(3, proposal(TELAGA[0])),
    desa_row(4, proposal(TELAGA[0]), "diusulkan ulang"),
]


@pytest.fixture
def screened(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    list_id = import_list(office_db, operator, write_csv(tmp_path / "usulan.csv", ROWS, HEADERS))
    service.screen_list(office_db, operator, list_id)
    return list_id


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def read_xlsx(path: Path):
    workbook = openpyxl.load_workbook(path)
    return list(workbook.worksheets[0].iter_rows())


def test_csv_export_gives_every_input_column_unchanged_then_the_results(
    office_db, operator, screened, tmp_path
):
    out = tmp_path / "hasil.csv"
    assert export_results(office_db, operator, screened, out) == 4
    header, *rows = read_csv(out)
    assert header == HEADERS + RESULTS
    for sent, cells in zip(ROWS, rows, strict=True):
        assert cells[: len(HEADERS)] == [sent[h] for h in HEADERS]
    results = [dict(zip(RESULTS, cells[len(HEADERS) :], strict=True)) for cells in rows]
    assert [r["baris"] for r in results] == ["2", "3", "4", "5"]
    assert [r["hasil"] for r in results] == ["LOLOS", "TIDAK_LOLOS", "LOLOS", "TIDAK_LOLOS"]
    assert [r["nik_padan"] for r in results] == [LIMBOTO[0].nik, "", TELAGA[0].nik, TELAGA[0].nik]
    assert results[0]["skor_padan"].startswith(("1.0", "0.99")) and results[1]["skor_padan"] == ""
    assert results[0]["tanda"] == "DTKS" and results[1]["tanda"] == "TIDAK_DITEMUKAN"
    assert [r["duplikat_dari"] for r in results] == ["", "", "", "4"]
    assert "GANDA_DAFTAR" in results[3]["tanda"].split(";")
    assert all(r["alasan"] for r in results)


def test_xlsx_export_keeps_nik_as_text(office_db, operator, screened, tmp_path):
    out = tmp_path / "hasil.xlsx"
    assert export_results(office_db, operator, screened, out) == 4
    header, *rows = read_xlsx(out)
    assert [c.value for c in header] == HEADERS + RESULTS
    nik, nik_padan = HEADERS.index("NIK"), len(HEADERS) + RESULTS.index("nik_padan")
    assert rows[0][nik].value == LIMBOTO[0].nik and rows[0][nik].data_type == "s"
    assert rows[0][nik_padan].value == LIMBOTO[0].nik and rows[0][nik_padan].data_type == "s"
    for sent, cells in zip(ROWS, rows, strict=True):
        assert [c.value or "" for c in cells[: len(HEADERS)]] == [sent[h] for h in HEADERS]
    baris = len(HEADERS) + RESULTS.index("baris")
    assert [str(cells[baris].value) for cells in rows] == ["2", "3", "4", "5"]


def test_an_xlsx_proposal_comes_back_with_its_nik_as_text(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    path = write_xlsx(tmp_path / "usulan.xlsx", ROWS[:2], HEADERS)
    list_id = import_list(office_db, operator, path)
    service.screen_list(office_db, operator, list_id)
    out = tmp_path / "hasil.xlsx"
    export_results(office_db, operator, list_id, out)
    header, first, second = read_xlsx(out)
    nik = HEADERS.index("NIK")
    assert (first[nik].value, first[nik].data_type) == (LIMBOTO[0].nik, "s")
    assert second[nik].value == NOT_REGISTERED["NIK"]


def test_baris_is_the_spreadsheet_row_even_after_an_empty_row(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    blank = dict.fromkeys(HEADERS, "")
    path = write_csv(tmp_path / "usulan.csv", [ROWS[0], blank, ROWS[2]], HEADERS)
    list_id = import_list(office_db, operator, path)
    service.screen_list(office_db, operator, list_id)
    out = tmp_path / "hasil.csv"
    assert export_results(office_db, operator, list_id, out) == 2
    header, *rows = read_csv(out)
    baris = header.index("baris")
    assert [cells[baris] for cells in rows] == ["2", "4"]
    assert [cells[HEADERS.index("NIK")] for cells in rows] == [LIMBOTO[0].nik, TELAGA[0].nik]


def test_a_deleted_row_is_not_exported(office_db, operator, screened, tmp_path):
    second = by_baris(office_db, operator, screened)[3]
    delete_proposal(office_db, operator, second.proposal_id)
    service.screen_list(office_db, operator, screened, scope="row")
    out = tmp_path / "hasil.csv"
    assert export_results(office_db, operator, screened, out) == 3
    header, *rows = read_csv(out)
    assert [cells[header.index("baris")] for cells in rows] == ["2", "4", "5"]


def test_an_input_column_named_like_a_result_column_keeps_its_cells(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    headers = ["NIK", "Nama", "alasan"]
    rows = [{"NIK": LIMBOTO[0].nik, "Nama": "Muhammad Lasena", "alasan": "lansia tinggal sendiri"}]
    list_id = import_list(office_db, operator, write_csv(tmp_path / "usulan.csv", rows, headers))
    service.screen_list(office_db, operator, list_id)
    out = tmp_path / "hasil.csv"
    export_results(office_db, operator, list_id, out)
    header, cells = read_csv(out)
    assert header[:3] == headers
    assert len(header) == len(set(header)) == 3 + len(RESULTS)
    assert cells[2] == "lansia tinggal sendiri"
    assert "alasan_hasil" in header and cells[header.index("alasan_hasil")].startswith("Dipadankan")


def test_a_typed_list_exports_with_the_entry_columns(office_db, operator, tmp_path):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    list_id = create_proposal_list(office_db, operator, None, "Diketik", "Desa Kayubulan", DESA_LIMBOTO)
    add_proposal(office_db, operator, list_id, {"nik": LIMBOTO[0].nik, "nama": "Muhammad Lasena"})
    service.screen_list(office_db, operator, list_id)
    out = tmp_path / "hasil.csv"
    export_results(office_db, operator, list_id, out)
    header, cells = read_csv(out)
    assert header == list(TYPED_HEADERS) + RESULTS
    assert cells[0] == LIMBOTO[0].nik and cells[header.index("hasil")] == "LOLOS"


def test_an_unsupported_export_file_is_refused(office_db, operator, screened, tmp_path):
    for name in ("hasil.pdf", "hasil.xls", "hasil"):
        with pytest.raises(DomainError, match=".csv atau .xlsx") as refused:
            export_results(office_db, operator, screened, tmp_path / name)
        assert name in str(refused.value)
        assert not (tmp_path / name).exists()


def test_a_list_not_yet_screened_cannot_be_exported(office_db, operator, tmp_path):
    list_id = import_list(office_db, operator, write_csv(tmp_path / "usulan.csv", ROWS, HEADERS))
    with pytest.raises(DomainError, match="belum disaring"):
        export_results(office_db, operator, list_id, tmp_path / "hasil.csv")
    assert not (tmp_path / "hasil.csv").exists()


def test_the_review_list_counts_the_flags(office_db, operator, screened):
    counts = flag_counts(list_results(office_db, operator, screened))
    assert counts["DTKS"] == 3 and counts["TIDAK_DITEMUKAN"] == 1 and counts["GANDA_DAFTAR"] == 1


def test_a_runner_up_outside_the_users_region_is_shown_without_nik_birth_or_address():
    from app.auth.roles import CurrentUser, Role
    from app.screening.results import _within_region

    user = CurrentUser(9, "op_limboto", "Op", Role.OPERATOR, "750101")
    inside = {
        "person_id": 1,
        "nik": "7501010101900001",
        "nama": "A",
        "person": {"kode_desa": "7501011001", "nama": "A"},
        "evidence": [1],
    }
    outside = {
        "person_id": 2,
        "nik": "7502010101900001",
        "nama": "B",
        "person": {"kode_desa": "7502012004", "nama": "B", "alamat": "DUSUN I"},
        "evidence": [1],
    }
    linked_outside = {**outside, "person_id": 3}
    shown = _within_region(user, {"candidates": [inside, outside, linked_outside]}, linked_person=3)[
        "candidates"
    ]
    assert shown[0] == inside
    assert (
        shown[1]["nik"] == "750201******0001"
        and "alamat" not in shown[1]["person"]
        and shown[1]["evidence"] == []
    )
    assert shown[2] == linked_outside  # the row's own result stays whole


def test_the_linked_candidate_is_stored_once_and_read_back_whole(office_db, operator, screened):
    from sqlalchemy import select

    from app.screening.results import result_detail
    from db.models import Proposal, ScreeningResult

    with office_db.unit_of_work() as uow:
        proposal_id, stored = uow.session.execute(
            select(Proposal.id, ScreeningResult.detail)
            .join(ScreeningResult, ScreeningResult.id == Proposal.result_id)
            .where(Proposal.list_id == screened, Proposal.baris == 2)
        ).one()
    first = stored["candidates"][0]
    assert first["as_result"] and "person" not in first and "evidence" not in first
    shown = result_detail(office_db, operator, proposal_id).detail["candidates"][0]
    assert shown["person"]["nik"] == LIMBOTO[0].nik and shown["person_id"] == stored["person"]["person_id"]
    assert shown["evidence"] == stored["evidence"] and "as_result" not in shown


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_is_in_the_audit_log_with_who_which_list_and_how_many_rows(
    office_db, admin, operator, screened, tmp_path, suffix
):
    export_results(office_db, operator, screened, tmp_path / f"hasil{suffix}")
    (entry,) = audit_entries(office_db.unit_of_work(), admin, action_prefix="export.").entries
    assert (entry.username, entry.action, entry.entity, entry.entity_ref) == (
        "operator",
        "export.screening_results",
        "proposal_list",
        str(screened),
    )
    assert entry.after == {"file": f"hasil{suffix}", "rows": 4}
