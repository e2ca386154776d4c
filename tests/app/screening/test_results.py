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
from app.screening.results import RESULT_COLUMNS, export_results, flag_counts, list_results, result_detail
from tests.app.screening.test_engine import (
    LIMBOTO,
    NOT_REGISTERED,
    REGISTRY,
    TELAGA,
    TWIN,
    by_baris,
    import_list,
    import_registry,
    proposal,
    registry_dtks,
)
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, write_csv, write_xlsx

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


# A person registered outside the user's region ---------------------------------------------------------------
def masked(nik: str) -> str:
    return nik[:6] + "******" + nik[-4:]


@pytest.fixture
def elsewhere(office_db, operator, kecamatan_operator, tmp_path):
    """A list of Kec. Limboto written by names and birth dates only, of people registered in Desa Bulila (Kec.
    Telaga, outside the kecamatan operator's region; the first two households in DTKS desil 2), and screened."""
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    list_id = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    for person in TELAGA[:6]:
        add_proposal(
            office_db,
            kecamatan_operator,
            list_id,
            {"nama": person.nama.title(), "tgl_lahir": proposal(person)["Tgl Lahir"]},
        )
    service.screen_list(office_db, kecamatan_operator, list_id)
    return list_id


def test_a_person_outside_the_users_region_is_listed_with_a_masked_nik_and_no_dtks(
    office_db, operator, kecamatan_operator, elsewhere
):
    rows = list_results(office_db, kecamatan_operator, elsewhere)
    assert [r.nik_padan for r in rows] == [masked(p.nik) for p in TELAGA[:6]]
    for row in rows:
        assert "LUAR_WILAYAH_KERJA" in row.tanda
        assert not {"DTKS", "BUKAN_DTKS", "DESIL_DI_LUAR", "SATU_KK"} & set(row.tanda)
        assert row.hasil == "PERLU_CEK"
        assert "Terdaftar di DTKS" not in row.alasan and "Bulila" in row.alasan
        assert not any(p.nik in row.alasan or p.no_kk in row.alasan for p in TELAGA)
    # The kabupaten operator, whose region covers Bulila, sees the same rows whole.
    whole = list_results(office_db, operator, elsewhere)
    assert [r.nik_padan for r in whole] == [p.nik for p in TELAGA[:6]]
    assert "DTKS" in whole[0].tanda and "LUAR_WILAYAH_KERJA" not in whole[0].tanda


def test_the_export_of_a_kecamatan_operator_shows_no_nik_or_desil_of_people_elsewhere(
    office_db, operator, kecamatan_operator, elsewhere, tmp_path
):
    for name in ("hasil.csv", "hasil.xlsx"):
        out = tmp_path / name
        export_results(office_db, kecamatan_operator, elsewhere, out)
        cells = (
            [c for row in read_csv(out) for c in row]
            if name.endswith(".csv")
            else [str(c.value or "") for row in read_xlsx(out) for c in row]
        )
        text = "\n".join(cells)
        assert not any(p.nik in text or p.no_kk in text for p in TELAGA), name
        assert "Terdaftar di DTKS" not in text and "BUKAN_DTKS" not in text, name
        assert masked(TELAGA[0].nik) in cells and "LUAR_WILAYAH_KERJA" in text, name
    whole = tmp_path / "utuh.csv"
    export_results(office_db, operator, elsewhere, whole)
    assert TELAGA[0].nik in [c for row in read_csv(whole) for c in row]


def test_the_detail_of_a_person_elsewhere_shows_name_desa_and_masked_nik_only(
    office_db, operator, kecamatan_operator, elsewhere
):
    first = list_results(office_db, kecamatan_operator, elsewhere)[0]
    shown = result_detail(office_db, kecamatan_operator, first.proposal_id)
    person = shown.detail["person"]
    assert person["hidden"] and person["nik"] == masked(TELAGA[0].nik)
    assert person["nama"] == TELAGA[0].nama and person["kode_desa"] == DESA_TELAGA
    assert not {"tgl_lahir", "alamat", "rt", "rw", "no_kk", "status", "dtks"} & person.keys()
    assert shown.detail["evidence"] == []
    assert [f["code"] for f in shown.detail["flags"]] == ["NIK_KOSONG", "LUAR_WILAYAH_KERJA"]
    linked, *others = shown.detail["candidates"]
    assert linked["hidden"] and linked["nik"] == masked(TELAGA[0].nik) and linked["evidence"] == []
    for candidate in others:  # a runner-up of Kayubulan stays whole, one of Bulila is hidden
        assert candidate.get("hidden") or candidate["nik"].startswith("750101")
    assert shown.row == first
    text = repr(shown)
    assert not any(p.nik in text or p.no_kk in text or p.tgl_lahir in text for p in TELAGA)
    assert "Terdaftar di DTKS" not in text
    whole = result_detail(office_db, operator, first.proposal_id).detail
    assert whole["person"]["nik"] == TELAGA[0].nik and whole["person"]["dtks"]["desil"] == 2


def test_a_runner_up_outside_the_users_region_is_shown_without_nik_birth_or_address(
    office_db, operator, kecamatan_operator, tmp_path
):
    # YUSUF BADERAN of Kayubulan has a namesake in Bulila born the same day: both are candidates.
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    list_id = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Kayubulan", "Kel. Kayubulan")
    row = add_proposal(
        office_db, kecamatan_operator, list_id, {"nama": "Yusuf Baderan", "tgl_lahir": "06-06-1975"}
    )
    service.screen_list(office_db, kecamatan_operator, list_id)
    shown = result_detail(office_db, kecamatan_operator, row.id)
    by_nik = {c["nik"]: c for c in shown.detail["candidates"]}
    namesake = by_nik[masked(TWIN.nik)]
    assert namesake["hidden"] and namesake["evidence"] == []
    assert namesake["person"] == {"nama": TWIN.nama, "kode_desa": DESA_TELAGA}
    own = by_nik[LIMBOTO[15].nik]
    assert not own.get("hidden") and own["person"]["tgl_lahir"] == LIMBOTO[15].tgl_lahir
    assert TWIN.nik not in repr(shown) and TWIN.nik not in shown.row.alasan
    assert TWIN.nik in repr(result_detail(office_db, operator, row.id))


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
