"""DTSEN family files (Inpres 4/2025): one row per KK with its desil among the nation, the province and the
kabupaten/kota, often `|`-separated. Imported as a DTKS/DTSEN source: every registered member of the KK gets
the family's desil; a KK the registry does not hold is a refused row (file, row, field), never dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.registry.fields import ExtractKind, is_family_file
from app.registry.importer import RegistryImport
from app.registry.people import person_detail
from db.models import DtksRecord, ImportBatch, Person
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, household, write_csv

FAMILY_HEADERS = ["nomor_kartu_keluarga", "desil_nasional", "desil_provinsi", "desil_kabupaten_kota"]
KAYUBULAN = [household(i, DESA_LIMBOTO) for i in range(3)]
BULILA = [household(i, DESA_TELAGA) for i in range(6, 8)]


def family_row(members, nasional, provinsi, kabupaten) -> dict:
    return {
        "nomor_kartu_keluarga": members[0].no_kk,
        "desil_nasional": str(nasional),
        "desil_provinsi": str(provinsi),
        "desil_kabupaten_kota": str(kabupaten),
    }


def import_file(db, user, path, kind="dtks", source="DTSEN"):
    job = RegistryImport(db, user, kind, [path], source_label=source)
    plan = job.inspect()
    preview = job.prepare()
    return plan, preview, job.commit()


@pytest.fixture
def registry(office_db, operator, tmp_path):
    records = [p for family in KAYUBULAN + BULILA for p in family]
    import_file(office_db, operator, write_csv(tmp_path / "dukcapil.csv", records), "dukcapil", "DTKS")
    return records


def dtks_of(db) -> dict[str, tuple]:
    with db.sessions() as session:
        return {
            r.nik: (r.no_kk, r.desil, r.desil_provinsi, r.desil_kabupaten_kota, r.kode_desa, r.nama)
            for r in session.scalars(select(DtksRecord).where(DtksRecord.missing_since_batch_id.is_(None)))
        }


def test_family_file_headers_are_recognised_and_member_files_are_not():
    assert is_family_file(FAMILY_HEADERS)
    assert is_family_file(["No. KK", "Desil Nasional", "Desil Provinsi", "Desil Kab/Kota"])
    assert not is_family_file(["ID DTKS", "NIK", "No KK", "Nama", "Desil"])
    assert not is_family_file(["NIK", "No KK", "Nama", "Desil Nasional"])


def test_every_registered_member_of_a_kk_gets_its_three_desil(office_db, operator, registry, tmp_path):
    path = write_csv(
        tmp_path / "dtsen_keluarga.csv",
        [family_row(KAYUBULAN[0], 3, 2, 4), family_row(BULILA[0], 7, 6, 5)],
        FAMILY_HEADERS,
        delimiter="|",
    )
    plan, preview, result = import_file(office_db, operator, path)
    assert plan.kind is ExtractKind.DTSEN_KELUARGA
    assert plan.mapping == {
        "no_kk": "nomor_kartu_keluarga",
        "desil": "desil_nasional",
        "desil_provinsi": "desil_provinsi",
        "desil_kabupaten_kota": "desil_kabupaten_kota",
    }
    assert (preview.rows_read, preview.added, preview.refused_rows) == (2, 6, 0)
    records = dtks_of(office_db)
    assert {nik: r[1:4] for nik, r in records.items()} == {
        **{p.nik: (3, 2, 4) for p in KAYUBULAN[0]},
        **{p.nik: (7, 6, 5) for p in BULILA[0]},
    }
    member = KAYUBULAN[0][1]
    assert records[member.nik][0] == member.no_kk
    assert records[member.nik][4:] == (member.kode_desa, member.nama)  # from the registry
    with office_db.sessions() as session:
        batch = session.get(ImportBatch, result.batch_id)
        assert (batch.kind, batch.source_label) == ("dtks", "DTSEN")


def test_a_kk_not_in_the_registry_is_a_refused_row_with_file_row_and_field(
    office_db, operator, registry, tmp_path
):
    unknown_kk = "7501010101990001"
    path = write_csv(
        tmp_path / "keluarga.csv",
        [
            family_row(KAYUBULAN[0], 3, 2, 4),
            {"nomor_kartu_keluarga": unknown_kk, "desil_nasional": "2", "desil_provinsi": "2"},
        ],
        FAMILY_HEADERS,
        delimiter="|",
    )
    _plan, preview, _result = import_file(office_db, operator, path)
    assert preview.refused_rows == 1 and preview.added == 3
    [issue] = [i for i in preview.issues if i.code == "kk_tak_terdaftar"]
    assert (issue.source, issue.row_number, issue.field, issue.value) == (
        "keluarga.csv",
        3,
        "no_kk",
        unknown_kk,
    )
    assert unknown_kk in issue.message and "Impor dulu ekstrak Dukcapil" in issue.message


def test_a_kk_twice_in_the_file_is_refused_on_both_rows(office_db, operator, registry, tmp_path):
    path = write_csv(
        tmp_path / "keluarga.csv",
        [
            family_row(KAYUBULAN[0], 3, 2, 4),
            family_row(KAYUBULAN[1], 5, 5, 5),
            family_row(KAYUBULAN[0], 6, 6, 6),
        ],
        FAMILY_HEADERS,
    )
    job = RegistryImport(office_db, operator, "dtks", [path], source_label="DTSEN")
    job.inspect()
    preview = job.prepare()
    job.close()
    assert preview.refused_rows == 2 and preview.added == 3
    assert sorted((i.row_number, i.field) for i in preview.issues if i.code == "kunci_ganda") == [
        (2, "no_kk"),
        (4, "no_kk"),
    ]


def test_a_kk_living_outside_the_operators_kecamatan_is_refused_not_attached(
    office_db, kecamatan_operator, operator, registry, tmp_path
):
    """The kecamatan operator works in Limboto (750101); Bulila is in Telaga."""
    path = write_csv(
        tmp_path / "keluarga.csv",
        [family_row(KAYUBULAN[0], 3, 2, 4), family_row(BULILA[0], 7, 6, 5)],
        FAMILY_HEADERS,
    )
    _plan, preview, _result = import_file(office_db, kecamatan_operator, path)
    assert [(i.row_number, i.code) for i in preview.issues] == [(3, "kk_luar_wilayah")]
    assert set(dtks_of(office_db)) == {p.nik for p in KAYUBULAN[0]}


def test_a_bad_desil_in_a_family_row_is_refused_with_its_column(office_db, operator, registry, tmp_path):
    path = write_csv(tmp_path / "keluarga.csv", [family_row(KAYUBULAN[0], 3, 11, 4)], FAMILY_HEADERS)
    job = RegistryImport(office_db, operator, "dtks", [path], source_label="DTSEN")
    job.inspect()
    preview = job.prepare()
    job.close()
    assert [(i.row_number, i.field, i.code) for i in preview.issues] == [
        (2, "desil_provinsi", "desil_tak_valid")
    ]


def test_a_newer_family_file_changes_the_members_desil_and_marks_a_family_gone(
    office_db, operator, registry, tmp_path
):
    first = write_csv(
        tmp_path / "keluarga1.csv",
        [family_row(KAYUBULAN[0], 3, 2, 4), family_row(KAYUBULAN[1], 5, 5, 5)],
        FAMILY_HEADERS,
    )
    import_file(office_db, operator, first)
    second = write_csv(tmp_path / "keluarga2.csv", [family_row(KAYUBULAN[0], 6, 6, 7)], FAMILY_HEADERS)
    _plan, preview, _result = import_file(office_db, operator, second)
    assert (preview.changed, preview.gone) == (3, 3)
    records = dtks_of(office_db)
    assert {nik: r[1:4] for nik, r in records.items()} == {p.nik: (6, 6, 7) for p in KAYUBULAN[0]}


def test_a_family_file_offered_as_a_dukcapil_extract_says_where_it_belongs(office_db, operator, tmp_path):
    path = write_csv(tmp_path / "keluarga.csv", [family_row(KAYUBULAN[0], 3, 2, 4)], FAMILY_HEADERS)
    with pytest.raises(DomainError) as refused:
        RegistryImport(office_db, operator, "dukcapil", [path]).inspect()
    assert "Impor DTKS/DTSEN" in str(refused.value) and "keluarga.csv" in str(refused.value)


def test_person_page_tells_the_family_and_its_desil_levels(office_db, operator, registry, tmp_path):
    path = write_csv(tmp_path / "keluarga.csv", [family_row(KAYUBULAN[0], 3, 2, 4)], FAMILY_HEADERS)
    import_file(office_db, operator, path)
    with office_db.sessions() as session:
        person_id = session.scalar(select(Person.id).where(Person.nik == KAYUBULAN[0][2].nik))
    [status] = person_detail(office_db.unit_of_work(), operator, person_id).dtks
    assert (status.source, status.desil, status.desil_provinsi, status.desil_kabupaten_kota) == (
        "DTSEN",
        3,
        2,
        4,
    )
    assert status.from_family_kk == KAYUBULAN[0][0].no_kk


def test_members_listed_by_a_member_extract_keep_their_record_and_get_the_familys_desil(
    office_db, operator, registry, tmp_path
):
    members = [
        {
            "id_dtks": f"DT{i:05d}",
            "nik": p.nik,
            "no_kk": p.no_kk,
            "nama": p.nama,
            "kode_desa": p.kode_desa,
            "desil": "5",
        }
        for i, p in enumerate(KAYUBULAN[0])
    ]
    import_file(
        office_db,
        operator,
        write_csv(tmp_path / "dtks.csv", members, ["id_dtks", "nik", "no_kk", "nama", "kode_desa", "desil"]),
        source="DTKS",
    )
    path = write_csv(tmp_path / "keluarga.csv", [family_row(KAYUBULAN[0], 3, 2, 4)], FAMILY_HEADERS)
    _plan, preview, _result = import_file(office_db, operator, path)
    assert (preview.added, preview.changed, preview.gone) == (0, 3, 0)
    with office_db.sessions() as session:
        records = session.scalars(select(DtksRecord).order_by(DtksRecord.id_dtks)).all()
        assert [(r.id_dtks, r.desil, r.desil_provinsi) for r in records] == [
            ("DT00000", 3, 2),
            ("DT00001", 3, 2),
            ("DT00002", 3, 2),
        ]
