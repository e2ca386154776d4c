"""Monitoring figures (Pergub 52/2020 Pasal 7 ayat 2) on a dataset counted by hand (monitoring_data.py)."""

from __future__ import annotations

import pytest

from app.auth.users import login
from app.documents.consistency import ProblemKind, check_consistency
from app.documents.monitoring import Accuracy, Consistency, Semester, monitoring_figures
from app.documents.realisasi_import import RealisasiImport
from app.documents.sk import list_sks
from app.errors import DomainError, Forbidden, NotFound
from tests.app.documents.monitoring_data import LIMBOTO, TELAGA
from tests.app.screening.test_programs import make_outsider
from tests.conftest import USER_PASSWORD
from tests.factories import DESA_LIMBOTO, write_csv


@pytest.fixture
def office_db(monitoring_copy):
    return monitoring_copy[0]


@pytest.fixture
def operator(office_db):
    return login(office_db.unit_of_work(), "operator", USER_PASSWORD)


@pytest.fixture
def data(monitoring_copy):
    return monitoring_copy[1]


def rows_by_region(report, program_id):
    return {row.kode_wilayah: row.figures for row in report.program_rows(program_id)}


def desil(**counts):
    return tuple(counts.get(f"d{n}", 0) for n in range(1, 11))


def test_semester_is_read_as_year_and_half():
    first, second = Semester.parse("2026-1"), Semester.parse(" 2026/2 ")
    assert (first.start.isoformat(), first.end.isoformat(), first.roman) == ("2026-01-01", "2026-06-30", "I")
    assert (second.start.isoformat(), second.end.isoformat(), second.code) == (
        "2026-07-01",
        "2026-12-31",
        "2026-2",
    )


@pytest.mark.parametrize("value", ["2026", "2026-3", "26-1", "semester 1", ""])
def test_unknown_semester_is_refused_saying_how_to_write_it(value):
    with pytest.raises(DomainError, match="TAHUN-1"):
        Semester.parse(value)


def test_target_and_achievement_per_kecamatan_pasal_7_ayat_2_a(office_db, operator, data):
    report = monitoring_figures(office_db, operator, "2026-1")
    assert [p.nama for p in report.programs] == ["PKH Daerah", "Sembako Lansia"]  # not the 2025 program
    assert report.group_length == 6
    sembako = rows_by_region(report, data.sembako)
    limboto, telaga = sembako[LIMBOTO], sembako[TELAGA]
    # The SK's row outside the quota (P7) and the draft SK do not count as target.
    assert (limboto.kuota, limboto.target_penerima, limboto.target_nilai) == (6, 4, 1_200_000)
    assert (limboto.tersalur_penerima, limboto.tersalur_nilai, limboto.tersalur_fisik) == (3, 1_100_000, 3)
    assert limboto.persen_penerima == 75.0
    assert (telaga.kuota, telaga.target_penerima, telaga.tersalur_penerima, telaga.tersalur_nilai) == (
        4,
        2,
        2,
        900_000,
    )
    assert telaga.tersalur_fisik == 3  # P5 twice, P7 once; P6 only in July
    program_total = report.program_total(data.sembako)
    assert (program_total.kuota, program_total.target_penerima, program_total.tersalur_penerima) == (10, 6, 5)


def test_achievement_is_cumulative_over_the_year_and_the_semester_is_counted_apart(office_db, operator, data):
    telaga = rows_by_region(monitoring_figures(office_db, operator, "2026-2"), data.sembako)[TELAGA]
    assert (telaga.tersalur_penerima, telaga.tersalur_semester, telaga.tersalur_nilai) == (3, 1, 1_200_000)
    assert telaga.konsistensi.tidak_tersalur == 0


def test_targeting_accuracy_by_desil_and_registry_status_pasal_7_ayat_2_b(office_db, operator, data):
    sembako = rows_by_region(monitoring_figures(office_db, operator, "2026-1"), data.sembako)
    assert sembako[LIMBOTO].ketepatan_sk == Accuracy(4, desil(d1=1, d2=1, d3=1), 0, 1, 1, 1)
    assert sembako[LIMBOTO].ketepatan_realisasi == Accuracy(3, desil(d1=1, d2=1, d3=1), 0, 0, 1, 0)
    assert sembako[TELAGA].ketepatan_sk == Accuracy(2, desil(d7=1), 1, 0, 0, 0)
    assert sembako[TELAGA].ketepatan_realisasi == Accuracy(2, desil(), 1, 1, 0, 0)
    assert sembako[LIMBOTO].ketepatan_sk.persen_dtks == 75.0


def test_accuracy_reads_the_desil_at_the_programs_level_and_an_amended_sk_no_longer_counts(
    office_db, operator, data
):
    report = monitoring_figures(office_db, operator, "2026-1")
    pkh = rows_by_region(report, data.pkh)
    # Only the amending SK's P1 (provincial desil 2, national 1); the amended SK also named P2.
    assert list(pkh) == [LIMBOTO]
    assert pkh[LIMBOTO].ketepatan_sk == Accuracy(1, desil(d2=1), 0, 0, 0, 0)
    assert (pkh[LIMBOTO].target_penerima, pkh[LIMBOTO].kuota) == (1, None)
    assert report.program_total(data.pkh).kuota == 5


