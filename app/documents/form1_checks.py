"""The answers of a Form 1 checked as the officer gives them (Pergub Gorontalo 72/2018 A.1): each refusal names the
field — and the member — to fix, in the words of the form. Pure: reads the region reference only.

- The registrant's NIK must be a NIK (16 digits, a possible birth date, sequence not 0000) and must agree with
  the typed birth date and sex: the form is signed as true, so a contradiction is refused. An issuing kecamatan
  missing from today's Kemendagri list is only a warning (NIKs outlive the kecamatan that issued them).
- A non-resident registers by the `domisili` path only after at least six months in the desa, with a domicile
  statement known to the Kepala Desa/Lurah (A.1.1.a angka 1 and 4): both are refused otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import pandas as pd
from dateutil.relativedelta import relativedelta

from app.documents.form1_skrining import SkriningAwal, pendidikan, skrining_awal
from app.errors import DomainError
from app.i18n import N_, _
from app.regions import issuing_region_exists
from app.registry.dates import parse_dates
from app.registry.nik import NIK_LENGTH, parse_nik
from db.models import Region

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
class NikProblem:
    field: str  # nik | tgl_lahir | jenis_kelamin
    message: str


def _where(member: int | None, field_name: str) -> str:
    label = _(FIELD_LABELS.get(field_name, field_name))
    if member is None:
        return _("Form 1, kolom {field}").format(field=label)
    return _("Form 1, anggota ke-{n}, kolom {field}").format(n=member, field=label)


def refusal(member: int | None, field_name: str, reason: str) -> DomainError:
    return DomainError(N_("{where}: {reason}"), where=_where(member, field_name), reason=reason)


# checks -----------------------------------------------------------------------------------------------------


def nik_problems(nik: str, tgl_lahir: date | None, jenis_kelamin: str) -> list[NikProblem]:
    """What is wrong with a NIK and the birth date and sex typed beside it (empty: nothing). Checked as the
    officer types; the same check refuses the form on saving."""
    nik = clean_nik(nik)
    digits = re.sub(r"\D", "", nik)
    if digits != nik:
        return [NikProblem("nik", _("NIK hanya berisi angka; tertulis {nik!r}.").format(nik=nik))]
    if len(digits) != NIK_LENGTH:
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
                    "Periksa KTP/KK."
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
                    "Jenis kelamin {typed} tidak cocok dengan NIK, yang menulis {nik_sex}. Periksa KTP/KK."
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
            raise refusal(
                member,
                field_name,
                _("{value} bukan tanggal yang terbaca; tulis sebagai HH-BB-TTTT, mis. 17-08-1975.").format(
                    value=text
                ),
            )
        parsed = date.fromisoformat(iso.iloc[0])
    if parsed is not None and parsed > date.today():
        raise refusal(
            member,
            field_name,
            _("{value} masih di masa depan.").format(value=parsed.strftime("%d-%m-%Y")),
        )
    return parsed


def _digits_field(value: str, length: int, member: int | None, field_name: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise refusal(member, field_name, _("wajib diisi."))
        return ""
    if not re.fullmatch(rf"\d{{{length}}}", value):
        raise refusal(
            member,
            field_name,
            _("harus {length} angka, tertulis {value!r}. Salin dari KK.").format(length=length, value=value),
        )
    return value


def clean_nik(nik: str) -> str:
    """A NIK as copied: spaces and dots between groups of digits dropped (7501 0101 0170 0001)."""
    return re.sub(r"[\s.]", "", nik or "")


def _check_nik(nik: str, born: date | None, sex: str, member: int | None) -> str:
    nik = clean_nik(nik)
    for problem in nik_problems(nik, born, sex):
        raise refusal(member, problem.field, problem.message)
    return nik


def _sex(value: str, member: int | None) -> str:
    value = (value or "").strip().upper()
    if value and value not in SEX_CODES:
        raise refusal(member, "jenis_kelamin", _("isi L (laki-laki) atau P (perempuan)."))
    return value


def _education(value: str, member: int | None, field_name: str) -> str:
    code = pendidikan(value)
    if code is None:
        raise refusal(
            member, field_name, _("{value!r} bukan jenjang pendidikan pada formulir.").format(value=value)
        )
    return code.value


def _short_digits(value: str, field_name: str) -> str:
    value = (value or "").strip()
    if value and not re.fullmatch(r"\d{1,3}", value):
        raise refusal(None, field_name, _("paling banyak 3 angka, mis. 002."))
    return value.zfill(3) if value else ""


@dataclass(frozen=True)
class CheckedForm1:
    values: dict
    anggota: tuple[dict, ...]
    warnings: tuple[str, ...]


def check_form1(session, data: Form1Input) -> CheckedForm1:
    """The form's values as stored, or a refusal naming the field (and the member) to fix."""
    tanggal = parse_date(data.tanggal, None, "tanggal") or date.today()
    nama = (data.nama or "").strip()
    if not nama:
        raise refusal(None, "nama", _("wajib diisi."))
    born = parse_date(data.tgl_lahir, None, "tgl_lahir")
    sex = _sex(data.jenis_kelamin, None)
    if not (data.nik or "").strip():
        raise refusal(None, "nik", _("wajib diisi (NIK kepala rumah tangga, dari KTP atau KK)."))
    nik = _check_nik(data.nik, born, sex, None)
    no_kk = _digits_field(data.no_kk, KK_LENGTH, None, "no_kk", required=True)
    kode_desa = (data.kode_desa or "").strip()
    region = session.get(Region, kode_desa) if kode_desa else None
    if region is None or region.level != 4:
        raise refusal(
            None,
            "kode_desa",
            _("{code!r} bukan kode desa/kelurahan yang dikenal (10 angka). Pilih desa dari daftar.").format(
                code=kode_desa
            ),
        )
    try:
        jalur = Jalur((data.jalur or "").strip().lower())
    except ValueError:
        raise refusal(
            None, "jalur", _("pilih salah satu: {choices}.").format(choices=", ".join(j.value for j in Jalur))
        ) from None
    domisili_sejak = parse_date(data.domisili_sejak, None, "domisili_sejak")
    if jalur is Jalur.DOMISILI:
        if domisili_sejak is None:
            raise refusal(
                None,
                "domisili_sejak",
                _(
                    "wajib diisi untuk pendaftar yang bukan penduduk setempat (sejak kapan tinggal di desa ini)."
                ),
            )
        if domisili_sejak > tanggal - DOMISILI_MINIMUM:
            raise refusal(
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
            raise refusal(
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
        raise refusal(None, "tgl_lahir", _("sesudah tanggal pendaftaran."))
    telepon = (data.telepon or "").strip()
    if telepon and not re.fullmatch(r"\+?[\d\s-]{6,20}", telepon):
        raise refusal(None, "telepon", _("tulis angka saja, mis. 0812-3456-7890."))
    anggota = []
    for number, member in enumerate(data.anggota, start=1):
        member_name = (member.nama or "").strip()
        if not member_name:
            raise refusal(number, "nama", _("wajib diisi (hapus baris anggota yang kosong)."))
        member_born = parse_date(member.tgl_lahir, number, "tgl_lahir")
        member_sex = _sex(member.jenis_kelamin, number)
        member_nik = clean_nik(member.nik)
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
    return CheckedForm1(values, tuple(anggota), tuple(nik_warnings(nik)))


def skrining_of(values: Mapping, anggota: Sequence[Mapping]) -> SkriningAwal:
    return skrining_awal(
        values["atap_beton_genteng"],
        values["punya_mobil"],
        values["punya_ac"],
        values["tabung_gas_besar"],
        values["pendidikan_tertinggi"],
        [m["pendidikan"] for m in anggota if not m["masih_sekolah"]],
    )
