"""Correcting and cancelling realisasi (append-only, as the sync of issue 12 needs: a correction supersedes):
a new row names the row it replaces, a cancelled row keeps who, when and why; nothing is edited nor deleted;
only current rows count in the consistency check, monitoring and the lists; a guest and an operator of
another region are refused (Lampiran I–II)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.documents.consistency import ProblemKind, check_consistency
from app.documents.monitoring import monitoring_figures
from app.documents.realisasi import RealisasiInput, list_realisasi, record_realisasi
from app.documents.realisasi_koreksi import cancel_realisasi, correct_realisasi
from app.errors import DomainError, Forbidden
from db.models import AidRecipient, AuditEntry, Realisasi
from tests.app.documents.conftest import HEADS, SK_VALUE
from tests.app.screening.test_programs import make_outsider

HEAD = HEADS[0]


def entry(person=HEAD, **changes) -> RealisasiInput:
    values = {"nik": person.nik, "tanggal": date(2026, 3, 5), "nilai": SK_VALUE, "saluran": "bank"}
    return RealisasiInput(**(values | changes))


def stored(db, realisasi_id: int) -> Realisasi:
    with db.sessions() as session:
        row = session.get(Realisasi, realisasi_id)
        session.expunge(row)
        return row


def last_audit(db) -> AuditEntry:
    with db.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        session.expunge(entry)
        return entry


def served_in_monitoring(db, user, program_id: int) -> int:
    report = monitoring_figures(db, user, "2026-1", program_id=program_id)
    return report.program_total(program_id).tersalur_penerima


def test_a_correction_writes_a_new_row_naming_the_old_one_which_is_kept_superseded(
    office_db, operator, final_sk
):
    wrong = record_realisasi(office_db, operator, final_sk.id, entry(nilai=450_000))
    fixed = correct_realisasi(office_db, operator, wrong.id, entry(), "nilai salah ketik dari daftar bank")
    assert fixed.id != wrong.id and fixed.menggantikan_id == wrong.id and fixed.nilai == SK_VALUE
    old = stored(office_db, wrong.id)
    assert (old.status, old.nilai, old.deleted_at) == ("digantikan", 450_000, None)  # kept as it was
    assert stored(office_db, fixed.id).alasan == "nilai salah ketik dari daftar bank"
    audit = last_audit(office_db)
    assert (audit.action, audit.entity_ref) == ("realisasi.correct", str(wrong.id))
    assert audit.before["nilai"] == 450_000 and audit.after["nilai"] == SK_VALUE
    assert audit.after["menggantikan_id"] == wrong.id
    assert [r.id for r in list_realisasi(office_db, operator, final_sk.id)] == [fixed.id]


def test_a_correction_removes_the_value_above_sk_problem(office_db, operator, final_sk):
    wrong = record_realisasi(office_db, operator, final_sk.id, entry(nilai=450_000))
    report = check_consistency(office_db, operator, sk_id=final_sk.id)
    assert report.count(ProblemKind.MELEBIHI_NILAI) == 1
    correct_realisasi(office_db, operator, wrong.id, entry(), "nilai salah ketik")
    report = check_consistency(office_db, operator, sk_id=final_sk.id)
    assert report.count(ProblemKind.MELEBIHI_NILAI) == 0 and report.count(ProblemKind.GANDA) == 0
    assert (report.served, report.realisasi_rows, report.realisasi_nilai) == (1, 1, SK_VALUE)


def test_a_correction_to_another_recipient_moves_the_realisasi_recipient(office_db, operator, final_sk):
    wrong = record_realisasi(office_db, operator, final_sk.id, entry())
    correct_realisasi(office_db, operator, wrong.id, entry(HEADS[2]), "NIK penerima tertukar")
    with office_db.sessions() as session:
        recipients = session.scalars(
            select(AidRecipient.nik).where(
                AidRecipient.source == "realisasi", AidRecipient.deleted_at.is_(None)
            )
        ).all()
    assert recipients == [HEADS[2].nik]


def test_a_cancelled_row_is_kept_with_who_when_why_and_no_longer_counts(office_db, operator, final_sk):
    first = record_realisasi(office_db, operator, final_sk.id, entry())
    twice = record_realisasi(office_db, operator, final_sk.id, entry(tanggal=date(2026, 3, 6)))
    assert check_consistency(office_db, operator, sk_id=final_sk.id).count(ProblemKind.GANDA) == 1
    assert served_in_monitoring(office_db, operator, final_sk.program_id) == 1
    cancelled = cancel_realisasi(office_db, operator, twice.id, "tercatat dua kali")
    assert cancelled.status == "dibatalkan" and cancelled.dibatalkan_oleh == operator.username
    row = stored(office_db, twice.id)
    assert (row.status, row.alasan_batal, row.dibatalkan_oleh) == (
        "dibatalkan",
        "tercatat dua kali",
        "operator",
    )
    assert row.dibatalkan_at is not None and row.deleted_at is None
    report = check_consistency(office_db, operator, sk_id=final_sk.id)
    assert report.count(ProblemKind.GANDA) == 0 and report.realisasi_rows == 1
    assert [r.id for r in list_realisasi(office_db, operator, final_sk.id)] == [first.id]
    audit = last_audit(office_db)
    assert audit.action == "realisasi.cancel"
    assert (audit.before["status"], audit.after["status"]) == ("berlaku", "dibatalkan")


def test_monitoring_no_longer_counts_a_cancelled_handover(office_db, operator, final_sk):
    only = record_realisasi(office_db, operator, final_sk.id, entry())
    assert served_in_monitoring(office_db, operator, final_sk.program_id) == 1
    cancel_realisasi(office_db, operator, only.id, "penyaluran tidak terjadi")
    assert served_in_monitoring(office_db, operator, final_sk.program_id) == 0
    report = check_consistency(office_db, operator, sk_id=final_sk.id)
    assert report.served == 0 and report.count(ProblemKind.TIDAK_DISALURKAN) == len(HEADS)


def test_a_reason_is_required(office_db, operator, final_sk):
    row = record_realisasi(office_db, operator, final_sk.id, entry())
    with pytest.raises(DomainError, match="alasan wajib diisi"):
        cancel_realisasi(office_db, operator, row.id, "   ")
    with pytest.raises(DomainError, match="alasan wajib diisi"):
        correct_realisasi(office_db, operator, row.id, entry(), "")
    assert stored(office_db, row.id).status == "berlaku"


def test_a_superseded_or_cancelled_row_cannot_be_changed_again(office_db, operator, final_sk):
    row = record_realisasi(office_db, operator, final_sk.id, entry())
    fixed = correct_realisasi(office_db, operator, row.id, entry(nilai=200_000), "nilai salah")
    with pytest.raises(DomainError, match="sudah digantikan koreksi"):
        correct_realisasi(office_db, operator, row.id, entry(), "lagi")
    cancel_realisasi(office_db, operator, fixed.id, "batal")
    with pytest.raises(DomainError, match="sudah dibatalkan"):
        cancel_realisasi(office_db, operator, fixed.id, "batal lagi")


def test_a_correction_naming_someone_outside_the_sk_is_refused(office_db, operator, final_sk):
    from tests.app.documents.conftest import NOT_IN_SK

    row = record_realisasi(office_db, operator, final_sk.id, entry())
    with pytest.raises(DomainError, match="tidak tercantum dalam SK"):
        correct_realisasi(office_db, operator, row.id, entry(NOT_IN_SK), "NIK tertukar")
    assert stored(office_db, row.id).status == "berlaku"


def test_a_guest_and_an_operator_of_another_region_are_refused(office_db, operator, guest, admin, final_sk):
    row = record_realisasi(office_db, operator, final_sk.id, entry())
    outsider = make_outsider(office_db, admin)
    for user in (guest, outsider):
        with pytest.raises(Forbidden):
            cancel_realisasi(office_db, user, row.id, "tidak berhak")
        with pytest.raises(Forbidden):
            correct_realisasi(office_db, user, row.id, entry(), "tidak berhak")
    with office_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Realisasi)) == 1
    assert stored(office_db, row.id).status == "berlaku"


def test_an_operator_of_another_kecamatan_cannot_change_a_row_outside_it(
    office_db, operator, kecamatan_operator, final_sk
):
    telaga = record_realisasi(office_db, operator, final_sk.id, entry(HEADS[-1]))
    with pytest.raises(Forbidden, match="di luar wilayah kerja"):
        cancel_realisasi(office_db, kecamatan_operator, telaga.id, "bukan wilayahnya")


def test_a_row_of_a_draft_sk_cannot_be_changed(office_db, operator, final_sk):
    row = record_realisasi(office_db, operator, final_sk.id, entry())
    with office_db.unit_of_work().writing() as uow:
        from db.models import SkPenetapan

        uow.session.get(SkPenetapan, final_sk.id).status = "draft"
        uow.commit()
    with pytest.raises(DomainError, match="masih draf"):
        cancel_realisasi(office_db, operator, row.id, "draf")
