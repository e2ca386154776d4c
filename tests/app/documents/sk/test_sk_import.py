"""SKs issued elsewhere (Pergub 52/2020 Lampiran I–II: "Input/import SK Penetapan ... By Name, By address, By NIK")
are imported as final SKs, matched to the registry by the screening engine, and become recipients."""

from __future__ import annotations

import pytest

from app.documents import sk as sk_service
from app.documents.sk_import import import_sk
from app.errors import DomainError, Forbidden
from db.models import AidRecipient, ProposalList, SkPenetapan
from tests.app.documents.sk.conftest import count, screened_list
from tests.app.screening.test_engine import (
    LIMBOTO,
    NOT_REGISTERED,
    TELAGA,
    by_baris,
    proposal,
    write_proposals,
)

HEADER = {"nomor": "01/KEP/MENSOS/2025", "tanggal": "02-01-2025", "instansi": "Kementerian Sosial RI"}


@pytest.fixture
def sk_file(tmp_path):
    rows = [
        proposal(LIMBOTO[0]),  # by NIK
        proposal(TELAGA[0], NIK=""),  # by name, birth date and address
        NOT_REGISTERED,  # nobody in the registry
    ]
    return write_proposals(tmp_path / "sk_kemensos.csv", rows)


def test_an_imported_sk_is_final_and_its_rows_are_recipients(office_db, operator, program, sk_file, tmp_path):
    result = import_sk(office_db, operator, program.id, sk_file, HEADER)
    summary = result.sk.summary
    assert (summary.status, summary.asal, summary.nomor, summary.penerima) == (
        "final",
        "impor",
        HEADER["nomor"],
        3,
    )
    assert len(summary.hash_isi) == 64
    assert (result.rows, result.matched, result.unmatched) == (3, 2, (4,))
    with office_db.sessions() as session:
        assert session.get(ProposalList, result.list_id).status == "in_sk"
        niks = {r.nik for r in session.query(AidRecipient).filter_by(sk_id=summary.id)}
    assert niks == {LIMBOTO[0].nik, TELAGA[0].nik, NOT_REGISTERED["NIK"]}
    later = screened_list(office_db, operator, tmp_path, [proposal(TELAGA[0])], program.id, "usulan_apbd")
    assert "SUDAH_MENERIMA" in by_baris(office_db, operator, later)[2].tanda


def test_a_file_with_refused_rows_is_refused_whole_naming_row_and_field(
    office_db, operator, program, tmp_path
):
    rows = [
        proposal(LIMBOTO[0]),
        {"NIK": "", "Nama": "", "Alamat": "Dusun III", "Kode Desa": LIMBOTO[0].kode_desa},
    ]
    path = write_proposals(tmp_path / "sk_rusak.csv", rows)
    with pytest.raises(DomainError, match=r"sk_rusak.csv baris 3, kolom") as refused:
        import_sk(office_db, operator, program.id, path, HEADER)
    assert "Perbaiki di berkas lalu impor ulang" in str(refused.value)
    assert count(office_db, SkPenetapan) == 0 and count(office_db, ProposalList) == 0
    assert count(office_db, AidRecipient) == 0


def test_an_import_needs_a_number_and_a_date(office_db, operator, program, sk_file):
    with pytest.raises(DomainError, match="Isi nomor dan tanggal SK"):
        import_sk(office_db, operator, program.id, sk_file, {"nomor": "01/KEP/2025"})
    assert count(office_db, ProposalList) == 0


def test_an_imported_number_already_used_that_year_is_refused(
    office_db, operator, program, sk_file, tmp_path
):
    import_sk(office_db, operator, program.id, sk_file, HEADER)
    other = write_proposals(tmp_path / "sk_lain.csv", [proposal(TELAGA[3])])
    with pytest.raises(DomainError, match="sudah dipakai pada tahun 2025"):
        import_sk(office_db, operator, program.id, other, HEADER)
    assert count(office_db, SkPenetapan) == 1 and count(office_db, ProposalList) == 1
    assert len(sk_service.list_sks(office_db, operator, program.id)) == 1


def test_a_guest_and_an_operator_of_another_region_cannot_import(office_db, guest, admin, program, sk_file):
    from tests.app.screening.test_programs import make_outsider

    for user in (guest, make_outsider(office_db, admin)):
        with pytest.raises(Forbidden):
            import_sk(office_db, user, program.id, sk_file, HEADER)
    assert count(office_db, SkPenetapan) == 0
