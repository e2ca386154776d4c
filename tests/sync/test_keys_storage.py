"""The device's private keys live in the encrypted office database, made once per installation."""

from __future__ import annotations

from sync.keys import DeviceKeys, device_keys, load_device_keys, store_device_keys


def _raw(keys: DeviceKeys) -> tuple[bytes, bytes]:
    return keys.private_bytes()


def test_stored_keys_load_back_the_same(office_db):
    keys = DeviceKeys.generate()
    with office_db.unit_of_work().writing() as uow:
        store_device_keys(uow.session, keys)
        uow.commit()
    with office_db.sessions() as session:
        assert _raw(load_device_keys(session)) == _raw(keys)


def test_an_installation_without_keys_has_none_until_asked(office_db):
    with office_db.sessions() as session:
        assert load_device_keys(session) is None


def test_keys_are_made_once_and_kept(office_db):
    with office_db.unit_of_work().writing() as uow:
        first = device_keys(uow.session)
        uow.commit()
    with office_db.unit_of_work().writing() as uow:
        again = device_keys(uow.session)
        uow.commit()
    assert _raw(first) == _raw(again)


def test_the_private_keys_never_lie_readable_in_the_database_file(office_db):
    with office_db.unit_of_work().writing() as uow:
        keys = device_keys(uow.session)
        uow.commit()
    office_db.close()
    on_disk = b"".join(p.read_bytes() for p in office_db.path.parent.glob("kantor.db*"))
    for secret in _raw(keys):
        assert secret not in on_disk
