"""A small registry, a program and a final SK penetapan for the realisasi tests, built through the use cases
an operator uses: the registry imported, the heads of household proposed, screened, drafted into an SK and
finalised (`sk_flow`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.documents.sk_final import finalise_sk
from app.registry.importer import RegistryImport
from tests.app.documents import sk_flow
from tests.app.screening.test_programs import make_program
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, PersonRecord, household, write_csv

SK_VALUE = 300_000
SK_DATE = date(2026, 2, 2)
DEATH = "2026-03-10"
LIMBOTO_PEOPLE = [p for i in range(4) for p in household(i, DESA_LIMBOTO)]
TELAGA_PEOPLE = [p for i in range(6, 8) for p in household(i, DESA_TELAGA)]
# The registry when the SK was drafted: everyone alive.
REGISTRY_AT_SK = LIMBOTO_PEOPLE + TELAGA_PEOPLE
# Heads of household are the SK's recipients; the head of the second Limboto family died on 10-03-2026, after
# the SK: the registry learns it from a later Dukcapil extract (`record_death`). A person already dead when the
# list is screened fails screening and never enters an SK, so a recipient served after death can only arise so.
DEAD = LIMBOTO_PEOPLE[3].but(status="meninggal", tgl_status=DEATH)
REGISTRY = [DEAD if p == LIMBOTO_PEOPLE[3] else p for p in LIMBOTO_PEOPLE] + TELAGA_PEOPLE
HEADS = [p for p in REGISTRY if p.hubungan_keluarga == "KEPALA KELUARGA"]
NOT_IN_SK = LIMBOTO_PEOPLE[1]  # a wife in the registry, not named by the SK


@dataclass(frozen=True)
class FinalSk:
    id: int
    program_id: int
    nomor: str
    recipients: tuple[PersonRecord, ...]


def import_people(db, user, folder, records) -> None:
    job = RegistryImport(db, user, "dukcapil", [write_csv(folder / "dukcapil.csv", records)])
    job.inspect()
    job.prepare()
    job.commit()


def record_death(db, user, folder) -> None:
    """The next Dukcapil extract, recording the death of DEAD after the SK was finalised."""
    import_people(db, user, folder, REGISTRY)


def make_draft_sk(db, user, program_id: int, people, nomor: str = "400/DINSOS/12/2026") -> int:
    """A draft SK naming `people` (alive in the registry at the time), drafted from a screened list."""
    return sk_flow.draft(
        db,
        user,
        program_id,
        list(people),
        name=f"usulan {nomor}",
        nomor=nomor,
        tanggal=SK_DATE,
        judul="Penetapan penerima Bantuan Pangan Lansia",
        nilai_per_penerima=SK_VALUE,
    )


def make_final_sk(db, user, program_id: int, people, nomor: str = "400/DINSOS/12/2026") -> FinalSk:
    sk_id = make_draft_sk(db, user, program_id, people, nomor)
    finalise_sk(db, user, sk_id)
    return FinalSk(sk_id, program_id, nomor, tuple(people))


def _office_with_final_sk(db, operator, folder) -> dict:
    import_people(db, operator, folder, REGISTRY_AT_SK)
    program = make_program(db, operator, tahun=2026)
    sk = make_final_sk(db, operator, program.id, HEADS)
    record_death(db, operator, folder)
    return {"program": program, "final_sk": sk}


@pytest.fixture
def office_recipe(request):
    # Building the final SK (import, screening, draft, finalisation) costs seconds: done once per process.
    return ("final-sk", _office_with_final_sk) if "final_sk" in request.fixturenames else None


@pytest.fixture
def registry(office_db, operator, tmp_path, office_values):
    if not office_values:
        import_people(office_db, operator, tmp_path, REGISTRY_AT_SK)


@pytest.fixture
def program(office_db, operator, office_values):
    return office_values.get("program") or make_program(office_db, operator, tahun=2026)


@pytest.fixture
def final_sk(office_db, operator, registry, program, tmp_path, office_values) -> FinalSk:
    if office_values:
        return office_values["final_sk"]
    sk = make_final_sk(office_db, operator, program.id, HEADS)
    record_death(office_db, operator, tmp_path)
    return sk


def serve_many(db, user, sk_id: int, count: int) -> None:
    """`count` realisasi rows of a bank's list for the SK (people it does not name: NIKs 7501011000000000,
    ...01, ...; names PENERIMA 00000, ...), written as the import writes them."""
    from app.documents.realisasi import sk_for_realisasi, write_rows
    from tests.factories import DESA_LIMBOTO

    with db.unit_of_work().writing() as uow:
        sk = sk_for_realisasi(uow.session, user, sk_id)
        rows = [
            {
                "nik": f"75010110{n:08d}",
                "nama": f"PENERIMA {n:05d}",
                "kode_desa": DESA_LIMBOTO,
                "tanggal": date(2026, 3, 1),
                "nilai": SK_VALUE,
                "saluran": "bank",
                "jumlah_fisik": 0.0,
                "satuan": "",
                "sumber": f"bank.xlsx baris {n + 2}",
                "sk_penerima_id": None,
                "person_id": None,
            }
            for n in range(count)
        ]
        write_rows(uow, user, sk, rows, "uji")
        uow.commit()
