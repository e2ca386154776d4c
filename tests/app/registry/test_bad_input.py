"""Hostile or damaged extracts: bytes that are not text, values of absurd length, files that are not what their
name says. Each is refused where it is (file, row, field) or named for what it is; nothing is misread."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.registry.fields import FIELD_LIMITS
from app.registry.importer import RegistryImport
from app.registry.validation import Severity
from db.models import Person
from tests.factories import DUKCAPIL_HEADERS, people, write_csv


def prepare(db, user, path):
    job = RegistryImport(db, user, "dukcapil", [path])
    job.inspect()
    return job, job.prepare()


def stored_names(db) -> dict[str, str]:
    with db.sessions() as session:
        return dict(session.execute(select(Person.nik, Person.nama)).all())


def refused(preview, code):
    return [
        (i.row_number, i.field) for i in preview.issues if i.code == code and i.severity is Severity.REFUSED
    ]


def test_one_invalid_byte_in_a_utf8_file_refuses_that_row_only(office_db, operator, tmp_path):
    records = people(400)  # 1,200 rows, so the damaged one is far from the start
    records[0] = records[0].but(nama="ÉNDANG SÜSANTI")
    records[1000] = records[1000].but(nama="RUSAK SATU BYTE")
    path = write_csv(tmp_path / "utf8.csv", records)
    path.write_bytes(path.read_bytes().replace(b"RUSAK SATU", b"RUS\xffAK SATU"))
    job, preview = prepare(office_db, operator, path)
    assert refused(preview, "teks_tak_terbaca") == [(1002, "nama")]
    (issue,) = [i for i in preview.issues if i.code == "teks_tak_terbaca"]
    assert "UTF-8" in issue.message and issue.source == "utf8.csv"
    assert preview.added == len(records) - 1
    job.commit()
    names = stored_names(office_db)
    assert names[records[0].nik] == "ÉNDANG SÜSANTI"
    assert records[1000].nik not in names


def test_a_nul_byte_refuses_its_row_instead_of_splitting_the_name(office_db, operator, tmp_path):
    records = people(200)
    records[500] = records[500].but(nama="ATT\x00AR DAUD")
    path = write_csv(tmp_path / "nul.csv", records)
    job, preview = prepare(office_db, operator, path)
    assert refused(preview, "teks_tak_terbaca") == [(502, "nama")]
    job.commit()
    names = stored_names(office_db)
    assert records[500].nik not in names
    assert "ATT AR DAUD" not in names.values()


def test_a_windows_1252_file_throughout_still_reads_as_windows_1252(office_db, operator, tmp_path):
    records = people(50)
    for index in range(0, len(records), 3):
        records[index] = records[index].but(nama=f"JOSÉ MARÍA {index}")
    path = write_csv(tmp_path / "ansi.csv", records, encoding="cp1252")
    job, preview = prepare(office_db, operator, path)
    assert preview.refused_rows == 0 and preview.added == len(records)
    job.commit()
    assert stored_names(office_db)[records[3].nik] == "JOSÉ MARÍA 3"


@pytest.mark.parametrize("field", ["nama", "alamat", "tempat_lahir", "hubungan_keluarga"])
def test_a_value_longer_than_its_field_limit_is_refused_with_the_limit(office_db, operator, tmp_path, field):
    records = people(2)
    limit = FIELD_LIMITS[field]
    records[4] = records[4].but(**{field: "A" * (limit + 1)})
    records[5] = records[5].but(**{field: "B" * limit})
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "panjang.csv", records))
    assert refused(preview, "terlalu_panjang") == [(6, field)]
    (issue,) = [i for i in preview.issues if i.code == "terlalu_panjang"]
    assert f"{limit + 1} karakter, paling banyak {limit}" in issue.message
    assert preview.added == len(records) - 1


def test_a_megabyte_address_is_refused_and_its_message_stays_short(office_db, operator, tmp_path):
    records = people(1)
    records[1] = records[1].but(alamat="JL. " + "X" * 1_000_000)
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "mega.csv", records))
    (issue,) = preview.issues
    assert (issue.row_number, issue.field, issue.code) == (3, "alamat", "terlalu_panjang")
    assert len(issue.message) < 400


def test_a_text_file_named_xlsx_is_refused_as_text(office_db, operator, tmp_path):
    path = write_csv(tmp_path / "ekstrak.xlsx", people(1))
    with pytest.raises(DomainError, match=r"ekstrak\.xlsx bernama \.xlsx tetapi isinya teks biasa"):
        RegistryImport(office_db, operator, "dukcapil", [path]).inspect()


def test_a_zip_that_is_not_a_workbook_is_named_for_what_it_is(office_db, operator, tmp_path):
    path = tmp_path / "kiriman.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", ",".join(DUKCAPIL_HEADERS))
    with pytest.raises(DomainError) as error:
        RegistryImport(office_db, operator, "dukcapil", [path]).inspect()
    text = str(error.value)
    assert "kiriman.xlsx adalah arsip ZIP, bukan buku kerja Excel" in text
    assert "_rels" not in text and "File not found" not in text
