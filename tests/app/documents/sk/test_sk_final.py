"""Finalising an SK penetapan freezes it (its content hash is kept, its recipients become the program's), every
service then refuses to change it, and a correction is a new SK that amends it and replaces its recipients."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from app.documents import sk as sk_service
from app.documents import sk_final, sk_quota
from app.documents.sk_document import mask_nik, sk_document
from app.errors import DomainError, Forbidden
from app.screening import service
from app.screening.programs import delete_proposal_list
from app.screening.proposal_entry import add_proposal
from db.models import AidRecipient, Office, SkPenerima, SkPenetapan
from tests.app.documents.sk.conftest import SIGNED, audit, count, row_of, screened_list
from tests.app.screening.test_engine import LIMBOTO, TELAGA, by_baris, proposal
from tests.app.screening.test_programs import make_outsider


@pytest.fixture
def draft_id(office_db, operator, program, lists):
    sk_id = sk_service.draft_sk(office_db, operator, program.id, list(lists)).summary.id
    sk_service.update_sk(office_db, operator, sk_id, **SIGNED)
    return sk_id


@pytest.fixture
def final_id(office_db, operator, draft_id):
    sk_final.finalise_sk(office_db, operator, draft_id)
    return draft_id


def recipients(db, **where):
    with db.sessions() as session:
        query = select(AidRecipient).where(AidRecipient.deleted_at.is_(None))
        for name, value in where.items():
            query = query.where(getattr(AidRecipient, name) == value)
        return list(session.scalars(query))


def sk_state(db, sk_id):
    with db.sessions() as session:
        sk = session.get(SkPenetapan, sk_id)
        rows = session.scalars(select(SkPenerima).where(SkPenerima.sk_id == sk_id).order_by(SkPenerima.id))
        return (
            sk_service.audit_view(sk) | {"hash": sk.hash_isi, "deleted": sk.deleted_at},
            [(r.nik, r.masuk, r.urutan, r.nilai, r.alasan, r.deleted_at) for r in rows],
        )


def test_finalising_stores_the_hash_of_the_canonical_content(office_db, operator, draft_id):
    detail = sk_final.finalise_sk(office_db, operator, draft_id)
    assert detail.summary.status == "final" and detail.final_by == "operator"
    with office_db.sessions() as session:
        sk = session.get(SkPenetapan, draft_id)
        rows = sk_final.lampiran_rows(session, draft_id)
        content = json.loads(sk_final.canonical_content(sk, rows))
    assert content["sk"]["nomor"] == SIGNED["nomor"] and content["sk"]["tanggal"] == "2025-03-15"
    assert [r["urutan"] for r in content["penerima"]] == list(range(1, 7))
    expected = hashlib.sha256(sk_final.canonical_content(sk, rows).encode()).hexdigest()
    assert detail.summary.hash_isi == expected and len(expected) == 64
    assert sk_final.verify_hash(office_db, operator, draft_id)
    assert len(audit(office_db, "sk.finalise")) == 1


def test_the_recipients_of_a_final_sk_are_the_programs_recipients(office_db, operator, program, final_id):
    found = recipients(office_db, sk_id=final_id)
    assert len(found) == 6
    assert {(r.source, r.reference, r.tanggal.isoformat(), r.program_id) for r in found} == {
        ("sk", SIGNED["nomor"], "2025-03-15", program.id)
    }
    assert all(r.person_id for r in found)


def test_a_later_list_flags_the_recipients_of_a_final_sk_sudah_menerima(
    office_db, operator, program, final_id, tmp_path
):
    later = screened_list(
        office_db, operator, tmp_path, [proposal(LIMBOTO[0]), proposal(TELAGA[6])], program.id, "tahap2"
    )
    rows = by_baris(office_db, operator, later)
    assert "SUDAH_MENERIMA" in rows[2].tanda and rows[2].hasil == "TIDAK_LOLOS"
    assert SIGNED["nomor"] in rows[2].alasan
    assert "SUDAH_MENERIMA" not in rows[3].tanda


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"nomor": ""}, "Nomor SK belum diisi"),
        ({"tanggal": ""}, "Tanggal SK 400.9/DINSOS/12/2025 belum diisi"),
        ({"penandatangan_nip": ""}, "Penandatangan Drs. HAMZAH LIHAWA, M.Si belum memiliki NIP"),
    ],
)
def test_an_incomplete_sk_is_not_finalised(office_db, operator, draft_id, changes, message):
    sk_service.update_sk(office_db, operator, draft_id, **changes)
    before = sk_state(office_db, draft_id)
    with pytest.raises(DomainError, match=message):
        sk_final.finalise_sk(office_db, operator, draft_id)
    assert sk_state(office_db, draft_id) == before and recipients(office_db) == []


def test_an_empty_sk_is_not_finalised(office_db, operator, draft_id):
    for row in sk_quota.sk_ranking(office_db, operator, draft_id):
        sk_quota.remove_from_sk(office_db, operator, draft_id, row.id, "tidak memenuhi syarat")
    with pytest.raises(DomainError, match="belum berisi penerima: SK kosong tidak dapat difinalkan"):
        sk_final.finalise_sk(office_db, operator, draft_id)
    assert sk_service.sk_detail(office_db, operator, draft_id).summary.status == "draft"


def test_a_number_used_twice_in_the_same_year_is_refused(
    office_db, operator, admin, program, final_id, tmp_path
):
    later = screened_list(office_db, operator, tmp_path, [proposal(TELAGA[6])], program.id, "tahap2")
    second = sk_service.draft_sk(office_db, operator, program.id, [later]).summary.id
    sk_service.update_sk(office_db, operator, second, **SIGNED | {"nomor": " 400.9/dinsos/12/2025"})
    with pytest.raises(
        DomainError, match=r"Nomor SK 400.9/dinsos/12/2025 sudah dipakai pada tahun 2025 \(SK #"
    ):
        sk_final.finalise_sk(office_db, operator, second)
    assert recipients(office_db, sk_id=second) == []
    sk_service.update_sk(office_db, operator, second, tanggal="02-01-2026")  # the same number, the next year
    assert sk_final.finalise_sk(office_db, operator, second).summary.tahun == 2026


def test_another_region_and_a_guest_cannot_finalise_or_amend(office_db, admin, guest, draft_id):
    outsider = make_outsider(office_db, admin)
    for user in (guest, outsider):
        with pytest.raises(Forbidden):
            sk_final.finalise_sk(office_db, user, draft_id)
        with pytest.raises(Forbidden):
            sk_final.amend_sk(office_db, user, draft_id)
        with pytest.raises(Forbidden):
            sk_document(office_db, user, draft_id)


# A final SK is frozen -------------------------------------------------------------------------------------------
def _first_row(db, user, sk_id):
    return sk_quota.sk_ranking(db, user, sk_id)[0].id


FROZEN = {
    "update": lambda db, u, a, sk: sk_service.update_sk(db, u, sk, judul="lain"),
    "update value": lambda db, u, a, sk: sk_service.update_sk(db, u, sk, nilai_per_penerima=1),
    "delete": lambda db, u, a, sk: sk_service.delete_sk(db, u, sk, "salah"),
    "requota": lambda db, u, a, sk: sk_quota.requota_sk(db, u, sk),
    "force a row in": lambda db, u, a, sk: sk_quota.force_into_sk(db, a, sk, _first_row(db, u, sk), "x"),
    "remove a row": lambda db, u, a, sk: sk_quota.remove_from_sk(db, u, sk, _first_row(db, u, sk), "x"),
    "finalise again": lambda db, u, a, sk: sk_final.finalise_sk(db, u, sk),
}


@pytest.mark.parametrize("change", FROZEN, ids=list(FROZEN))
def test_a_final_sk_refuses_every_change(office_db, operator, admin, final_id, change):
    before = sk_state(office_db, final_id)
    with pytest.raises(DomainError, match="sudah final dan tidak dapat diubah lagi"):
        FROZEN[change](office_db, operator, admin, final_id)
    assert sk_state(office_db, final_id) == before
    assert sk_final.verify_hash(office_db, operator, final_id)


def test_the_lists_of_a_final_sk_stay_locked(office_db, operator, final_id, lists):
    row = row_of(office_db, operator, lists[0], 2)
    with pytest.raises(DomainError, match="sudah masuk SK"):
        service.decide(office_db, operator, row.proposal_id, "field_check", "cek lagi")
    with pytest.raises(DomainError, match="sudah masuk SK"):
        service.correct(office_db, operator, row.proposal_id, {"nama": "Lain"}, "koreksi")
    with pytest.raises(DomainError, match="sudah masuk SK"):
        add_proposal(office_db, operator, lists[0], {"nama": "Baru", "nik": LIMBOTO[9].nik})
    with pytest.raises(DomainError, match="sudah masuk SK"):
        delete_proposal_list(office_db, operator, lists[0])
    with pytest.raises(DomainError, match="sudah masuk SK"):
        service.screen_list(office_db, operator, lists[0])


# Amending ---------------------------------------------------------------------------------------------------------
def test_an_amending_sk_copies_the_old_one_and_its_finalisation_replaces_the_recipients(
    office_db, operator, final_id, tmp_path, program
):
    amended = sk_final.amend_sk(office_db, operator, final_id)
    new_id = amended.summary.id
    assert amended.summary.mengubah_sk_id == final_id and amended.summary.status == "draft"
    assert amended.summary.mengubah_nomor == SIGNED["nomor"] and amended.summary.penerima == 6
    assert amended.judul.startswith(f"Perubahan atas Keputusan Nomor {SIGNED['nomor']}")
    removed = next(r for r in sk_quota.sk_ranking(office_db, operator, new_id) if r.nik == LIMBOTO[0].nik)
    sk_quota.remove_from_sk(office_db, operator, new_id, removed.id, "meninggal sebelum penyaluran")
    sk_service.update_sk(office_db, operator, new_id, **SIGNED | {"nomor": "400.9/DINSOS/30/2025"})
    sk_final.finalise_sk(office_db, operator, new_id)
    # The old SK's recipients are soft-deleted, the new SK's take their place; the old SK is left as signed.
    assert recipients(office_db, sk_id=final_id) == []
    assert len(recipients(office_db, sk_id=new_id)) == 5
    assert sk_final.verify_hash(office_db, operator, final_id)
    old = next(s for s in sk_service.list_sks(office_db, operator) if s.id == final_id)
    assert (old.status, old.diubah_oleh_nomor) == ("final", "400.9/DINSOS/30/2025")
    # Screening reads the amended list of recipients: the one taken out is no longer "already received".
    later = screened_list(
        office_db, operator, tmp_path, [proposal(LIMBOTO[0]), proposal(TELAGA[0])], program.id, "tahap3"
    )
    rows = by_baris(office_db, operator, later)
    assert "SUDAH_MENERIMA" not in rows[2].tanda and "SUDAH_MENERIMA" in rows[3].tanda
    assert "400.9/DINSOS/30/2025" in rows[3].alasan


def test_only_a_final_sk_is_amended_and_only_once(office_db, operator, draft_id):
    with pytest.raises(DomainError, match="masih draf"):
        sk_final.amend_sk(office_db, operator, draft_id)
    sk_final.finalise_sk(office_db, operator, draft_id)
    sk_final.amend_sk(office_db, operator, draft_id)
    with pytest.raises(DomainError, match="sudah diubah oleh SK draf"):
        sk_final.amend_sk(office_db, operator, draft_id)
    assert count(office_db, SkPenetapan) == 2


# The printable content --------------------------------------------------------------------------------------------
def test_the_document_masks_niks_unless_the_office_allows_them_whole(office_db, operator, final_id):
    assert mask_nik("7502011001900001") == "7502xxxxxxxx0001"
    document = sk_document(office_db, operator, final_id)
    assert (document.nomor, document.final, len(document.rows), document.total_nilai) == (
        SIGNED["nomor"],
        True,
        6,
        6 * 300_000,
    )
    first = document.rows[0]
    assert first.nik == mask_nik(LIMBOTO[0].nik) and "x" in first.nik
    assert (first.no, first.desa, first.kecamatan) == (1, "Kel. Kayubulan", "Kec. Limboto")
    assert document.hash_isi == sk_service.sk_detail(office_db, operator, final_id).summary.hash_isi
    assert document.sumber_dana == "APBD Kabupaten/Kota" and document.tempat == "Limboto"
    with office_db.sessions() as session, session.begin():
        session.scalar(select(Office)).nik_penuh_di_dokumen = True
    assert sk_document(office_db, operator, final_id).rows[0].nik == LIMBOTO[0].nik
