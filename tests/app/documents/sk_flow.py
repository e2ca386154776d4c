"""SKs penetapan for the documents' tests, built as an operator builds them: the people proposed in a list,
the list imported and screened, an SK drafted from it (`draft_sk`), its header filled in and finalised
(`finalise_sk`), or corrected by an amending SK (`amend_sk`)."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from app.documents.sk import draft_sk, update_sk
from app.documents.sk_final import amend_sk, finalise_sk
from app.documents.sk_quota import remove_from_sk, sk_ranking
from app.screening import service
from tests.app.screening.test_engine import import_list, proposal, write_proposals
from tests.factories import PersonRecord

SIGNATORY = {
    "penandatangan_nama": "Drs. HAMZAH LIHAWA, M.Si",
    "penandatangan_nip": "196805121994031007",
    "penandatangan_jabatan": "Kepala Dinas Sosial",
    "tempat": "Limboto",
}


def screened_list(db, user, people: list[PersonRecord], program_id: int, name: str) -> int:
    """A desa's proposal list of `people`, imported and screened."""
    with TemporaryDirectory() as folder:
        path = write_proposals(Path(folder) / "usulan.csv", [proposal(p) for p in people])
        list_id = import_list(db, user, path, program_id, name)
    service.screen_list(db, user, list_id)
    return list_id


def draft(db, user, program_id: int, people: list[PersonRecord], name: str = "usulan", **fields) -> int:
    """A draft SK naming `people` (each must pass screening: a test's data is built to), ranked by quota."""
    list_id = screened_list(db, user, people, program_id, name)
    sk = draft_sk(db, user, program_id, [list_id], **(SIGNATORY | fields))
    rows = sk.summary.penerima + sk.summary.di_luar_kuota
    assert rows == len(people), f"only {rows} of {len(people)} people passed screening into the SK"
    return sk.summary.id


def final(db, user, program_id: int, people: list[PersonRecord], name: str = "usulan", **fields) -> int:
    sk_id = draft(db, user, program_id, people, name, **fields)
    finalise_sk(db, user, sk_id)
    return sk_id


def take_out(db, user, sk_id: int, niks: set[str], reason: str = "Tidak ditemukan saat verifikasi lapangan"):
    for row in sk_ranking(db, user, sk_id):
        if row.nik in niks:
            remove_from_sk(db, user, sk_id, row.id, reason)


def amend(db, user, sk_id: int, without: set[str] = frozenset(), **fields) -> int:
    """A final SK correcting `sk_id`, without the people of the NIKs `without`; `fields`: its number, date…"""
    new_id = amend_sk(db, user, sk_id).summary.id
    take_out(db, user, new_id, set(without))
    update_sk(db, user, new_id, **fields)
    finalise_sk(db, user, new_id)
    return new_id
