"""A small registry, a program and a final SK penetapan for the realisasi tests.

The SK is written straight through a unit of work (status "final", its lampiran rows and the program's
recipients of source "sk"), as the SK use cases will leave it once finalised."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from app.registry.importer import RegistryImport
from db.models import AidRecipient, Person, SkPenerima, SkPenetapan
from tests.app.screening.test_programs import make_program
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, PersonRecord, household, write_csv

SK_VALUE = 300_000
SK_DATE = date(2026, 2, 2)
DEATH = "2026-03-10"
LIMBOTO_PEOPLE = [p for i in range(4) for p in household(i, DESA_LIMBOTO)]
TELAGA_PEOPLE = [p for i in range(6, 8) for p in household(i, DESA_TELAGA)]
# Heads of household are the SK's recipients; the head of the second Limboto family died on 10-03-2026.
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


def make_final_sk(
    db, user, program_id: int, people, nomor: str = "400/DINSOS/12/2026", **sk_fields
) -> FinalSk:
    with db.unit_of_work().writing() as uow:
        session = uow.session
        sk = SkPenetapan(
            program_id=program_id,
            nomor=nomor,
            tanggal=SK_DATE,
            tahun=2026,
            judul="Penetapan penerima Bantuan Pangan Lansia",
            kode_wilayah=sk_fields.get("kode_wilayah", "7501"),
            status=sk_fields.get("status", "final"),
            nilai_per_penerima=SK_VALUE,
            total_nilai=SK_VALUE * len(people),
            hash_isi="0" * 64,
            final_at=datetime(2026, 2, 2, 9, 0),
            final_by=user.username,
            created_by=user.username,
        )
        session.add(sk)
        session.flush()
        ids = {p.nik: p.id for p in session.query(Person).filter(Person.nik.in_([r.nik for r in people]))}
        for number, record in enumerate(people, start=1):
            session.add(
                SkPenerima(
                    sk_id=sk.id,
                    urutan=number,
                    person_id=ids.get(record.nik),
                    nik=record.nik,
                    nama=record.nama,
                    alamat=record.alamat,
                    kode_desa=record.kode_desa,
                    nilai=SK_VALUE,
                    masuk=True,
                )
            )
            session.add(
                AidRecipient(
                    uid=uuid.uuid4(),
                    program_id=program_id,
                    nik=record.nik,
                    source="sk",
                    reference=nomor,
                    tanggal=SK_DATE,
                    sk_id=sk.id,
                    person_id=ids.get(record.nik),
                )
            )
        uow.commit()
        return FinalSk(sk.id, program_id, nomor, tuple(people))


@pytest.fixture
def registry(office_db, operator, tmp_path):
    import_people(office_db, operator, tmp_path, REGISTRY)


@pytest.fixture
def program(office_db, operator):
    return make_program(office_db, operator, tahun=2026)


@pytest.fixture
def final_sk(office_db, operator, registry, program) -> FinalSk:
    return make_final_sk(office_db, operator, program.id, HEADS)


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
