"""Roles and permissions of Pergub 52/2020 Lampiran I–II ("Hak akses").

- Admin (Dinas Sosial Provinsi): gives accounts to operators, keeps reference data, validates every stage of
  operators' input, keeps the data safe.
- Operator/walidata (OPD): input/import DTKS and Dukcapil data and proposals; create, edit, delete and print
  within their own region and OPD.
- Guest: "hanya dapat melihat dan melakukan pemantauan informasi yang dipublikasi" — aggregates only, no
  personal record, no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.errors import Forbidden
from app.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    GUEST = "guest"


ROLE_LABELS = {Role.ADMIN: N_("Admin"), Role.OPERATOR: N_("Operator/Walidata"), Role.GUEST: N_("Tamu")}


class Permission(StrEnum):
    PERSON_READ = "person.read"
    REGISTRY_IMPORT = "registry.import"
    AGGREGATE_READ = "aggregate.read"
    USER_MANAGE = "user.manage"
    REFERENCE_MANAGE = "reference.manage"
    AUDIT_READ = "audit.read"
    PROGRAM_MANAGE = "program.manage"
    PROPOSAL_EDIT = "proposal.edit"
    SCREENING_RUN = "screening.run"
    # Pergub 52/2020 Pasal 6 ayat 2: an operator drafts and finalises the SK penetapan of their region.
    SK_DRAFT = "sk.draft"
    # A program's quotas, and letting a row in over one, are the admin's (Lampiran II: validates every stage).
    QUOTA_MANAGE = "quota.manage"
    # Pergub 52/2020 Pasal 7 ayat 3-4: the written monitoring report is the TKPK's (officers), not a guest's.
    REPORT_PRINT = "report.print"
    FORM1_EDIT = "form1.edit"  # Pergub 72/2018 A.1: the desa petugas registers households on Form 1
    # Enrolling and revoking an office's installation on the provincial server: the admin's, who keeps the
    # data safe (Lampiran I).
    DEVICE_MANAGE = "device.manage"
    # Sending the office's work to the provincial server and applying what it sends back: the operator's and the
    # admin's; a guest only reads.
    SYNC_RUN = "sync.run"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATOR: frozenset(
        {
            Permission.PERSON_READ,
            Permission.REGISTRY_IMPORT,
            Permission.AGGREGATE_READ,
            Permission.PROGRAM_MANAGE,
            Permission.PROPOSAL_EDIT,
            Permission.SCREENING_RUN,
            Permission.SK_DRAFT,
            Permission.REPORT_PRINT,
            Permission.FORM1_EDIT,
            Permission.SYNC_RUN,
        }
    ),
    Role.GUEST: frozenset({Permission.AGGREGATE_READ}),
}


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user as services see it: plain data, not an ORM object."""

    id: int
    username: str
    full_name: str
    role: Role
    region_code: str
    opd: str = ""

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def covers(self, code: str) -> bool:
        return code.startswith(self.region_code)


def require(user: CurrentUser, permission: Permission, region: str | None = None) -> None:
    """Raises Forbidden unless the user's role grants `permission` and, when given, `region` is theirs.

    A region check passes when the record's code lies inside the user's region (a prefix), or when the
    requested region is a wider area that contains the user's region — a query over a kabupaten by an
    operator of one kecamatan is then narrowed to that kecamatan by the caller (`scope_prefix`). That second
    case is for queries only: acting on one record or account needs `require_record_in_scope` or
    `require_account_in_scope`, where a wider region does not pass.
    """
    if not user.can(permission):
        raise Forbidden(
            N_("Peran {role} tidak berhak melakukan ini ({permission})."),
            role=user.role.value,
            permission=permission.value,
        )
    if region is not None and not (
        region.startswith(user.region_code) or user.region_code.startswith(region)
    ):
        raise Forbidden(
            N_("Wilayah {region} berada di luar wilayah kerja Anda ({own})."),
            region=region,
            own=user.region_code,
        )


def require_record_in_scope(user: CurrentUser, permission: Permission, kode_desa: str) -> None:
    """For one record: its desa must lie inside the user's region."""
    require(user, permission)
    if not user.covers(kode_desa):
        raise Forbidden(
            N_("Data wilayah {region} berada di luar wilayah kerja Anda ({own})."),
            region=kode_desa,
            own=user.region_code,
        )


def require_account_in_scope(user: CurrentUser, account_region: str) -> None:
    """For managing one account (or giving one a region): the account's region must lie inside the user's.

    Unlike `require`, a wider region does not pass: an admin of one kabupaten may not reset the password of,
    demote or deactivate the province's admin, nor make an account of the province.
    """
    require(user, Permission.USER_MANAGE)
    if not user.covers(account_region):
        raise Forbidden(
            N_(
                "Akun wilayah {region} berada di luar wilayah kerja Anda ({own}); hanya akun di dalam wilayah "
                "Anda yang dapat dikelola."
            ),
            region=account_region,
            own=user.region_code,
        )


def scope_prefix(user: CurrentUser, region: str | None) -> str:
    """The narrower of a requested region and the user's own: what a query may return."""
    if region is None or user.region_code.startswith(region):
        return user.region_code
    return region
