"""Damaged or hostile proposal files and typed rows: unreadable bytes, NULs and absurdly long cells are refused
where they are (file, row, column), never stored or exported."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.registry.fields import CELL_LIMIT, FIELD_LIMITS
from app.registry.issues import Severity
from app.screening.programs import create_proposal_list
from app.screening.proposal_entry import add_proposal
from db.models import Proposal
from tests.app.screening.test_proposal_import import HEADERS, proposal_rows, run, stored
from tests.factories import DESA_LIMBOTO, people, write_csv


def refused(preview):
    return [(i.row_number, i.field, i.code) for i in preview.issues if i.severity is Severity.REFUSED]


def test_an_invalid_byte_refuses_only_its_row_and_accented_names_stay_utf8(office_db, operator, tmp_path):
    rows = proposal_rows(people(100))
    rows[0]["Nama Lengkap"] = "ÉNDANG SÜSANTI"
    rows[250]["Keterangan"] = "RUSAK DI SINI"
    path = write_csv(tmp_path / "usulan.csv", rows, HEADERS)
    path.write_bytes(path.read_bytes().replace(b"RUSAK DI", b"RUSAK\xfe DI"))
    job, preview = run(office_db, operator, [path])
    assert refused(preview) == [(252, "Keterangan", "teks_tak_terbaca")]
    assert "Keterangan" in preview.issues[0].message and "UTF-8" in preview.issues[0].message
    list_id = job.commit()
    proposals = stored(office_db, list_id)
    assert proposals[0].nama == "ÉNDANG SÜSANTI"
    assert 252 not in [p.baris for p in proposals]


def test_a_nul_byte_in_a_name_refuses_its_row(office_db, operator, tmp_path):
    rows = proposal_rows(people(2))
    rows[3]["Nama Lengkap"] = "ATT\x00AR DAUD"
    job, preview = run(office_db, operator, [write_csv(tmp_path / "nul.csv", rows, HEADERS)])
    assert refused(preview) == [(5, "nama", "teks_tak_terbaca")]
    list_id = job.commit()
    assert "ATT AR DAUD" not in [p.nama for p in stored(office_db, list_id)]


def test_over_long_cells_are_refused_naming_column_and_limit(office_db, operator, tmp_path):
    rows = proposal_rows(people(2))
    rows[1]["Nama Lengkap"] = "N" * (FIELD_LIMITS["nama"] + 1)
    rows[2]["Alamat"] = "JL. " + "X" * 1_000_000
    rows[3]["Keterangan"] = "K" * (CELL_LIMIT + 1)  # an unmapped column, kept in the export
    job, preview = run(office_db, operator, [write_csv(tmp_path / "panjang.csv", rows, HEADERS)])
    assert refused(preview) == [
        (3, "nama", "terlalu_panjang"),
        (4, "alamat", "terlalu_panjang"),
        (5, "Keterangan", "terlalu_panjang"),
    ]
    messages = [i.message for i in preview.issues]
    assert f"paling banyak {FIELD_LIMITS['nama']}" in messages[0]
    assert f"paling banyak {FIELD_LIMITS['alamat']}" in messages[1] and len(messages[1]) < 400
    assert f"paling banyak {CELL_LIMIT}" in messages[2]
    assert preview.rows_accepted == 3


@pytest.mark.parametrize("field", ["nama", "alamat"])
def test_a_typed_value_longer_than_its_limit_is_refused(office_db, operator, field):
    list_id = create_proposal_list(
        office_db, operator, None, "Usulan diketik", "Desa Kayubulan", DESA_LIMBOTO
    )
    values = {"nama": "SITI", field: "A" * (FIELD_LIMITS[field] + 1)}
    with pytest.raises(DomainError, match=f"terlalu panjang.*paling banyak {FIELD_LIMITS[field]}"):
        add_proposal(office_db, operator, list_id, values)
    with office_db.sessions() as session:
        assert session.scalars(select(Proposal)).first() is None
