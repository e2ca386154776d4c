"""Programs and proposal lists (Pergub 52/2020 Pasal 1 angka 9; Lampiran I–II: operators create, edit and delete
within their own region; a guest changes nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.roles import Role
from app.auth.users import create_user, login
from app.errors import DomainError, Forbidden, NotFound
from app.screening.programs import (
    FUNDING_SOURCES,
    ListStatus,
    create_program,
    create_proposal_list,
    delete_proposal_list,
    get_program,
    get_proposal_list,
    list_programs,
    list_proposal_lists,
    update_program,
)
from db.models import AuditEntry, Program, Proposal, ProposalList
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD

PROGRAM = {
    "nama": "Bantuan Pangan Lansia",
    "sumber_dana": "APBD_KABKOTA",
    "tahun": 2025,
    "jenis_bantuan": "Sembako",
    "nilai_per_penerima": 300_000,
    "kuota": 500,
}


def make_program(db, user, **changes):
    return create_program(db, user, **(PROGRAM | changes))


def make_outsider(db, admin):
    """An operator of Kab. Boalemo (7502) inside the Kab. Gorontalo office database."""
    from db.models import User

    with db.sessions() as session, session.begin():
        session.get(User, admin.id).region_code = "75"
    province_admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
    create_user(
        db.unit_of_work(), province_admin, "op_boalemo", "Op Boalemo", USER_PASSWORD, Role.OPERATOR, "7502"
    )
    with db.sessions() as session, session.begin():
        session.get(User, admin.id).region_code = "7501"
    return login(db.unit_of_work(), "op_boalemo", USER_PASSWORD)


def audit_actions(db, action):
    with db.sessions() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


def count(db, model):
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_program_is_created_with_defaults_of_the_office_and_the_user_and_audited(office_db, operator):
    program = make_program(office_db, operator)
    assert program.id and program.nama == "Bantuan Pangan Lansia"
    assert (program.sumber_dana, program.tahun, program.nilai_per_penerima, program.kuota) == (
        "APBD_KABKOTA",
        2025,
        300_000,
        500,
    )
    assert program.kode_wilayah == "7501"  # empty means the office's region
    assert program.opd == "Dinas Sosial"  # the operator's OPD
    assert program.list_count == 0 and program.kode_program_dtks == ""
    (entry,) = audit_actions(office_db, "program.create")
    assert entry.username == "operator" and entry.entity_ref == str(program.id)
    assert entry.after["nama"] == "Bantuan Pangan Lansia" and entry.after["kuota"] == 500
    assert get_program(office_db, operator, program.id) == program


def test_form_values_are_read_leniently(office_db, operator):
    program = make_program(
        office_db,
        operator,
        sumber_dana="APBD Kab/Kota",
        tahun="2026",
        nilai_per_penerima="Rp 1.500.000",
        kuota="1.000",
        kode_wilayah="75.01.01",
        kode_program_dtks="PKH",
        desil_min="1",
        desil_max=4,
    )
    assert (program.sumber_dana, program.tahun, program.nilai_per_penerima, program.kuota) == (
        "APBD_KABKOTA",
        2026,
        1_500_000,
        1_000,
    )
    assert (program.kode_wilayah, program.kode_program_dtks) == ("750101", "pkh")
    assert (program.desil_min, program.desil_max) == (1, 4)
    assert set(FUNDING_SOURCES) == {"APBN", "APBD_PROVINSI", "APBD_KABKOTA", "DANA_DESA"}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"nama": "  "}, "Nama program wajib diisi"),
        ({"nama": "x" * 201}, "Nama program paling panjang 200"),
        ({"sumber_dana": "APBX"}, 'Sumber dana "APBX"'),
        ({"tahun": 1999}, "Tahun program"),
        ({"tahun": 2101}, "Tahun program"),
        ({"tahun": "dua ribu"}, "Tahun program"),
        ({"nilai_per_penerima": -1}, "Nilai per penerima tidak boleh negatif"),
        ({"kuota": "banyak"}, "Kuota harus bilangan bulat"),
        ({"nilai_per_penerima": "1.5"}, 'Nilai per penerima harus bilangan bulat; tertulis "1.5"'),
        ({"kuota": -5}, "Kuota tidak boleh negatif"),
        ({"kode_wilayah": "7599"}, "Wilayah program: kode wilayah 7599"),
        ({"kode_program_dtks": "pip"}, 'Kode program DTKS "pip"'),
        ({"desil_min": 0}, "Desil terendah"),
        ({"desil_max": "11"}, "Desil tertinggi"),
        ({"desil_min": 5, "desil_max": 2}, "Desil terendah (5) lebih besar"),
    ],
)
def test_each_bad_program_field_is_refused_naming_the_field(office_db, operator, changes, named):
    with pytest.raises(DomainError) as refused:
        make_program(office_db, operator, **changes)
    assert named in str(refused.value)
    assert count(office_db, Program) == 0


def test_program_region_must_lie_inside_the_users_region(office_db, kecamatan_operator):
    with pytest.raises(Forbidden, match="Wilayah program: wilayah 750102 berada di luar wilayah kerja Anda"):
        make_program(office_db, kecamatan_operator, kode_wilayah="750102")
    with pytest.raises(Forbidden):
        make_program(office_db, kecamatan_operator, kode_wilayah="7501")
    # Empty: the office's region narrowed to the operator's own kecamatan.
    assert make_program(office_db, kecamatan_operator).kode_wilayah == "750101"


def test_programs_are_listed_where_their_region_overlaps_the_users(office_db, operator, kecamatan_operator):
    kabupaten = make_program(office_db, operator, nama="Program Kabupaten")
    limboto = make_program(office_db, operator, nama="Program Limboto", kode_wilayah="750101", tahun=2024)
    telaga = make_program(office_db, operator, nama="Program Telaga", kode_wilayah="750102")
    assert {p.nama for p in list_programs(office_db, operator)} == {
        "Program Kabupaten",
        "Program Limboto",
        "Program Telaga",
    }
    assert [p.id for p in list_programs(office_db, kecamatan_operator)] == [kabupaten.id, limboto.id]
    assert [p.id for p in list_programs(office_db, operator, tahun=2024)] == [limboto.id]
    with pytest.raises(Forbidden):
        get_program(office_db, kecamatan_operator, telaga.id)
    with pytest.raises(NotFound):
        get_program(office_db, operator, 999)


def test_program_update_is_audited_before_and_after(office_db, operator):
    program = make_program(office_db, operator)
    changed = update_program(
        office_db, operator, program.id, nilai_per_penerima=350_000, sumber_dana="DANA_DESA"
    )
    assert (changed.nilai_per_penerima, changed.sumber_dana, changed.nama) == (
        350_000,
        "DANA_DESA",
        program.nama,
    )
    (entry,) = audit_actions(office_db, "program.update")
    assert entry.before["sumber_dana"] == "APBD_KABKOTA" and entry.after["sumber_dana"] == "DANA_DESA"
    with pytest.raises(DomainError, match="Isian program tidak dikenal: warna"):
        update_program(office_db, operator, program.id, warna="merah")
    with pytest.raises(DomainError, match="Nilai per penerima"):
        update_program(office_db, operator, program.id, nilai_per_penerima=-1)
    assert get_program(office_db, operator, program.id).nilai_per_penerima == 350_000


def test_operator_cannot_change_the_quota_of_an_existing_program(office_db, operator):
    program = make_program(office_db, operator)  # a new program may come with its quota (nothing ranked yet)
    assert program.kuota == 500
    with pytest.raises(Forbidden, match="Kuota program Bantuan Pangan Lansia hanya dapat diubah oleh admin"):
        update_program(office_db, operator, program.id, kuota=750, nama="Bantuan Pangan Lansia 2025")
    assert get_program(office_db, operator, program.id) == program  # nothing changed, the name neither
    assert audit_actions(office_db, "program.update") == []
    # A form sends the quota back as it was: the other changes pass.
    changed = update_program(office_db, operator, program.id, kuota="500", nama="Bantuan Pangan Lansia 2025")
    assert (changed.nama, changed.kuota) == ("Bantuan Pangan Lansia 2025", 500)


def test_admin_changes_the_quota_of_a_program_and_the_audit_records_it(office_db, admin, operator):
    program = make_program(office_db, operator)
    changed = update_program(office_db, admin, program.id, kuota=750)
    assert changed.kuota == 750 == get_program(office_db, operator, program.id).kuota
    (entry,) = audit_actions(office_db, "program.update")
    assert entry.username == "admin"
    assert entry.before["kuota"] == 500 and entry.after["kuota"] == 750


def test_operator_of_a_kecamatan_reads_but_cannot_change_a_kabupaten_program(
    office_db, operator, kecamatan_operator
):
    program = make_program(office_db, operator)
    assert get_program(office_db, kecamatan_operator, program.id).id == program.id
    with pytest.raises(Forbidden):
        update_program(office_db, kecamatan_operator, program.id, nama="Program Limboto")


def test_proposal_lists_are_created_listed_and_counted(office_db, operator):
    program = make_program(office_db, operator)
    list_id = create_proposal_list(
        office_db, operator, program.id, "Usulan Desa Kayubulan", "Desa Kayubulan", "7501011001"
    )
    loose = create_proposal_list(office_db, operator, None, "Daftar tanpa program")
    lists = list_proposal_lists(office_db, operator)
    assert [item.id for item in lists] == [loose, list_id]
    first = lists[1]
    assert (first.program_nama, first.nama, first.sumber, first.kode_wilayah_sumber, first.status) == (
        "Bantuan Pangan Lansia",
        "Usulan Desa Kayubulan",
        "Desa Kayubulan",
        "7501011001",
        "draft",
    )
    assert first.row_count == 0 and first.created_by == "operator" and first.created_at is not None
    assert lists[0].kode_wilayah_sumber == "7501" and lists[0].program_id is None
    assert [item.id for item in list_proposal_lists(office_db, operator, program.id)] == [list_id]
    assert get_program(office_db, operator, program.id).list_count == 1
    entries = audit_actions(office_db, "proposal_list.create")
    assert [(e.entity_ref, e.after["nama"]) for e in entries] == [
        (str(list_id), "Usulan Desa Kayubulan"),
        (str(loose), "Daftar tanpa program"),
    ]
    # Screened rows are counted per result.
    with office_db.sessions() as session, session.begin():
        for baris, hasil in enumerate(["LOLOS", "LOLOS", "TIDAK_LOLOS", "PERLU_CEK", ""], start=2):
            session.add(Proposal(list_id=list_id, baris=baris, nama=f"ORANG {baris}", hasil=hasil))
    counted = get_proposal_list(office_db, operator, list_id)
    assert (counted.row_count, counted.lolos, counted.tidak_lolos, counted.perlu_cek) == (5, 2, 1, 1)


def test_proposal_list_needs_a_name_and_a_region_inside_the_program_and_the_user(
    office_db, operator, kecamatan_operator
):
    limboto = make_program(office_db, operator, kode_wilayah="750101")
    with pytest.raises(DomainError, match="Nama daftar usulan wajib diisi"):
        create_proposal_list(office_db, operator, limboto.id, " ")
    with pytest.raises(DomainError, match="Wilayah pengusul 7501022011 berada di luar wilayah program"):
        create_proposal_list(office_db, operator, limboto.id, "Usulan Bulila", "", "7501022011")
    with pytest.raises(DomainError, match="Wilayah pengusul: kode wilayah 75010"):
        create_proposal_list(office_db, operator, limboto.id, "Usulan", "", "75010")
    with pytest.raises(Forbidden, match="Wilayah pengusul: wilayah 750102"):
        create_proposal_list(office_db, kecamatan_operator, None, "Usulan", "", "750102")
    with pytest.raises(NotFound):
        create_proposal_list(office_db, operator, 999, "Usulan")
    assert count(office_db, ProposalList) == 0


def test_kecamatan_operator_sees_only_lists_of_that_kecamatan(office_db, operator, kecamatan_operator):
    own = create_proposal_list(office_db, kecamatan_operator, None, "Usulan Limboto")
    create_proposal_list(office_db, operator, None, "Usulan Telaga", "", "750102")
    create_proposal_list(office_db, operator, None, "Usulan Kabupaten")
    assert [item.id for item in list_proposal_lists(office_db, kecamatan_operator)] == [own]
    assert len(list_proposal_lists(office_db, operator)) == 3


def test_list_is_soft_deleted_with_its_rows_but_never_once_in_an_sk(office_db, operator, kecamatan_operator):
    list_id = create_proposal_list(office_db, operator, None, "Usulan")
    with office_db.sessions() as session, session.begin():
        session.add(Proposal(list_id=list_id, baris=2, nama="SITI"))
    with pytest.raises(Forbidden):
        delete_proposal_list(office_db, kecamatan_operator, list_id)
    delete_proposal_list(office_db, operator, list_id, "Salah unggah")
    assert list_proposal_lists(office_db, operator) == []
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).deleted_at is not None
        assert session.scalar(select(Proposal.deleted_at)) is not None
    (entry,) = audit_actions(office_db, "proposal_list.delete")
    assert entry.before["rows"] == 1 and entry.after == {"reason": "Salah unggah"}
    with pytest.raises(NotFound):
        delete_proposal_list(office_db, operator, list_id)

    in_sk = create_proposal_list(office_db, operator, None, "Usulan dalam SK")
    with office_db.sessions() as session, session.begin():
        session.get(ProposalList, in_sk).status = ListStatus.IN_SK.value
    with pytest.raises(DomainError, match='"Usulan dalam SK" sudah masuk SK penetapan'):
        delete_proposal_list(office_db, operator, in_sk)
    assert [item.id for item in list_proposal_lists(office_db, operator)] == [in_sk]


def every_service(db, user, program_id, list_id):
    return [
        lambda: list_programs(db, user),
        lambda: get_program(db, user, program_id),
        lambda: make_program(db, user),
        lambda: update_program(db, user, program_id, kuota=1),
        lambda: list_proposal_lists(db, user),
        lambda: get_proposal_list(db, user, list_id),
        lambda: create_proposal_list(db, user, program_id, "Usulan"),
        lambda: delete_proposal_list(db, user, list_id),
    ]


def test_guest_is_refused_by_every_program_service(office_db, operator, guest):
    program = make_program(office_db, operator)
    list_id = create_proposal_list(office_db, operator, program.id, "Usulan")
    for call in every_service(office_db, guest, program.id, list_id):
        with pytest.raises(Forbidden):
            call()


def test_operator_of_another_kabupaten_is_refused_and_lists_nothing(office_db, admin, operator):
    program = make_program(office_db, operator)
    list_id = create_proposal_list(office_db, operator, program.id, "Usulan")
    outsider = make_outsider(office_db, admin)
    refused = 0
    for call in every_service(office_db, outsider, program.id, list_id):
        try:
            result = call()
        except Forbidden:
            refused += 1
            continue
        assert result == [], result  # listing answers, with nothing of another kabupaten
    assert refused == 6
    assert count(office_db, ProposalList) == 1 and count(office_db, Program) == 1
