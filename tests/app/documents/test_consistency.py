"""Consistency of realisasi with the SK (Pergub 52/2020 Pasal 7 ayat 2 huruf c): each problem listed with
its evidence and a sentence, for an SK or a program, in the user's region; exportable and audited."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.documents.consistency import ProblemKind, check_consistency, export_consistency
from app.documents.realisasi import RealisasiInput, record_realisasi
from app.errors import DomainError, Forbidden
from db.models import AuditEntry
from tests.app.documents.conftest import DEAD, HEADS, NOT_IN_SK, make_final_sk
from tests.app.documents.monitoring_data import build_monitoring_data
from tests.app.documents.test_realisasi_import import import_bank_list_with_problems
from tests.app.screening.test_programs import make_outsider


@pytest.fixture
def served(office_db, operator, final_sk, tmp_path):
    """HEADS[0] twice, HEADS[2] above the SK's value, DEAD (HEADS[1]) after death, NOT_IN_SK outside the
    SK; HEADS[3] (Limboto), HEADS[4] and HEADS[5] (Telaga) never served."""
    import_bank_list_with_problems(office_db, operator, final_sk.id, tmp_path)
    return final_sk


def by_kind(report) -> dict[ProblemKind, list[str]]:
    found: dict[ProblemKind, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.kind, []).append(problem.nik)
    return found


def test_every_kind_of_problem_is_found_for_an_sk(office_db, operator, served):
    report = check_consistency(office_db, operator, sk_id=served.id)
    found = {kind: sorted(niks) for kind, niks in by_kind(report).items()}
    assert found == {
        ProblemKind.DI_LUAR_SK: [NOT_IN_SK.nik],
        ProblemKind.TIDAK_DISALURKAN: sorted(p.nik for p in HEADS[3:]),
        ProblemKind.MELEBIHI_NILAI: sorted([HEADS[0].nik, HEADS[2].nik]),
        ProblemKind.GANDA: [HEADS[0].nik],
        ProblemKind.SETELAH_MENINGGAL: [DEAD.nik],
    }
    assert (report.recipients, report.served, report.realisasi_rows) == (6, 3, 5)


def test_each_problem_carries_its_evidence_and_a_sentence(office_db, operator, served):
    report = check_consistency(office_db, operator, sk_id=served.id)
    dead = next(p for p in report.problems if p.kind is ProblemKind.SETELAH_MENINGGAL)
    assert dead.sentence == (
        f"{DEAD.nama} ({DEAD.nik}) tercatat meninggal pada 10-03-2026, tetapi disalurkan pada 20-03-2026."
    )
    assert [e.kind for e in dead.evidence] == ["meninggal", "realisasi"]
    assert "Realisasi 20-03-2026: Rp 300.000, bank; bank.csv baris 5" == dead.evidence[1].text
    twice = next(p for p in report.problems if p.kind is ProblemKind.GANDA)
    assert "2 kali: 05-03-2026, 05-04-2026" in twice.sentence
    above = next(p for p in report.problems if p.kind is ProblemKind.MELEBIHI_NILAI and p.nik == HEADS[2].nik)
    assert "menerima Rp 450.000 seluruhnya, melebihi Rp 300.000" in above.sentence
    assert [e.kind for e in above.evidence] == ["sk", "realisasi"]
    never = next(p for p in report.problems if p.kind is ProblemKind.TIDAK_DISALURKAN)
    assert "belum tercatat menerima" in never.sentence and never.evidence[0].text.startswith("SK 400/DINSOS")


def test_a_program_check_sees_a_person_served_under_one_sk_and_named_in_another(
    office_db, operator, final_sk, program
):
    second = make_final_sk(office_db, operator, program.id, [NOT_IN_SK], nomor="401/DINSOS/12/2026")
    record_realisasi(
        office_db, operator, second.id, RealisasiInput(NOT_IN_SK.nik, date(2026, 3, 5), 300_000, "pos")
    )
    for_sk = check_consistency(office_db, operator, sk_id=final_sk.id)
    assert ProblemKind.DI_LUAR_SK not in by_kind(for_sk)
    for_program = check_consistency(office_db, operator, program_id=program.id)
    assert for_program.sk_count == 2 and for_program.recipients == 7
    assert NOT_IN_SK.nik not in by_kind(for_program).get(ProblemKind.DI_LUAR_SK, [])
    assert for_program.count(ProblemKind.TIDAK_DISALURKAN) == 6


def test_a_kecamatan_operator_sees_the_problems_of_their_kecamatan_only(
    office_db, kecamatan_operator, served
):
    report = check_consistency(office_db, kecamatan_operator, sk_id=served.id)
    assert {p.kode_desa[:6] for p in report.problems} == {"750101"}
    assert report.count(ProblemKind.TIDAK_DISALURKAN) == 1  # HEADS[3]; the other two live in Telaga


def test_a_guest_and_another_kabupatens_operator_are_refused(office_db, admin, guest, served, tmp_path):
    with pytest.raises(Forbidden):
        check_consistency(office_db, guest, sk_id=served.id)
    outsider = make_outsider(office_db, admin)
    with pytest.raises(Forbidden):
        check_consistency(office_db, outsider, sk_id=served.id)
    with pytest.raises(Forbidden):
        export_consistency(office_db, outsider, tmp_path / "x.xlsx", sk_id=served.id)
    assert not (tmp_path / "x.xlsx").exists()


def test_one_sk_or_one_program_must_be_chosen(office_db, operator, served):
    with pytest.raises(DomainError, match="Pilih satu SK atau satu program"):
        check_consistency(office_db, operator)


def test_the_export_lists_problems_with_evidence_and_is_audited(office_db, operator, served, tmp_path):
    path = tmp_path / "konsistensi.xlsx"
    count = export_consistency(office_db, operator, path, sk_id=served.id)
    assert count == 8
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Masalah", "NIK", "Nama", "Kode desa", "Keterangan", "Bukti")
    dead = next(r for r in rows if r[1] == DEAD.nik)
    assert dead[0] == "Disalurkan setelah meninggal" and "Registri: meninggal 10-03-2026" in dead[5]
    csv_path = tmp_path / "konsistensi.csv"
    assert export_consistency(office_db, operator, csv_path, sk_id=served.id) == 8
    assert NOT_IN_SK.nik in csv_path.read_text(encoding="utf-8-sig")
    with office_db.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("export.%"))))
    assert actions == ["export.realisasi_consistency"] * 2


def test_a_programs_check_reads_the_amending_sk_not_the_one_it_amended(office_db, operator):
    # PKH: SK 400/10 named P1 and P2; SK 400/11 amended it, naming P1 only. Nobody was served.
    data = build_monitoring_data(office_db, operator)
    report = check_consistency(office_db, operator, program_id=data.pkh)
    assert report.sk_count == 1
    assert by_kind(report) == {ProblemKind.TIDAK_DISALURKAN: [data.niks["P1"]]}
