"""Personal data is encrypted at rest: a copied database file is unreadable without the key."""

from __future__ import annotations

import shutil
import sqlite3

import keyring
import pytest
from keyring.backend import KeyringBackend

from app.errors import DatabaseKeyUnavailable, DatabaseUnreadable
from app.office import create_office_database, open_office_database
from app.registry.importer import RegistryImport
from db import keys
from tests.conftest import ADMIN_PASSWORD
from tests.factories import people, write_csv


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def import_people(db, user, tmp_path):
    records = people(3)
    job = RegistryImport(db, user, "dukcapil", [write_csv(tmp_path / "d.csv", records)])
    job.inspect()
    job.prepare()
    job.commit()
    return records


def test_copied_database_file_reveals_no_personal_data(office_db, admin, tmp_path):
    records = import_people(office_db, admin, tmp_path)
    office_db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("kantor.db*"))
    for record in records:
        assert record.nik.encode() not in raw
        assert record.nama.split()[-1].encode() not in raw
    copy = tmp_path / "salinan.db"
    shutil.copy(tmp_path / "kantor.db", copy)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(copy).execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_passphrase_cannot_open_the_database(office_db, monkeypatch):
    path = office_db.path
    office_db.close()
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "bukan-frasa-yang-benar")
    with pytest.raises(DatabaseUnreadable, match="kuncinya salah"):
        open_office_database(path)


def test_key_lives_in_the_os_keyring_not_beside_the_database(memory_keyring, tmp_path):
    path = tmp_path / "kantor.db"
    db = create_office_database(path, "7501", "admin", ADMIN_PASSWORD)
    db.close()
    (stored,) = memory_keyring.secrets.values()
    assert len(stored) == 64
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert stored.encode() not in file.read_bytes()
    open_office_database(path).close()  # reopened with the key from the keyring
    memory_keyring.secrets.clear()
    with pytest.raises(DatabaseKeyUnavailable, match="tidak ditemukan di penyimpanan kredensial"):
        open_office_database(path)


def test_without_keyring_or_passphrase_the_user_is_told_what_to_set(monkeypatch, tmp_path):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(DatabaseKeyUnavailable, match="EJPS_DB_PASSPHRASE"):
            create_office_database(tmp_path / "k.db", "7501", "admin", ADMIN_PASSWORD)
    finally:
        keyring.set_keyring(previous)
    assert not (tmp_path / "k.db").exists()


def test_database_uses_wal_and_foreign_keys(office_db):
    with office_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_staged_rows_of_an_import_are_encrypted_and_removed(office_db, admin, tmp_path):
    records = people(3)
    job = RegistryImport(office_db, admin, "dukcapil", [write_csv(tmp_path / "d.csv", records)])
    job.inspect()
    job.prepare()
    scratch = job._scratch
    assert scratch.exists()
    raw = scratch.read_bytes()
    assert raw and not any(r.nik.encode() in raw for r in records)
    job.close()
    assert not scratch.exists()
