"""Form 1, the formulir registrasi standar (Pergub Gorontalo 72/2018 A.1): a household registers at the village
office (aktif), on a home visit (pasif), as an SKTM applicant, or as a non-resident domiciled in the desa.

Choices, so that the next reader need not guess:

- Scope: a Form 1 belongs to its desa. Writing needs `FORM1_EDIT` and the desa inside the user's region, so a
  petugas desa (an operator whose region is one desa) registers only in their desa; reading needs
  `PERSON_READ` (a guest sees no Form 1 at all: it is personal data).
- The answers are checked by `form1_checks` (NIK against birth date and sex, the domicile rule); the registry's
  record of the NIK (Person) is returned beside the form when it is inside the user's region — like
  `proposal_entry.lookup_by_nik`, a NIK of someone elsewhere looks unknown.
- Delete is soft (`deleted_at`), audited with the reason. Every change is one transaction and one audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import or_, select

from app.auth.roles import (
    CurrentUser,
    Permission,
    require,
    require_record_in_scope,
    scope_prefix,
)
from app.documents.form1_checks import Form1Input, check_form1, refusal, skrining_of
from app.documents.form1_skrining import SkriningAwal
from app.errors import NotFound
from app.i18n import N_, _
from app.regions import display_name
from app.registry.nik import parse_nik
from app.uow import UnitOfWork
from db.models import Form1, Form1Anggota, Person, Region, utcnow


def _unit_of_work(target) -> UnitOfWork:
    return target if isinstance(target, UnitOfWork) else target.unit_of_work()


@dataclass(frozen=True)
class Anggota:
    urutan: int
    nama: str
    nik: str
    hubungan: str
    tgl_lahir: date | None
    jenis_kelamin: str
    pendidikan: str
    masih_sekolah: bool


@dataclass(frozen=True)
class RegistryRecord:
    """The registry's (Dukcapil) record of a NIK, shown beside the form."""

    person_id: int
    nik: str
    no_kk: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    kode_desa: str
    desa: str  # name as an officer writes it
    status: str  # hidup | meninggal | pindah


@dataclass(frozen=True)
class Form1Data:
    id: int
    nik: str
    no_kk: str
    nama: str
    tempat_lahir: str
    tgl_lahir: date | None
    jenis_kelamin: str
    alamat: str
    rt: str
    rw: str
    kode_desa: str
    desa: str  # "Desa Bulila"
    kecamatan: str
    telepon: str
    jalur: str
    domisili_sejak: date | None
    pernyataan_domisili: bool
    atap_beton_genteng: bool
    punya_mobil: bool
    punya_ac: bool
    tabung_gas_besar: bool
    pendidikan_tertinggi: str
    karakteristik_lain: dict
    tanggal: date | None
    petugas: str
    anggota: tuple[Anggota, ...]
    skrining: SkriningAwal
    registri: RegistryRecord | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form1Summary:
    id: int
    nik: str
    nama: str
    kode_desa: str
    desa: str
    jalur: str
    tanggal: date | None
    petugas: str
    jumlah_anggota: int
    lolos_skrining: bool


# the registry's record --------------------------------------------------------------------------------------


def _registry_record(session, user: CurrentUser, nik: str) -> RegistryRecord | None:
    person = session.scalars(select(Person).where(Person.nik == nik, Person.deleted_at.is_(None))).first()
    if person is None or not user.covers(person.kode_desa):
        return None
    region = session.get(Region, person.kode_desa)
    return RegistryRecord(
        person.id,
        person.nik,
        person.no_kk,
        person.nama,
        person.tgl_lahir,
        person.jenis_kelamin,
        person.kode_desa,
        _place(region),
        person.status,
    )


def _place(region: Region | None) -> str:
    return display_name(region.name, region.kind) if region else ""


