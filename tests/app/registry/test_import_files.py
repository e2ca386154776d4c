"""Files that are not what they claim: each gets a clear message naming the file, and nothing changes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.errors import DomainError
from app.registry.importer import RegistryImport
from db.models import Person
from tests.factories import people, write_csv, write_xlsx


def inspect(db, user, *paths):
    job = RegistryImport(db, user, "dukcapil", list(paths))
    return job, job.inspect()


def assert_registry_empty(db):
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_xlsx_with_several_sheets_is_read_whole_with_sheet_and_row_in_messages(office_db, operator, tmp_path):
    records = people(10)
    records[20] = records[20].but(nik="123")
    path = write_xlsx(tmp_path / "besar.xlsx", records, sheets=2)
    job, plan = inspect(office_db, operator, path)
    assert [t.sheet for t in plan.tables] == ["Data1", "Data2"]
    preview = job.prepare()
    assert preview.rows_read == 30 and preview.added == 29
    (issue,) = preview.issues
    assert (issue.source, issue.row_number, issue.field) == ("besar.xlsx [Data2]", 7, "nik")
    job.commit()


def test_several_files_form_one_import(office_db, operator, tmp_path):
    records = people(6)
    first = write_csv(tmp_path / "bagian1.csv", records[:9])
    second = write_xlsx(tmp_path / "bagian2.xlsx", records[9:])
    job, _plan = inspect(office_db, operator, first, second)
    assert job.prepare().added == 18
    assert job.commit().imported


def test_nik_stored_as_a_number_in_xlsx_keeps_all_digits(office_db, operator, tmp_path):
    import xlsxwriter

    records = people(1)
    path = tmp_path / "angka.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    headers = ["nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "kode_desa"]
    sheet.write_row(0, 0, headers)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    from datetime import date

    for row, r in enumerate(records, start=1):
        sheet.write_number(row, 0, int(r.nik))
        sheet.write_number(row, 1, int(r.no_kk))
        sheet.write_string(row, 2, r.nama)
        sheet.write_datetime(row, 3, date.fromisoformat(r.tgl_lahir), date_format)
        sheet.write_string(row, 4, r.jenis_kelamin)
        sheet.write_number(row, 5, int(r.kode_desa))
    workbook.close()
    job, _plan = inspect(office_db, operator, path)
    preview = job.prepare()
    assert preview.added == 3 and preview.refused_rows == 0, preview.issues
    job.commit()
    with office_db.sessions() as session:
        assert (
            session.scalar(select(Person.tgl_lahir).where(Person.nik == records[0].nik)).isoformat()
            == records[0].tgl_lahir
        )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4\n\x00\x01binary", "bukan lembar kerja"),
        (b"", "kosong"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel lama"),
    ],
)
def test_file_that_is_not_a_spreadsheet_is_refused_by_name(office_db, operator, tmp_path, content, expected):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DomainError, match=expected) as error:
        inspect(office_db, operator, path)
    assert "data.csv" in str(error.value)
    assert_registry_empty(office_db)


def test_truncated_xlsx_is_refused(office_db, operator, tmp_path):
    whole = write_xlsx(tmp_path / "utuh.xlsx", people(50)).read_bytes()
    path = tmp_path / "terpotong.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DomainError, match="terpotong.xlsx bukan XLSX yang utuh"):
        inspect(office_db, operator, path)


def test_empty_xlsx_is_refused(office_db, operator, tmp_path):
    import xlsxwriter

    path = tmp_path / "kosong.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet()
    workbook.close()
    with pytest.raises(DomainError, match="kosong.xlsx tidak memuat lembar kerja berisi data"):
        inspect(office_db, operator, path)


def test_password_protected_xlsx_is_refused_with_advice(office_db, operator, tmp_path):
    import msoffcrypto

    plain = write_xlsx(tmp_path / "biasa.xlsx", people(2))
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        office_file = msoffcrypto.OfficeFile(handle)
        office_file.encrypt("rahasia", encrypted)
    path = tmp_path / "terkunci.xlsx"
    path.write_bytes(encrypted.getvalue())
    with pytest.raises(DomainError, match="terkunci.xlsx dilindungi kata sandi"):
        inspect(office_db, operator, path)


def test_header_only_csv_imports_nothing(office_db, operator, tmp_path):
    path = write_csv(tmp_path / "judul.csv", [])
    job, _plan = inspect(office_db, operator, path)
    preview = job.prepare()
    assert preview.rows_read == 0 and preview.nothing_to_do
    assert not job.commit().imported
    assert_registry_empty(office_db)
