"""A small program year of Kab. Gorontalo whose monitoring figures are known by hand, built through the use cases
an office uses: the registry and DTKS imported, quotas set, lists screened into SKs, an SK amended, realisasi
typed in and imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from app.auth.users import login
from app.documents.realisasi import RealisasiInput, record_realisasi
from app.documents.realisasi_import import RealisasiImport
from app.documents.sk import update_sk
from app.documents.sk_final import amend_sk, finalise_sk
from app.documents.sk_quota import requota_sk, set_region_quota, sk_ranking
from app.registry.importer import RegistryImport
from app.screening.programs import create_program
from db.models import DtksRecord
from tests.app.documents import sk_flow
from tests.conftest import ADMIN_PASSWORD
from tests.factories import (
    DESA_LIMBOTO,
    DESA_TELAGA,
    DTKS_HEADERS,
    PersonRecord,
    dtks_rows,
    nik_for,
    write_csv,
)

LIMBOTO, TELAGA = DESA_LIMBOTO[:6], DESA_TELAGA[:6]


@dataclass(frozen=True)
class MonitoringData:
    sembako: int  # program A: APBD Kab/Kota, quota 10 (6 in Limboto, 4 in Telaga)
    pkh: int  # program B: APBN, quota 5, cuts by the provincial desil
    niks: dict[str, str]


# name: (desa, status, date of status, national desil, provincial desil, in DTKS)
PEOPLE = {
    "P1": (DESA_LIMBOTO, "hidup", None, 1, 2, True),
    "P2": (DESA_LIMBOTO, "hidup", None, 3, 3, True),
    "P3": (DESA_LIMBOTO, "meninggal", date(2026, 2, 1), 2, 2, True),
    "P4": (DESA_LIMBOTO, "pindah", date(2026, 1, 5), None, None, False),
    "P5": (DESA_TELAGA, "hidup", None, None, None, True),
    "P6": (DESA_TELAGA, "hidup", None, 7, 6, True),
    "P7": (DESA_TELAGA, "hidup", None, None, None, False),
}
BANK_HEADERS = ["NIK", "NAMA", "TANGGAL SALUR", "NOMINAL", "JUMLAH FISIK", "SATUAN", "SALURAN"]


def person(name: str, index: int, as_now: bool) -> PersonRecord:
    """P1…P7 as Dukcapil lists them: alive when the SKs were drafted (`as_now` False), and as the registry
    records them today."""
    desa, status, since, *_ = PEOPLE[name]
    return PersonRecord(
        nik_for(desa[:6], date(1950, 1, 1 + index), "L", index + 1),
        f"{desa[:6]}0101260{index:03d}",
        f"WARGA {name}",
        "LIMBOTO",
        date(1950, 1, 1 + index).isoformat(),
        "L",
        f"JL. RAJIMAN NO. {index + 1}",
        "001",
        "002",
        desa,
        "KEPALA KELUARGA",
        status if as_now else "hidup",
        since.isoformat() if as_now and since else "",
    )


def import_registry(db, user, folder: Path, records: list[PersonRecord], dtks: list[dict] = ()) -> None:
    files = [("dukcapil", write_csv(folder / "dukcapil.csv", records), None)]
    if dtks:
        headers = [*DTKS_HEADERS, "desil_provinsi"]
        files.append(("dtks", write_csv(folder / "dtks.csv", dtks, headers), "DTKS"))
    for kind, path, label in files:
        job = RegistryImport(db, user, kind, [path], **({"source_label": label} if label else {}))
        job.inspect()
        job.prepare()
        job.commit()


def without_desil(db, record: PersonRecord, id_dtks: str) -> None:
    """A DTKS member without a national desil, written straight to the table: the DTKS import refuses a row
    without one (`wajib_kosong`), so no use case can write it, yet monitoring counts such members apart
    (`Accuracy.dtks_tanpa_desil`) and this data keeps one to show it."""
    with db.unit_of_work().writing() as uow:
        uow.session.add(
            DtksRecord(id_dtks=id_dtks, nik=record.nik, nama=record.nama, kode_desa=record.kode_desa)
        )
        uow.commit()


def build_monitoring_data(db, operator) -> MonitoringData:
    admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)  # regional quotas are the admin's to set
    sembako = create_program(
        db.unit_of_work(),
        operator,
        nama="Sembako Lansia",
        sumber_dana="APBD_KABKOTA",
        tahun=2026,
        nilai_per_penerima=300_000,
        kuota=10,
        kode_wilayah="7501",
    ).id
    pkh = create_program(
        db.unit_of_work(),
        operator,
        nama="PKH Daerah",
        sumber_dana="APBN",
        tahun=2026,
        nilai_per_penerima=200_000,
        kuota=5,
        kode_wilayah="7501",
        desil_acuan="provinsi",
    ).id
    create_program(
        db.unit_of_work(),
        operator,
        nama="Program Lama",
        sumber_dana="APBN",
        tahun=2025,
        kuota=3,
        kode_wilayah="7501",
    )
    then = {name: person(name, index, as_now=False) for index, name in enumerate(PEOPLE)}
    now = {name: person(name, index, as_now=True) for index, name in enumerate(PEOPLE)}
    dtks = []
    for number, (name, (_desa, _status, _since, desil, desil_prov, in_dtks)) in enumerate(PEOPLE.items()):
        if in_dtks and desil is not None:
            row = dtks_rows([then[name]])[0]
            dtks.append(row | {"id_dtks": f"D{number}", "desil": desil, "desil_provinsi": desil_prov})
    with TemporaryDirectory() as scratch:
        folder = Path(scratch)
        import_registry(db, operator, folder, list(then.values()), dtks)
        without_desil(db, then["P5"], "D4")

        # Telaga's quota is 2 when the first Sembako SK is drafted: P7 (no desil, the youngest) falls outside it.
        # It is raised to 4 later in the year, and a second SK, still a draft, names P7.
        set_region_quota(db, admin, sembako, LIMBOTO, 6)
        set_region_quota(db, admin, sembako, TELAGA, 2)
        signed = {"tanggal": date(2026, 1, 10)}
        first = sk_flow.draft(
            db, operator, sembako, list(then.values()), "usulan sembako", nomor="400/01/2026", **signed
        )
        assert [r.nik for r in sk_ranking(db, operator, first) if not r.masuk] == [then["P7"].nik]
        finalise_sk(db, operator, first)
        # Telaga's quota is raised to 4, and the office drafts a correction of the SK that lets P7 in; still a
        # draft. (A new list proposing P7 again would fail screening: already proposed in this program.)
        set_region_quota(db, admin, sembako, TELAGA, 4)
        correction = amend_sk(db, operator, first).summary.id
        update_sk(db, operator, correction, nomor="400/02/2026", **signed)
        assert all(r.masuk for r in requota_sk(db, operator, correction))
        old = sk_flow.final(
            db, operator, pkh, [then["P1"], then["P2"]], "usulan pkh", nomor="400/10/2026", **signed
        )
        sk_flow.amend(db, operator, old, {then["P2"].nik}, nomor="400/11/2026", tanggal=date(2026, 1, 20))

        def served(name, day, nilai):
            entry = RealisasiInput(then[name].nik, day, nilai, "pos", jumlah_fisik=1, satuan="paket")
            record_realisasi(db, operator, first, entry)

        served("P1", date(2026, 2, 15), 300_000)
        served("P2", date(2026, 3, 1), 500_000)  # above the SK's 300.000
        served("P3", date(2026, 3, 1), 300_000)  # after death on 1 February
        served("P5", date(2026, 5, 1), 300_000)
        served("P5", date(2026, 5, 20), 300_000)  # twice, and so above the SK too
        served("P6", date(2026, 8, 1), 300_000)  # second semester
        # Not in the SK (only outside its quota): a post office's list, kept for the consistency check, as only
        # an import can record a person the SK does not name.
        outside = [
            {
                "NIK": then["P7"].nik,
                "NAMA": then["P7"].nama,
                "TANGGAL SALUR": "01-04-2026",
                "NOMINAL": "300.000",
                "JUMLAH FISIK": "1",
                "SATUAN": "paket",
                "SALURAN": "pos",
            }
        ]
        job = RealisasiImport(
            db, operator, first, [write_csv(folder / "pos.csv", outside, BANK_HEADERS)], keep_outside_sk=True
        )
        job.inspect()
        job.prepare()
        job.commit()

        # The registry learns of P3's death and P4's move after the SKs: a person already dead or moved out
        # when a list is screened fails screening and never enters an SK.
        import_registry(db, operator, folder, list(now.values()))
    return MonitoringData(sembako, pkh, {name: record.nik for name, record in then.items()})
