"""Typed realisasi (Pergub 52/2020 Pasal 7 ayat 2): recorded against a final SK for a person it names, in
the operator's region; the person becomes the program's recipient; a guest and another region's operator
are refused (Lampiran I–II)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.documents.realisasi import (
    RealisasiInput,
    list_realisasi,
    list_sks_for_realisasi,
    record_realisasi,
)
from app.errors import DomainError, Forbidden, NotFound
from db.models import AidRecipient, AuditEntry, Realisasi, SkPenerima
from tests.app.documents.conftest import HEADS, NOT_IN_SK, SK_VALUE, make_draft_sk
from tests.app.screening.test_programs import make_outsider

LIMBOTO_HEAD, TELAGA_HEAD = HEADS[0], HEADS[-1]


def entry(person=LIMBOTO_HEAD, **changes) -> RealisasiInput:
    values = {"nik": person.nik, "tanggal": date(2026, 3, 5), "nilai": SK_VALUE, "saluran": "bank"}
    return RealisasiInput(**(values | changes))


def count(db, model, *where) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_typed_realisasi_is_linked_to_the_sk_row_and_the_person_and_makes_a_recipient(
    office_db, operator, final_sk
):
    row = record_realisasi(office_db, operator, final_sk.id, entry(jumlah_fisik=10, satuan="kg"))
    with office_db.sessions() as session:
        stored = session.get(Realisasi, row.id)
        sk_row = session.scalars(select(SkPenerima).where(SkPenerima.nik == LIMBOTO_HEAD.nik)).one()
        assert stored.sk_penerima_id == sk_row.id
        assert stored.person_id == sk_row.person_id is not None
        assert (stored.nilai, stored.saluran, stored.jumlah_fisik, stored.satuan) == (
            SK_VALUE,
            "bank",
            10,
            "kg",
        )
        recipient = session.scalars(select(AidRecipient).where(AidRecipient.source == "realisasi")).one()
        assert (recipient.nik, recipient.sk_id, recipient.program_id) == (
            LIMBOTO_HEAD.nik,
            final_sk.id,
            final_sk.program_id,
        )
        assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "realisasi.add"
    assert [r.nik for r in list_realisasi(office_db, operator, final_sk.id)] == [LIMBOTO_HEAD.nik]


def test_a_second_handover_to_the_same_person_adds_no_second_recipient(office_db, operator, final_sk):
    record_realisasi(office_db, operator, final_sk.id, entry())
    record_realisasi(office_db, operator, final_sk.id, entry(tanggal=date(2026, 4, 5)))
    assert count(office_db, Realisasi) == 2
    assert count(office_db, AidRecipient, AidRecipient.source == "realisasi") == 1


def test_a_person_the_sk_does_not_name_is_refused(office_db, operator, final_sk):
    with pytest.raises(DomainError, match="tidak tercantum dalam SK 400/DINSOS/12/2026"):
        record_realisasi(office_db, operator, final_sk.id, entry(NOT_IN_SK))
    assert count(office_db, Realisasi) == 0


def test_an_sk_that_does_not_exist_is_refused(office_db, operator, final_sk):
    with pytest.raises(NotFound, match="SK #999 tidak ditemukan"):
        record_realisasi(office_db, operator, 999, entry())


def test_a_draft_sk_takes_no_realisasi(office_db, operator, registry, program):
    draft_id = make_draft_sk(office_db, operator, program.id, HEADS, nomor="401/DRAF")
    with pytest.raises(DomainError, match="masih draf"):
        record_realisasi(office_db, operator, draft_id, entry())
    assert [s.id for s in list_sks_for_realisasi(office_db, operator)] == []


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"nik": "75010112345"}, "bukan NIK 16 digit"),
        ({"saluran": "giro"}, 'Saluran "giro" tidak dikenal'),
        ({"tanggal": date(2099, 1, 1)}, "masa depan"),
        ({"nilai": 0}, "keduanya masih nol"),
        ({"nilai": -5}, "negatif"),
    ],
)
def test_bad_typed_values_are_refused_naming_the_field(office_db, operator, final_sk, changes, text):
    with pytest.raises(DomainError, match=text):
        record_realisasi(office_db, operator, final_sk.id, entry(**changes))
    assert count(office_db, Realisasi) == 0


def test_a_guest_cannot_record_or_read_realisasi(office_db, guest, final_sk):
    with pytest.raises(Forbidden):
        record_realisasi(office_db, guest, final_sk.id, entry())
    with pytest.raises(Forbidden):
        list_realisasi(office_db, guest, final_sk.id)


def test_an_operator_of_another_kabupaten_is_refused(office_db, admin, final_sk):
    outsider = make_outsider(office_db, admin)
    with pytest.raises(Forbidden, match="di luar wilayah kerja"):
        record_realisasi(office_db, outsider, final_sk.id, entry())
    with pytest.raises(Forbidden):
        list_realisasi(office_db, outsider, final_sk.id)
    assert list_sks_for_realisasi(office_db, outsider) == []


def test_a_kecamatan_operator_records_only_recipients_of_their_kecamatan(
    office_db, kecamatan_operator, final_sk
):
    record_realisasi(office_db, kecamatan_operator, final_sk.id, entry(LIMBOTO_HEAD))
    with pytest.raises(Forbidden, match="di luar wilayah kerja"):
        record_realisasi(office_db, kecamatan_operator, final_sk.id, entry(TELAGA_HEAD))
    assert count(office_db, Realisasi) == 1
