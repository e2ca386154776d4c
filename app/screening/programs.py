"""Aid programs and their proposal lists (Pergub 52/2020 Pasal 1 angka 9: a program has an owner OPD, a
funding source, a year, an aid type, a value and a quota; Lampiran II: operators create, edit and delete
within their own region).

Reading is scoped by overlap: a program of Kab. Gorontalo (7501) is visible to an operator of Kec. Limboto
(750101), who proposes people for it. Changing is scoped by containment: only an account whose region contains
the program's (or the list's) region may change it, so a kecamatan operator cannot edit a kabupaten program.
A proposal list holds personal data: it is visible only to accounts whose region contains the list's region.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, Permission, require, require_record_in_scope, scope_prefix
from app.errors import DomainError, Forbidden, NotFound
from app.i18n import N_, _
from app.office import OfficeDatabase
from app.screening.desil import DesilLevel
from app.uow import UnitOfWork
from db.models import Office, Program, Proposal, ProposalList, Region, utcnow

# Pergub 52/2020 Pasal 1: bantuan sosial funded by APBN, APBD Provinsi, APBD Kabupaten/Kota or Dana Desa.
FUNDING_SOURCES = ("APBN", "APBD_PROVINSI", "APBD_KABKOTA", "DANA_DESA")
FUNDING_SOURCE_LABELS = {
    "APBN": N_("APBN"),
    "APBD_PROVINSI": N_("APBD Provinsi"),
    "APBD_KABKOTA": N_("APBD Kabupaten/Kota"),
    "DANA_DESA": N_("Dana Desa"),
}
# The programs whose members a DTKS/DTSEN extract flags (app.registry.fields.PROGRAM_FLAGS).
DTKS_PROGRAM_CODES = ("", "pkh", "bpnt", "pbi")
FIRST_YEAR, LAST_YEAR = 2000, 2100
DESIL_RANGE = (1, 10)  # DTSEN ranks households in desil 1 (poorest) to 10
NAME_LENGTH = 200


class ListStatus(StrEnum):
    DRAFT = "draft"
    SCREENED = "screened"
    IN_SK = "in_sk"  # part of an SK penetapan: no longer changed


LIST_STATUS_LABELS = {
    ListStatus.DRAFT: N_("Draf"),
    ListStatus.SCREENED: N_("Sudah disaring"),
    ListStatus.IN_SK: N_("Masuk SK"),
}
# Reading programs and lists: whoever may manage programs, edit proposals or screen (not a guest).
_READ_PERMISSIONS = (Permission.PROGRAM_MANAGE, Permission.PROPOSAL_EDIT, Permission.SCREENING_RUN)


@dataclass(frozen=True)
class ProgramData:
    id: int
    nama: str
    opd: str
    sumber_dana: str
    tahun: int
    jenis_bantuan: str
    nilai_per_penerima: int
    kuota: int
    kode_wilayah: str
    kode_program_dtks: str
    list_count: int
    # DESIGN.md "Since 2025: DTSEN": the desil range the program serves (None = any), and whether a person
    # outside DTKS/DTSEN fails screening (True) or is only flagged for a look (False).
    desil_min: int | None = None
    desil_max: int | None = None
    hanya_dtks: bool = False
    desil_acuan: str = DesilLevel.NASIONAL.value  # which desil level the range applies to


@dataclass(frozen=True)
class ProposalListData:
    id: int
    program_id: int | None
    program_nama: str
    nama: str
    sumber: str
    kode_wilayah_sumber: str
    status: str
    file_name: str
    row_count: int
    created_by: str
    created_at: datetime
    last_run_id: int | None
    lolos: int = 0
    tidak_lolos: int = 0
    perlu_cek: int = 0


def unit_of_work(target: OfficeDatabase | UnitOfWork) -> UnitOfWork:
    """Services take the office database or a unit of work (tests and the CLI pass either)."""
    return target if isinstance(target, UnitOfWork) else target.unit_of_work()


def require_read(user: CurrentUser) -> None:
    if not any(user.can(p) for p in _READ_PERMISSIONS):
        require(user, Permission.PROGRAM_MANAGE)  # raises the usual Forbidden


def overlaps(user: CurrentUser, code: str) -> bool:
    return code.startswith(user.region_code) or user.region_code.startswith(code)


def office_region(session: Session) -> str:
    return session.scalar(select(Office.region_code)) or ""


def region_code_in_scope(session: Session, user: CurrentUser, code: str, field_label: str) -> str:
    """A known Kemendagri code (dots allowed) inside the user's region. Empty means the office's region, or the
    user's own when that is narrower (an operator of one kecamatan)."""
    code = re.sub(r"[\s.]", "", str(code or "")) or scope_prefix(user, office_region(session))
    if session.get(Region, code) is None:
        raise DomainError(
            N_("{field}: kode wilayah {code} tidak ada dalam daftar wilayah Kemendagri."),
            field=field_label,
            code=code,
        )
    if not user.covers(code):
        raise Forbidden(
            N_("{field}: wilayah {code} berada di luar wilayah kerja Anda ({own})."),
            field=field_label,
            code=code,
            own=user.region_code,
        )
    return code


