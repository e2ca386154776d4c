import pytest

from app.audit import audit_entries
from app.auth.users import create_user
from app.errors import Forbidden
from tests.conftest import USER_PASSWORD


def test_audit_log_lists_newest_first_with_before_and_after(office_db, admin):
    create_user(office_db.unit_of_work(), admin, "budi", "Budi", USER_PASSWORD, "operator", "7501", "Dinsos")
    page = audit_entries(office_db.unit_of_work(), admin)
    assert page.total == len(page.entries) >= 3
    assert page.entries[0].action == "user.create"
    assert page.entries[0].after["username"] == "budi"
    assert page.entries[-1].action == "office.create"


def test_audit_log_pages(office_db, admin):
    everything = audit_entries(office_db.unit_of_work(), admin)
    first = audit_entries(office_db.unit_of_work(), admin, offset=0, limit=1)
    second = audit_entries(office_db.unit_of_work(), admin, offset=1, limit=1)
    assert first.has_next and first.total == everything.total
    assert [first.entries[0].id, second.entries[0].id] == [e.id for e in everything.entries[:2]]


def test_audit_log_narrowed_to_action(office_db, admin):
    page = audit_entries(office_db.unit_of_work(), admin, action_prefix="user.login")
    assert page.entries and all(e.action.startswith("user.login") for e in page.entries)


def test_operator_cannot_read_audit_log(office_db, operator):
    with pytest.raises(Forbidden):
        audit_entries(office_db.unit_of_work(), operator)


def test_the_people_in_the_log_are_listed_once_in_order(office_db, admin, operator):
    from app.audit import audit_usernames
    from app.auth.users import login
    from app.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        login(office_db.unit_of_work(), "operator", "salah-sandi-1")
    assert audit_usernames(office_db.unit_of_work(), admin) == ["admin", "operator"]


def test_operator_cannot_list_the_people_in_the_log(office_db, operator):
    from app.audit import audit_usernames

    with pytest.raises(Forbidden):
        audit_usernames(office_db.unit_of_work(), operator)


def test_an_entry_reads_as_changes_in_words_with_before_and_after(office_db, admin):
    from app.audit import AuditChange, describe_change
    from app.auth.users import list_users, update_user

    create_user(office_db.unit_of_work(), admin, "budi", "Budi", USER_PASSWORD, "operator", "7501", "Dinsos")
    budi = next(u for u in list_users(office_db.unit_of_work(), admin) if u.username == "budi")
    update_user(office_db.unit_of_work(), admin, budi.id, full_name="Budi Santoso", role="admin")
    entry = audit_entries(office_db.unit_of_work(), admin, action_prefix="user.update").entries[0]
    changes = describe_change(entry.before, entry.after)
    assert AuditChange("Nama lengkap", "Budi", "Budi Santoso") in changes
    assert AuditChange("Peran", "Operator/Walidata", "Admin") in changes
    assert all(c.label != "username" and "=" not in c.after for c in changes)  # no raw key=value
    created = describe_change(None, {"username": "budi", "active": True})
    assert created == [AuditChange("Nama pengguna", "", "budi"), AuditChange("Aktif", "", "ya")]


def test_coded_values_read_in_words_and_empty_fields_of_a_new_record_are_left_out():
    from app.audit import AuditChange, describe_change

    created = describe_change(
        None, {"nama": "Sembako", "opd": "", "sumber_dana": "APBD_KABKOTA", "desil_acuan": "kabupaten_kota"}
    )
    assert created == [
        AuditChange("Nama", "", "Sembako"),
        AuditChange("Sumber dana", "", "APBD Kabupaten/Kota"),
        AuditChange("Acuan desil", "", "kabupaten/kota"),
    ]
    run = describe_change(None, {"run": 3, "scope": "list"})
    assert AuditChange("Cakupan", "", "seluruh daftar") in run
    decided = describe_change({"keputusan": None}, {"keputusan": "field_check"})
    assert decided == [AuditChange("Keputusan", "", "Tandai untuk cek lapangan")]


def test_the_log_is_narrowed_to_days_on_the_laptops_clock(office_db, admin):
    from datetime import date, timedelta

    from app.errors import DomainError

    today = date.today()
    assert audit_entries(office_db.unit_of_work(), admin, since=today, until=today).total >= 2
    assert audit_entries(office_db.unit_of_work(), admin, until=today - timedelta(days=1)).total == 0
    assert audit_entries(office_db.unit_of_work(), admin, since=today + timedelta(days=1)).total == 0
    with pytest.raises(DomainError, match="sesudah tanggal akhir"):
        audit_entries(office_db.unit_of_work(), admin, since=today, until=today - timedelta(days=1))
