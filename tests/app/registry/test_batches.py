import pytest

from app.errors import Forbidden, NotFound
from app.registry.batches import batch_issues, list_batches
from app.registry.fields import ExtractKind
from app.registry.importer import RegistryImport
from tests.factories import people, write_csv


def _import(db, user, path):
    job = RegistryImport(db, user, ExtractKind.DUKCAPIL, [path])
    try:
        job.prepare()
        return job.commit()
    finally:
        job.close()


def test_committed_imports_are_listed_newest_first_with_counts(office_db, operator, tmp_path):
    records = people(4)
    first = _import(office_db, operator, write_csv(tmp_path / "a.csv", records))
    bad = records[0].but(nik="123")  # refused: not 16 digits
    second = _import(office_db, operator, write_csv(tmp_path / "b.csv", [*records[1:], bad]))
    batches = list_batches(office_db.unit_of_work(), operator)
    assert [b.id for b in batches] == [second.batch_id, first.batch_id]
    assert batches[1].added == 12 and batches[1].file_name == "a.csv" and batches[1].imported_by == "operator"
    assert batches[0].gone == 1 and batches[0].refused == 1


def test_issues_of_a_committed_batch_are_kept(office_db, operator, tmp_path):
    records = people(2)
    result = _import(office_db, operator, write_csv(tmp_path / "a.csv", [*records, records[0].but(nik="12")]))
    issues = batch_issues(office_db.unit_of_work(), operator, result.batch_id)
    assert issues and issues[0].field == "nik" and issues[0].value == "12"


def test_unknown_batch_is_not_found(office_db, operator):
    with pytest.raises(NotFound):
        batch_issues(office_db.unit_of_work(), operator, 999)


def test_guest_cannot_list_imports(office_db, guest):
    with pytest.raises(Forbidden):
        list_batches(office_db.unit_of_work(), guest)
