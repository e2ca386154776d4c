"""Pergub 52/2020 Lampiran I–II: role and region are enforced by the services themselves, not by the UI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit import audit_entries
from app.auth.roles import Role
from app.auth.users import create_user, list_users, login, reset_password, update_user
from app.errors import AuthenticationFailed, DomainError, Forbidden
from app.registry.batches import list_batches
from app.registry.importer import RegistryImport
from app.registry.people import person_detail
from app.registry.search import count_people, page_people, people_at, people_by_ids, search_people
from app.registry.summary import registry_summary
from db.models import AuditEntry, Person
from tests.conftest import make_user
from tests.factories import DESA_TELAGA, people, write_csv


@pytest.fixture
def registry(office_db, operator, tmp_path):
    """People of Kec. Limboto and Kec. Telaga, imported by the kabupaten operator."""
    job = RegistryImport(
        office_db, operator, "dukcapil", [write_csv(tmp_path / "d.csv", people(2) + people(2, DESA_TELAGA))]
    )
    job.inspect()
    job.prepare()
    job.commit()
    with office_db.sessions() as session:
        return {p.nik: p.id for p in session.scalars(select(Person))}


def every_person_service(db, user, some_id):
    uow = db.unit_of_work
    return {
        "search_people": lambda: search_people(uow(), user, "LASENA"),
        "count_people": lambda: count_people(uow(), user),
        "page_people": lambda: page_people(uow(), user, 0, 10),
        "people_at": lambda: people_at(uow(), user, 0, 10),
        "people_by_ids": lambda: people_by_ids(uow(), user, [some_id]),
        "person_detail": lambda: person_detail(uow(), user, some_id),
        "import": lambda: RegistryImport(db, user, "dukcapil", ["x.csv"]),
        "list_users": lambda: list_users(uow(), user),
        "create_user": lambda: create_user(
            uow(), user, "baru", "Baru", "sandi-baru-1", Role.OPERATOR, "7501"
        ),
        "reset_password": lambda: reset_password(uow(), user, 1, "sandi-baru-1"),
        "update_user": lambda: update_user(uow(), user, 1, active=False),
        "audit_entries": lambda: audit_entries(uow(), user),
        "list_batches": lambda: list_batches(uow(), user),
    }


def test_guest_is_refused_by_every_service_but_aggregates(office_db, guest, registry):
    for name, call in every_person_service(office_db, guest, next(iter(registry.values()))).items():
        with pytest.raises(Forbidden):
            call()
            pytest.fail(f"{name} answered a guest")
    summary = registry_summary(office_db.unit_of_work(), guest)
    assert summary.region.people == 12


def test_operator_of_another_kabupaten_is_refused_by_every_service(office_db, admin, registry):
    # An account of Kab. Boalemo (7502) inside the Kab. Gorontalo office database, made by the province admin.
    from db.models import User

    with office_db.sessions() as session, session.begin():
        session.get(User, admin.id).region_code = "75"
    province_admin = login(office_db.unit_of_work(), "admin", "rahasia-admin-1")
    outsider = make_user(office_db, province_admin, "op_boalemo", Role.OPERATOR, "7502")
    answered = {}
    refused = set()
    for name, call in every_person_service(office_db, outsider, next(iter(registry.values()))).items():
        try:
            answered[name] = call()
        except Forbidden:
            refused.add(name)
    # Services about one record, the office or accounts refuse; listing services answer with nothing.
    assert refused == {
        "person_detail", "import", "list_users", "create_user", "reset_password", "update_user",
        "audit_entries", "list_batches",
    }  # fmt: skip
    assert answered["search_people"].ids == ()
    assert answered["count_people"] == 0
    assert [answered[name] for name in ("page_people", "people_at", "people_by_ids")] == [[], [], []]
    with pytest.raises(Forbidden):
        registry_summary(office_db.unit_of_work(), outsider, region="7501")


def test_operator_of_one_kecamatan_sees_only_that_kecamatan(office_db, admin, registry):
    limboto = make_user(office_db, admin, "op_limboto", Role.OPERATOR, "750101")
    assert count_people(office_db.unit_of_work(), limboto) == 6
    telaga_id = next(i for nik, i in registry.items() if nik.startswith("750102"))
    with pytest.raises(Forbidden):
        person_detail(office_db.unit_of_work(), limboto, telaga_id)
    assert people_by_ids(office_db.unit_of_work(), limboto, [telaga_id]) == []
    result = search_people(office_db.unit_of_work(), limboto, "")
    assert result.ids == ()


def test_operator_cannot_manage_accounts(office_db, operator):
    with pytest.raises(Forbidden):
        create_user(office_db.unit_of_work(), operator, "x", "X", "rahasia-x-1", Role.ADMIN, "7501")


def test_login_failure_is_audited_and_message_is_in_indonesian(office_db):
    with pytest.raises(AuthenticationFailed, match="Nama pengguna atau kata sandi salah"):
        login(office_db.unit_of_work(), "admin", "salah")
    with office_db.sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "user.login_failed"


def test_admin_manages_accounts_with_audit_before_and_after(office_db, admin):
    created = create_user(
        office_db.unit_of_work(),
        admin,
        "walidata",
        "Walidata Dinsos",
        "rahasia-w-1",
        Role.OPERATOR,
        "750101",
        "Dinas Sosial",
    )
    update_user(office_db.unit_of_work(), admin, created.id, active=False)
    with pytest.raises(AuthenticationFailed):
        login(office_db.unit_of_work(), "walidata", "rahasia-w-1")
    with office_db.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert (entry.username, entry.before["active"], entry.after["active"]) == ("admin", True, False)
    with pytest.raises(DomainError, match="sudah dipakai"):
        create_user(office_db.unit_of_work(), admin, "walidata", "X", "rahasia-x-1", Role.GUEST, "7501")
    with pytest.raises(DomainError, match="minimal 8"):
        create_user(office_db.unit_of_work(), admin, "pendek", "X", "abc", Role.GUEST, "7501")
    with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
        create_user(office_db.unit_of_work(), admin, "luar", "X", "rahasia-x-1", Role.GUEST, "7502")


def test_passwords_are_stored_as_argon2_hashes(office_db):
    from db.models import User

    with office_db.sessions() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and "rahasia" not in stored


# Managing an account needs a region that contains the account's -------------------------------------------
@pytest.fixture
def province_admin(office_db, admin):
    from db.models import User

    with office_db.sessions() as session, session.begin():
        session.get(User, admin.id).region_code = "75"
    return login(office_db.unit_of_work(), "admin", "rahasia-admin-1")


def test_an_admin_of_one_kabupaten_cannot_take_over_the_province_admin(office_db, province_admin):
    kabupaten_admin = make_user(office_db, province_admin, "admin_kab", Role.ADMIN, "7501")
    uow = office_db.unit_of_work
    attempts = {
        "reset_password": lambda: reset_password(uow(), kabupaten_admin, province_admin.id, "direbut-1234"),
        "demote": lambda: update_user(uow(), kabupaten_admin, province_admin.id, role=Role.GUEST),
        "deactivate": lambda: update_user(uow(), kabupaten_admin, province_admin.id, active=False),
        "re_region": lambda: update_user(uow(), kabupaten_admin, province_admin.id, region_code="750101"),
        "rename": lambda: update_user(uow(), kabupaten_admin, province_admin.id, full_name="Bukan Admin"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
            attempt()
            pytest.fail(f"{name} was allowed")
    again = login(office_db.unit_of_work(), "admin", "rahasia-admin-1")
    assert (again.role, again.region_code, again.full_name) == (Role.ADMIN, "75", province_admin.full_name)


def test_an_admin_of_one_kabupaten_cannot_make_or_move_an_account_to_the_province(office_db, province_admin):
    kabupaten_admin = make_user(office_db, province_admin, "admin_kab", Role.ADMIN, "7501")
    with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
        create_user(office_db.unit_of_work(), kabupaten_admin, "admin2", "X", "rahasia-x-1", Role.ADMIN, "75")
    walidata = make_user(office_db, kabupaten_admin, "walidata", Role.OPERATOR, "750101")
    with pytest.raises(Forbidden, match="di luar wilayah kerja Anda"):
        update_user(office_db.unit_of_work(), kabupaten_admin, walidata.id, region_code="75")
    # Inside its own region the kabupaten admin manages accounts as before.
    update_user(office_db.unit_of_work(), kabupaten_admin, walidata.id, region_code="750102")
    reset_password(office_db.unit_of_work(), kabupaten_admin, walidata.id, "sandi-baru-1234")
    assert login(office_db.unit_of_work(), "walidata", "sandi-baru-1234").region_code == "750102"


def test_the_account_list_shows_only_accounts_inside_the_admins_region(office_db, province_admin):
    make_user(office_db, province_admin, "op_boalemo", Role.OPERATOR, "7502")
    make_user(office_db, province_admin, "op_limboto", Role.OPERATOR, "750101")
    kabupaten_admin = make_user(office_db, province_admin, "admin_kab", Role.ADMIN, "7501")
    shown = {u.username for u in list_users(office_db.unit_of_work(), kabupaten_admin)}
    assert shown == {"admin_kab", "op_limboto"}
    everyone = {u.username for u in list_users(office_db.unit_of_work(), province_admin)}
    assert everyone == {"admin", "admin_kab", "op_boalemo", "op_limboto"}
