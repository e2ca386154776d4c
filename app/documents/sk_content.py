"""What an SK penetapan says, as plain data: the use cases fill it (`app.documents.sk`), the PDF prints it
(`app.documents.sk_pdf`). Nothing here reads the database or knows reportlab."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
