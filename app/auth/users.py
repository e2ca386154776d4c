"""Accounts: login, and the admin's account management (Pergub 52/2020 Lampiran I: "Memberikan akun atau
user kepada masing-masing walidata/operator")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.auth.passwords import check_password_strength, hash_password, verify_password
from app.auth.roles import CurrentUser, Permission, Role, require, require_account_in_scope
from app.errors import AuthenticationFailed, DomainError, NotFound
from app.i18n import N_
from app.regions import valid_office_region
from app.uow import UnitOfWork
from db.models import User, utcnow


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    full_name: str
    role: Role
    region_code: str
    opd: str
    active: bool
    last_login_at: datetime | None


def _current(user: User) -> CurrentUser:
    return CurrentUser(user.id, user.username, user.full_name, Role(user.role), user.region_code, user.opd)


def _summary(user: User) -> UserSummary:
    return UserSummary(
        user.id,
        user.username,
        user.full_name,
        Role(user.role),
        user.region_code,
        user.opd,
        user.active,
        user.last_login_at,
    )


def login(uow: UnitOfWork, username: str, password: str) -> CurrentUser:
    with uow.writing():
        user = uow.session.scalars(select(User).where(User.username == username.strip())).first()
        if user is None or not user.active or user.deleted_at is not None:
            raise AuthenticationFailed()
        if not verify_password(user.password_hash, password):
            uow.audit(username, "user.login_failed", "user", username)
            uow.commit()
            raise AuthenticationFailed()
        user.last_login_at = utcnow()
        uow.audit(user.username, "user.login", "user", user.username)
        uow.commit()
        return _current(user)


def list_users(uow: UnitOfWork, actor: CurrentUser) -> list[UserSummary]:
    """The accounts the actor may manage: those whose region lies inside the actor's."""
    with uow:
        require(actor, Permission.USER_MANAGE)
        users = uow.session.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.username))
        return [_summary(u) for u in users if actor.covers(u.region_code)]


def create_user(
    uow: UnitOfWork,
    actor: CurrentUser,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    region_code: str,
    opd: str = "",
) -> UserSummary:
    with uow.writing():
        require_account_in_scope(actor, region_code)
        username = username.strip()
        if not username:
            raise DomainError(N_("Nama pengguna wajib diisi."))
        if not valid_office_region(region_code):
            raise DomainError(
                N_("Kode wilayah {code} tidak dikenal atau di luar wilayah kantor."), code=region_code
            )
        check_password_strength(password)
        if uow.session.scalars(select(User).where(User.username == username)).first():
            raise DomainError(N_("Nama pengguna {username} sudah dipakai."), username=username)
        user = User(
            username=username,
            full_name=full_name.strip() or username,
            password_hash=hash_password(password),
            role=Role(role).value,
            region_code=region_code,
            opd=opd.strip(),
            origin_device=uow.device_id,
        )
        uow.session.add(user)
        uow.session.flush()
        summary = _summary(user)
        uow.audit(actor, "user.create", "user", username, after=_audit_view(summary))
        uow.commit()
        return summary


def _audit_view(summary: UserSummary) -> dict:
    return {
        "username": summary.username,
        "full_name": summary.full_name,
        "role": summary.role.value,
        "region_code": summary.region_code,
        "opd": summary.opd,
        "active": summary.active,
    }


def _get(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(N_("Pengguna tidak ditemukan."))
    return user


def update_user(
    uow: UnitOfWork,
    actor: CurrentUser,
    user_id: int,
    *,
    full_name: str | None = None,
    role: Role | None = None,
    region_code: str | None = None,
    opd: str | None = None,
    active: bool | None = None,
) -> UserSummary:
    with uow.writing():
        require(actor, Permission.USER_MANAGE)
        user = _get(uow, user_id)
        require_account_in_scope(actor, user.region_code)
        before = _audit_view(_summary(user))
        if user.id == actor.id and (active is False or (role is not None and role != Role.ADMIN)):
            raise DomainError(N_("Anda tidak dapat menonaktifkan atau menurunkan peran akun Anda sendiri."))
        if region_code is not None:
            require_account_in_scope(actor, region_code)
            if not valid_office_region(region_code):
                raise DomainError(
                    N_("Kode wilayah {code} tidak dikenal atau di luar wilayah kantor."), code=region_code
                )
            user.region_code = region_code
        if full_name is not None:
            user.full_name = full_name.strip() or user.username
        if role is not None:
            user.role = Role(role).value
        if opd is not None:
            user.opd = opd.strip()
        if active is not None:
            user.active = active
        summary = _summary(user)
        uow.audit(actor, "user.update", "user", user.username, before=before, after=_audit_view(summary))
        uow.commit()
        return summary


def reset_password(uow: UnitOfWork, actor: CurrentUser, user_id: int, new_password: str) -> None:
    with uow.writing():
        require(actor, Permission.USER_MANAGE)
        user = _get(uow, user_id)
        require_account_in_scope(actor, user.region_code)
        check_password_strength(new_password)
        user.password_hash = hash_password(new_password)
        uow.audit(actor, "user.reset_password", "user", user.username)
        uow.commit()


def change_own_password(uow: UnitOfWork, actor: CurrentUser, old_password: str, new_password: str) -> None:
    with uow.writing():
        user = _get(uow, actor.id)
        if not verify_password(user.password_hash, old_password):
            raise AuthenticationFailed()
        check_password_strength(new_password)
        user.password_hash = hash_password(new_password)
        uow.audit(actor, "user.change_password", "user", user.username)
        uow.commit()
