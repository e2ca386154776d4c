"""Preparing a new provincial server: its schema, its keys, the region reference and its first admin.

The server has accounts of its own (app_user, same rules as an office's): approving or revoking a device is an
admin's act, checked by role and region and written to the server's audit log under the admin's name.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.passwords import check_password_strength, hash_password
from app.auth.roles import Role
from app.errors import DomainError
from app.i18n import N_
from app.regions import PROVINCE_CODE, load_region_reference
from app.uow import UnitOfWork
from db.models import User


def create_first_admin(uow: UnitOfWork, username: str, password: str, full_name: str = "") -> None:
    """The province's admin, on a server that has no account yet (the one way in; later accounts are made by
    an admin, as in an office)."""
    with uow.writing():
        username = username.strip()
        if not username:
            raise DomainError(N_("Nama pengguna admin wajib diisi."))
        if uow.session.scalar(select(func.count()).select_from(User)):
            raise DomainError(N_("Server ini sudah memiliki akun admin; tambah akun lain lewat admin itu."))
        check_password_strength(password)
        load_region_reference(uow.session)
        uow.session.add(
            User(
                username=username,
                full_name=full_name.strip() or username,
                password_hash=hash_password(password),
                role=Role.ADMIN.value,
                region_code=PROVINCE_CODE,
            )
        )
        uow.audit(username, "server.create", "server", PROVINCE_CODE, after={"admin": username})
        uow.commit()
