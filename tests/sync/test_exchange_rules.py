"""The server's apply (PostgreSQL and SQLite): duplicates answered with the stored receipt, refusals that
change nothing, conflicts per rule resolved by a synced change, a person moving between kabupaten.

Whatever goes through SQL that differs between the two (stored receipts, stored conflicts, region queries) runs
on both; rules decided before the database is touched, or in Python, run on the embedded SQLite only — CI's
time is better spent elsewhere."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.users import login
from db.models import Person, Program, utcnow
from db.sync_models import SyncChange, SyncConflict
from sync.bundle import build_bundle
from sync.conflicts import Outcome, decide
from sync.entities import entity
from sync.keys import device_keys
from sync.laptop import (
    apply_receipt,
    export_usb,
    import_usb_answer,
    open_conflicts,
    prepare_upload,
    resolve_conflict,
)
from sync.receipts import open_receipt
from sync.server.database import server_keys
from sync.server.devices import revoke_device
from sync.server.exchange import answer_file, apply_upload, entity_rules
from sync.streams import up_stream
from tests.conftest import ADMIN_PASSWORD
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO
from tests.sync.exchange_helpers import edit_person, fingerprint, import_households, people, usb_round


def _apply(server, data: bytes) -> bytes:
    with server.unit_of_work().writing() as uow:
        return apply_upload(uow, data)


def _receipt(server, office, signed: bytes):
    with server.unit_of_work() as uow:
        key = server_keys(uow.session).public().signing
    return open_receipt(signed, server_key=key, device=str(office.device))


def test_a_bundle_applied_twice_changes_nothing_and_is_answered_with_the_stored_receipt(
    offices, exchange_server
):
    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO)
    bundle = prepare_upload(a.db, a.user)

    first = _apply(exchange_server, bundle.data)
    before = fingerprint(exchange_server)
    second = _apply(exchange_server, bundle.data)

    assert second == first
    assert fingerprint(exchange_server) == before
    assert _receipt(exchange_server, a, first).verdict == "applied"


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_lost_answer_then_a_new_export_brings_the_stored_receipt(offices, exchange_server):
    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO)
    first = prepare_upload(a.db, a.user)
    _apply(exchange_server, first.data)  # the answer never reaches the office

    receipt, _down = usb_round(a, exchange_server)

    assert receipt.verdict == "applied" and receipt.applied == first.records
    with a.db.unit_of_work() as uow:
        states = set(uow.session.scalars(select(SyncChange.state)))
    assert states == {"applied"}
    assert prepare_upload(a.db, a.user) is None


def _forged(
    office, server, *, province="75", recipient="server", region_of_change=None, uid=None, fields=None
) -> bytes:
    """A bundle signed with the office's own key, built by hand."""
    with office.db.unit_of_work() as uow:
        keys = device_keys(uow.session)
    with server.unit_of_work() as uow:
        public = server_keys(uow.session).public()
    change = {
        "device": str(office.device),
        "seq": 1,
        "entity": "program",
        "uid": uid or str(uuid.uuid4()),
        "op": "upsert",
        "fields": fields or {"nama": "Bantuan"},
        "base": 0,
        "region": region_of_change or "7501",
        "region_before": None,
        "at": "",
    }
    return build_bundle(
        [change],
        sender=str(office.device),
        recipient=recipient,
        region="7501",
        stream=up_stream(str(office.device)),
        seq_from=1,
        seq_to=1,
        prev_hash="",
        signing_key=keys.signing,
        recipient_key=public.encryption,
        province=province,
    ).data


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("other_province", "wrong_province"),
        ("another_office", "wrong_recipient"),
        ("zip", "not_a_bundle"),
        ("region_outside", "region_outside"),
        ("not_a_uid", "not_a_bundle"),
        ("revoked", "revoked_signer"),
    ],
)
def test_a_refused_bundle_changes_nothing_and_says_why(offices, exchange_server, exchange_admin, kind, code):
    a, b, _c = offices
    if kind == "other_province":
        data = _forged(a, exchange_server, province="76")
    elif kind == "another_office":
        data = _forged(a, exchange_server, recipient=str(b.device))
    elif kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("data.csv", "nik,nama\n")
        data = buffer.getvalue()
    elif kind == "region_outside":
        data = _forged(a, exchange_server, region_of_change="7502")
    elif kind == "not_a_uid":
        data = _forged(a, exchange_server, uid="program-bantuan-1")
    else:
        data = _forged(a, exchange_server)
        revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "laptop hilang")
    before = fingerprint(exchange_server)

    signed = _apply(exchange_server, data)

    assert fingerprint(exchange_server) == before
    with exchange_server.unit_of_work() as uow:
        key = server_keys(uow.session).public().signing
    # A bundle refused before its signature was checked names no sender: its receipt names no device.
    device = str(a.device) if kind in ("region_outside", "not_a_uid") else ""
    receipt = open_receipt(signed, server_key=key, device=device)
    assert (receipt.verdict, receipt.refusal_code) == ("refused", code)
    assert receipt.refusal_message  # the Indonesian text the office shows


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"nama": "Bantuan", "kuota": 10**19}, "kuota data program dalam paket harus bilangan bulat antara"),
        ({"nama": "Bantuan", "kuota": 3.7}, "bukan '3.7'"),
        ({"nama": "Bantuan", "kuota": True}, "bukan 'True'"),
    ],
)
def test_a_number_its_column_cannot_hold_refuses_the_bundle_and_says_which(
    offices, exchange_server, fields, named
):
    """A number past what the database holds, a fraction or a truth value where a whole number belongs (a
    conversion would cut 3.7 to 3, take True for 1): refused, with the field, nothing written."""
    a, _b, _c = offices
    before = fingerprint(exchange_server)

    receipt = _receipt(
        exchange_server, a, _apply(exchange_server, _forged(a, exchange_server, fields=fields))
    )

    assert (receipt.verdict, receipt.refusal_code) == ("refused", "not_a_bundle")
    assert named in receipt.refusal_message
    assert fingerprint(exchange_server) == before


