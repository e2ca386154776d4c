"""Shared data of the SK tests: the screening tests' registry (Kayubulan in Kec. Limboto and Bulila in Kec. Telaga,
with DTKS desil), a program, and lists screened through the same services the GUI calls."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.screening import service
from db.models import AuditEntry
from tests.app.screening.test_engine import (
    LIMBOTO,
    REGISTRY,
    TELAGA,
    TWIN,
    by_baris,
    import_list,
    import_registry,
    proposal,
    registry_dtks,
    write_proposals,
)
from tests.app.screening.test_programs import make_program

# Rows 2-8: desil 3, dead (TIDAK LOLOS), two namesakes (PERLU CEK, not linked), desil 8, desil 2, outside
# DTKS, and the wife of row 2 (PERLU CEK, linked: one KK with another proposal).
DEAD = LIMBOTO[3]
UNSURE = proposal(TWIN, NIK="", **{"Kode Desa": "", "Alamat": ""})
SAME_KK = LIMBOTO[1]
LIST_A = [
    proposal(LIMBOTO[0]),
    proposal(DEAD),
    UNSURE,
    proposal(LIMBOTO[12]),
    proposal(TELAGA[0]),
    proposal(LIMBOTO[18]),
    proposal(SAME_KK),
]
LIST_B = [proposal(TELAGA[3]), proposal(LIMBOTO[9])]
SIGNED = {
    "nomor": "400.9/DINSOS/12/2025",
    "tanggal": "15-03-2025",
    "penandatangan_nama": "Drs. HAMZAH LIHAWA, M.Si",
    "penandatangan_nip": "196805121994031007",
    "penandatangan_jabatan": "Kepala Dinas Sosial",
    "tempat": "Limboto",
}


def screened_list(db, user, tmp_path, rows, program_id, name):
    list_id = import_list(db, user, write_proposals(tmp_path / f"{name}.csv", rows), program_id, name)
    service.screen_list(db, user, list_id)
    return list_id


def _screened_lists(db, user, folder, program_id: int) -> tuple[int, int]:
    return (
        screened_list(db, user, folder, LIST_A, program_id, "usulan_kayubulan"),
        screened_list(db, user, folder, LIST_B, program_id, "usulan_bulila"),
    )


def _office_with_lists(db, operator, folder) -> dict:
    import_registry(db, operator, folder, REGISTRY, registry_dtks())
    program = make_program(db, operator, kuota=0)
    return {"program": program, "lists": _screened_lists(db, operator, folder, program.id)}


@pytest.fixture
def office_recipe(request):
    # Importing the registry and screening both lists costs seconds: done once per process, copied per test.
    return ("sk-lists", _office_with_lists) if "lists" in request.fixturenames else None


@pytest.fixture
def registry(office_db, operator, tmp_path, office_values):
    if not office_values:
        import_registry(office_db, operator, tmp_path, REGISTRY, registry_dtks())


@pytest.fixture
def program(office_db, operator, registry, office_values):
    return office_values.get("program") or make_program(office_db, operator, kuota=0)


@pytest.fixture
def lists(office_db, operator, program, tmp_path, office_values):
    return office_values.get("lists") or _screened_lists(office_db, operator, tmp_path, program.id)


def row_of(db, user, list_id, baris):
    return by_baris(db, user, list_id)[baris]


def audit(db, action):
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def count(db, model, *where):
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))
