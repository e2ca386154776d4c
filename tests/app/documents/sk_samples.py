"""SK documents and stored SKs for the documents' tests: plain data for the PDF, and an SK built through the
SK use cases for the readers."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from PIL import Image

from app.documents.sk_content import Letterhead, SkDocument, SkRow
from tests.factories import DESA_LIMBOTO, PersonRecord

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


# The three people of `stored_sk`: two fit the program's quota of 2, the youngest falls outside it.
STORED_PEOPLE = [
    PersonRecord("7501015207600001", "7501010102110001", "SITI LASENA", "LIMBOTO", "1960-07-12", "P",
                 "JL. RAJIMAN", "001", "002", DESA_LIMBOTO, "KEPALA KELUARGA"),
    PersonRecord("7501011203550002", "7501010102120002", "RIZAL HULOPI", "LIMBOTO", "1955-03-12", "L",
                 "JL. RAJIMAN", "001", "002", DESA_LIMBOTO, "KEPALA KELUARGA"),
    PersonRecord("7501014406700003", "7501010102130003", "HALIMAH AKUBA", "LIMBOTO", "1970-06-04", "P",
                 "JL. RAJIMAN", "001", "002", DESA_LIMBOTO, "KEPALA KELUARGA"),
]  # fmt: skip
STORED_FIELDS = {
    "nomor": NOMOR,
    "tanggal": date(2026, 3, 5),
    "judul": "Penetapan Penerima Bantuan Sembako Lansia Tahun 2026",
    "instansi": "Kepala Dinas Sosial Kabupaten Gorontalo",
    "penandatangan_nama": "Drs. HARIS TAMBIPI, M.Si",
    "penandatangan_nip": "19700115 199803 1 011",
    "penandatangan_jabatan": "Kepala Dinas Sosial Kabupaten Gorontalo",
    "menimbang": "bahwa satu;\nbahwa dua;",
    "mengingat": "Undang-Undang Nomor 13 Tahun 2011;",
}


def stored_sk(db, final: bool = False) -> int:
    """An SK of Kel. Kayubulan with two recipients (and one over the program's quota, not printed), built as
    an office builds it: the people in the registry, proposed in a list, screened, drafted (`draft_sk`) and,
    when `final`, finalised. Needs the office's admin (every test office has one)."""
    from app.auth.users import login
    from app.documents.sk import draft_sk
    from app.documents.sk_final import finalise_sk
    from app.screening.programs import create_program
    from tests.app.documents.sk_flow import screened_list
    from tests.app.screening.test_engine import import_registry
    from tests.conftest import ADMIN_PASSWORD

    admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
    with TemporaryDirectory() as folder:
        import_registry(db, admin, Path(folder), STORED_PEOPLE)
    program = create_program(
        db, admin, nama="Bantuan Sembako Lansia", sumber_dana="APBD_KABKOTA", tahun=2026,
        nilai_per_penerima=1_500_000, kuota=2,
    )  # fmt: skip
    list_id = screened_list(db, admin, STORED_PEOPLE, program.id, "usulan_kayubulan")
    sk = draft_sk(db, admin, program.id, [list_id], **STORED_FIELDS)
    assert (sk.summary.penerima, sk.summary.di_luar_kuota) == (2, 1), (
        "the stored SK's people must pass screening"
    )
    if final:
        finalise_sk(db, admin, sk.summary.id)
    return sk.summary.id