# Programs ---------------------------------------------------------------------------------------------------
def _program_data(program: Program, list_count: int) -> ProgramData:
    return ProgramData(
        program.id,
        program.nama,
        program.opd,
        program.sumber_dana,
        program.tahun,
        program.jenis_bantuan,
        program.nilai_per_penerima,
        program.kuota,
        program.kode_wilayah,
        program.kode_program_dtks,
        list_count,
        program.desil_min,
        program.desil_max,
        bool(program.hanya_dtks),
        program.desil_acuan or DesilLevel.NASIONAL.value,
    )


def _list_counts(session: Session, program_ids: list[int]) -> dict[int, int]:
    if not program_ids:
        return {}
    rows = session.execute(
        select(ProposalList.program_id, func.count())
        .where(ProposalList.program_id.in_(program_ids), ProposalList.deleted_at.is_(None))
        .group_by(ProposalList.program_id)
    )
    return dict(rows.all())


def _audit_view(data: ProgramData) -> dict:
    return {k: v for k, v in asdict(data).items() if k not in ("id", "list_count")}


def program_visible(session: Session, user: CurrentUser, program_id: int) -> Program:
    """The program, when it exists and its region overlaps the user's; else NotFound / Forbidden."""
    program = session.get(Program, program_id)
    if program is None or program.deleted_at is not None:
        raise NotFound(N_("Program #{id} tidak ditemukan."), id=program_id)
    if not overlaps(user, program.kode_wilayah):
        raise Forbidden(
            N_("Program {name} untuk wilayah {region} berada di luar wilayah kerja Anda ({own})."),
            name=program.nama,
            region=program.kode_wilayah,
            own=user.region_code,
        )
    return program


def list_programs(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, tahun: int | None = None
) -> list[ProgramData]:
    """Programs whose region overlaps the user's, newest year first."""
    require_read(user)
    with unit_of_work(target) as uow:
        query = select(Program).where(Program.deleted_at.is_(None))
        if tahun is not None:
            query = query.where(Program.tahun == int(tahun))
        programs = [
            p
            for p in uow.session.scalars(query.order_by(Program.tahun.desc(), Program.nama, Program.id))
            if overlaps(user, p.kode_wilayah)
        ]
        counts = _list_counts(uow.session, [p.id for p in programs])
        return [_program_data(p, counts.get(p.id, 0)) for p in programs]


def get_program(target: OfficeDatabase | UnitOfWork, user: CurrentUser, program_id: int) -> ProgramData:
    require_read(user)
    with unit_of_work(target) as uow:
        program = program_visible(uow.session, user, program_id)
        return _program_data(program, _list_counts(uow.session, [program.id]).get(program.id, 0))


