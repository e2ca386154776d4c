"""The sync panel's queries on a real office database whose outbox was filled by its own work (see conftest:
the rows are marked sent and answered through the table, as the exchange's receipts would)."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.errors import Forbidden
from app.sync.attempts import record_sync_attempt
from app.sync.status import (
    LedgerFilter,
    export_ledger_csv,
    ledger_kinds,
    open_conflicts,
    require_sync_start,
    sync_ledger,
    sync_overview,
    waiting_by_kind,
)
from db.sync_models import SyncChange, SyncConflict


def _pending(db) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).where(SyncChange.state == "pending"))


def test_the_ledger_shows_each_bundle_with_the_servers_answers_newest_first(sent_office):
    page = sync_ledger(sent_office.db.unit_of_work(), sent_office.operator)

    assert page.total == 2
    newest, oldest = page.rows
    assert newest.bundle_id == sent_office.second and oldest.bundle_id == sent_office.first
    first_count = sent_office.first_range[1]
    assert (oldest.changes, oldest.applied, oldest.duplicate, oldest.conflict, oldest.refused) == (
        first_count,
        first_count - 3,
        1,
        1,
        1,
    )
    assert oldest.confirmed and oldest.answered_at is not None
    assert (newest.unanswered, newest.answered_at, newest.confirmed) == (newest.changes, None, False)
    assert "Realisasi" in newest.kinds and "SK" in oldest.kinds


def test_what_is_waiting_is_counted_by_kind_in_an_officers_words(sent_office):
    waiting = waiting_by_kind(sent_office.db.unit_of_work(), sent_office.operator)
    overview = sync_overview(sent_office.db.unit_of_work(), sent_office.operator)

    labels = {k.label: k.count for k in waiting}
    assert labels["Form 1"] >= 1 and "Usulan" not in labels
    assert sum(labels.values()) == overview.waiting == _pending(sent_office.db)
    assert overview.unanswered == sent_office.second_range[1] - sent_office.second_range[0] + 1


def test_the_ledger_filters_by_kind_and_finds_a_person_by_nik(sent_office):
    uow = sent_office.db.unit_of_work
    only_realisasi = sync_ledger(uow(), sent_office.operator, LedgerFilter(kind="realisasi"))
    assert [r.bundle_id for r in only_realisasi.rows] == [sent_office.second]
    assert only_realisasi.rows[0].kinds == ("Realisasi",)

    by_nik = sync_ledger(uow(), sent_office.operator, LedgerFilter(text=sent_office.realisasi_nik))
    assert {r.bundle_id for r in by_nik.rows} == {sent_office.first, sent_office.second}
    assert all(r.changes < 10 for r in by_nik.rows)  # the person's own changes, not the whole bundle
    assert sync_ledger(uow(), sent_office.operator, LedgerFilter(text="7501019999999999")).total == 0
    assert "realisasi" in {k.entity for k in ledger_kinds(uow(), sent_office.operator)}


def test_a_guest_reads_counts_but_cannot_search_people_or_start_a_sync(sent_office):
    overview = sync_overview(sent_office.db.unit_of_work(), sent_office.guest)
    assert overview.may_sync is False and overview.may_search is False and overview.may_enroll is False
    assert sync_ledger(sent_office.db.unit_of_work(), sent_office.guest).total == 2
    with pytest.raises(Forbidden):
        sync_ledger(
            sent_office.db.unit_of_work(), sent_office.guest, LedgerFilter(text=sent_office.realisasi_nik)
        )
    with pytest.raises(Forbidden):
        require_sync_start(sent_office.guest)
    with pytest.raises(Forbidden):
        record_sync_attempt(sent_office.db.unit_of_work(), sent_office.guest, "http", datetime.now(UTC), True)
    with pytest.raises(Forbidden):
        open_conflicts(sent_office.db.unit_of_work(), sent_office.guest)


def test_a_kecamatan_operator_sees_only_their_regions_changes(sent_office):
    whole = sync_ledger(sent_office.db.unit_of_work(), sent_office.operator).rows[-1].changes
    own = sync_ledger(sent_office.db.unit_of_work(), sent_office.kecamatan_operator).rows[-1].changes
    assert 0 < own < whole


def test_the_last_attempt_is_the_last_sync_shown(sent_office):
    started = datetime.now(UTC)
    record_sync_attempt(
        sent_office.db.unit_of_work(), sent_office.operator, "http", started, False, "Server tidak menjawab"
    )
    record_sync_attempt(sent_office.db.unit_of_work(), sent_office.operator, "usb_export", started, True)

    overview = sync_overview(sent_office.db.unit_of_work(), sent_office.operator)
    assert (overview.last_attempt.kind, overview.last_attempt.ok) == ("usb_export", True)
    assert overview.last_success_at is not None and overview.last_answer_at is not None


def test_the_ledger_exports_to_csv_whole(sent_office, tmp_path):
    path = tmp_path / "buku.csv"
    assert export_ledger_csv(sent_office.db, sent_office.operator, path) == 2
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Bundel", "Dikirim", "Perubahan"]
    assert rows[1][0] == str(sent_office.second) and rows[2][0] == str(sent_office.first)


def test_open_conflicts_are_listed_with_the_record_they_concern(sent_office):
    assert open_conflicts(sent_office.db.unit_of_work(), sent_office.operator) == []
    with sent_office.db.sessions() as session:
        person_uid = session.scalar(
            select(SyncChange.uid).where(SyncChange.entity == "person").order_by(SyncChange.seq).limit(1)
        )
        session.add(
            SyncConflict(
                entity="person",
                uid=person_uid,
                base=7,
                mine={"nama": "SITI AMINAH"},
                theirs={"nama": "SITI AMINA"},
                kind="identity",
                device=uuid.uuid4(),
                seq=12,
                username="op_telaga",
            )
        )
        session.commit()

    (conflict,) = open_conflicts(sent_office.db.unit_of_work(), sent_office.operator)
    assert (conflict.label, conflict.mine, conflict.theirs) == (
        "Data penduduk",
        {"nama": "SITI AMINAH"},
        {"nama": "SITI AMINA"},
    )
    assert len(conflict.record.split(" — ")[0]) == 16  # the NIK of the person it concerns
    assert sync_overview(sent_office.db.unit_of_work(), sent_office.operator).open_conflicts == 1
