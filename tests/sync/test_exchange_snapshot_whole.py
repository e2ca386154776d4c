"""A first install's snapshot holds all an office needs: references that point forward across its chunks
resolve, and the region's open conflicts come with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from db.models import SkPenetapan
from db.sync_models import SyncConflict
from sync.laptop import apply_download
from sync.receipts import APPLIED, open_receipt
from sync.server.database import server_keys
from sync.server.exchange import apply_upload, build_download
from tests.sync.exchange_helpers import enrolled_office
from tests.sync.transport_standins import enroll, up_bundle

DESA = "7501011001"


@pytest.fixture
def fresh_office(tmp_path, exchange_server, exchange_admin, office_templates):
    """Office B of Kab. Gorontalo, enrolled and never synced."""
    office = enrolled_office(
        office_templates["kantor-b"],
        tmp_path / "kantor-b",
        exchange_server,
        exchange_admin,
        "kantor-b",
        "7501",
    )
    yield office
    office.db.close()


def _record(device, seq: int, entity: str, uid: str, fields: dict, base: int = 0, region: str = DESA):
    return {
        "device": str(device.uuid),
        "seq": seq,
        "entity": entity,
        "uid": uid,
        "op": "upsert",
        "fields": fields,
        "base": base,
        "region": region,
        "region_before": None,
        "at": "2026-12-06T08:00:00+00:00",
    }


def _send(server, device, records: list[dict], prev_hash: str = "") -> tuple[object, str]:
    bundle = up_bundle(server, device, records, prev_hash)
    with server.unit_of_work().writing() as uow:
        signed = apply_upload(uow, bundle.data)
    with server.unit_of_work() as uow:
        key = server_keys(uow.session).public().signing
    receipt = open_receipt(signed, server_key=key, device=str(device.uuid))
    assert receipt.verdict == APPLIED
    return receipt, bundle.hash


def _snapshot_applied(server, office, tmp_path, chunk_records: int) -> None:
    path = tmp_path / "snapshot.ejps"
    with server.unit_of_work().writing() as uow:
        info = build_download(uow, office.device, 0, "", 50_000, path, chunk_records=chunk_records)
    assert info.snapshot
    summary = apply_download(office.db, office.user, path)
    assert summary.verdict == "applied"


def _sk(nomor: str, program_uid: str, amends: str | None) -> dict:
    return {"program_uid": program_uid, "nomor": nomor, "tahun": 2026, "kode_wilayah": "7501",
            "mengubah_sk_uid": amends}  # fmt: skip


def test_a_reference_to_a_record_in_a_later_chunk_of_the_snapshot_resolves(
    exchange_server, exchange_admin, fresh_office, tmp_path
):
    sender = enroll(exchange_server, "7501", exchange_admin)
    program, first, second = (str(uuid.uuid4()) for _ in range(3))
    program_fields = {"nama": "PKH DAERAH", "sumber_dana": "APBD", "tahun": 2026, "kode_wilayah": "7501"}
    _send(
        exchange_server,
        sender,
        [
            _record(sender, 1, "program", program, program_fields, region="7501"),
            # The first SK amends the second, stored after it: in the snapshot it points forward.
            _record(sender, 2, "sk_penetapan", first, _sk("SK/1", program, second), region="7501"),
            _record(sender, 3, "sk_penetapan", second, _sk("SK/2", program, None), region="7501"),
        ],
    )

    _snapshot_applied(exchange_server, fresh_office, tmp_path, chunk_records=1)  # one record a chunk

    with fresh_office.db.unit_of_work() as uow:
        sks = {str(sk.uid): sk for sk in uow.session.scalars(select(SkPenetapan))}
        assert sks[first].mengubah_sk_id == sks[second].id


def _person(nama: str) -> dict:
    return {"nik": "7501010101800001", "no_kk": "7501010101000001", "nama": nama, "nama_key": nama.lower(),
            "jenis_kelamin": "L", "kode_desa": DESA}  # fmt: skip


def test_the_open_conflicts_of_the_region_come_with_the_snapshot(
    exchange_server, exchange_admin, fresh_office, tmp_path
):
    first, second = (enroll(exchange_server, "7501", exchange_admin) for _ in range(2))
    person = str(uuid.uuid4())
    receipt, first_hash = _send(exchange_server, first, [_record(first, 1, "person", person, _person("ANI"))])
    version = receipt.answers[0].stream_seq
    _send(exchange_server, second, [_record(second, 1, "person", person, {"nama": "ANI S"}, base=version)])
    # The first office renames her too, from the version before: who she is must not change silently.
    answer, _ = _send(
        exchange_server,
        first,
        [_record(first, 2, "person", person, {"nama": "ANNY"}, base=version)],
        prev_hash=first_hash,
    )
    assert answer.answers[0].outcome == "conflict"

    _snapshot_applied(exchange_server, fresh_office, tmp_path, chunk_records=1)

    with exchange_server.unit_of_work() as uow:
        held = uow.session.scalars(select(SyncConflict.conflict_uid)).one()
    with fresh_office.db.unit_of_work() as uow:
        conflicts = uow.session.scalars(select(SyncConflict)).all()
        assert [(c.conflict_uid, c.uid, c.state, c.mine, c.theirs) for c in conflicts] == [
            (held, uuid.UUID(person), "open", {"nama": "ANNY"}, {"nama": "ANI S"})
        ]