@pytest.mark.parametrize("exchange_server", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "fields", [{"nama": "Bantuan", "kuota": 3_000_000_000}, {"nama": "B", "desil_min": 70_000}]
)
def test_a_number_past_a_postgresql_integer_refuses_the_bundle_rather_than_being_written_wrapped(
    offices, exchange_server, fields
):
    """PostgreSQL's INTEGER holds 32 bits and SMALLINT 16 (SQLite's hold 64): a binary COPY would write
    3,000,000,000 as -1,294,967,296."""
    a, _b, _c = offices
    before = fingerprint(exchange_server)

    receipt = _receipt(
        exchange_server, a, _apply(exchange_server, _forged(a, exchange_server, fields=fields))
    )

    assert (receipt.verdict, receipt.refusal_code) == ("refused", "not_a_bundle")
    assert fingerprint(exchange_server) == before


def test_a_rupiah_amount_past_two_billion_is_applied_whole(offices, exchange_server):
    """An SK's total passes Rp 2.1 billion: the server keeps it exactly (BIGINT on PostgreSQL)."""
    a, _b, _c = offices
    fields = {
        "nama": "Bantuan Langsung",
        "sumber_dana": "APBD",
        "tahun": 2026,
        "nilai_per_penerima": 3_000_000_000,
    }

    receipt = _receipt(
        exchange_server, a, _apply(exchange_server, _forged(a, exchange_server, fields=fields))
    )

    assert receipt.verdict == "applied"
    with exchange_server.unit_of_work() as uow:
        assert uow.session.scalars(select(Program.nilai_per_penerima)).all() == [3_000_000_000]


def test_text_longer_than_its_column_only_by_trailing_spaces_is_applied_as_before(offices, exchange_server):
    """PostgreSQL trims spaces past a column's length: such a value was always stored, and still is."""
    a, _b, _c = offices

    receipt = _receipt(
        exchange_server,
        a,
        _apply(exchange_server, _forged(a, exchange_server, fields={"nama": "B" * 200 + "  "})),
    )

    assert receipt.verdict == "applied"


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_refused_bundle_puts_the_office_changes_back_to_wait(offices, exchange_server, exchange_admin):
    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO)
    revoke_device(exchange_server.unit_of_work(), exchange_admin, a.device, "laptop hilang")

    receipt, _down = usb_round(a, exchange_server)

    assert (receipt.verdict, receipt.refusal_code) == ("refused", "revoked_signer")
    with a.db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(SyncChange.state))) == {"pending"}


def _shared_person(offices, server):
    """A's people, sent up and pulled by B: both hold them at the same version."""
    a, b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    usb_round(a, server)
    usb_round(b, server)
    return records[0].nik


