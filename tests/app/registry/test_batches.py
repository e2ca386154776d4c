import pytest

from app.audit import audit_entries
from app.errors import Forbidden, NotFound
from app.registry.batches import batch_issues, list_batches
from app.registry.fields import ExtractKind
from app.registry.importer import RegistryImport
from app.registry.issues_export import export_issues_xlsx
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


def test_an_operator_of_one_kecamatan_reads_only_the_problem_rows_of_that_kecamatan(
    office_db, operator, kecamatan_operator, tmp_path
):
    from tests.factories import DESA_TELAGA

    limboto, telaga = people(1), people(1, DESA_TELAGA)
    bad_limboto, bad_telaga = limboto[0].but(nik="1234"), telaga[0].but(nik="5678")
    rows = [*limboto, *telaga, bad_limboto, bad_telaga, telaga[1].but(kode_desa="")]
    result = _import(office_db, operator, write_csv(tmp_path / "kab.csv", rows))
    everything = batch_issues(office_db.unit_of_work(), operator, result.batch_id)
    assert {i.value for i in everything if i.field == "nik"} == {"1234", "5678"}
    assert any(i.field == "kode_desa" for i in everything)
    # The kabupaten's import, read by the operator of Kec. Limboto: the Limboto row only.
    shown = batch_issues(office_db.unit_of_work(), kecamatan_operator, result.batch_id)
    assert [(i.field, i.value, i.kode_desa) for i in shown] == [("nik", "1234", limboto[0].kode_desa)]
    # Their own import: every problem row, a row without a desa among them.
    newcomers = people(2)[3:]  # the second household of Kayubulan, not yet registered
    rows = [*newcomers[:2], newcomers[2].but(kode_desa=""), newcomers[0].but(nik="12")]
    own = _import(office_db, kecamatan_operator, write_csv(tmp_path / "kec.csv", rows))
    own_issues = batch_issues(office_db.unit_of_work(), kecamatan_operator, own.batch_id)
    assert {(i.field, i.kode_desa) for i in own_issues} == {
        ("kode_desa", ""),
        ("nik", newcomers[0].kode_desa),
    }


def test_an_export_of_import_issues_is_in_the_audit_log(office_db, admin, operator, tmp_path):
    records = people(2)
    result = _import(office_db, operator, write_csv(tmp_path / "a.csv", [*records, records[0].but(nik="12")]))
    issues = batch_issues(office_db.unit_of_work(), operator, result.batch_id)
    out = tmp_path / "masalah.xlsx"
    assert export_issues_xlsx(office_db.unit_of_work(), operator, issues, out, batch_id=result.batch_id) == 1
    (entry,) = audit_entries(office_db.unit_of_work(), admin, action_prefix="export.").entries
    assert (entry.username, entry.action, entry.entity, entry.entity_ref) == (
        "operator",
        "export.import_issues",
        "import_batch",
        str(result.batch_id),
    )
    assert entry.after == {"file": "masalah.xlsx", "rows": 1}


def test_an_import_is_audited_through_the_unit_of_work(office_db, admin, operator, tmp_path):
    result = _import(office_db, operator, write_csv(tmp_path / "a.csv", people(2)))
    (entry,) = audit_entries(office_db.unit_of_work(), admin, action_prefix="import.").entries
    assert (entry.username, entry.entity, entry.entity_ref) == (
        "operator",
        "import_batch",
        str(result.batch_id),
    )
    assert entry.after["added"] == 6 and entry.after["file"] == "a.csv"