def registry_record(target, user: CurrentUser, nik: str) -> RegistryRecord | None:
    """The registry's record of a NIK inside the user's region, or None (unknown, incomplete, or elsewhere:
    the form does not tell these apart)."""
    require(user, Permission.PERSON_READ)
    nik = (nik or "").strip()
    if parse_nik(nik) is None:
        return None
    with _unit_of_work(target) as uow:
        return _registry_record(uow.session, user, nik)


# use cases --------------------------------------------------------------------------------------------------


def _data(session, user: CurrentUser, form: Form1, warnings: tuple[str, ...] = ()) -> Form1Data:
    members = session.scalars(
        select(Form1Anggota)
        .where(Form1Anggota.form_id == form.id, Form1Anggota.deleted_at.is_(None))
        .order_by(Form1Anggota.urutan)
    ).all()
    anggota = tuple(
        Anggota(
            m.urutan, m.nama, m.nik, m.hubungan, m.tgl_lahir, m.jenis_kelamin, m.pendidikan, m.masih_sekolah
        )
        for m in members
    )
    values = {name: getattr(form, name) for name in _STORED}
    return Form1Data(
        id=form.id,
        desa=_place(session.get(Region, form.kode_desa)),
        kecamatan=_place(session.get(Region, form.kode_desa[:6])),
        karakteristik_lain=dict(form.karakteristik_lain or {}),
        anggota=anggota,
        skrining=skrining_of(values, [asdict(m) for m in anggota]),
        registri=_registry_record(session, user, form.nik),
        warnings=warnings,
        **{k: v for k, v in values.items() if k != "karakteristik_lain"},
    )


_STORED = tuple(
    f.name
    for f in fields(Form1Data)
    if f.name not in {"id", "desa", "kecamatan", "anggota", "skrining", "registri", "warnings"}
)


def _audit_values(values: Mapping, anggota: Sequence[Mapping]) -> dict:
    return dict(values) | {"anggota": [dict(m) for m in anggota]}


def _store_members(session, uow: UnitOfWork, form: Form1, anggota: Sequence[Mapping]) -> None:
    for member in anggota:
        session.add(Form1Anggota(form_id=form.id, origin_device=uow.device_id, **member))


def create_form1(target, user: CurrentUser, data: Form1Input) -> Form1Data:
    """Registers a household (one transaction, audited)."""
    require(user, Permission.FORM1_EDIT)
    with _unit_of_work(target).writing() as uow:
        session = uow.session
        # Before the checks: an outsider learns nothing about the form's values.
        if not (data.kode_desa or "").strip():
            raise refusal(None, "kode_desa", _("wajib diisi."))
        require_record_in_scope(user, Permission.FORM1_EDIT, data.kode_desa.strip())
        checked = check_form1(session, data)
        person = _registry_record(session, user, checked.values["nik"])
        form = Form1(
            **checked.values,
            person_id=person.person_id if person else None,
            created_by=user.username,
            origin_device=uow.device_id,
        )
        session.add(form)
        session.flush()
        _store_members(session, uow, form, checked.anggota)
        uow.audit(
            user, "form1.create", "form1", form.id, after=_audit_values(checked.values, checked.anggota)
        )
        session.flush()
        result = _data(session, user, form, checked.warnings)
        uow.commit()
        return result


def _form_in_scope(session, user: CurrentUser, form_id: int, permission: Permission) -> Form1:
    form = session.get(Form1, form_id)
    if form is None or form.deleted_at is not None:
        raise NotFound(N_("Form 1 #{id} tidak ditemukan."), id=form_id)
    require_record_in_scope(user, permission, form.kode_desa)
    return form


def get_form1(target, user: CurrentUser, form_id: int) -> Form1Data:
    require(user, Permission.PERSON_READ)
    with _unit_of_work(target) as uow:
        form = _form_in_scope(uow.session, user, form_id, Permission.PERSON_READ)
        return _data(uow.session, user, form)