def test_two_offices_changing_a_person_identity_make_a_conflict_resolved_by_a_synced_change(
    offices, exchange_server
):
    a, b, _c = offices
    nik = _shared_person(offices, exchange_server)

    edit_person(a, nik, nama="NAMA DARI A")
    usb_round(a, exchange_server, "2")
    edit_person(b, nik, nama="NAMA DARI B")
    receipt, down = usb_round(b, exchange_server, "2")

    assert (receipt.conflict, receipt.applied) == (1, 0)
    assert people(exchange_server)[nik]["nama"] == "NAMA DARI A"  # never overwritten silently
    conflicts = open_conflicts(b.db, b.user)
    assert [(c["kind"], c["mine"], c["theirs"], c["own"]) for c in conflicts] == [
        ("identity", {"nama": "NAMA DARI B"}, {"nama": "NAMA DARI A"}, True)
    ]

    resolve_conflict(b.db, b.user, conflicts[0]["conflict_uid"], "mine")
    receipt, _down = usb_round(b, exchange_server, "3")

    # The record's change, the conflict's resolution, the audit entry of resolving it.
    assert (receipt.applied, receipt.conflict, receipt.refused) == (3, 0, 0)
    assert people(exchange_server)[nik]["nama"] == "NAMA DARI B"
    with exchange_server.unit_of_work() as uow:
        assert uow.session.scalars(select(SyncConflict.state)).all() == ["resolved"]
    usb_round(a, exchange_server, "3")
    assert people(a.db)[nik]["nama"] == "NAMA DARI B"
    assert open_conflicts(a.db, a.user) == []


def test_two_conflicts_in_one_bundle_are_both_stored_and_sent_down(offices, exchange_server):
    a, b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)
    first, second = records[0].nik, records[1].nik

    edit_person(a, first, nama="NAMA DARI A")
    edit_person(a, second, nama="NAMA LAIN DARI A")
    usb_round(a, exchange_server, "2")
    edit_person(b, first, nama="NAMA DARI B")
    edit_person(b, second, nama="NAMA LAIN DARI B")
    receipt, _down = usb_round(b, exchange_server, "2")

    # The server logs each conflict as a change of its own, numbered in the stream like any other.
    assert (receipt.conflict, receipt.applied) == (2, 0)
    assert sorted(c["kind"] for c in open_conflicts(b.db, b.user)) == ["identity", "identity"]


def test_a_delete_against_an_update_is_a_conflict(offices, exchange_server):
    a, b, _c = offices
    nik = _shared_person(offices, exchange_server)

    edit_person(a, nik, deleted_at=utcnow())
    usb_round(a, exchange_server, "2")
    edit_person(b, nik, alamat="JL. BARU")
    receipt, _down = usb_round(b, exchange_server, "2")

    assert receipt.conflict == 1
    assert [c["kind"] for c in open_conflicts(b.db, b.user)] == ["delete_update"]


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_disjoint_edits_of_one_person_merge_and_the_device_own_earlier_changes_are_no_conflict(
    offices, exchange_server
):
    a, b, _c = offices
    nik = _shared_person(offices, exchange_server)
    edit_person(a, nik, alamat="JL. DARI A")
    usb_round(a, exchange_server, "2")

    # B edits, its bundle is applied, and B edits the same field again before importing the answer: the
    # second change carries the same base as the first, which the server must not count against it.
    edit_person(b, nik, rt="009")
    sent, answer = b.folder / "b-2.ejps", b.folder / "b-2.answer"
    export_usb(b.db, b.user, sent)
    with exchange_server.unit_of_work().writing() as uow:
        answer_file(uow, sent, answer)
    edit_person(b, nik, rt="010", rw="004")
    import_usb_answer(b.db, b.user, answer)
    receipt, _down = usb_round(b, exchange_server, "3")

    assert (receipt.applied, receipt.conflict) == (1, 0)
    with exchange_server.unit_of_work() as uow:
        person = uow.session.scalars(select(Person).where(Person.nik == nik)).one()
        assert (person.alamat, person.rt, person.rw) == ("JL. DARI A", "010", "004")


def test_conflict_classes_map_to_the_rules_final_sk_and_append_only_realisasi():
    sk = entity_rules(entity("sk_penetapan"))
    held_final = _held({"status": "final", "nomor": "1"}, version=5)
    assert decide(sk, op="upsert", fields={"nomor": "2"}, base=5, held=held_final).code == "final"
    realisasi = entity_rules(entity("realisasi"))
    held = _held({"nilai": "100", "status": "aktif"}, version=3)
    assert (
        decide(realisasi, op="upsert", fields={"nilai": "200"}, base=3, held=held).outcome is Outcome.REFUSED
    )
    cancelled = decide(realisasi, op="upsert", fields={"status": "dibatalkan"}, base=3, held=held)
    assert cancelled.outcome is Outcome.APPLIED
    person = entity_rules(entity("person"))
    assert "nik" in person.identity_fields


def _held(fields, version):
    from sync.conflicts import HeldRecord

    return HeldRecord(version=version, fields=fields)


