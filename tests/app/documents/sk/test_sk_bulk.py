"""An SK of a few thousand rows, drafted, changed and finalised through the use cases, gives the ranking, the
lampiran numbers, the totals and the content hash the row-by-row implementation gave (its values are kept
here), and a long SK use case can be cancelled between chunks with nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from app.documents import sk_final, sk_quota
from app.documents.sk import draft_sk
from app.jobs import Cancelled, Progress
from db.models import AidRecipient, ProposalList, Region, SkPenerima, SkPenetapan
from tests.app.documents.sk.conftest import SIGNED, screened_list
from tests.app.screening.test_engine import import_registry, proposal
from tests.app.screening.test_programs import make_program
from tests.factories import household

HOUSEHOLDS_PER_DESA = 700  # 4 desa × 700 heads of household: 2,800 people


def _desa(db) -> list[str]:
    with db.sessions() as session:
        codes = []
        for kecamatan in ("750101", "750102", "750103", "750104"):
            codes += list(
                session.scalars(
                    select(Region.code)
                    .where(Region.level == 4, Region.code.startswith(kecamatan))
                    .order_by(Region.code)
                    .limit(1)
                )
            )
    return codes


@pytest.fixture
def many(office_db, operator, admin, tmp_path):
    """2,800 heads of household (one per KK: members of one KK proposed together need a check) in four
    kecamatan, two thirds in DTKS with desil 1–10 (many ties), and a program with a total quota, a kecamatan
    quota and a desa quota."""
    desa = _desa(office_db)
    people = [
        household(index, kode_desa, size=1)[0] for kode_desa in desa for index in range(HOUSEHOLDS_PER_DESA)
    ]
    dtks = [(p, 1 + (i * 7) % 10) for i, p in enumerate(people) if i % 3 != 2]
    import_registry(office_db, operator, tmp_path, people, dtks)
    program = make_program(office_db, operator, kuota=2_300)
    sk_quota.set_region_quota(office_db, admin, program.id, desa[2][:6], 500)
    sk_quota.set_region_quota(office_db, admin, program.id, desa[0], 600)
    first = screened_list(
        office_db, operator, tmp_path, [proposal(p) for p in people[:1_900]], program.id, "a"
    )
    # 100 people proposed again in the second list: named once, from the first.
    second_people = people[1_800:]
    second = screened_list(
        office_db, operator, tmp_path, [proposal(p) for p in second_people], program.id, "b"
    )
    return program, [first, second]


def _digest(values) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=str).encode()).hexdigest()


def _table(db, sk_id: int) -> list:
    with db.sessions() as session:
        return [
            list(r)
            for r in session.execute(
                select(
                    SkPenerima.id, SkPenerima.nik, SkPenerima.nama, SkPenerima.alamat, SkPenerima.kode_desa,
                    SkPenerima.nilai, SkPenerima.desil, SkPenerima.peringkat, SkPenerima.urutan, SkPenerima.masuk,
                    SkPenerima.alasan, SkPenerima.alasan_rinci, SkPenerima.dipaksa_oleh,
                    SkPenerima.deleted_at.is_(None),
                )
                .where(SkPenerima.sk_id == sk_id)
                .order_by(SkPenerima.id)
            )
        ]  # fmt: skip


# Computed by the row-by-row implementation (ORM objects, one flush per change) on the data of `many`.
DRAFT_TABLE = "a71b5b5b1878b174d1cce96371f1f2b7a152869d3d935f017b274651f6495adc"
DRAFT_COUNTS = (2_300, 500, 690_000_000)  # in, outside the quotas, total value
CHANGED_TABLE = "12357e008e4bd52fb680618d7c9f61bd9ec9f4814b6dbe9a6309e24bbfc02215"
FINAL_HASH = "0233bccbea48834e4ab8f7b83edec310a72340f91d88ee970b013616eb9b20b2"


def test_a_draft_of_thousands_of_rows_ranks_numbers_and_hashes_as_row_by_row_did(
    office_db, operator, admin, many
):
    program, lists = many
    sk = draft_sk(office_db, operator, program.id, lists, **SIGNED)
    sk_id = sk.summary.id
    table = _table(office_db, sk_id)
    assert len(table) == 2_800  # 2,900 rows proposed, 100 people twice
    assert (sk.summary.penerima, sk.summary.di_luar_kuota, sk.summary.total_nilai) == DRAFT_COUNTS
    assert _digest(table) == DRAFT_TABLE

    ranking = sk_quota.sk_ranking(office_db, operator, sk_id)
    outside = [r for r in ranking if not r.masuk]
    sk_quota.force_into_sk(office_db, admin, sk_id, outside[3].id, "Lansia tunggal, diverifikasi")
    inside = [r for r in ranking if r.masuk]
    for row in (inside[0], inside[700], inside[-1]):
        sk_quota.remove_from_sk(office_db, operator, sk_id, row.id, "Pindah domisili")
    sk_quota.requota_sk(office_db, operator, sk_id)
    assert _digest(_table(office_db, sk_id)) == CHANGED_TABLE

    final = sk_final.finalise_sk(office_db, operator, sk_id)
    assert final.summary.hash_isi == FINAL_HASH
    assert sk_final.verify_hash(office_db, operator, sk_id)
    with office_db.sessions() as session:
        recipients = session.scalar(
            select(func.count()).select_from(AidRecipient).where(AidRecipient.sk_id == sk_id)
        )
    assert recipients == final.summary.penerima


def cancel_once_rows_are_written(reported: list) -> Progress:
    """A progress whose Batal is pressed as soon as a chunk of rows has been written."""
    return Progress(
        report=lambda done, total, what: reported.append((done, total, what)),
        cancelled=lambda: any(done > 0 for done, _total, _what in reported),
    )


def test_a_draft_cancelled_after_its_rows_were_written_leaves_the_lists_free_and_no_sk(
    office_db, operator, many
):
    program, lists = many
    reported = []
    with pytest.raises(Cancelled):
        draft_sk(
            office_db, operator, program.id, lists, progress=cancel_once_rows_are_written(reported), **SIGNED
        )
    assert (2_800, 2_800) in [(done, total) for done, total, _what in reported]
    with office_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SkPenetapan)) == 0
        assert session.scalar(select(func.count()).select_from(SkPenerima)) == 0
        assert {pl.status for pl in session.scalars(select(ProposalList))} == {"screened"}


def test_a_finalisation_cancelled_after_its_recipients_were_written_leaves_the_sk_a_draft(
    office_db, operator, many
):
    program, lists = many
    sk_id = draft_sk(office_db, operator, program.id, lists, **SIGNED).summary.id
    reported = []
    with pytest.raises(Cancelled):
        sk_final.finalise_sk(office_db, operator, sk_id, progress=cancel_once_rows_are_written(reported))
    assert (2_300, 2_300) in [(done, total) for done, total, _what in reported]
    with office_db.sessions() as session:
        sk = session.get(SkPenetapan, sk_id)
        assert (sk.status, sk.hash_isi) == ("draft", "")
        assert session.scalar(select(func.count()).select_from(AidRecipient)) == 0


def test_a_requota_cancelled_after_rows_were_written_keeps_the_earlier_ranking(
    office_db, operator, admin, many
):
    program, lists = many
    sk_id = draft_sk(office_db, operator, program.id, lists, **SIGNED).summary.id
    before = _table(office_db, sk_id)
    sk_quota.set_program_quota(office_db, admin, program.id, 1_000)
    reported = []
    with pytest.raises(Cancelled):
        sk_quota.requota_sk(office_db, operator, sk_id, progress=cancel_once_rows_are_written(reported))
    assert reported
    assert _table(office_db, sk_id) == before
