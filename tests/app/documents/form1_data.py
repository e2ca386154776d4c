"""A realistic Form 1 for tests: a household of Kel. Kayubulan whose head is in the registry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.documents.form1_checks import AnggotaInput, Form1Input
from tests.factories import DESA_LIMBOTO, household

HOUSEHOLD = household(0)  # in the registry when a test imports it
HEAD, WIFE, CHILD = HOUSEHOLD


def a_form1(**changes) -> Form1Input:
    form = Form1Input(
        nik=HEAD.nik,
        no_kk=HEAD.no_kk,
        nama=HEAD.nama,
        tempat_lahir="LIMBOTO",
        tgl_lahir=HEAD.tgl_lahir,
        jenis_kelamin=HEAD.jenis_kelamin,
        alamat=HEAD.alamat,
        rt="002",
        rw="001",
        kode_desa=DESA_LIMBOTO,
        telepon="0812-4455-6677",
        jalur="aktif",
        atap_beton_genteng=True,
        tabung_gas_besar=True,
        pendidikan_tertinggi="SMA",
        tanggal=date(2026, 3, 2),
        petugas="Rahmat Hulopi",
        anggota=(
            AnggotaInput(WIFE.nama, WIFE.nik, "ISTRI", WIFE.tgl_lahir, "P", "SMP"),
            AnggotaInput(CHILD.nama, CHILD.nik, "ANAK", CHILD.tgl_lahir, CHILD.jenis_kelamin, "SD", True),
        ),
    )
    return replace(form, **changes)
