"""What an SK penetapan says, as plain data: the use cases fill it (`app.documents.sk`), the PDF prints it
(`app.documents.sk_pdf`). Nothing here reads the database or knows reportlab."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date


def program_name_without_year(nama: str, tahun: int) -> str:
    """The program's name without a trailing year, because the decree adds "Tahun Anggaran 2026" itself:
    "Bantuan Rehab Rumah Lansia 2026" would otherwise print as "... Lansia 2026 Tahun Anggaran 2026"."""
    stripped = re.sub(
        rf"[\s,(-]*(tahun\s+(anggaran\s+)?|ta\.?\s*)?{tahun}\)?\s*$", "", nama, flags=re.IGNORECASE
    )
    return stripped.strip() or nama


def program_with_year(nama: str, tahun: int) -> str:
    """'Bantuan Sembako Lansia Tahun Anggaran 2026', whether or not the program's name ends with its year."""
    return f"{program_name_without_year(nama, tahun)} Tahun Anggaran {tahun}"


@dataclass(frozen=True)
class Letterhead:
    """The office's kop surat: up to three lines and the logo (PNG bytes), from the office settings."""

    baris_1: str = ""  # e.g. PEMERINTAH KABUPATEN GORONTALO
    baris_2: str = ""  # e.g. DINAS SOSIAL
    alamat: str = ""  # street, phone, e-mail
    logo_png: bytes | None = None


@dataclass(frozen=True)
class SkRow:
    """One row of the lampiran, as printed: the NIK is already whole or masked per the office's setting."""

    no: int
    nik: str
    nama: str
    alamat: str
    desa: str  # name, not code
    kecamatan: str  # name, not code
    nilai: int  # rupiah


@dataclass(frozen=True)
class SkDocument:
    sk_id: int
    nomor: str
    tanggal: date | None
    judul: str
    instansi: str
    program: str
    sumber_dana: str  # as shown, e.g. "APBD Kabupaten/Kota"
    tahun: int
    menimbang: tuple[str, ...]
    mengingat: tuple[str, ...]
    penandatangan_nama: str
    penandatangan_nip: str
    penandatangan_jabatan: str
    nilai_per_penerima: int
    total_nilai: int
    rows: tuple[SkRow, ...]
    final: bool = False
    hash_isi: str = ""  # printed on every page of a final SK
    mengubah: str = ""  # the number of the SK this one amends, if any
    tempat: str = ""  # where it is decreed, e.g. "Limboto"
    extra: dict = field(default_factory=dict)
