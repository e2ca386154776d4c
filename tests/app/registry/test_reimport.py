"""Re-importing a newer extract reconciles: adds, updates with history, marks missing, never duplicates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.jobs import Cancelled, Progress
from app.registry.importer import RegistryImport
from app.registry.people import person_detail
from db.models import AuditEntry, Household, ImportBatch, Person, RecordHistory
from tests.factories import DESA_TELAGA, people, write_csv


def run_import(db, user, path, kind="dukcapil"):
    job = RegistryImport(db, user, kind, [path])
    job.inspect()
    preview = job.prepare()
    return preview, job.commit()


def count(db, model) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_first_import_creates_people_households_batch_and_audit(office_db, operator, tmp_path):
    preview, result = run_import(office_db, operator, write_csv(tmp_path / "d.csv", people(4)))
    assert result.imported and preview.added == 12
    assert count(office_db, Person) == 12 and count(office_db, Household) == 4
    with office_db.sessions() as session:
        batch = session.get(ImportBatch, result.batch_id)
        assert (batch.kind, batch.file_name, batch.added, batch.imported_by) == (
            "dukcapil",
            "d.csv",
            12,
            "operator",
        )
        assert len(batch.sha256) == 64
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.dukcapil")).one()
        assert audit.username == "operator" and audit.after["added"] == 12
        uids = session.scalars(select(Person.uid)).all()
        assert len(set(uids)) == 12


def test_importing_the_same_file_twice_changes_nothing(office_db, operator, tmp_path):
    path = write_csv(tmp_path / "d.csv", people(4))
    run_import(office_db, operator, path)
    with office_db.sessions() as session:
        before = session.execute(select(Person.nik, Person.updated_at, Person.last_batch_id)).all()
    preview, result = run_import(office_db, operator, path)
    assert not result.imported
    assert (preview.added, preview.changed, preview.gone, preview.unchanged) == (0, 0, 0, 12)
    assert preview.previous_import_at is not None
    with office_db.sessions() as session:
        assert session.execute(select(Person.nik, Person.updated_at, Person.last_batch_id)).all() == before
    assert count(office_db, ImportBatch) == 1 and count(office_db, RecordHistory) == 0


def test_newer_extract_updates_changed_rows_keeps_history_and_marks_missing(
    office_db, operator, admin, tmp_path
):
    original = people(5)
    run_import(office_db, operator, write_csv(tmp_path / "v1.csv", original))
    newer = list(original)
    newer[0] = newer[0].but(alamat="JL. BARU NO. 9")
    newer[4] = newer[4].but(status="meninggal", tgl_status="2026-03-01")
    gone = newer.pop(7)
    added = people(6)[-3:]
    preview, result = run_import(office_db, operator, write_csv(tmp_path / "v2.csv", newer + added))
    assert (preview.added, preview.changed, preview.gone, preview.unchanged) == (3, 2, 1, 12)
    assert count(office_db, Person) == 18  # nobody duplicated, nobody deleted
    with office_db.sessions() as session:
        changed = session.scalars(select(Person).where(Person.nik == original[0].nik)).one()
        assert changed.alamat == "JL. BARU NO. 9"
        missing = session.scalars(select(Person).where(Person.nik == gone.nik)).one()
        assert missing.missing_since_batch_id == result.batch_id
        person_id = changed.id
    detail = person_detail(office_db.unit_of_work(), admin, person_id)
    assert [(h.change, h.before, h.after) for h in detail.history] == [
        ("ubah", {"alamat": original[0].alamat}, {"alamat": "JL. BARU NO. 9"})
    ]
    # The person comes back in a later extract: no longer missing, history says so.
    preview, _ = run_import(office_db, operator, write_csv(tmp_path / "v3.csv", newer + added + [gone]))
    assert preview.added == 0 and preview.changed == 1
    with office_db.sessions() as session:
        back = session.scalars(select(Person).where(Person.nik == gone.nik)).one()
        assert back.missing_since_batch_id is None
        changes = session.scalars(
            select(RecordHistory.change).where(RecordHistory.entity_id == back.id)
        ).all()
        assert changes == ["hilang", "kembali"]


def test_partial_extract_of_one_desa_does_not_mark_other_desa_missing(office_db, operator, tmp_path):
    limboto, telaga = people(3), people(3, DESA_TELAGA)
    run_import(office_db, operator, write_csv(tmp_path / "all.csv", limboto + telaga))
    preview, _ = run_import(office_db, operator, write_csv(tmp_path / "telaga.csv", telaga[:-1]))
    assert (preview.gone, preview.desa_covered) == (1, 1)


def test_a_file_of_additions_only_marks_nobody_missing(office_db, operator, tmp_path):
    run_import(office_db, operator, write_csv(tmp_path / "all.csv", people(3)))
    job = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "baru.csv", people(5)[-6:])])
    job.inspect()
    preview = job.prepare(mark_missing=False)
    assert (preview.added, preview.gone) == (6, 0)
    job.commit()
    assert count(office_db, Person) == 15
    with office_db.sessions() as session:
        assert session.scalar(select(func.count()).where(Person.missing_since_batch_id.is_not(None))) == 0


def test_cancel_while_preparing_or_committing_leaves_registry_unchanged(office_db, operator, tmp_path):
    path = write_csv(tmp_path / "d.csv", people(20))
    job = RegistryImport(office_db, operator, "dukcapil", [path])
    job.inspect()
    with pytest.raises(Cancelled):
        job.prepare(progress=Progress(cancelled=lambda: True))
    job = RegistryImport(office_db, operator, "dukcapil", [path])
    job.inspect()
    job.prepare()
    calls = []

    def cancel_late() -> bool:
        calls.append(1)
        return len(calls) > 1  # after the rows were written, before the commit

    with pytest.raises(Cancelled):
        job.commit(Progress(cancelled=cancel_late))
    assert (
        count(office_db, Person) == 0
        and count(office_db, ImportBatch) == 0
        and count(office_db, Household) == 0
    )


def test_error_during_commit_rolls_everything_back(office_db, operator, tmp_path, monkeypatch):
    run_import(office_db, operator, write_csv(tmp_path / "v1.csv", people(3)))
    job = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "v2.csv", people(6))])
    job.inspect()
    job.prepare()
    import app.registry.importer as importer

    def broken(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(importer.RegistryImport, "_remember_mapping", broken)
    with pytest.raises(RuntimeError):
        job.commit()
    assert count(office_db, Person) == 9  # v1 only: v2 rolled back
    assert count(office_db, ImportBatch) == 1


def test_dtks_import_links_desil_and_programs_to_the_person(office_db, operator, admin, tmp_path):
    from tests.factories import DTKS_HEADERS, dtks_rows

    records = people(2)
    run_import(office_db, operator, write_csv(tmp_path / "d.csv", records))
    path = write_csv(tmp_path / "dtks.csv", dtks_rows(records, desil=2), headers=DTKS_HEADERS)
    job = RegistryImport(office_db, operator, "dtks", [path], source_label="DTSEN")
    plan = job.inspect()
    assert plan.mapping["program:pkh"] == "pkh"
    preview = job.prepare()
    assert preview.added == 6 and preview.refused_rows == 0
    job.commit()
    with office_db.sessions() as session:
        person_id = session.scalar(select(Person.id).where(Person.nik == records[0].nik))
    detail = person_detail(office_db.unit_of_work(), admin, person_id)
    assert [(d.source, d.desil, d.programs) for d in detail.dtks] == [
        ("DTSEN", 2, {"bpnt": 1, "pbi": 0, "pkh": 1})
    ]
    assert [m.nik for m in detail.household][0] == records[0].nik


def test_commit_after_another_import_compares_again_and_never_duplicates(office_db, operator, tmp_path):
    records = people(4)
    waiting = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "a.csv", records)])
    waiting.inspect()
    assert waiting.prepare().added == 12
    run_import(office_db, operator, write_csv(tmp_path / "b.csv", records[:6]))  # committed in between
    result = waiting.commit()
    assert result.imported
    assert count(office_db, Person) == 12
