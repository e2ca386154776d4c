"""Filled Form 1s for the demo region: a few households registered by the demo operator through
`create_form1`, one per registration path and one that fails the skrining awal, so that a new user sees the
Form 1 page with real content. Households are taken from the registry (whole, consistent records only: a
record whose birth date or sex differs from its NIK would be refused, as it is on a real form)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.auth.roles import CurrentUser
from app.documents.form1 import create_form1
from app.documents.form1_checks import AnggotaInput, Form1Input
from db.models import Person

FORMS = 5
# (jalur, atap, mobil, ac, gas besar, pendidikan tertinggi): the fourth fails the skrining awal (3 of 5).
ANSWERS = (
    ("aktif", False, False, False, False, "SD"),
    ("pasif", True, False, False, False, "SMP"),
    ("sktm", False, False, False, True, "SMA"),
    ("aktif", True, False, True, True, "SMA"),
    ("domisili", False, False, False, False, "SD"),
)
MEMBER_EDUCATION = ("SMP", "SD", "SD", "TS", "SMA")


def add_demo_form1s(db, operator: CurrentUser, today: date | None = None) -> list[int]:
    """Registers up to FORMS households of the operator's region (the first by desa code: a small demo has
    only a few people per desa); returns the form ids."""
    today = today or date.today()
    with db.unit_of_work() as uow:
        people = uow.session.scalars(
            select(Person)
            .where(
                Person.kode_desa.startswith(operator.region_code),
                Person.deleted_at.is_(None),
                Person.status == "hidup",
                Person.flags == "",
            )
            .order_by(Person.kode_desa, Person.no_kk, Person.tgl_lahir)
            .limit(2000)
        ).all()
        households: dict[str, list[Person]] = {}
        for person in people:
            households.setdefault(person.no_kk, []).append(person)
        chosen = [members for members in households.values() if len(members) >= 2][:FORMS]
        records = [
            [
                (
                    p.nik,
                    p.no_kk,
                    p.nama,
                    p.tempat_lahir,
                    p.tgl_lahir,
                    p.jenis_kelamin,
                    p.alamat,
                    p.rt,
                    p.rw,
                    p.kode_desa,
                )
                for p in members
            ]
            for members in chosen
        ]
    ids = []
    for number, (members, answers) in enumerate(zip(records, ANSWERS, strict=False)):
        head, *others = members
        jalur, atap, mobil, ac, gas, education = answers
        registered = today - timedelta(days=7 * (FORMS - number))
        form = create_form1(
            db,
            operator,
            Form1Input(
                nik=head[0],
                no_kk=head[1],
                nama=head[2],
                tempat_lahir=head[3],
                tgl_lahir=head[4],
                jenis_kelamin=head[5],
                alamat=head[6],
                rt=head[7],
                rw=head[8],
                kode_desa=head[9],
                telepon=f"0812-4000-{number + 1:04d}",
                jalur=jalur,
                domisili_sejak=registered - relativedelta(years=1) if jalur == "domisili" else None,
                pernyataan_domisili=jalur == "domisili",
                atap_beton_genteng=atap,
                punya_mobil=mobil,
                punya_ac=ac,
                tabung_gas_besar=gas,
                pendidikan_tertinggi=education,
                tanggal=registered,
                petugas="Petugas Desa Demo",
                anggota=tuple(
                    AnggotaInput(
                        nama=m[2],
                        nik=m[0],
                        tgl_lahir=m[4],
                        jenis_kelamin=m[5],
                        pendidikan=MEMBER_EDUCATION[i % len(MEMBER_EDUCATION)],
                        masih_sekolah=m[4] is not None and m[4] > today - relativedelta(years=18),
                    )
                    for i, m in enumerate(others)
                ),
            ),
        )
        ids.append(form.id)
    return ids
