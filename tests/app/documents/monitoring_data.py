"""A small program year of Kab. Gorontalo whose monitoring figures are known by hand.

The SKs and realisasi are written through a unit of work: their own use cases are another part of the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.screening.programs import create_program
from db.models import DtksRecord, KuotaWilayah, Person, Realisasi, SkPenerima, SkPenetapan
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, nik_for

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


def build_monitoring_data(db, operator) -> MonitoringData:
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
    niks = {}
    with db.unit_of_work().writing() as uow:
        s = uow.session
        for index, (name, (desa, status, since, desil, desil_prov, in_dtks)) in enumerate(PEOPLE.items()):
            nik = nik_for(desa[:6], date(1950, 1, 1 + index), "L", index + 1)
            niks[name] = nik
            person = Person(
                nik=nik,
                no_kk=f"{desa[:6]}0101260{index:03d}",
                nama=f"WARGA {name}",
                nama_key=f"WARGA{name}",
                jenis_kelamin="L",
                kode_desa=desa,
                status=status,
                tgl_status=since,
            )
            s.add(person)
            if in_dtks:
                s.add(
                    DtksRecord(
                        id_dtks=f"D{index}",
                        nik=nik,
                        nama=person.nama,
                        kode_desa=desa,
                        desil=desil,
                        desil_provinsi=desil_prov,
                    )
                )
        s.flush()
        person_ids = {name: s.query(Person).filter_by(nik=nik).one().id for name, nik in niks.items()}
        s.add_all(
            [
                KuotaWilayah(program_id=sembako, kode_wilayah=LIMBOTO, kuota=6),
                KuotaWilayah(program_id=sembako, kode_wilayah=TELAGA, kuota=4),
            ]
        )

        def sk(program, nomor, status, names, nilai, tanggal=date(2026, 1, 10), amends=None, out=()):
            decree = SkPenetapan(
                program_id=program,
                nomor=nomor,
                tahun=2026,
                tanggal=tanggal,
                status=status,
                kode_wilayah="7501",
                mengubah_sk_id=amends,
            )
            s.add(decree)
            s.flush()
            for number, name in enumerate([*names, *out], start=1):
                s.add(
                    SkPenerima(
                        sk_id=decree.id,
                        urutan=number,
                        nik=niks[name],
                        person_id=person_ids[name],
                        nama=f"WARGA {name}",
                        kode_desa=PEOPLE[name][0],
                        nilai=nilai,
                        masuk=name not in out,
                    )
                )
            return decree.id

        sk(sembako, "400/01/2026", "final", ["P1", "P2", "P3", "P4", "P5", "P6"], 300_000, out=["P7"])
        sk(sembako, "400/02/2026", "draft", ["P7"], 300_000)
        old = sk(pkh, "400/10/2026", "final", ["P1", "P2"], 200_000)
        sk(pkh, "400/11/2026", "final", ["P1"], 200_000, tanggal=date(2026, 1, 20), amends=old)

        def served(name, day, nilai, program=sembako):
            s.add(
                Realisasi(
                    program_id=program,
                    nik=niks[name],
                    person_id=person_ids[name],
                    nama=f"WARGA {name}",
                    kode_desa=PEOPLE[name][0],
                    tanggal=day,
                    jumlah_fisik=1,
                    satuan="paket",
                    nilai=nilai,
                    saluran="pos",
                )
            )

        served("P1", date(2026, 2, 15), 300_000)
        served("P2", date(2026, 3, 1), 500_000)  # above the SK's 300.000
        served("P3", date(2026, 3, 1), 300_000)  # after death on 1 February
        served("P5", date(2026, 5, 1), 300_000)
        served("P5", date(2026, 5, 20), 300_000)  # twice, and so above the SK too
        served("P7", date(2026, 4, 1), 300_000)  # not in the SK (only outside its quota)
        served("P6", date(2026, 8, 1), 300_000)  # second semester
        uow.commit()
    return MonitoringData(sembako, pkh, niks)
