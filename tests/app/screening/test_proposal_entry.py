"""Typing, correcting and removing proposal rows (keyboard-first entry); a list in an SK is never changed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.errors import DomainError, Forbidden, NotFound
from app.registry.importer import RegistryImport
from app.screening.programs import ListStatus, create_proposal_list
from app.screening.proposal_entry import (
    TYPED_HEADERS,
    add_proposal,
    delete_proposal,
    get_proposal,
    lookup_by_nik,
    update_proposal,
)
from app.screening.proposal_import import ProposalImport
from db.models import AuditEntry, Proposal, ProposalDecision, ProposalList
from tests.app.screening.test_programs import make_outsider
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, people, write_csv

LIMBOTO = people(2)
TELAGA = people(2, DESA_TELAGA)


@pytest.fixture
def registry(office_db, operator, tmp_path):
    job = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", LIMBOTO + TELAGA)])
    job.inspect()
    job.prepare()
    job.commit()


@pytest.fixture
def typed_list(office_db, operator):
    return create_proposal_list(office_db, operator, None, "Usulan diketik", "Desa Kayubulan", DESA_LIMBOTO)


def set_status(db, list_id, status):
    with db.sessions() as session, session.begin():
        session.get(ProposalList, list_id).status = status


def test_lookup_by_nik_fills_the_form_from_the_registry(office_db, operator, registry):
    person = LIMBOTO[1]
    found = lookup_by_nik(office_db, operator, f" '{person.nik} ")
    assert (found.nik, found.nama, found.tgl_lahir, found.jenis_kelamin, found.kode_desa, found.status) == (
        person.nik,
        person.nama,
        date.fromisoformat(person.tgl_lahir),
        "P",
        DESA_LIMBOTO,
        "hidup",
    )
    assert found.alamat == "JL. RAJIMAN NO. 1 RT 002 RW 001" and found.person_id
    assert lookup_by_nik(office_db, operator, "7501019999990001") is None  # unknown
    assert lookup_by_nik(office_db, operator, person.nik[:12]) is None  # still being typed


def test_lookup_by_nik_answers_nothing_for_a_person_outside_the_users_region(
    office_db, admin, kecamatan_operator, guest, registry
):
    assert lookup_by_nik(office_db, kecamatan_operator, LIMBOTO[0].nik) is not None
    assert lookup_by_nik(office_db, kecamatan_operator, TELAGA[0].nik) is None
    assert lookup_by_nik(office_db, make_outsider(office_db, admin), LIMBOTO[0].nik) is None
    with pytest.raises(Forbidden):
        lookup_by_nik(office_db, guest, LIMBOTO[0].nik)


def test_typed_rows_are_numbered_in_entry_order_with_canonical_headers(office_db, operator, typed_list):
    person = LIMBOTO[0]
    first = add_proposal(
        office_db,
        operator,
        typed_list,
        {
            "nik": person.nik,
            "nama": " Muhammad  Lasena ",
            "tgl_lahir": date.fromisoformat(person.tgl_lahir),
            "jenis_kelamin": "Laki-laki",
            "alamat": "JL. RAJIMAN NO. 1",
            "kode_desa": "75.01.01.1001",
        },
    )
    second = add_proposal(office_db, operator, typed_list, {"nama": "Siti Hulopi", "tgl_lahir": "12/05/1980"})
    assert (first.baris, second.baris) == (1, 2)
    assert (first.nik, first.nama, first.jenis_kelamin, first.kode_desa) == (
        person.nik,
        "Muhammad Lasena",
        "L",
        DESA_LIMBOTO,
    )
    assert first.tgl_lahir == date.fromisoformat(person.tgl_lahir) and first.warnings == ()
    assert first.input == {
        "nik": person.nik,
        "nama": "Muhammad  Lasena",
        "tgl_lahir": person.tgl_lahir,
        "jenis_kelamin": "Laki-laki",
        "alamat": "JL. RAJIMAN NO. 1",
        "kode_desa": "75.01.01.1001",
    }
    assert second.tgl_lahir == date(1980, 5, 12) and second.nik == ""
    assert get_proposal(office_db, operator, second.id) == second
    with office_db.sessions() as session:
        assert session.get(ProposalList, typed_list).input_headers == list(TYPED_HEADERS)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.add")).all()
    assert [a.entity_ref for a in audit] == [str(first.id), str(second.id)]
    assert audit[0].after["nik"] == person.nik


def test_a_doubtful_nik_is_kept_with_a_warning(office_db, operator, typed_list):
    short = add_proposal(office_db, operator, typed_list, {"nik": "750101230477000", "nama": "A"})
    assert short.nik == "750101230477000" and "15 digit" in short.warnings[0]
    impossible = add_proposal(office_db, operator, typed_list, {"nik": "7501013204770005", "nama": "B"})
    assert "bukan NIK yang sah" in impossible.warnings[0]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"alamat": "JL. A"}, "NIK: Baris ini tidak berisi NIK maupun nama"),
        ({"nama": "A", "tgl_lahir": "31-02-1980"}, 'Tanggal lahir: Tanggal lahir "31-02-1980" tidak terbaca'),
        (
            {"nama": "A", "tgl_lahir": "01-01-2999"},
            "Tanggal lahir: Tanggal lahir 01-01-2999 berada di masa depan",
        ),
        ({"nama": "A", "jenis_kelamin": "X"}, 'Jenis kelamin: Jenis kelamin "X" tidak dikenal'),
        ({"nama": "A", "kode_desa": "75010"}, 'Kode desa/kelurahan: Kode desa "75010"'),
        ({"nama": "A", "warna": "merah"}, "Isian usulan tidak dikenal: warna"),
    ],
)
def test_typed_values_the_operator_can_fix_now_are_refused_naming_the_field(
    office_db, operator, typed_list, fields, named
):
    with pytest.raises(DomainError) as refused:
        add_proposal(office_db, operator, typed_list, fields)
    assert named in str(refused.value)
    with office_db.sessions() as session:
        assert session.scalars(select(Proposal)).first() is None


def test_row_added_to_an_imported_list_follows_its_last_row_and_its_columns(office_db, operator, tmp_path):
    headers = ["NIK", "Nama Lengkap", "Keterangan"]
    rows = [{"NIK": r.nik, "Nama Lengkap": r.nama, "Keterangan": "x"} for r in LIMBOTO[:3]]
    job = ProposalImport(office_db, operator, [write_csv(tmp_path / "u.csv", rows, headers)], None, "Usulan")
    job.inspect()
    job.prepare()
    list_id = job.commit()
    added = add_proposal(
        office_db, operator, list_id, {"nik": LIMBOTO[3].nik, "nama": "Tambahan", "alamat": "JL. B"}
    )
    assert added.baris == 5
    assert added.input == {
        "NIK": LIMBOTO[3].nik,
        "Nama Lengkap": "Tambahan",
    }  # the file had no address column
    assert added.alamat == "JL. B"
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).input_headers == headers


def test_correction_changes_the_fields_keeps_the_input_and_records_a_decision(
    office_db, operator, typed_list
):
    row = add_proposal(office_db, operator, typed_list, {"nik": "750101230477000", "nama": "Rizal Akuba"})
    fixed = update_proposal(
        office_db, operator, row.id, {"nik": "7501012304770005", "tgl_lahir": "23-04-1977"}, "KTP diperiksa"
    )
    assert (fixed.nik, fixed.tgl_lahir, fixed.nama, fixed.baris) == (
        "7501012304770005",
        date(1977, 4, 23),
        "Rizal Akuba",
        row.baris,
    )
    assert fixed.input == row.input and fixed.input["nik"] == "750101230477000"
    with office_db.sessions() as session:
        (decision,) = session.scalars(select(ProposalDecision)).all()
        assert (decision.proposal_id, decision.action, decision.reason, decision.username) == (
            row.id,
            "corrected",
            "KTP diperiksa",
            "operator",
        )
        (audit,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.correct")).all()
    assert audit.before == {"nik": "750101230477000", "tgl_lahir": None}
    assert audit.after == {"nik": "7501012304770005", "tgl_lahir": "1977-04-23", "reason": "KTP diperiksa"}
    # The same values again change nothing and record nothing; a correction without reason names the fields.
    update_proposal(office_db, operator, row.id, {"nik": "7501012304770005"})
    update_proposal(office_db, operator, row.id, {"jenis_kelamin": "L"})
    with office_db.sessions() as session:
        reasons = [d.reason for d in session.scalars(select(ProposalDecision).order_by(ProposalDecision.id))]
    assert reasons == ["KTP diperiksa", "Diperbaiki: Jenis kelamin."]
    with pytest.raises(DomainError, match="NIK maupun nama"):
        update_proposal(office_db, operator, row.id, {"nik": "", "nama": ""})


def test_deleted_row_is_hidden_and_its_number_not_given_again(office_db, operator, typed_list):
    first = add_proposal(office_db, operator, typed_list, {"nama": "A"})
    second = add_proposal(office_db, operator, typed_list, {"nama": "B"})
    delete_proposal(office_db, operator, second.id, "Ganda")
    with pytest.raises(NotFound):
        get_proposal(office_db, operator, second.id)
    with pytest.raises(NotFound):
        update_proposal(office_db, operator, second.id, {"nama": "C"})
    third = add_proposal(office_db, operator, typed_list, {"nama": "C"})
    assert (first.baris, third.baris) == (1, 3)
    with office_db.sessions() as session:
        (audit,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.delete")).all()
    assert audit.before["nama"] == "B" and audit.after == {"reason": "Ganda"}


def test_a_list_in_an_sk_is_never_changed(office_db, operator, typed_list):
    row = add_proposal(office_db, operator, typed_list, {"nama": "A"})
    set_status(office_db, typed_list, ListStatus.IN_SK.value)
    for call in (
        lambda: add_proposal(office_db, operator, typed_list, {"nama": "B"}),
        lambda: update_proposal(office_db, operator, row.id, {"nama": "C"}),
        lambda: delete_proposal(office_db, operator, row.id),
    ):
        with pytest.raises(DomainError, match="sudah masuk SK penetapan"):
            call()
    assert get_proposal(office_db, operator, row.id).nama == "A"
    # A screened list may still be corrected (the caller re-screens).
    set_status(office_db, typed_list, ListStatus.SCREENED.value)
    assert update_proposal(office_db, operator, row.id, {"nama": "C"}).nama == "C"


def test_guest_and_operators_outside_the_list_region_are_refused(
    office_db, operator, admin, guest, kecamatan_operator
):
    telaga_list = create_proposal_list(office_db, operator, None, "Usulan Telaga", "", "750102")
    row = add_proposal(office_db, operator, telaga_list, {"nama": "A"})
    outsider = make_outsider(office_db, admin)
    for user in (guest, kecamatan_operator, outsider):
        for call in (
            lambda user=user: add_proposal(office_db, user, telaga_list, {"nama": "B"}),
            lambda user=user: update_proposal(office_db, user, row.id, {"nama": "C"}),
            lambda user=user: delete_proposal(office_db, user, row.id),
            lambda user=user: get_proposal(office_db, user, row.id),
        ):
            with pytest.raises(Forbidden):
                call()
    assert get_proposal(office_db, operator, row.id).nama == "A"
