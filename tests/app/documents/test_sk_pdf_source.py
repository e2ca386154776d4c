"""An SK read for printing: NIKs whole only where the office allows, only the recipients within quota, and only
for a user who may read that region's people."""

from __future__ import annotations

import pytest

from app.documents.letterhead import update_letterhead
from app.documents.sk_pdf_source import nik_for_document, sk_document_for_pdf
from app.errors import Forbidden, NotFound
from tests.app.documents.sk_samples import HASH, stored_sk


def test_niks_are_masked_on_paper_unless_the_office_prints_them_whole(office_db, admin, operator):
    sk_id = stored_sk(office_db)
    document = sk_document_for_pdf(office_db, operator, sk_id)
    assert [row.nik for row in document.rows] == ["7501xxxxxxxx0001", "7501xxxxxxxx0002"]
    update_letterhead(office_db, admin, "", "", "", None, True)
    document = sk_document_for_pdf(office_db, operator, sk_id)
    assert [row.nik for row in document.rows] == ["7501015207600001", "7501011203550002"]


def test_the_lampiran_holds_the_recipients_within_quota_with_their_places_named(office_db, operator):
    document = sk_document_for_pdf(office_db, operator, stored_sk(office_db))
    assert [(row.no, row.nama) for row in document.rows] == [(1, "SITI LASENA"), (2, "RIZAL HULOPI")]
    assert (document.rows[0].desa, document.rows[0].kecamatan) == ("Kel. Kayubulan", "Kec. Limboto")
    assert document.menimbang == ("bahwa satu;", "bahwa dua;") and document.total_nilai == 3_000_000
    assert "APBD" in document.sumber_dana and document.final is False


def test_a_final_sk_carries_its_hash(office_db, operator):
    document = sk_document_for_pdf(office_db, operator, stored_sk(office_db, final=True))
    assert document.final and document.hash_isi == HASH


def test_a_guest_and_an_operator_of_another_kecamatan_cannot_read_the_sk(
    office_db, guest, kecamatan_operator
):
    sk_id = stored_sk(office_db, kode_wilayah="750102", desa="7501021001")
    for user in (guest, kecamatan_operator):
        with pytest.raises(Forbidden):
            sk_document_for_pdf(office_db, user, sk_id)


def test_an_unknown_sk_is_said_so(office_db, operator):
    with pytest.raises(NotFound, match="999"):
        sk_document_for_pdf(office_db, operator, 999)


def test_a_nik_that_is_not_16_digits_is_printed_as_written():
    assert nik_for_document("75010152", whole=False) == "75010152"
