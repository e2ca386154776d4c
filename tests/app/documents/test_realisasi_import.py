"""Importing a bank's or post office's realisasi list: Indonesian amounts read right, bad rows named by
file, row and field, people outside the SK refused unless kept for checking, one transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.documents.realisasi_import import RealisasiImport
from app.errors import DomainError, Forbidden, NotFound
from app.registry.issues import Severity
from db.models import AidRecipient, AuditEntry, Realisasi
from tests.app.documents.conftest import DEAD, HEADS, NOT_IN_SK
from tests.app.screening.test_programs import make_outsider
from tests.factories import write_csv, write_xlsx

BANK_HEADERS = ["NO", "NIK", "NAMA PENERIMA", "TANGGAL SALUR", "NOMINAL", "KETERANGAN"]


def bank_row(person, nominal="300.000", tanggal="05-03-2026", no=1) -> dict:
    return {
        "NO": str(no),
        "NIK": person.nik,
        "NAMA PENERIMA": person.nama,
        "TANGGAL SALUR": tanggal,
        "NOMINAL": nominal,
        "KETERANGAN": "SUKSES",
    }


def import_bank_list_with_problems(db, user, sk_id: int, folder) -> None:
    """A bank's list with one of each problem: HEADS[0] twice, HEADS[2] above the SK's value, DEAD after
    death, NOT_IN_SK outside the SK (kept for checking)."""
    rows = [
        bank_row(HEADS[0]),
        bank_row(HEADS[0], tanggal="05-04-2026"),
        bank_row(HEADS[2], nominal="450.000"),
        bank_row(DEAD, tanggal="20-03-2026"),
        bank_row(NOT_IN_SK, nominal="300.000"),
    ]
    job = RealisasiImport(
        db, user, sk_id, [write_csv(folder / "bank.csv", rows, BANK_HEADERS)], keep_outside_sk=True
    )
    job.inspect()
    job.prepare()
    job.commit()


def importer(db, user, sk_id, path, **options) -> RealisasiImport:
    job = RealisasiImport(db, user, sk_id, [path], **options)
    job.inspect()
    return job


def count(db, model, *where) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_bank_list_with_indonesian_amounts_is_imported_whole(office_db, operator, final_sk, tmp_path):
    amounts = ["300.000", "Rp 300.000,00", "300000", "300,000.00", "Rp. 300.000,-"]
    rows = [bank_row(p, a, no=n) for n, (p, a) in enumerate(zip(HEADS, amounts, strict=False), 1)]
    job = importer(office_db, operator, final_sk.id, write_xlsx(tmp_path / "bank.xlsx", rows, BANK_HEADERS))
    assert job.plan.mapping == {
        "nik": "NIK",
        "nama": "NAMA PENERIMA",
        "tanggal": "TANGGAL SALUR",
        "nilai": "NOMINAL",
    }
    preview = job.prepare()
    assert (preview.rows_read, preview.rows_accepted, preview.rows_refused) == (5, 5, 0)
    assert preview.total_nilai == 5 * 300_000
    result = job.commit()
    assert result.rows == 5
    with office_db.sessions() as session:
        stored = session.scalars(select(Realisasi).order_by(Realisasi.id)).all()
        assert {r.nilai for r in stored} == {300_000}
        assert {r.saluran for r in stored} == {"bank"}
        assert all(r.sk_penerima_id and r.person_id for r in stored)
        assert stored[0].tanggal == date(2026, 3, 5)
        assert stored[0].sumber.endswith("baris 2")
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "realisasi.import")).one()
        assert entry.after["accepted"] == 5
    assert count(office_db, AidRecipient, AidRecipient.source == "realisasi") == 5


def test_jumlah_alone_is_the_amount_and_beside_a_value_column_the_quantity(
    office_db, operator, final_sk, tmp_path
):
    alone = write_csv(tmp_path / "pos.csv", [{"NIK": HEADS[0].nik, "TGL SALUR": "2026-03-05", "JUMLAH": "300.000"}],
                      ["NIK", "TGL SALUR", "JUMLAH"])  # fmt: skip
    assert importer(office_db, operator, final_sk.id, alone).plan.mapping["nilai"] == "JUMLAH"
    both = write_csv(tmp_path / "natura.csv", [], ["NIK", "TANGGAL", "NILAI", "JUMLAH", "SATUAN"])
    mapping = importer(office_db, operator, final_sk.id, both).plan.mapping
    assert (mapping["nilai"], mapping["jumlah_fisik"], mapping["satuan"]) == ("NILAI", "JUMLAH", "SATUAN")


def test_bad_rows_are_named_by_file_row_and_field_and_the_rest_imported(
    office_db, operator, final_sk, tmp_path
):
    rows = [
        bank_row(HEADS[0]),
        bank_row(HEADS[1]) | {"NIK": "750101123"},
        bank_row(HEADS[2], tanggal="31-02-2026"),
        bank_row(HEADS[3], nominal="tiga ratus ribu"),
        bank_row(HEADS[4], nominal="-300.000"),
        bank_row(HEADS[5], nominal="300.000,50"),
    ]
    path = write_csv(tmp_path / "bank.csv", rows, BANK_HEADERS, delimiter=";")
    job = importer(office_db, operator, final_sk.id, path)
    preview = job.prepare()
    assert (preview.rows_accepted, preview.rows_refused) == (1, 5)
    where = {(i.row_number, i.field, i.code) for i in preview.issues}
    assert where == {
        (3, "nik", "nik_salah"),
        (4, "tanggal", "tanggal_tak_terbaca"),
        (5, "nilai", "angka_tak_terbaca"),
        (6, "nilai", "angka_negatif"),
        (7, "nilai", "rupiah_pecahan"),
    }
    assert all(i.source == "bank.csv" for i in preview.issues)
    message = next(i.message for i in preview.issues if i.code == "angka_tak_terbaca")
    assert 'Kolom Nilai (rupiah): "tiga ratus ribu" bukan angka' in message
    job.commit()
    assert count(office_db, Realisasi) == 1


def test_an_ambiguous_quantity_is_refused_with_a_message_not_guessed(office_db, operator, final_sk, tmp_path):
    headers = ["NIK", "TANGGAL", "JUMLAH FISIK", "SATUAN"]
    rows = [{"NIK": HEADS[0].nik, "TANGGAL": "05-03-2026", "JUMLAH FISIK": "1.500", "SATUAN": "kg"}]
    preview = importer(
        office_db, operator, final_sk.id, write_csv(tmp_path / "beras.csv", rows, headers)
    ).prepare()
    (issue,) = preview.issues
    assert (issue.row_number, issue.field, issue.code) == (2, "jumlah_fisik", "angka_rancu")
    assert "bisa berarti ribuan atau pecahan" in issue.message
    # The same value beside an unambiguous decimal comma in the column is read as Indonesian: 1500 kg.
    rows.append({"NIK": HEADS[1].nik, "TANGGAL": "05-03-2026", "JUMLAH FISIK": "10,5", "SATUAN": "kg"})
    job = importer(office_db, operator, final_sk.id, write_csv(tmp_path / "beras2.csv", rows, headers))
    assert job.prepare().rows_refused == 0
    job.commit()
    with office_db.sessions() as session:
        assert sorted(session.scalars(select(Realisasi.jumlah_fisik))) == [10.5, 1500.0]


def test_a_person_not_in_the_sk_refuses_the_whole_file_unless_kept_for_checking(
    office_db, operator, final_sk, tmp_path
):
    path = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0]), bank_row(NOT_IN_SK)], BANK_HEADERS)
    job = importer(office_db, operator, final_sk.id, path)
    preview = job.prepare()
    assert preview.outside_sk == 1 and preview.blocked
    (issue,) = [i for i in preview.issues if i.code == "di_luar_sk"]
    assert (issue.row_number, issue.field, issue.severity) == (3, "nik", Severity.REFUSED)
    with pytest.raises(
        DomainError, match=r"1 baris penerima yang tidak tercantum dalam SK .*bank.csv baris 3"
    ):
        job.commit()
    assert count(office_db, Realisasi) == 0
    kept = importer(office_db, operator, final_sk.id, path, keep_outside_sk=True)
    assert not kept.prepare().blocked
    kept.commit()
    with office_db.sessions() as session:
        outside = session.scalars(select(Realisasi).where(Realisasi.nik == NOT_IN_SK.nik)).one()
        assert outside.sk_penerima_id is None and outside.person_id is not None
        assert outside.kode_desa == NOT_IN_SK.kode_desa


def test_served_twice_above_the_sk_value_and_after_death_are_imported_and_flagged(
    office_db, operator, final_sk, tmp_path
):
    rows = [
        bank_row(HEADS[0]),
        bank_row(HEADS[0], tanggal="05-04-2026"),
        bank_row(HEADS[2], nominal="450.000"),
        bank_row(DEAD, tanggal="20-03-2026"),
    ]
    job = importer(office_db, operator, final_sk.id, write_csv(tmp_path / "bank.csv", rows, BANK_HEADERS))
    preview = job.prepare()
    assert (preview.rows_accepted, preview.rows_flagged, preview.rows_refused) == (4, 3, 0)
    codes = {(i.row_number, i.code) for i in preview.issues}
    assert codes == {(3, "ganda"), (4, "melebihi_nilai"), (5, "setelah_meninggal")}
    death = next(i.message for i in preview.issues if i.code == "setelah_meninggal")
    assert "meninggal pada 10-03-2026, sebelum tanggal salur 20-03-2026" in death
    job.commit()
    assert count(office_db, Realisasi) == 4


def test_the_same_file_twice_is_refused(office_db, operator, final_sk, tmp_path):
    path = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0])], BANK_HEADERS)
    job = importer(office_db, operator, final_sk.id, path)
    job.prepare()
    job.commit()
    with pytest.raises(DomainError, match="sudah pernah diimpor sebagai realisasi SK"):
        importer(office_db, operator, final_sk.id, path)
    assert count(office_db, Realisasi) == 1


def test_a_file_without_a_date_column_is_refused_naming_its_columns(office_db, operator, final_sk, tmp_path):
    path = write_csv(tmp_path / "bank.csv", [{"NIK": HEADS[0].nik, "NOMINAL": "1"}], ["NIK", "NOMINAL"])
    with pytest.raises(
        DomainError, match=r"bank.csv tidak memiliki kolom Tanggal salur\. Kolom di berkas: NIK, NOMINAL"
    ):
        importer(office_db, operator, final_sk.id, path).prepare()


def test_an_sk_that_does_not_exist_is_refused_before_reading(office_db, operator, final_sk, tmp_path):
    with pytest.raises(NotFound, match="SK #404 tidak ditemukan"):
        RealisasiImport(office_db, operator, 404, [tmp_path / "tidak-ada.csv"])


def test_a_guest_and_another_kabupatens_operator_are_refused(office_db, admin, guest, final_sk, tmp_path):
    path = write_csv(tmp_path / "bank.csv", [bank_row(HEADS[0])], BANK_HEADERS)
    with pytest.raises(Forbidden):
        RealisasiImport(office_db, guest, final_sk.id, [path])
    with pytest.raises(Forbidden, match="di luar wilayah kerja"):
        RealisasiImport(office_db, make_outsider(office_db, admin), final_sk.id, [path])


def test_a_kecamatan_operator_imports_only_their_kecamatans_rows(
    office_db, kecamatan_operator, final_sk, tmp_path
):
    rows = [bank_row(HEADS[0]), bank_row(HEADS[-1])]  # Limboto, Telaga
    job = importer(
        office_db, kecamatan_operator, final_sk.id, write_csv(tmp_path / "bank.csv", rows, BANK_HEADERS)
    )
    preview = job.prepare()
    assert [(i.row_number, i.code) for i in preview.issues] == [(3, "luar_wilayah")]
    job.commit()
    with office_db.sessions() as session:
        assert list(session.scalars(select(Realisasi.nik))) == [HEADS[0].nik]