def test_sk_realisasi_consistency_counts_pasal_7_ayat_2_c(office_db, operator, data):
    sembako = rows_by_region(monitoring_figures(office_db, operator, "2026-1"), data.sembako)
    assert sembako[LIMBOTO].konsistensi == Consistency(
        tidak_di_sk=0, tidak_tersalur=1, melebihi_sk=1, ganda=0, setelah_meninggal=1
    )
    assert sembako[TELAGA].konsistensi == Consistency(
        tidak_di_sk=1, tidak_tersalur=1, melebihi_sk=1, ganda=1, setelah_meninggal=0
    )


def test_filters_by_program_and_funding_source(office_db, operator, data):
    assert [p.id for p in monitoring_figures(office_db, operator, "2026-1", sumber_dana="APBN").programs] == [
        data.pkh
    ]
    only = monitoring_figures(office_db, operator, "2026-1", program_id=data.sembako)
    assert {row.program_id for row in only.rows} == {data.sembako}
    with pytest.raises(NotFound):
        monitoring_figures(office_db, operator, "2027-1", program_id=data.sembako)


def test_region_totals_sum_the_programs_and_the_grand_total_the_program_quotas(office_db, operator, data):
    report = monitoring_figures(office_db, operator, "2026-1")
    limboto = {row.kode_wilayah: row.figures for row in report.region_totals()}[LIMBOTO]
    assert (limboto.target_penerima, limboto.tersalur_penerima) == (5, 3)
    assert (report.total.kuota, report.total.target_penerima, report.total.tersalur_nilai) == (
        15,
        7,
        2_000_000,
    )


def test_province_scope_groups_by_kabupaten(office_db, operator, data):
    report = monitoring_figures(office_db, operator, "2026-1", group_length=4)
    assert {row.kode_wilayah for row in report.rows} == {"7501"}
    assert rows_by_region(report, data.sembako)["7501"].target_penerima == 6


def test_kecamatan_operator_sees_only_their_kecamatan_by_desa(office_db, kecamatan_operator, data):
    report = monitoring_figures(office_db, kecamatan_operator, "2026-1")
    assert report.kode_wilayah == LIMBOTO and report.group_length == 10
    assert {row.kode_wilayah for row in report.rows} == {DESA_LIMBOTO}
    assert report.program_total(data.sembako).kuota == 6  # the kecamatan's own quota
    assert report.total.target_penerima == 5  # 4 Sembako + 1 PKH, none of Telaga


def test_a_wider_region_asked_by_a_kecamatan_operator_is_narrowed_to_theirs(
    office_db, kecamatan_operator, data
):
    report = monitoring_figures(office_db, kecamatan_operator, "2026-1", region="7501")
    assert report.kode_wilayah == LIMBOTO


def test_guest_sees_the_aggregates_of_their_region(office_db, guest, data):
    assert monitoring_figures(office_db, guest, "2026-1").total.target_penerima == 7


def test_operator_of_another_kabupaten_sees_nothing_and_is_refused_this_one(office_db, admin, data):
    boalemo = make_outsider(office_db, admin)
    assert monitoring_figures(office_db, boalemo, "2026-1").rows == ()
    with pytest.raises(Forbidden):
        monitoring_figures(office_db, boalemo, "2026-1", region="7501")
    with pytest.raises(NotFound):
        monitoring_figures(office_db, boalemo, "2026-1", program_id=data.sembako)


def served_outside_the_sk(db, operator, data, tmp_path) -> None:
    sk_id = next(s.id for s in list_sks(db, operator, data.sembako) if s.nomor == "400/01/2026")
    row = {"NIK": data.niks["P7"], "TANGGAL SALUR": "02-04-2026", "NOMINAL": "300.000", "SALURAN": "pos"}
    path = write_csv(tmp_path / "pos_april.csv", [row], list(row))
    job = RealisasiImport(db, operator, sk_id, [path], keep_outside_sk=True)
    job.inspect()
    job.prepare()
    job.commit()


def consistency_of(report) -> Consistency:
    counts = report.counts()
    return Consistency(
        tidak_di_sk=counts[ProblemKind.DI_LUAR_SK],
        tidak_tersalur=counts[ProblemKind.TIDAK_DISALURKAN],
        melebihi_sk=counts[ProblemKind.MELEBIHI_NILAI],
        ganda=counts[ProblemKind.GANDA],
        setelah_meninggal=counts[ProblemKind.SETELAH_MENINGGAL],
    )


@pytest.mark.parametrize("user_fixture", ["operator", "kecamatan_operator"])
def test_dashboard_consistency_counts_are_the_consistency_checks_counts(
    office_db, operator, data, request, user_fixture, tmp_path
):
    # One definition of each disagreement (Pasal 7 ayat 2 c): the dashboard and the semester report count the
    # very problems the consistency list shows, program by program and in the user's own region. P7, whom the
    # final SK does not name, is served a second time: twice, yet counted as "not in the SK" only.
    served_outside_the_sk(office_db, operator, data, tmp_path)
    user = request.getfixturevalue(user_fixture)
    report = monitoring_figures(office_db, user, "2026-2")  # the whole year: every SK and realisasi row
    for program_id in (data.sembako, data.pkh):
        expected = consistency_of(check_consistency(office_db, user, program_id=program_id))
        assert report.program_total(program_id).konsistensi == expected
    assert report.total.konsistensi.jumlah > 0