def update_form1(target, user: CurrentUser, form_id: int, data: Form1Input) -> Form1Data:
    """Replaces the form's answers and members (audited with the values before and after)."""
    require(user, Permission.FORM1_EDIT)
    with _unit_of_work(target).writing() as uow:
        session = uow.session
        form = _form_in_scope(session, user, form_id, Permission.FORM1_EDIT)
        before = _data(session, user, form)
        checked = check_form1(session, data)
        require_record_in_scope(user, Permission.FORM1_EDIT, checked.values["kode_desa"])
        for name, value in checked.values.items():
            setattr(form, name, value)
        person = _registry_record(session, user, form.nik)
        form.person_id = person.person_id if person else form.person_id
        form.updated_at = utcnow()
        form.origin_device = uow.device_id
        now = utcnow()
        for member in session.scalars(
            select(Form1Anggota).where(Form1Anggota.form_id == form.id, Form1Anggota.deleted_at.is_(None))
        ):
            member.deleted_at = member.updated_at = now
        _store_members(session, uow, form, checked.anggota)
        uow.audit(
            user,
            "form1.update",
            "form1",
            form.id,
            before=_audit_values(
                {name: getattr(before, name) for name in checked.values}, [asdict(m) for m in before.anggota]
            ),
            after=_audit_values(checked.values, checked.anggota),
        )
        session.flush()
        result = _data(session, user, form, checked.warnings)
        uow.commit()
        return result


def delete_form1(target, user: CurrentUser, form_id: int, reason: str = "") -> None:
    """Removes a Form 1 from its desa's list (soft delete, audited with the reason)."""
    require(user, Permission.FORM1_EDIT)
    with _unit_of_work(target).writing() as uow:
        session = uow.session
        form = _form_in_scope(session, user, form_id, Permission.FORM1_EDIT)
        form.deleted_at = form.updated_at = utcnow()
        form.origin_device = uow.device_id
        uow.audit(
            user,
            "form1.delete",
            "form1",
            form.id,
            before={"nik": form.nik, "nama": form.nama, "kode_desa": form.kode_desa},
            after={"reason": reason.strip()} if reason.strip() else None,
        )
        uow.commit()


def list_form1(
    target, user: CurrentUser, kode_desa: str | None = None, query: str = "", limit: int = 1000
) -> list[Form1Summary]:
    """The Form 1s of the user's region (narrowed to `kode_desa`, any region code, when given), newest first;
    `query`: part of a NIK or a name."""
    require(user, Permission.PERSON_READ, region=kode_desa or None)
    prefix = scope_prefix(user, kode_desa or None)
    with _unit_of_work(target) as uow:
        session = uow.session
        statement = (
            select(Form1)
            .where(Form1.deleted_at.is_(None), Form1.kode_desa.startswith(prefix))
            .order_by(Form1.tanggal.desc(), Form1.id.desc())
            .limit(limit)
        )
        query = (query or "").strip()
        if query:
            if query.isdigit():
                statement = statement.where(or_(Form1.nik.startswith(query), Form1.no_kk.startswith(query)))
            else:
                statement = statement.where(Form1.nama.ilike(f"%{query}%"))
        forms = session.scalars(statement).all()
        regions = session.scalars(select(Region).where(Region.code.in_({f.kode_desa for f in forms}))).all()
        names = {region.code: _place(region) for region in regions}
        members: dict[int, list[dict]] = {form.id: [] for form in forms}
        for member in session.scalars(
            select(Form1Anggota).where(
                Form1Anggota.form_id.in_(list(members)), Form1Anggota.deleted_at.is_(None)
            )
        ):
            members[member.form_id].append(
                {"pendidikan": member.pendidikan, "masih_sekolah": member.masih_sekolah}
            )
        return [
            Form1Summary(
                form.id,
                form.nik,
                form.nama,
                form.kode_desa,
                names.get(form.kode_desa, form.kode_desa),
                form.jalur,
                form.tanggal,
                form.petugas,
                len(members[form.id]),
                skrining_of({name: getattr(form, name) for name in _STORED}, members[form.id]).lolos,
            )
            for form in forms
        ]
