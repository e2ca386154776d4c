"""Form 1, the formulir registrasi standar (Pergub Gorontalo 72/2018 A.1): a household registers at the village
office (aktif), on a home visit (pasif), as an SKTM applicant, or as a non-resident domiciled in the desa.

Choices, so that the next reader need not guess:

- Scope: a Form 1 belongs to its desa. Writing needs `FORM1_EDIT` and the desa inside the user's region, so a
  petugas desa (an operator whose region is one desa) registers only in their desa; reading needs
  `PERSON_READ` (a guest sees no Form 1 at all: it is personal data).
- The registrant's NIK must be a NIK (16 digits, a possible birth date, sequence not 0000) and must agree with
  the typed birth date and sex: the form is signed as true, so a contradiction is refused, naming the field.
  The registry's record of that NIK (Person) is returned beside the form when it is inside the user's region —
  like `proposal_entry.lookup_by_nik`, a NIK of someone elsewhere looks unknown. An issuing kecamatan missing
  from today's Kemendagri list is only a warning (NIKs outlive the kecamatan that issued them).
- A non-resident registers by the `domisili` path only after at least six months in the desa, with a domicile
  statement known to the Kepala Desa/Lurah (A.1.1.a angka 1 and 4): both are refused otherwise.
- Delete is soft (`deleted_at`), audited with the reason. Every change is one transaction and one audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import StrEnum

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select

from app.auth.roles import (
    CurrentUser,
    Permission,
    require,
    require_record_in_scope,
    scope_prefix,
)
from app.documents.form1_skrining import SkriningAwal, pendidikan, skrining_awal
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.regions import display_name, issuing_region_exists
from app.registry.dates import parse_dates
from app.registry.nik import NIK_LENGTH, parse_nik
from app.uow import UnitOfWork
from db.models import Form1, Form1Anggota, Person, Region, utcnow

# Pergub 72/2018 A.1.1.a angka 1: a non-resident has lived in the desa at least six months.
DOMISILI_MINIMUM = relativedelta(months=6)
KK_LENGTH = 16


class Jalur(StrEnum):
    AKTIF = "aktif"  # at the village office (A.1.1.a)
    PASIF = "pasif"  # a home visit by the Kepala Desa/Lurah (A.1.1.b)
    SKTM = "sktm"  # a resident applying for an SKTM (A.1.1.a angka 3)
    DOMISILI = "domisili"  # a non-resident domiciled ≥ 6 months, with a domicile statement (angka 4)


JALUR_LABELS = {
    Jalur.AKTIF: N_("Aktif di kantor desa/kelurahan"),
    Jalur.PASIF: N_("Pasif (kunjungan rumah)"),
    Jalur.SKTM: N_("Pemohon SKTM"),
    Jalur.DOMISILI: N_("Bukan penduduk setempat, berdomisili ≥ 6 bulan"),
}

FIELD_LABELS = {
    "nik": N_("NIK"),
    "no_kk": N_("No. KK"),
    "nama": N_("Nama"),
    "tempat_lahir": N_("Tempat lahir"),
    "tgl_lahir": N_("Tanggal lahir"),
    "jenis_kelamin": N_("Jenis kelamin"),
    "alamat": N_("Alamat"),
    "rt": N_("RT"),
    "rw": N_("RW"),
    "kode_desa": N_("Desa/kelurahan"),
    "telepon": N_("Telepon"),
    "jalur": N_("Jalur pendaftaran"),
    "domisili_sejak": N_("Berdomisili sejak"),
    "pernyataan_domisili": N_("Surat pernyataan domisili"),
    "pendidikan_tertinggi": N_("Pendidikan tertinggi"),
    "tanggal": N_("Tanggal pendaftaran"),
    "petugas": N_("Petugas"),
    "hubungan": N_("Hubungan dengan kepala rumah tangga"),
    "pendidikan": N_("Pendidikan"),
}
SEX_CODES = ("L", "P")


@dataclass(frozen=True)
class AnggotaInput:
    """A member as typed; dates may be text (DD-MM-YYYY, YYYY-MM-DD, DD/MM/YYYY)."""

    nama: str
    nik: str = ""
    hubungan: str = ""
    tgl_lahir: date | str | None = None
    jenis_kelamin: str = ""
    pendidikan: str = ""
    masih_sekolah: bool = False


@dataclass(frozen=True)
class Form1Input:
    nik: str
    nama: str
    kode_desa: str
    no_kk: str = ""
    tempat_lahir: str = ""
    tgl_lahir: date | str | None = None
    jenis_kelamin: str = ""
    alamat: str = ""
    rt: str = ""
    rw: str = ""
    telepon: str = ""
    jalur: str = Jalur.AKTIF
    domisili_sejak: date | str | None = None
    pernyataan_domisili: bool = False
    atap_beton_genteng: bool = False
    punya_mobil: bool = False
    punya_ac: bool = False
    tabung_gas_besar: bool = False
    pendidikan_tertinggi: str = ""
    karakteristik_lain: Mapping[str, str] = field(default_factory=dict)
    tanggal: date | str | None = None  # today when not given
    petugas: str = ""
    anggota: Sequence[AnggotaInput] = ()


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


@dataclass(frozen=True)
class NikProblem:
    field: str  # nik | tgl_lahir | jenis_kelamin
    message: str


def _unit_of_work(target) -> UnitOfWork:
    return target if isinstance(target, UnitOfWork) else target.unit_of_work()


def _where(member: int | None, field_name: str) -> str:
    label = _(FIELD_LABELS.get(field_name, field_name))
    if member is None:
        return _("Form 1, kolom {field}").format(field=label)
    return _("Form 1, anggota ke-{n}, kolom {field}").format(n=member, field=label)


def _refuse(member: int | None, field_name: str, reason: str) -> DomainError:
    return DomainError(N_("{where}: {reason}"), where=_where(member, field_name), reason=reason)


# checks -----------------------------------------------------------------------------------------------------


def nik_problems(nik: str, tgl_lahir: date | None, jenis_kelamin: str) -> list[NikProblem]:
    """What is wrong with a NIK and the birth date and sex typed beside it (empty: nothing). Checked as the
    officer types; the same check refuses the form on saving."""
    nik = (nik or "").strip()
    digits = re.sub(r"\D", "", nik)
    if len(digits) != NIK_LENGTH or digits != nik:
        return [
            NikProblem(
                "nik",
                _("NIK harus 16 angka, tertulis {n} angka. Salin dari KTP atau KK.").format(n=len(digits)),
            )
        ]
    parts = parse_nik(nik)
    if parts is None:
        return [
            NikProblem(
                "nik",
                _(
                    "NIK {nik} tidak sah: tanggal lahir di dalamnya (angka ke-7 sampai 12) tidak mungkin atau "
                    "nomor urutnya 0000. Periksa NIK pada KTP atau KK."
                ).format(nik=nik),
            )
        ]
    problems = []
    if tgl_lahir is not None and (
        (tgl_lahir.day, tgl_lahir.month, tgl_lahir.year % 100) != (parts.day, parts.month, parts.year_2)
    ):
        problems.append(
            NikProblem(
                "tgl_lahir",
                _(
                    "Tanggal lahir {typed} tidak cocok dengan NIK, yang menulis {day:02d}-{month:02d}-..{year:02d}. "
                    "Periksa tanggal lahir atau NIK pada KTP/KK."
                ).format(
                    typed=tgl_lahir.strftime("%d-%m-%Y"), day=parts.day, month=parts.month, year=parts.year_2
                ),
            )
        )
    nik_sex = "P" if parts.female else "L"
    if jenis_kelamin in SEX_CODES and jenis_kelamin != nik_sex:
        problems.append(
            NikProblem(
                "jenis_kelamin",
                _(
                    "Jenis kelamin {typed} tidak cocok dengan NIK, yang menulis {nik_sex} (pada NIK perempuan, "
                    "tanggal lahir ditambah 40). Periksa jenis kelamin atau NIK pada KTP/KK."
                ).format(typed=_sex_word(jenis_kelamin), nik_sex=_sex_word(nik_sex)),
            )
        )
    return problems


def _sex_word(code: str) -> str:
    return _("laki-laki") if code == "L" else _("perempuan")


def nik_warnings(nik: str) -> list[str]:
    """What is doubtful but allowed about a well-formed NIK."""
    parts = parse_nik(nik or "")
    if parts is not None and not issuing_region_exists(parts.kecamatan_code):
        return [
            _(
                "Kecamatan penerbit NIK ({code}) tidak ada dalam daftar wilayah Kemendagri saat ini; "
                "pastikan NIK sesuai KTP."
            ).format(code=parts.kecamatan_code)
        ]
    return []


def parse_date(value: date | str | None, member: int | None, field_name: str) -> date | None:
    """A typed date (DD-MM-YYYY, YYYY-MM-DD, DD/MM/YYYY), or None when empty; refused when unreadable or in
    the future."""
    if value is None or isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None
        iso, unreadable, _future = parse_dates(pd.Series([text]))
        if unreadable.iloc[0]:
            raise _refuse(
                member,
                field_name,
                _("{value} bukan tanggal yang terbaca; tulis sebagai HH-BB-TTTT, mis. 17-08-1975.").format(
                    value=text
                ),
            )
        parsed = date.fromisoformat(iso.iloc[0])
    if parsed is not None and parsed > date.today():
        raise _refuse(
            member,
            field_name,
            _("{value} masih di masa depan.").format(value=parsed.strftime("%d-%m-%Y")),
        )
    return parsed


def _digits_field(value: str, length: int, member: int | None, field_name: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise _refuse(member, field_name, _("wajib diisi."))
        return ""
    if not re.fullmatch(rf"\d{{{length}}}", value):
        raise _refuse(
            member,
            field_name,
            _("harus {length} angka, tertulis {value!r}. Salin dari KK.").format(length=length, value=value),
        )
    return value


def _check_nik(nik: str, born: date | None, sex: str, member: int | None) -> str:
    nik = (nik or "").strip()
    for problem in nik_problems(nik, born, sex):
        raise _refuse(member, problem.field, problem.message)
    return nik


def _sex(value: str, member: int | None) -> str:
    value = (value or "").strip().upper()
    if value and value not in SEX_CODES:
        raise _refuse(member, "jenis_kelamin", _("isi L (laki-laki) atau P (perempuan)."))
    return value


def _education(value: str, member: int | None, field_name: str) -> str:
    code = pendidikan(value)
    if code is None:
        raise _refuse(
            member, field_name, _("{value!r} bukan jenjang pendidikan pada formulir.").format(value=value)
        )
    return code.value


def _short_digits(value: str, field_name: str) -> str:
    value = (value or "").strip()
    if value and not re.fullmatch(r"\d{1,3}", value):
        raise _refuse(None, field_name, _("paling banyak 3 angka, mis. 002."))
    return value.zfill(3) if value else ""


@dataclass(frozen=True)
class _Checked:
    values: dict
    anggota: tuple[dict, ...]
    warnings: tuple[str, ...]


def check_form1(session, data: Form1Input) -> _Checked:
    """The form's values as stored, or a refusal naming the field (and the member) to fix."""
    tanggal = parse_date(data.tanggal, None, "tanggal") or date.today()
    nama = (data.nama or "").strip()
    if not nama:
        raise _refuse(None, "nama", _("wajib diisi."))
    born = parse_date(data.tgl_lahir, None, "tgl_lahir")
    sex = _sex(data.jenis_kelamin, None)
    if not (data.nik or "").strip():
        raise _refuse(None, "nik", _("wajib diisi (NIK kepala rumah tangga, dari KTP atau KK)."))
    nik = _check_nik(data.nik, born, sex, None)
    no_kk = _digits_field(data.no_kk, KK_LENGTH, None, "no_kk", required=True)
    kode_desa = (data.kode_desa or "").strip()
    region = session.get(Region, kode_desa) if kode_desa else None
    if region is None or region.level != 4:
        raise _refuse(
            None,
            "kode_desa",
            _("{code!r} bukan kode desa/kelurahan yang dikenal (10 angka). Pilih desa dari daftar.").format(
                code=kode_desa
            ),
        )
    try:
        jalur = Jalur((data.jalur or "").strip().lower())
    except ValueError:
        raise _refuse(
            None, "jalur", _("pilih salah satu: {choices}.").format(choices=", ".join(j.value for j in Jalur))
        ) from None
    domisili_sejak = parse_date(data.domisili_sejak, None, "domisili_sejak")
    if jalur is Jalur.DOMISILI:
        if domisili_sejak is None:
            raise _refuse(
                None,
                "domisili_sejak",
                _(
                    "wajib diisi untuk pendaftar yang bukan penduduk setempat (sejak kapan tinggal di desa ini)."
                ),
            )
        if domisili_sejak > tanggal - DOMISILI_MINIMUM:
            raise _refuse(
                None,
                "domisili_sejak",
                _(
                    "berdomisili sejak {since}, belum 6 bulan pada tanggal pendaftaran {date}. Pendaftar yang "
                    "bukan penduduk setempat harus sudah tinggal paling sedikit 6 bulan (Pergub 72/2018 A.1.1); "
                    "daftarkan kembali mulai {earliest}."
                ).format(
                    since=domisili_sejak.strftime("%d-%m-%Y"),
                    date=tanggal.strftime("%d-%m-%Y"),
                    earliest=(domisili_sejak + DOMISILI_MINIMUM).strftime("%d-%m-%Y"),
                ),
            )
        if not data.pernyataan_domisili:
            raise _refuse(
                None,
                "pernyataan_domisili",
                _(
                    "pendaftar yang bukan penduduk setempat melampirkan surat pernyataan domisili yang "
                    "ditandatanganinya dan diketahui Kepala Desa/Lurah (Pergub 72/2018 A.1.1). Centang bila "
                    "surat itu ada."
                ),
            )
    else:
        domisili_sejak = None
    if born is not None and born > tanggal:
        raise _refuse(None, "tgl_lahir", _("sesudah tanggal pendaftaran."))
    telepon = (data.telepon or "").strip()
    if telepon and not re.fullmatch(r"\+?[\d\s-]{6,20}", telepon):
        raise _refuse(None, "telepon", _("tulis angka saja, mis. 0812-3456-7890."))
    anggota = []
    for number, member in enumerate(data.anggota, start=1):
        member_name = (member.nama or "").strip()
        if not member_name:
            raise _refuse(number, "nama", _("wajib diisi (hapus baris anggota yang kosong)."))
        member_born = parse_date(member.tgl_lahir, number, "tgl_lahir")
        member_sex = _sex(member.jenis_kelamin, number)
        member_nik = member.nik.strip() if member.nik else ""
        if member_nik:
            _check_nik(member_nik, member_born, member_sex, number)
        anggota.append(
            {
                "urutan": number,
                "nama": member_name,
                "nik": member_nik,
                "hubungan": (member.hubungan or "").strip(),
                "tgl_lahir": member_born,
                "jenis_kelamin": member_sex,
                "pendidikan": _education(member.pendidikan, number, "pendidikan"),
                "masih_sekolah": bool(member.masih_sekolah),
            }
        )
    values = {
        "nik": nik,
        "no_kk": no_kk,
        "nama": nama,
        "tempat_lahir": (data.tempat_lahir or "").strip(),
        "tgl_lahir": born,
        "jenis_kelamin": sex,
        "alamat": (data.alamat or "").strip(),
        "rt": _short_digits(data.rt, "rt"),
        "rw": _short_digits(data.rw, "rw"),
        "kode_desa": kode_desa,
        "telepon": telepon,
        "jalur": jalur.value,
        "domisili_sejak": domisili_sejak,
        "pernyataan_domisili": bool(data.pernyataan_domisili) and jalur is Jalur.DOMISILI,
        "atap_beton_genteng": bool(data.atap_beton_genteng),
        "punya_mobil": bool(data.punya_mobil),
        "punya_ac": bool(data.punya_ac),
        "tabung_gas_besar": bool(data.tabung_gas_besar),
        "pendidikan_tertinggi": _education(data.pendidikan_tertinggi, None, "pendidikan_tertinggi"),
        "karakteristik_lain": {
            str(k).strip(): str(v).strip() for k, v in dict(data.karakteristik_lain).items() if str(k).strip()
        },
        "tanggal": tanggal,
        "petugas": (data.petugas or "").strip(),
    }
    return _Checked(values, tuple(anggota), tuple(nik_warnings(nik)))


def skrining_of(values: Mapping, anggota: Sequence[Mapping]) -> SkriningAwal:
    return skrining_awal(
        values["atap_beton_genteng"],
        values["punya_mobil"],
        values["punya_ac"],
        values["tabung_gas_besar"],
        values["pendidikan_tertinggi"],
        [m["pendidikan"] for m in anggota if not m["masih_sekolah"]],
    )


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
            raise _refuse(None, "kode_desa", _("wajib diisi."))
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
