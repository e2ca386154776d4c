"""Row rules of the registry import: what is refused, what is kept but flagged, and how it is reported."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import DomainError
from app.registry.importer import RegistryImport
from app.registry.validation import Severity
from db.models import Person
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, DESA_TELAGA, people, write_csv


def prepare(db, user, path, kind="dukcapil", mapping=None):
    job = RegistryImport(db, user, kind, [path])
    job.inspect()
    return job, job.prepare(mapping)


def issues_by_code(preview):
    found = {}
    for issue in preview.issues:
        found.setdefault(issue.code, []).append(issue)
    return found


def test_valid_extract_is_previewed_as_all_added(office_db, operator, tmp_path):
    records = people(5)
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "dukcapil.csv", records))
    assert (preview.rows_read, preview.added, preview.refused_rows) == (15, 15, 0)
    job.close()


@pytest.mark.parametrize(
    ("bad_nik", "code"),
    [
        ("75010A2304770005", "nik_bukan_16_digit"),  # a letter
        ("750101230477000", "nik_bukan_16_digit"),  # 15 digits
        ("7501013204770005", "nik_tanggal_mustahil"),  # day 32
        ("7501017304770005", "nik_tanggal_mustahil"),  # woman, day 33 (+40)
        ("7501012313770005", "nik_tanggal_mustahil"),  # month 13
        ("7501012304770000", "nik_urut_0000"),
        ("7.50101E+15", "nik_angka_excel"),
    ],
)
def test_impossible_nik_is_refused_with_file_row_field_and_reason(
    office_db, operator, tmp_path, bad_nik, code
):
    records = people(2)
    records[3] = records[3].but(nik=bad_nik)
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "dukcapil.csv", records))
    refused = [i for i in preview.issues if i.severity is Severity.REFUSED]
    assert [(i.source, i.row_number, i.field, i.code) for i in refused] == [("dukcapil.csv", 5, "nik", code)]
    assert "NIK" in refused[0].message
    assert preview.added == 5 and preview.refused_rows == 1
    job.close()


def test_missing_required_field_future_and_unreadable_dates_are_refused(office_db, operator, tmp_path):
    records = people(3)
    records[0] = records[0].but(nama="")
    records[1] = records[1].but(tgl_lahir="2099-01-01")
    records[2] = records[2].but(tgl_lahir="31/02/1980")
    records[3] = records[3].but(jenis_kelamin="X")
    records[4] = records[4].but(status="meninggal", tgl_status="kemarin")
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    codes = {(i.row_number, i.code) for i in preview.issues if i.severity is Severity.REFUSED}
    assert {
        (2, "wajib_kosong"),
        (3, "tanggal_masa_depan"),
        (4, "tanggal_tak_terbaca"),
        (5, "jk_tak_dikenal"),
        (6, "tanggal_tak_terbaca"),
    } <= codes
    assert preview.refused_rows == 5
    job.close()


def test_region_outside_office_and_unknown_desa_are_refused(office_db, operator, tmp_path):
    records = people(2)
    records[0] = records[0].but(kode_desa=DESA_BOALEMO)
    records[1] = records[1].but(kode_desa="7501019999")
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    found = issues_by_code(preview)
    assert found["desa_luar_wilayah"][0].row_number == 2
    assert DESA_BOALEMO in found["desa_luar_wilayah"][0].message
    assert found["desa_tak_dikenal"][0].row_number == 3
    job.close()


def test_operator_of_one_kecamatan_cannot_import_people_of_another(office_db, kecamatan_operator, tmp_path):
    records = people(1) + people(1, DESA_TELAGA)
    job, preview = prepare(office_db, kecamatan_operator, write_csv(tmp_path / "d.csv", records))
    assert preview.added == 3 and preview.refused_rows == 3
    assert {i.code for i in preview.issues} == {"desa_luar_wilayah"}
    job.close()


def test_same_nik_twice_in_file_refuses_every_occurrence(office_db, operator, tmp_path):
    records = people(3)
    records[7] = records[7].but(
        nik=records[1].nik, tgl_lahir=records[1].tgl_lahir, jenis_kelamin=records[1].jenis_kelamin
    )
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    duplicate = issues_by_code(preview)["kunci_ganda"]
    assert sorted(i.row_number for i in duplicate) == [3, 9]
    assert "baris 3" in duplicate[0].message and "baris 9" in duplicate[0].message
    assert preview.added == 7
    job.close()


def test_birth_date_or_sex_contradicting_the_nik_is_kept_but_flagged(office_db, operator, tmp_path):
    records = people(2)
    records[0] = records[0].but(tgl_lahir="1950-01-01")  # a default date, common in real registers
    records[1] = records[1].but(jenis_kelamin="L")  # the NIK says woman
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    assert preview.added == 6 and preview.refused_rows == 0 and preview.flagged_rows == 2
    assert {(i.row_number, i.code) for i in preview.issues} == {(2, "tgl_lahir_beda_nik"), (3, "jk_beda_nik")}
    date_issue = next(i for i in preview.issues if i.code == "tgl_lahir_beda_nik")
    # The date as the officer's files write it, in the cell and in the sentence: never 1950-01-01.
    assert date_issue.value == "01-01-1950" and "1950-01-01" not in date_issue.message
    job.commit()
    with office_db.sessions() as session:
        assert (
            session.scalar(select(Person.flags).where(Person.nik == records[0].nik)) == "tgl_lahir_beda_nik"
        )


def test_issuing_region_no_longer_in_the_list_is_flagged(office_db, operator, tmp_path):
    records = people(1)
    records[0] = records[0].but(nik="759901" + records[0].nik[6:])
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    assert [i.code for i in preview.issues] == ["wilayah_nik_lama"]
    assert preview.added == 3
    job.close()


def test_header_variants_and_dates_in_several_formats_are_recognised(office_db, operator, tmp_path):
    records = people(2)
    headers = [
        "NIK",
        "No. KK",
        "NAMA LENGKAP",
        "TEMPAT LAHIR",
        "TGL LAHIR",
        "JENIS KELAMIN",
        "ALAMAT",
        "RT",
        "RW",
        "KODE WILAYAH",
        "SHDK",
        "STATUS",
        "TGL STATUS",
    ]
    rows = []
    for r in records:
        y, m, d = r.tgl_lahir.split("-")
        rows.append(
            dict(
                zip(
                    headers,
                    [
                        r.nik,
                        r.no_kk,
                        r.nama.title(),
                        r.tempat_lahir,
                        f"{d}/{m}/{y}",
                        "LAKI-LAKI" if r.jenis_kelamin == "L" else "PEREMPUAN",
                        r.alamat,
                        "2",
                        "1",
                        "75.01.01.1001",
                        r.hubungan_keluarga,
                        "HIDUP",
                        "",
                    ],
                    strict=True,
                )
            )
        )
    path = write_csv(tmp_path / "variasi.csv", rows, headers=headers, delimiter=";")
    job = RegistryImport(office_db, operator, "dukcapil", [path])
    plan = job.inspect()
    assert plan.missing == []
    assert plan.mapping["no_kk"] == "No. KK" and plan.mapping["kode_desa"] == "KODE WILAYAH"
    preview = job.prepare()
    assert preview.added == 6 and preview.refused_rows == 0, preview.issues
    job.commit()
    with office_db.sessions() as session:
        person = session.scalars(select(Person).where(Person.nik == records[0].nik)).one()
        assert (person.nama, person.rt, person.kode_desa) == (records[0].nama, "002", DESA_LIMBOTO)


def test_missing_required_columns_are_named_and_nothing_is_read(office_db, operator, tmp_path):
    path = tmp_path / "salah.csv"
    path.write_text("nomor,nama orang\n1,SITI\n", encoding="utf-8")
    job = RegistryImport(office_db, operator, "dukcapil", [path])
    plan = job.inspect()
    assert set(plan.missing) >= {"nik", "no_kk", "tgl_lahir"}
    with pytest.raises(DomainError, match="Kolom wajib belum dipetakan: NIK"):
        job.prepare()
    with office_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_windows_1252_csv_with_accented_names_is_read(office_db, operator, tmp_path):
    records = people(1)
    records[0] = records[0].but(nama="JOSÉ MARÍA LASENA")
    path = write_csv(tmp_path / "ansi.csv", records, encoding="cp1252")
    job, preview = prepare(office_db, operator, path)
    assert preview.added == 3 and preview.refused_rows == 0
    job.commit()
    with office_db.sessions() as session:
        assert session.scalar(select(Person.nama).where(Person.nik == records[0].nik)) == "JOSÉ MARÍA LASENA"


def test_control_characters_and_odd_spaces_in_a_name_become_single_spaces(office_db, operator, tmp_path):
    records = people(1)
    records[0] = records[0].but(nama="\x01siti\x1f aminah\u00a0\u00a0LASENA\x7f")
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "dukcapil.csv", records))
    job.commit()
    with office_db.sessions() as session:
        assert session.scalar(select(Person.nama).where(Person.nik == records[0].nik)) == "SITI AMINAH LASENA"


def test_many_bad_rows_are_listed_and_good_rows_still_importable(office_db, operator, tmp_path):
    records = people(400)  # 1,200 people
    for index in range(0, len(records), 4):  # 300 bad rows spread through the file
        records[index] = records[index].but(nik=records[index].nik[:15])
    job, preview = prepare(office_db, operator, write_csv(tmp_path / "d.csv", records))
    assert preview.refused_rows == 300 and preview.added == 900
    assert sorted(i.row_number for i in preview.issues) == list(range(2, 1202, 4))
    result = job.commit()
    assert result.imported
    with office_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 900


def test_every_flag_kept_on_a_record_has_a_label_for_the_person_page():
    from app.registry.people import FLAG_LABELS
    from app.registry.validation import MESSAGES

    assert set(FLAG_LABELS) <= set(MESSAGES)
