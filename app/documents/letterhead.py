"""The office's kop surat (letterhead) on its documents — the SK penetapan first: two lines naming the government
and the agency, the address line, and the logo. Set by an admin in the office settings; until then, lines
made from the office's region ("PEMERINTAH KABUPATEN GORONTALO" / "DINAS SOSIAL") so that a first SK already
reads right.

The logo is stored as PNG bytes whatever the officer picked (PNG or JPEG), read with Pillow — which reportlab
itself needs to draw images, so nothing is added — and scaled down to what a 2.5 cm high logo needs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from app.auth.roles import CurrentUser, Permission, require_record_in_scope
from app.documents.sk_content import Letterhead
from app.errors import DomainError
from app.i18n import N_
from app.office import OfficeDatabase
from app.uow import UnitOfWork
from db.models import Office, Region

LOGO_FORMATS = {"PNG", "JPEG"}
LOGO_MAX_FILE_BYTES = 5 * 1024 * 1024
# 2.5 cm printed at 600 dpi: sharper than any office printer, small in the database.
LOGO_MAX_PIXELS = 600
LINE_MAX = {"baris_1": 200, "baris_2": 200, "alamat": 300}  # the columns' lengths (db/models.py Office)
LINE_LABELS = {"baris_1": N_("Baris 1"), "baris_2": N_("Baris 2"), "alamat": N_("Alamat")}


@dataclass(frozen=True)
class LetterheadSettings:
    """What the office settings dialog shows: the stored lines (empty = the default is printed), the
    defaults, and whether NIKs are printed whole."""

    baris_1: str
    baris_2: str
    alamat: str
    logo_png: bytes | None
    nik_penuh_di_dokumen: bool
    default_baris_1: str
    default_baris_2: str
    office_region: str


def _uow(target: OfficeDatabase | UnitOfWork) -> UnitOfWork:
    return target if isinstance(target, UnitOfWork) else target.unit_of_work()


def _default_lines(session, region_code: str) -> tuple[str, str]:
    """ "PEMERINTAH KABUPATEN GORONTALO" / "DINAS SOSIAL" for a kabupaten's or the province's office (Dinas
    Sosial issues the SK penetapan); a kecamatan's or desa's office names itself on the second line."""
    names = dict(
        session.execute(
            select(Region.code, Region.name).where(
                Region.code.in_([region_code[:2], region_code[:4], region_code])
            )
        ).all()
    )
    if len(region_code) <= 2:
        return f"PEMERINTAH PROVINSI {names.get(region_code[:2], '').upper()}".strip(), "DINAS SOSIAL"
    government = f"PEMERINTAH {names.get(region_code[:4], '').upper()}".strip()
    if len(region_code) == 4:
        return government, "DINAS SOSIAL"
    region = session.get(Region, region_code)
    own = f"{region.kind.upper()} {region.name.upper()}" if region else ""
    return government, own


def letterhead_settings(target: OfficeDatabase | UnitOfWork) -> LetterheadSettings:
    with _uow(target) as uow:
        office = uow.session.scalars(select(Office)).one()
        baris_1, baris_2 = _default_lines(uow.session, office.region_code)
        return LetterheadSettings(
            office.kop_baris_1,
            office.kop_baris_2,
            office.kop_alamat,
            office.logo_png,
            office.nik_penuh_di_dokumen,
            baris_1,
            baris_2,
            office.region_code,
        )


def office_letterhead(target: OfficeDatabase | UnitOfWork) -> Letterhead:
    """The kop surat printed on the office's documents: the stored lines, or the region's defaults."""
    settings = letterhead_settings(target)
    return Letterhead(
        baris_1=settings.baris_1 or settings.default_baris_1,
        baris_2=settings.baris_2 or settings.default_baris_2,
        alamat=settings.alamat,
        logo_png=settings.logo_png,
    )


def logo_png_from_file(path: Path) -> bytes:
    """The logo file as PNG bytes, checked: a PNG or JPEG picture, not larger than 5 MB."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(
            N_("Berkas logo {path} tidak ditemukan. Pilih berkas PNG atau JPEG."), path=str(path)
        )
    if path.stat().st_size > LOGO_MAX_FILE_BYTES:
        raise DomainError(
            N_("Berkas logo {path} lebih dari 5 MB. Perkecil gambarnya lalu pilih lagi."), path=str(path)
        )
    try:
        with Image.open(path) as image:
            if image.format not in LOGO_FORMATS:
                raise DomainError(
                    N_("Berkas logo {path} berformat {format}; pilih gambar PNG atau JPEG."),
                    path=str(path),
                    format=image.format or "?",
                )
            image.load()
            picture = image.convert("RGBA") if image.mode in ("P", "LA", "PA", "1") else image.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DomainError(
            N_("Berkas logo {path} bukan gambar PNG atau JPEG yang dapat dibaca. Pilih berkas lain."),
            path=str(path),
        ) from error
    picture.thumbnail((LOGO_MAX_PIXELS, LOGO_MAX_PIXELS))
    if picture.mode == "CMYK":  # a JPEG from print work: PNG has no CMYK
        picture = picture.convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def update_letterhead(
    target: OfficeDatabase | UnitOfWork,
    user: CurrentUser,
    baris_1: str,
    baris_2: str,
    alamat: str,
    logo_path: Path | None,
    nik_penuh: bool,
    remove_logo: bool = False,
) -> LetterheadSettings:
    """Sets the kop surat and whether documents print NIKs whole. Admin only, and only an admin whose region
    holds the office's (an admin of one kecamatan does not set the kabupaten's letterhead). `logo_path`
    None keeps the stored logo; `remove_logo` removes it."""
    require_record_in_scope(user, Permission.REFERENCE_MANAGE, _office_region(target))
    lines = {"baris_1": baris_1.strip(), "baris_2": baris_2.strip(), "alamat": alamat.strip()}
    for name, text in lines.items():
        if len(text) > LINE_MAX[name]:
            raise DomainError(
                N_("Kop surat, {field}: {length} karakter, paling banyak {most}. Persingkat isinya."),
                field=LINE_LABELS[name],
                length=len(text),
                most=LINE_MAX[name],
            )
    logo = logo_png_from_file(logo_path) if logo_path is not None else None
    with _uow(target).writing() as uow:
        office = uow.session.scalars(select(Office)).one()
        before = _audit_view(office)
        office.kop_baris_1, office.kop_baris_2, office.kop_alamat = (
            lines["baris_1"],
            lines["baris_2"],
            lines["alamat"],
        )
        if logo is not None:
            office.logo_png = logo
        elif remove_logo:
            office.logo_png = None
        office.nik_penuh_di_dokumen = bool(nik_penuh)
        uow.audit(
            user, "office.letterhead", "office", office.region_code, before=before, after=_audit_view(office)
        )
        uow.commit()
    return letterhead_settings(target)


def _office_region(target: OfficeDatabase | UnitOfWork) -> str:
    with _uow(target) as uow:
        return uow.session.scalar(select(Office.region_code)) or ""


def _audit_view(office: Office) -> dict:
    return {
        "kop_baris_1": office.kop_baris_1,
        "kop_baris_2": office.kop_baris_2,
        "kop_alamat": office.kop_alamat,
        # The logo's size stands for it: the audit log holds no pictures.
        "logo_png": f"{len(office.logo_png)} bytes" if office.logo_png else "",
        "nik_penuh_di_dokumen": office.nik_penuh_di_dokumen,
    }