def test_a_person_moving_to_another_kabupaten_leaves_one_office_and_arrives_whole_in_the_other(
    offices, exchange_server
):
    a, b, c = offices
    nik = _shared_person(offices, exchange_server)
    usb_round(c, exchange_server)  # C's first pull: Boalemo's snapshot, without A's people
    assert nik not in people(c.db)

    edit_person(a, nik, kode_desa=DESA_BOALEMO)
    receipt, _down = usb_round(a, exchange_server, "2")
    assert receipt.applied == 1

    usb_round(b, exchange_server, "2")
    usb_round(c, exchange_server, "2")
    assert nik not in people(a.db)  # the office that moved them keeps no copy either, once the server took it
    assert nik not in people(b.db)
    assert people(c.db)[nik]["kode_desa"] == DESA_BOALEMO
    with c.db.unit_of_work() as uow:
        moved = uow.session.scalars(select(Person).where(Person.nik == nik)).one()
        assert moved.nama and moved.tgl_lahir  # whole, not a partial first sighting


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_the_server_never_sends_an_office_its_own_changes(offices, exchange_server):
    a, _b, _c = offices
    import_households(a, DESA_LIMBOTO)
    usb_round(a, exchange_server)
    edit_person(a, people(a.db).popitem()[0], alamat="JL. LAIN")

    _receipt, down = usb_round(a, exchange_server, "2")

    assert down is None or down.records == 0


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_laptop_whose_clock_is_a_year_off_syncs_normally(offices, exchange_server):
    a, b, _c = offices
    records = import_households(a, DESA_LIMBOTO)
    with a.db.unit_of_work().writing() as uow:
        for change in uow.session.scalars(select(SyncChange)):
            change.recorded_at = change.recorded_at + timedelta(days=366)
        uow.commit()

    receipt, _down = usb_round(a, exchange_server)
    usb_round(b, exchange_server)

    assert receipt.verdict == "applied" and receipt.refused == 0
    assert {r.nik for r in records} <= set(people(b.db))


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_a_guest_may_not_apply_a_receipt(offices, exchange_server):
    from app.auth.roles import Role
    from app.errors import Forbidden
    from tests.conftest import make_user

    a, _b, _c = offices
    admin = login(a.db.unit_of_work(), "admin", ADMIN_PASSWORD)
    guest = make_user(a.db, admin, "tamu", Role.GUEST, "7501")
    with pytest.raises(Forbidden):
        apply_receipt(a.db, guest, b"EJPSRCPT")


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_an_answer_made_for_another_office_is_refused_and_changes_nothing(offices, exchange_server):
    from sync.bundle import BundleRefused

    a, b, _c = offices
    import_households(a, DESA_LIMBOTO)
    sent, answer = a.folder / "a.ejps", a.folder / "a.answer"
    export_usb(a.db, a.user, sent)
    with exchange_server.unit_of_work().writing() as uow:
        answer_file(uow, sent, answer)
    before = fingerprint(b.db)

    with pytest.raises(BundleRefused) as refused:
        import_usb_answer(b.db, b.user, answer)

    assert refused.value.code == "wrong_recipient"
    assert fingerprint(b.db) == before


def _upload_only(office, server):
    """The office sends what waits and takes the receipt, without pulling what others did."""
    bundle = prepare_upload(office.db, office.user)
    return apply_receipt(office.db, office.user, _apply(server, bundle.data))


@pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)
def test_an_edit_merged_with_an_unseen_one_does_not_let_the_next_edit_overwrite_it_silently(
    offices, exchange_server
):
    a, b, _c = offices
    person = import_households(a, DESA_LIMBOTO, count=1)[0]
    usb_round(a, exchange_server)
    usb_round(b, exchange_server)  # B holds the person
    edit_person(a, person.nik, alamat="JL. DARI KANTOR A")
    usb_round(a, exchange_server)  # on the server; B has not pulled it
    edit_person(b, person.nik, rt="009")
    assert _upload_only(b, exchange_server).applied == 1  # merged with A's address, which B has not seen
    edit_person(b, person.nik, alamat="JL. DARI KANTOR B")  # over the address B holds: the old one

    summary = _upload_only(b, exchange_server)

    assert summary.conflict == 1  # not applied over A's address unseen
    with exchange_server.unit_of_work() as uow:
        held = uow.session.scalars(select(Person).where(Person.nik == person.nik)).one()
        assert (held.alamat, held.rt) == ("JL. DARI KANTOR A", "009")
        conflict = uow.session.scalars(select(SyncConflict)).one()
        assert conflict.mine == {"alamat": "JL. DARI KANTOR B"}
        assert conflict.theirs == {"alamat": "JL. DARI KANTOR A"}
