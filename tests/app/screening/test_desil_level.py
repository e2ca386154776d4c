"""A program's desil range cuts by the desil level it names (DTSEN, Inpres 4/2025: a household is ranked among
the nation, the province and the kabupaten/kota), and the DTKS flag sentence says which level it tells."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.screening import service
from app.screening.flags import Flag
from app.screening.programs import get_program, update_program
from tests.app.registry.test_dtsen_family import FAMILY_HEADERS, KAYUBULAN, family_row, import_file
from tests.app.screening.test_engine import by_baris, import_list, proposal, write_proposals
from tests.app.screening.test_programs import make_program
from tests.factories import write_csv

HEAD = KAYUBULAN[0][0]  # national desil 3, provincial 6, kabupaten/kota 8


@pytest.fixture
def registry(office_db, operator, tmp_path):
    records = [p for family in KAYUBULAN for p in family]
    import_file(office_db, operator, write_csv(tmp_path / "dukcapil.csv", records), "dukcapil", "DTKS")
    family = write_csv(
        tmp_path / "keluarga.csv", [family_row(KAYUBULAN[0], 3, 6, 8)], FAMILY_HEADERS, delimiter="|"
    )
    import_file(office_db, operator, family)


def screened_row(db, user, tmp_path, level: str | None):
    changes = {"desil_min": 1, "desil_max": 5} | ({"desil_acuan": level} if level else {})
    program = make_program(db, user, **changes)
    list_id = import_list(
        db, user, write_proposals(tmp_path / f"usulan_{level}.csv", [proposal(HEAD)]), program.id
    )
    service.screen_list(db, user, list_id)
    return by_baris(db, user, list_id)[2]


def test_a_program_cuts_by_the_national_desil_unless_it_names_another(
    office_db, operator, registry, tmp_path
):
    row = screened_row(office_db, operator, tmp_path, None)
    assert row.hasil == "LOLOS" and "DESIL_DI_LUAR" not in row.tanda
    assert "Terdaftar di DTSEN dengan desil 3 (nasional)." in row.alasan


def test_a_program_by_kabupaten_desil_fails_a_family_ranked_outside_its_range(
    office_db, operator, registry, tmp_path
):
    row = screened_row(office_db, operator, tmp_path, "kabupaten_kota")
    assert row.hasil == "TIDAK_LOLOS" and "DESIL_DI_LUAR" in row.tanda
    assert "Desil 8 (kabupaten/kota) di luar sasaran program (desil 1–5)." in row.alasan
    assert "Terdaftar di DTSEN dengan desil 8 (kabupaten/kota)." in row.alasan


def test_a_program_by_provincial_desil_reads_the_provincial_rank(office_db, operator, registry, tmp_path):
    row = screened_row(office_db, operator, tmp_path, "provinsi")
    assert "Desil 6 (provinsi) di luar sasaran program" in row.alasan


def test_the_desil_level_is_kept_changed_and_checked(office_db, operator):
    program = make_program(office_db, operator)
    assert program.desil_acuan == "nasional"
    changed = update_program(office_db.unit_of_work(), operator, program.id, desil_acuan="kabupaten/kota")
    assert changed.desil_acuan == "kabupaten_kota"
    assert get_program(office_db.unit_of_work(), operator, program.id).desil_acuan == "kabupaten_kota"
    with pytest.raises(DomainError) as refused:
        update_program(office_db.unit_of_work(), operator, program.id, desil_acuan="kecamatan")
    assert "kecamatan" in str(refused.value) and "nasional" in str(refused.value)


def test_a_result_recorded_before_desil_levels_still_reads():
    assert Flag("DTKS", {"source": "DTKS", "desil": 3}).sentence() == "Terdaftar di DTKS dengan desil 3."
    flag = Flag("DESIL_DI_LUAR", {"desil": 8, "low": 1, "high": 5, "tingkat": "kabupaten_kota"})
    assert flag.sentence() == "Desil 8 (kabupaten/kota) di luar sasaran program (desil 1–5)."
