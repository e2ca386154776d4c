"""SK documents and stored SKs for the documents' tests: plain data for the PDF, rows through a unit of work
for the readers (the SK use cases of issue 11 will build these instead)."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from app.documents.sk_content import Letterhead, SkDocument, SkRow
from db.models import Program, SkPenerima, SkPenetapan

NOMOR = "400.9/DINSOS/123/2026"
HASH = "3f7a9c2e" * 8
NAMES = ("SITI NURHAYATI LASENA", "MOH. RIZAL HULOPI", "NI'MA ŞÜKRÜ AKUBA", "FATMAWATI TAMBIPI")


def logo_png(size=(200, 240), color=(30, 90, 160), image_format="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    return buffer.getvalue()


LETTERHEAD = Letterhead(
    "PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL", "Jl. Jenderal Sudirman No. 1, Limboto 96211", logo_png()
)


def sk_document(count: int = 3, final: bool = True, nilai: int = 1_500_000, **changes) -> SkDocument:
    rows = tuple(
        SkRow(
            no=i,
            nik=f"75010152076{i:05d}",
            nama=NAMES[(i - 1) % len(NAMES)] if i <= len(NAMES) else f"PENERIMA NOMOR {i}",
            alamat=f"JL. RAJIMAN NO. {i} RT 001 RW 002",
            desa="Kel. Kayubulan",
            kecamatan="Kec. Limboto",
            nilai=nilai,
        )
        for i in range(1, count + 1)
    )
    fields = dict(
        sk_id=7,
        nomor=NOMOR,
        tanggal=date(2026, 3, 5),
        judul="Penetapan Penerima Bantuan Sembako Lansia Tahun 2026",
        instansi="Kepala Dinas Sosial Kabupaten Gorontalo",
        program="Bantuan Sembako Lansia",
        sumber_dana="APBD Kabupaten/Kota",
        tahun=2026,
        menimbang=("bahwa hasil filterisasi/pemadanan melalui e-JPS menjadi acuan penetapan penerima;",),
        mengingat=("Peraturan Gubernur Gorontalo Nomor 52 Tahun 2020;",),
        penandatangan_nama="Drs. HARIS TAMBIPI, M.Si",
        penandatangan_nip="19700115 199803 1 011",
        penandatangan_jabatan="Kepala Dinas Sosial Kabupaten Gorontalo",
        nilai_per_penerima=nilai,
        total_nilai=nilai * count,
        rows=rows,
        final=final,
        hash_isi=HASH if final else "",
        tempat="Limboto",
    )
    fields.update(changes)
    return SkDocument(**fields)


def stored_sk(db, kode_wilayah: str = "7501", final: bool = False, desa: str = "7501011001") -> int:
    """An SK with two recipients (and one over quota, not printed), written straight to its tables."""
    with db.unit_of_work().writing() as uow:
        program = Program(nama="Bantuan Sembako Lansia", sumber_dana="APBD_KABKOTA", tahun=2026)
        uow.session.add(program)
        uow.session.flush()
        sk = SkPenetapan(
            program_id=program.id,
            nomor=NOMOR,
            tanggal=date(2026, 3, 5),
            tahun=2026,
            judul="Penetapan Penerima Bantuan Sembako Lansia Tahun 2026",
            instansi="Kepala Dinas Sosial Kabupaten Gorontalo",
            penandatangan_nama="Drs. HARIS TAMBIPI, M.Si",
            penandatangan_nip="19700115 199803 1 011",
            penandatangan_jabatan="Kepala Dinas Sosial Kabupaten Gorontalo",
            menimbang="bahwa satu;\nbahwa dua;",
            mengingat="Undang-Undang Nomor 13 Tahun 2011;",
            sumber_dana="APBD_KABKOTA",
            nilai_per_penerima=1_500_000,
            total_nilai=3_000_000,
            kode_wilayah=kode_wilayah,
            status="final" if final else "draft",
            hash_isi=HASH if final else "",
        )
        uow.session.add(sk)
        uow.session.flush()
        for urutan, (nik, nama, masuk) in enumerate(
            [
                ("7501015207600001", "SITI LASENA", True),
                ("7501011203550002", "RIZAL HULOPI", True),
                ("7501014406700003", "HALIMAH AKUBA", False),
            ],
            start=1,
        ):
            uow.session.add(
                SkPenerima(
                    sk_id=sk.id,
                    urutan=urutan,
                    nik=nik,
                    nama=nama,
                    alamat="JL. RAJIMAN",
                    kode_desa=desa,
                    nilai=1_500_000,
                    masuk=masuk,
                )
            )
        uow.commit()
        return sk.id
