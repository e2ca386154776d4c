"""Form 1 (Pergub 72/2018 A.1): registering a household, its checks, its scope and its skrining awal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.roles import Role
from app.documents.form1 import (
    create_form1,
    delete_form1,
    get_form1,
    list_form1,
    registry_record,
    update_form1,
)
from app.documents.form1_checks import AnggotaInput, nik_problems
from app.errors import DomainError, Forbidden, NotFound
from app.registry.importer import RegistryImport
from db.models import AuditEntry, Form1, Form1Anggota
from tests.app.documents.form1_data import CHILD, HEAD, HOUSEHOLD, WIFE, a_form1
from tests.app.screening.test_programs import make_outsider
from tests.conftest import make_user
from tests.factories import DESA_LIMBOTO, DESA_TELAGA, household, nik_for, write_csv

TELAGA_HOUSEHOLD = household(5, DESA_TELAGA)


@pytest.fixture
def registry(office_db, operator, tmp_path):
    job = RegistryImport(
        office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", HOUSEHOLD + TELAGA_HOUSEHOLD)]
    )
    job.inspect()
    job.prepare()
    job.commit()


@pytest.fixture
def petugas_desa(office_db, admin):
    """An operator whose region is Kel. Kayubulan only: a desa petugas."""
    return make_user(office_db, admin, "petugas_kayubulan", Role.OPERATOR, DESA_LIMBOTO)


def count(db, model) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_form1_is_stored_with_its_members_and_the_registrys_record_beside_it(
    office_db, petugas_desa, registry
):
    saved = create_form1(office_db, petugas_desa, a_form1())
    form = get_form1(office_db, petugas_desa, saved.id)
    assert (form.nik, form.nama, form.kode_desa, form.jalur, form.petugas) == (
        HEAD.nik,
        HEAD.nama,
        DESA_LIMBOTO,
        "aktif",
        "Rahmat Hulopi",
    )
    assert form.desa == "Kel. Kayubulan" and form.kecamatan == "Kec. Limboto"
    assert [(m.urutan, m.nama, m.hubungan) for m in form.anggota] == [
        (1, WIFE.nama, "ISTRI"),
        (2, CHILD.nama, "ANAK"),
    ]
    assert form.registri is not None
    assert (form.registri.nama, form.registri.tgl_lahir, form.registri.desa, form.registri.status) == (
        HEAD.nama,
        date.fromisoformat(HEAD.tgl_lahir),
        "Kel. Kayubulan",
        "hidup",
    )
    with office_db.sessions() as session:
        assert session.get(Form1, saved.id).person_id == form.registri.person_id
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "form1.create")).all()
    assert entry.username == "petugas_kayubulan" and entry.after["nik"] == HEAD.nik
    assert len(entry.after["anggota"]) == 2


def test_a_nik_contradicting_the_birth_date_is_refused_naming_the_field_and_nothing_is_saved(
    office_db, operator
):
    with pytest.raises(DomainError) as refused:
        create_form1(office_db, operator, a_form1(tgl_lahir="02-01-1970"))
    assert str(refused.value).startswith("Form 1, kolom Tanggal lahir: Tanggal lahir 02-01-1970 tidak cocok")
    assert "01-01-..70" in str(refused.value)
    assert count(office_db, Form1) == 0 and count(office_db, Form1Anggota) == 0
    with office_db.sessions() as session:
        assert not session.scalars(select(AuditEntry).where(AuditEntry.entity == "form1")).all()


def test_a_nik_contradicting_the_sex_is_refused_naming_the_field(office_db, operator):
    with pytest.raises(DomainError) as refused:
        create_form1(office_db, operator, a_form1(jenis_kelamin="P"))
    assert str(refused.value).startswith("Form 1, kolom Jenis kelamin: Jenis kelamin perempuan tidak cocok")
    assert count(office_db, Form1) == 0


def test_a_members_nik_is_checked_against_the_members_birth_date(office_db, operator):
    wrong = AnggotaInput(WIFE.nama, WIFE.nik, "ISTRI", "01-01-1990", "P")
    with pytest.raises(DomainError) as refused:
        create_form1(office_db, operator, a_form1(anggota=(wrong,)))
    assert str(refused.value).startswith("Form 1, anggota ke-1, kolom Tanggal lahir:")
    assert count(office_db, Form1) == 0


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"nik": "750101010170001"}, "Form 1, kolom NIK: NIK harus 16 angka, tertulis 15"),
        ({"nik": "7501013201700001"}, "Form 1, kolom NIK: NIK 7501013201700001 tidak sah"),
        ({"nik": "7501010101700000"}, "Form 1, kolom NIK: NIK 7501010101700000 tidak sah"),
        ({"nik": ""}, "Form 1, kolom NIK: wajib diisi"),
        (
            {"nik": "75010101017000O1"},
            "Form 1, kolom NIK: NIK hanya berisi angka; tertulis '75010101017000O1'",
        ),
        ({"no_kk": "75010101"}, "Form 1, kolom No. KK: harus 16 angka"),
        ({"no_kk": ""}, "Form 1, kolom No. KK: wajib diisi"),
        ({"kode_desa": "750101"}, "Form 1, kolom Desa/kelurahan: '750101' bukan kode desa/kelurahan"),
        ({"jalur": "lewat pos"}, "Form 1, kolom Jalur pendaftaran: pilih salah satu"),
        ({"tgl_lahir": "31-02-1970"}, "Form 1, kolom Tanggal lahir: 31-02-1970 bukan tanggal yang terbaca"),
        ({"tanggal": date.today() + timedelta(days=3)}, "Form 1, kolom Tanggal pendaftaran:"),
        ({"pendidikan_tertinggi": "S9"}, "Form 1, kolom Pendidikan tertinggi: 'S9' bukan jenjang"),
        ({"anggota": (AnggotaInput(""),)}, "Form 1, anggota ke-1, kolom Nama: wajib diisi"),
    ],
)
def test_bad_input_is_refused_naming_the_field(office_db, operator, changes, start):
    with pytest.raises(DomainError) as refused:
        create_form1(office_db, operator, a_form1(**changes))
    assert str(refused.value).startswith(start)
    assert count(office_db, Form1) == 0


def test_a_nik_copied_in_groups_is_read_whole(office_db, operator):
    grouped = " ".join(HEAD.nik[i : i + 4] for i in range(0, 16, 4))
    assert create_form1(office_db, operator, a_form1(nik=grouped)).nik == HEAD.nik


def test_nik_problems_answer_as_the_officer_types():
    born = date.fromisoformat(HEAD.tgl_lahir)
    assert nik_problems(HEAD.nik, born, "L") == []
    assert nik_problems(HEAD.nik, None, "") == []
    assert [p.field for p in nik_problems(HEAD.nik, born.replace(year=1971), "P")] == [
        "tgl_lahir",
        "jenis_kelamin",
    ]
    assert [p.field for p in nik_problems(HEAD.nik[:10], born, "L")] == ["nik"]


# Pergub 72/2018 A.1.1.a angka 1 and 4: a non-resident, domiciled at least six months, with a statement.
def test_a_non_resident_domiciled_six_months_with_a_statement_registers(office_db, operator):
    form = create_form1(
        office_db,
        operator,
        a_form1(jalur="domisili", domisili_sejak=date(2025, 9, 2), pernyataan_domisili=True),
    )
    assert (form.jalur, form.domisili_sejak, form.pernyataan_domisili) == ("domisili", date(2025, 9, 2), True)


def test_a_non_resident_domiciled_less_than_six_months_is_refused(office_db, operator):
    with pytest.raises(DomainError) as refused:
        create_form1(
            office_db,
            operator,
            a_form1(jalur="domisili", domisili_sejak=date(2025, 9, 3), pernyataan_domisili=True),
        )
    assert str(refused.value).startswith(
        "Form 1, kolom Berdomisili sejak: berdomisili sejak 03-09-2025, belum"
    )
    assert "mulai 03-03-2026" in str(refused.value)
    assert count(office_db, Form1) == 0


def test_a_non_resident_without_a_domicile_date_or_statement_is_refused(office_db, operator):
    with pytest.raises(DomainError, match="Form 1, kolom Berdomisili sejak: wajib diisi"):
        create_form1(office_db, operator, a_form1(jalur="domisili", pernyataan_domisili=True))
    with pytest.raises(DomainError, match="Form 1, kolom Surat pernyataan domisili:"):
        create_form1(office_db, operator, a_form1(jalur="domisili", domisili_sejak=date(2024, 1, 1)))
    assert count(office_db, Form1) == 0


def test_a_resident_path_keeps_no_domicile_date(office_db, operator):
    form = create_form1(office_db, operator, a_form1(jalur="sktm", domisili_sejak=date(2026, 1, 1)))
    assert form.domisili_sejak is None and not form.pernyataan_domisili


# Pergub 72/2018 A.2.2.b angka 3: fails when at least 3 of the 5 criteria hold.
def test_skrining_awal_passes_with_two_criteria_and_says_which(office_db, operator):
    form = create_form1(office_db, operator, a_form1())
    assert form.skrining.lolos and form.skrining.terpenuhi == ("a", "d")
    assert form.skrining.penjelasan().startswith("Lolos skrining awal: 2 dari 5 ciri terpenuhi")
    assert "tabung gas lebih dari 5,5 kg" in form.skrining.penjelasan()


def test_skrining_awal_fails_with_three_criteria(office_db, operator):
    form = create_form1(office_db, operator, a_form1(punya_ac=True))
    assert not form.skrining.lolos and form.skrining.terpenuhi == ("a", "c", "d")
    assert form.skrining.penjelasan().startswith("Tidak lolos skrining awal: 3 dari 5 ciri terpenuhi")


def test_a_degree_of_a_member_no_longer_in_school_counts_but_not_one_still_studying(office_db, operator):
    graduate = AnggotaInput(WIFE.nama, WIFE.nik, "ISTRI", WIFE.tgl_lahir, "P", "D4/S1")
    form = create_form1(office_db, operator, a_form1(anggota=(graduate,)))
    assert form.skrining.terpenuhi == ("a", "d", "e") and not form.skrining.lolos
    studying = AnggotaInput(WIFE.nama, WIFE.nik, "ISTRI", WIFE.tgl_lahir, "P", "S2", masih_sekolah=True)
    diploma = create_form1(office_db, operator, a_form1(pendidikan_tertinggi="D1-D3", anggota=(studying,)))
    assert diploma.skrining.terpenuhi == ("a", "d") and diploma.skrining.lolos
    assert get_form1(office_db, operator, form.id).skrining.terpenuhi == ("a", "d", "e")


def test_a_petugas_desa_registers_only_in_their_desa(office_db, petugas_desa):
    with pytest.raises(Forbidden):
        create_form1(office_db, petugas_desa, a_form1(kode_desa=DESA_TELAGA))
    assert count(office_db, Form1) == 0


def test_a_guest_and_an_operator_of_another_region_are_refused(office_db, admin, operator, guest):
    form = create_form1(office_db, operator, a_form1())
    outsider = make_outsider(office_db, admin)
    for user in (guest, outsider):
        with pytest.raises(Forbidden):
            create_form1(office_db, user, a_form1())
        with pytest.raises(Forbidden):
            get_form1(office_db, user, form.id)
        with pytest.raises(Forbidden):
            update_form1(office_db, user, form.id, a_form1(nama="X"))
        with pytest.raises(Forbidden):
            delete_form1(office_db, user, form.id)
    with pytest.raises(Forbidden):
        list_form1(office_db, guest)
    assert list_form1(office_db, outsider) == []
    assert count(office_db, Form1) == 1 and get_form1(office_db, operator, form.id).nama == HEAD.nama


def test_the_list_is_per_desa_and_searchable_by_nik_and_name(office_db, operator, petugas_desa):
    kayubulan = create_form1(office_db, operator, a_form1())
    telaga_head = TELAGA_HOUSEHOLD[0]
    bulila = create_form1(
        office_db,
        operator,
        a_form1(
            nik=telaga_head.nik,
            no_kk=telaga_head.no_kk,
            nama=telaga_head.nama,
            tgl_lahir=telaga_head.tgl_lahir,
            kode_desa=DESA_TELAGA,
            anggota=(),
        ),
    )
    assert [f.id for f in list_form1(office_db, operator)] == [bulila.id, kayubulan.id]
    assert [f.id for f in list_form1(office_db, operator, DESA_TELAGA)] == [bulila.id]
    assert [f.id for f in list_form1(office_db, petugas_desa)] == [kayubulan.id]
    assert [f.id for f in list_form1(office_db, petugas_desa, "7501")] == [kayubulan.id]
    assert [f.id for f in list_form1(office_db, operator, query=HEAD.nik[:8])] == [kayubulan.id]
    assert [f.id for f in list_form1(office_db, operator, query="lasena")] == [kayubulan.id]
    (row,) = list_form1(office_db, petugas_desa)
    assert (row.desa, row.jumlah_anggota, row.lolos_skrining) == ("Kel. Kayubulan", 2, True)


def test_update_replaces_answers_and_members_and_is_audited(office_db, operator):
    form = create_form1(office_db, operator, a_form1())
    updated = update_form1(office_db, operator, form.id, a_form1(punya_mobil=True, anggota=()))
    assert updated.punya_mobil and updated.anggota == () and not updated.skrining.lolos
    with office_db.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "form1.update")).one()
    assert entry.before["punya_mobil"] is False and entry.after["punya_mobil"] is True
    assert len(entry.before["anggota"]) == 2 and entry.after["anggota"] == []


def test_delete_is_soft_audited_and_hides_the_form(office_db, operator):
    form = create_form1(office_db, operator, a_form1())
    delete_form1(office_db, operator, form.id, "salah input")
    assert list_form1(office_db, operator) == []
    with pytest.raises(NotFound):
        get_form1(office_db, operator, form.id)
    with office_db.sessions() as session:
        assert session.get(Form1, form.id).deleted_at is not None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "form1.delete")).one()
    assert entry.after == {"reason": "salah input"}


def test_the_registry_record_of_a_nik_is_answered_inside_the_users_region_only(
    office_db, admin, operator, petugas_desa, guest, registry
):
    found = registry_record(office_db, petugas_desa, HEAD.nik)
    assert found is not None and (found.nama, found.status) == (HEAD.nama, "hidup")
    assert registry_record(office_db, petugas_desa, TELAGA_HOUSEHOLD[0].nik) is None
    assert registry_record(office_db, operator, TELAGA_HOUSEHOLD[0].nik) is not None
    assert registry_record(office_db, make_outsider(office_db, admin), HEAD.nik) is None
    assert registry_record(office_db, operator, HEAD.nik[:12]) is None
    with pytest.raises(Forbidden):
        registry_record(office_db, guest, HEAD.nik)


def test_a_nik_issued_by_an_unknown_kecamatan_is_kept_with_a_warning(office_db, operator):
    nik = nik_for("750199", date(1970, 1, 1), "L", 5)
    form = create_form1(office_db, operator, a_form1(nik=nik))
    assert form.nik == nik and "750199" in form.warnings[0]
