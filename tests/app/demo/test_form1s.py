"""The demo's filled Form 1s: every registration path, one household failing the skrining awal."""

from __future__ import annotations

from datetime import date

from app.demo.form1s import FORMS, add_demo_form1s
from app.documents.form1 import get_form1, list_form1
from app.registry.importer import RegistryImport
from tests.factories import people, write_csv


def test_the_demo_registers_households_on_every_path_and_one_fails_the_skrining(
    office_db, operator, tmp_path
):
    job = RegistryImport(office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", people(8))])
    job.inspect()
    job.prepare()
    job.commit()
    ids = add_demo_form1s(office_db, operator, today=date(2026, 3, 2))
    assert len(ids) == FORMS
    forms = [get_form1(office_db, operator, form_id) for form_id in ids]
    assert {f.jalur for f in forms} == {"aktif", "pasif", "sktm", "domisili"}
    assert [f.skrining.lolos for f in forms].count(False) == 1
    assert all(f.registri is not None and len(f.anggota) == 2 for f in forms)
    assert len(list_form1(office_db, operator)) == FORMS