def _text(value: object, field_label: str, length: int, required: bool = False) -> str:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if required and not text:
        raise DomainError(N_("{field} wajib diisi."), field=field_label)
    if len(text) > length:
        raise DomainError(
            N_("{field} paling panjang {length} karakter; tertulis {count}."),
            field=field_label,
            length=length,
            count=len(text),
        )
    return text


def _whole_number(value: object, field_label: str) -> int:
    """An integer from the form: 1500000, "1.500.000", "Rp 1.500.000". Negative numbers are refused."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        # Dots group thousands in Indonesian ("1.500.000"); "1.5" is refused rather than read as 15.
        text = re.sub(r"(?i)^\s*rp\.?|\s", "", str(value if value is not None else ""))
        if not re.fullmatch(r"-?(\d+|\d{1,3}(\.\d{3})+)", text):
            raise DomainError(
                N_('{field} harus bilangan bulat; tertulis "{value}".'), field=field_label, value=value
            )
        number = int(text.replace(".", ""))
    if number < 0:
        raise DomainError(
            N_("{field} tidak boleh negatif; tertulis {value}."), field=field_label, value=number
        )
    return number


def _funding_source(value: object) -> str:
    compact = re.sub(r"[^0-9A-Z]", "", str(value or "").upper())
    for code in FUNDING_SOURCES:
        if compact == code.replace("_", ""):
            return code
    raise DomainError(
        N_('Sumber dana "{value}" tidak dikenal; pilih salah satu: {choices}.'),
        value=value,
        choices=", ".join(_(FUNDING_SOURCE_LABELS[c]) for c in FUNDING_SOURCES),
    )


def _year(value: object) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            N_('Tahun program harus antara {first} dan {last}; tertulis "{value}".'),
            first=FIRST_YEAR,
            last=LAST_YEAR,
            value=value,
        )
    return year


def _dtks_code(value: object) -> str:
    code = str(value or "").strip().lower()
    if code not in DTKS_PROGRAM_CODES:
        raise DomainError(
            N_('Kode program DTKS "{value}" tidak dikenal; gunakan pkh, bpnt, pbi atau kosongkan.'),
            value=value,
        )
    return code


def _desil(value: object, field_label: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        desil = int(str(value).strip())
    except ValueError:
        desil = None
    if desil is None or not DESIL_RANGE[0] <= desil <= DESIL_RANGE[1]:
        raise DomainError(
            N_('{field} harus bilangan 1 sampai 10 atau kosong; tertulis "{value}".'),
            field=field_label,
            value=value,
        )
    return desil


def _desil_level(value: object) -> str:
    text = str(value or DesilLevel.NASIONAL.value).strip().lower().replace("/", "_").replace("-", "_")
    try:
        return DesilLevel(text).value
    except ValueError:
        raise DomainError(
            N_('Desil yang dipakai "{value}" tidak dikenal; gunakan {choices}.'),
            value=value,
            choices=", ".join(level.value for level in DesilLevel),
        ) from None


def _apply(session: Session, user: CurrentUser, program: Program, fields: dict) -> None:
    known = {
        "desil_acuan",
        "desil_min",
        "desil_max",
        "hanya_dtks",
        "nama",
        "opd",
        "sumber_dana",
        "tahun",
        "jenis_bantuan",
        "nilai_per_penerima",
        "kuota",
        "kode_wilayah",
        "kode_program_dtks",
    }
    unknown = sorted(set(fields) - known)
    if unknown:
        raise DomainError(N_("Isian program tidak dikenal: {fields}."), fields=", ".join(unknown))
    if "nama" in fields:
        program.nama = _text(fields["nama"], _("Nama program"), NAME_LENGTH, required=True)
    if "opd" in fields:
        program.opd = _text(fields["opd"], _("OPD"), 200)
    if "sumber_dana" in fields:
        program.sumber_dana = _funding_source(fields["sumber_dana"])
    if "tahun" in fields:
        program.tahun = _year(fields["tahun"])
    if "jenis_bantuan" in fields:
        program.jenis_bantuan = _text(fields["jenis_bantuan"], _("Jenis bantuan"), 120)
    if "nilai_per_penerima" in fields:
        program.nilai_per_penerima = _whole_number(fields["nilai_per_penerima"], _("Nilai per penerima"))
    if "kuota" in fields:
        program.kuota = _whole_number(fields["kuota"], _("Kuota"))
    if "kode_wilayah" in fields:
        # An empty region is the office's (the user's own when narrower), written out so that every office
        # reads the program alike.
        program.kode_wilayah = region_code_in_scope(
            session, user, str(fields["kode_wilayah"] or ""), _("Wilayah program")
        )
    if "kode_program_dtks" in fields:
        program.kode_program_dtks = _dtks_code(fields["kode_program_dtks"])
    if "desil_min" in fields:
        program.desil_min = _desil(fields["desil_min"], _("Desil terendah"))
    if "desil_max" in fields:
        program.desil_max = _desil(fields["desil_max"], _("Desil tertinggi"))
    if (
        program.desil_min is not None
        and program.desil_max is not None
        and program.desil_min > program.desil_max
    ):
        raise DomainError(
            N_("Desil terendah ({low}) lebih besar daripada desil tertinggi ({high})."),
            low=program.desil_min,
            high=program.desil_max,
        )
    if "hanya_dtks" in fields:
        program.hanya_dtks = bool(fields["hanya_dtks"])
    if "desil_acuan" in fields:
        program.desil_acuan = _desil_level(fields["desil_acuan"])


def create_program(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    *,
    nama: str,
    sumber_dana: str,
    tahun: int,
    opd: str = "",
    jenis_bantuan: str = "",
    nilai_per_penerima: int | str = 0,
    kuota: int | str = 0,
    kode_wilayah: str = "",
    kode_program_dtks: str = "",
    desil_min: int | None = None,
    desil_max: int | None = None,
    hanya_dtks: bool = False,
    desil_acuan: str = DesilLevel.NASIONAL.value,
) -> ProgramData:
    """A new program. `opd` defaults to the user's own OPD; `kode_wilayah` to the office's region.

    An operator may give a new program its quota: no list has been ranked against it yet, and the quota is
    part of what the program is (the Dinas' decision the operator records). Changing it afterwards moves who
    falls outside an SK, so `update_program` leaves that to an admin."""
    require(user, Permission.PROGRAM_MANAGE)
    with unit_of_work(target).writing() as uow:
        program = Program(created_by=user.username, origin_device=uow.device_id)
        _apply(
            uow.session,
            user,
            program,
            {
                "nama": nama,
                "opd": opd or user.opd,
                "sumber_dana": sumber_dana,
                "tahun": tahun,
                "jenis_bantuan": jenis_bantuan,
                "nilai_per_penerima": nilai_per_penerima,
                "kuota": kuota,
                "kode_wilayah": kode_wilayah,
                "kode_program_dtks": kode_program_dtks,
                "desil_min": desil_min,
                "desil_max": desil_max,
                "hanya_dtks": hanya_dtks,
                "desil_acuan": desil_acuan,
            },
        )
        uow.session.add(program)
        uow.session.flush()
        data = _program_data(program, 0)
        uow.audit(user, "program.create", "program", program.id, after=_audit_view(data))
        uow.commit()
        return data


def _require_quota_manager(user: CurrentUser, program: Program) -> None:
    """Changing a program's quota moves who falls outside its SK ranking, so it is an admin's decision, as
    in `app.documents.sk_quota.set_program_quota`."""
    if not user.can(Permission.QUOTA_MANAGE):
        raise Forbidden(
            N_(
                "Kuota program {name} hanya dapat diubah oleh admin (tetap {kuota}). Simpan perubahan lain "
                "tanpa mengubah kuota, atau minta admin mengubahnya."
            ),
            name=program.nama,
            kuota=program.kuota,
        )
    require_record_in_scope(user, Permission.QUOTA_MANAGE, program.kode_wilayah)


def update_program(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, program_id: int, **changes: object
) -> ProgramData:
    """Changes the given fields (same names and rules as `create_program`). A different `kuota` needs
    QUOTA_MANAGE (an admin); the same value, as a form sends it back unchanged, passes."""
    require(user, Permission.PROGRAM_MANAGE)
    with unit_of_work(target).writing() as uow:
        program = program_visible(uow.session, user, program_id)
        require_record_in_scope(user, Permission.PROGRAM_MANAGE, program.kode_wilayah)
        if "kuota" in changes and _whole_number(changes["kuota"], _("Kuota")) != program.kuota:
            _require_quota_manager(user, program)
        counts = _list_counts(uow.session, [program.id])
        before = _audit_view(_program_data(program, 0))
        _apply(uow.session, user, program, dict(changes))
        uow.session.flush()
        data = _program_data(program, counts.get(program.id, 0))
        uow.audit(user, "program.update", "program", program.id, before=before, after=_audit_view(data))
        uow.commit()
        return data


# Proposal lists ---------------------------------------------------------------------------------------------
def _result_counts(session: Session, list_ids: list[int]) -> dict[int, dict[str, int]]:
    if not list_ids:
        return {}
    found: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Proposal.list_id, Proposal.hasil, func.count())
        .where(Proposal.list_id.in_(list_ids), Proposal.deleted_at.is_(None))
        .group_by(Proposal.list_id, Proposal.hasil)
    )
    for list_id, hasil, count in rows:
        found.setdefault(list_id, {})[hasil or ""] = count
    return found


def _list_data(proposal_list: ProposalList, program_name: str, counts: dict[str, int]) -> ProposalListData:
    return ProposalListData(
        proposal_list.id,
        proposal_list.program_id,
        program_name,
        proposal_list.nama,
        proposal_list.sumber,
        proposal_list.kode_wilayah_sumber,
        proposal_list.status,
        proposal_list.file_name,
        sum(counts.values()),
        proposal_list.created_by,
        proposal_list.created_at,
        proposal_list.last_run_id,
        counts.get("LOLOS", 0),
        counts.get("TIDAK_LOLOS", 0),
        counts.get("PERLU_CEK", 0),
    )


def list_in_scope(session: Session, user: CurrentUser, list_id: int, permission: Permission) -> ProposalList:
    """The list, when it exists and lies inside the user's region; else NotFound / Forbidden."""
    require(user, permission)
    proposal_list = session.get(ProposalList, list_id)
    if proposal_list is None or proposal_list.deleted_at is not None:
        raise NotFound(N_("Daftar usulan #{id} tidak ditemukan."), id=list_id)
    require_record_in_scope(user, permission, proposal_list.kode_wilayah_sumber)
    return proposal_list


def require_list_editable(proposal_list: ProposalList) -> None:
    if proposal_list.status == ListStatus.IN_SK:
        raise DomainError(
            N_('Daftar usulan "{name}" sudah masuk SK penetapan dan tidak dapat diubah lagi.'),
            name=proposal_list.nama,
        )


def list_proposal_lists(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, program_id: int | None = None
) -> list[ProposalListData]:
    """The lists inside the user's region, newest first; of one program when `program_id` is given."""
    require_read(user)
    with unit_of_work(target) as uow:
        session = uow.session
        query = select(ProposalList).where(ProposalList.deleted_at.is_(None))
        if program_id is not None:
            program_visible(session, user, program_id)
            query = query.where(ProposalList.program_id == program_id)
        lists = [
            item
            for item in session.scalars(query.order_by(ProposalList.id.desc()))
            if user.covers(item.kode_wilayah_sumber)
        ]
        names = dict(
            session.execute(
                select(Program.id, Program.nama).where(
                    Program.id.in_({item.program_id for item in lists} - {None})
                )
            ).all()
        )
        counts = _result_counts(session, [item.id for item in lists])
        return [_list_data(item, names.get(item.program_id, ""), counts.get(item.id, {})) for item in lists]


def get_proposal_list(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, list_id: int
) -> ProposalListData:
    require_read(user)
    with unit_of_work(target) as uow:
        permission = next(p for p in _READ_PERMISSIONS if user.can(p))
        item = list_in_scope(uow.session, user, list_id, permission)
        program = uow.session.get(Program, item.program_id) if item.program_id else None
        counts = _result_counts(uow.session, [item.id]).get(item.id, {})
        return _list_data(item, program.nama if program else "", counts)


def new_proposal_list(
    session: Session,
    user: CurrentUser,
    program_id: int | None,
    nama: str,
    sumber: str,
    kode_wilayah_sumber: str,
) -> ProposalList:
    """Checks a new list's program and region and returns it, not yet added to the session. Shared by the
    empty list of typed entry and the list an import fills."""
    require(user, Permission.PROPOSAL_EDIT)
    nama = _text(nama, _("Nama daftar usulan"), NAME_LENGTH, required=True)
    sumber = _text(sumber, _("Pengusul"), 200)
    code = region_code_in_scope(session, user, kode_wilayah_sumber, _("Wilayah pengusul"))
    if program_id is not None:
        program = program_visible(session, user, program_id)
        if not (code.startswith(program.kode_wilayah) or program.kode_wilayah.startswith(code)):
            raise DomainError(
                N_("Wilayah pengusul {code} berada di luar wilayah program {name} ({region})."),
                code=code,
                name=program.nama,
                region=program.kode_wilayah,
            )
    return ProposalList(
        program_id=program_id,
        nama=nama,
        sumber=sumber,
        kode_wilayah_sumber=code,
        status=ListStatus.DRAFT.value,
        created_by=user.username,
    )


def list_audit_view(proposal_list: ProposalList) -> dict:
    return {
        "program_id": proposal_list.program_id,
        "nama": proposal_list.nama,
        "sumber": proposal_list.sumber,
        "kode_wilayah_sumber": proposal_list.kode_wilayah_sumber,
        "status": proposal_list.status,
        "file_name": proposal_list.file_name,
    }


def create_proposal_list(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    program_id: int | None,
    nama: str,
    sumber: str = "",
    kode_wilayah_sumber: str = "",
) -> int:
    """An empty list for typed entry (`proposal_entry.add_proposal`). `kode_wilayah_sumber` defaults to the
    user's region. Returns the list's id."""
    require(user, Permission.PROPOSAL_EDIT)
    with unit_of_work(target).writing() as uow:
        proposal_list = new_proposal_list(uow.session, user, program_id, nama, sumber, kode_wilayah_sumber)
        proposal_list.origin_device = uow.device_id
        uow.session.add(proposal_list)
        uow.session.flush()
        uow.audit(
            user,
            "proposal_list.create",
            "proposal_list",
            proposal_list.id,
            after=list_audit_view(proposal_list),
        )
        uow.commit()
        return proposal_list.id


def delete_proposal_list(
    target: OfficeDatabase | UnitOfWork, user: CurrentUser, list_id: int, reason: str = ""
) -> None:
    """Soft delete of a draft or screened list and its rows (deleted_at); a list in an SK stays."""
    require(user, Permission.PROPOSAL_EDIT)
    with unit_of_work(target).writing() as uow:
        proposal_list = list_in_scope(uow.session, user, list_id, Permission.PROPOSAL_EDIT)
        if proposal_list.status == ListStatus.IN_SK:
            raise DomainError(
                N_('Daftar usulan "{name}" sudah masuk SK penetapan dan tidak dapat dihapus.'),
                name=proposal_list.nama,
            )
        now = utcnow()
        rows = uow.session.execute(
            update(Proposal)
            .where(Proposal.list_id == list_id, Proposal.deleted_at.is_(None))
            .values(deleted_at=now, updated_at=now, origin_device=uow.device_id)
        ).rowcount
        proposal_list.deleted_at = now
        proposal_list.origin_device = uow.device_id
        uow.audit(
            user,
            "proposal_list.delete",
            "proposal_list",
            list_id,
            before=list_audit_view(proposal_list) | {"rows": rows},
            after={"reason": reason.strip()} if reason.strip() else None,
        )
        uow.commit()
