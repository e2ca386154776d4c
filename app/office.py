"""Creating and opening an office database: one region, encrypted, migrated in place on every start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.auth.passwords import check_password_strength, hash_password
from app.auth.roles import Role
from app.errors import DomainError, user_error
from app.i18n import N_
from app.regions import load_region_reference, valid_office_region
from app.uow import UnitOfWork
from db.engine import DatabaseUnreadable, create_encrypted_engine, session_factory
from db.keys import CredentialStoreUnavailable, KeyNotFound, database_key
from db.migrate import upgrade_to_head
from db.models import Office, User
from sync.changes import install_capture

APP_NAME = "e-JPS Desktop"


def data_dir() -> Path:
    return Path(os.environ.get("EJPS_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "ejps.db"


def demo_database_path() -> Path:
    return data_dir() / "demo" / "demo.db"


@dataclass(frozen=True)
class OfficeInfo:
    region_code: str
    name: str
    device_id: object
    language: str


@dataclass
class OfficeDatabase:
    path: Path
    engine: Engine
    sessions: sessionmaker[Session]
    office: OfficeInfo

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, device_id=self.office.device_id)

    def close(self) -> None:
        self.engine.dispose()


def _files_of(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def create_office_database(
    path: Path,
    region_code: str,
    admin_username: str,
    admin_password: str,
    admin_full_name: str = "",
    office_name: str = "",
) -> OfficeDatabase:
    path = Path(path)
    if path.exists():
        raise DomainError(N_("Berkas {path} sudah ada; pilih nama lain."), path=str(path))
    if not valid_office_region(region_code):
        raise DomainError(
            N_("Kode wilayah {code} bukan wilayah Provinsi Gorontalo menurut Kemendagri."), code=region_code
        )
    admin_username = admin_username.strip()
    if not admin_username:
        raise DomainError(N_("Nama pengguna admin wajib diisi."))
    check_password_strength(admin_password)
    engine = _encrypted_engine(path, create=True)
    try:
        upgrade_to_head(engine)
        install_capture(engine)
        with UnitOfWork(session_factory(engine)).writing() as uow:
            load_region_reference(uow.session)
            from db.models import Region

            region = uow.session.get(Region, region_code)
            office = Office(
                region_code=region_code, name=office_name or (region.name if region else region_code)
            )
            uow.session.add(office)
            uow.session.flush()
            uow.device_id = office.device_id
            uow.session.add(
                User(
                    username=admin_username,
                    full_name=admin_full_name or admin_username,
                    password_hash=hash_password(admin_password),
                    role=Role.ADMIN.value,
                    region_code=region_code,
                    origin_device=office.device_id,
                )
            )
            uow.audit(
                admin_username,
                "office.create",
                "office",
                region_code,
                after={"region_code": region_code, "admin": admin_username},
            )
            uow.commit()
    except BaseException:
        engine.dispose()
        for file in _files_of(path):
            file.unlink(missing_ok=True)
        raise
    engine.dispose()
    return open_office_database(path)


def _encrypted_engine(path: Path, create: bool) -> Engine:
    try:
        return create_encrypted_engine(path, database_key(path, create=create))
    except (DatabaseUnreadable, CredentialStoreUnavailable, KeyNotFound) as error:
        # Only the message, in the user's language: the driver's own text stays in the log's chained cause.
        raise user_error(error) from error


def open_office_database(path: Path) -> OfficeDatabase:
    path = Path(path)
    if not path.exists():
        raise DomainError(
            N_("Basis data {path} belum ada. Buat dulu dengan 'ejps init' atau 'ejps demo'."), path=str(path)
        )
    engine = _encrypted_engine(path, create=False)
    upgrade_to_head(engine)
    # Every write of a synced record goes to the sync's outbox in its own transaction (sync/changes.py).
    install_capture(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        office = session.scalars(select(Office)).first()
        if office is None:
            engine.dispose()
            raise DomainError(N_("Basis data {path} tidak memuat data kantor."), path=str(path))
        info = OfficeInfo(office.region_code, office.name, office.device_id, office.language)
    return OfficeDatabase(path, engine, sessions, info)
