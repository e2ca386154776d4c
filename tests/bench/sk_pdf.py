"""Benchmark: an SK penetapan with 10,000 recipients to PDF (issue 11: ≤ 10 s, peak memory ≤ 500 MB).

Two runs, each in its own process so that its peak memory is its own:
- `generated`: the SkDocument built here from generated recipients (names, addresses and places of varying
  length, so that rows wrap as real ones do), then `render_sk_pdf` — the PDF alone;
- `database`: the same recipients imported as a registry into a fresh office database, proposed, screened,
  drafted into an SK and finalised through the use cases (`setup_seconds`, by step), then read back as the
  CLI and the GUI do (`sk_document`, with the letterhead) and rendered — what `ejps sk pdf` costs.

    python tests/bench/sk_pdf.py [--rows N]          → one JSON object
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    SCRATCH,
    final_sk_through_services,
    fresh_database,
    in_subprocess,
    open_database,
    peak_rss_mb,
    timed_import,
)

ROWS = 10_000
TARGET_SECONDS, TARGET_MB = 10.0, 500.0
FIRST = ["SITI", "MOH.", "NURHAYATI", "ABDUL", "FATMAWATI", "RIZAL", "HALIMAH", "MUHAMMAD", "SRI", "YUSUF"]
FAMILY = ["LASENA", "HULOPI", "TAMBIPI", "LIHAWA", "AKUBA", "BADERAN", "PALILATI", "MOHAMAD", "GOBEL", "NOU"]
STREETS = ["JL. RAJIMAN", "JL. JENDERAL SUDIRMAN", "DUSUN PALMA", "JL. NANI WARTABONE", "LORONG KENANGA"]
DESA = [
    ("7501011001", "Kel. Kayubulan", "Kec. Limboto"),
    ("7501022011", "Desa Bulila", "Kec. Telaga"),
    ("7501052007", "Desa Tuladenggi Sibatang", "Kec. Limboto Barat"),
]


def recipients(count: int) -> list[tuple[str, str, str, tuple[str, str, str]]]:
    rnd = random.Random(7501)
    people = []
    for index in range(count):
        names = [rnd.choice(FIRST)] + [rnd.choice(FAMILY) for _ in range(rnd.randint(1, 3))]
        address = f"{rnd.choice(STREETS)} NO. {rnd.randint(1, 250)} RT {rnd.randint(1, 9):03d} RW {rnd.randint(1, 5):03d}"
        nik = (
            f"750101{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(40, 99)}{index % 10000:04d}"
        )
        people.append((nik, " ".join(names), address, rnd.choice(DESA)))
    return people


def sk_fields(count: int) -> dict:
    return dict(
        nomor="400.9/DINSOS/123/2026",
        tanggal=date(2026, 3, 5),
        tahun=2026,
        judul="Penetapan Penerima Bantuan Sembako Lansia Tahun 2026",
        instansi="Kepala Dinas Sosial Kabupaten Gorontalo",
        penandatangan_nama="Drs. HARIS TAMBIPI, M.Si",
        penandatangan_nip="19700115 199803 1 011",
        penandatangan_jabatan="Kepala Dinas Sosial Kabupaten Gorontalo",
        nilai_per_penerima=1_500_000,
        total_nilai=1_500_000 * count,
    )


def generated(count: int) -> dict:
    from app.documents.sk_content import Letterhead, SkDocument, SkRow
    from app.documents.sk_pdf import render_sk_pdf

    started = time.perf_counter()
    rows = tuple(
        SkRow(i, nik[:4] + "x" * 8 + nik[-4:], nama, alamat, desa, kecamatan, 1_500_000)
        for i, (nik, nama, alamat, (_code, desa, kecamatan)) in enumerate(recipients(count), start=1)
    )
    document = SkDocument(
        sk_id=1,
        program="Bantuan Sembako Lansia",
        sumber_dana="APBD Kabupaten/Kota",
        menimbang=("bahwa hasil filterisasi/pemadanan melalui e-JPS menjadi acuan penetapan penerima;",),
        mengingat=("Peraturan Gubernur Gorontalo Nomor 52 Tahun 2020;",),
        rows=rows,
        final=True,
        hash_isi="3f7a9c2e" * 8,
        tempat="Limboto",
        **sk_fields(count),
    )
    built = time.perf_counter()
    path = SCRATCH / "sk-generated.pdf"
    pages = render_sk_pdf(document, Letterhead("PEMERINTAH KABUPATEN GORONTALO", "DINAS SOSIAL"), path)
    finished = time.perf_counter()
    return {
        "rows": count,
        "pages": pages,
        "seconds": round(finished - built, 2),
        "build_document_seconds": round(built - started, 2),
        "mb": round(path.stat().st_size / 1e6, 1),
    }


def registry_people(count: int) -> list[dict]:
    """The recipients as Dukcapil lists them (the NIK gives the birth date of a man), once per NIK."""
    people = {}
    for nik, nama, alamat, (code, _desa, _kecamatan) in recipients(count):
        born = f"19{nik[10:12]}-{nik[8:10]}-{nik[6:8]}"
        people[nik] = {
            "nik": nik, "no_kk": f"{nik[:6]}0101{len(people):06d}", "nama": nama, "tgl_lahir": born,
            "jenis_kelamin": "L", "alamat": alamat, "kode_desa": code,
        }  # fmt: skip
    return list(people.values())


def setup(count: int) -> dict:
    """The SK built as an office builds it: the registry imported, the list screened, drafted and finalised
    (in a process of its own: its memory is not the PDF's)."""
    import csv

    from app.screening.programs import create_program

    db, user = fresh_database(SCRATCH / "sk-pdf.db", region="7501")
    people = registry_people(count)
    extract = SCRATCH / "sk-pdf-dukcapil.csv"
    with extract.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, list(people[0]))
        writer.writeheader()
        writer.writerows(people)
    setup_started = time.perf_counter()
    timed_import(db, user, "dukcapil", [extract])
    program = create_program(
        db, user, nama="Bantuan Sembako Lansia", sumber_dana="APBD_KABKOTA", tahun=2026,
        nilai_per_penerima=1_500_000, kode_wilayah="7501",
    )  # fmt: skip
    fields = {k: v for k, v in sk_fields(count).items() if k not in ("tahun", "total_nilai")}
    built = final_sk_through_services(db, user, program.id, people, SCRATCH, **fields)
    db.close()
    return {"sk_id": built["sk_id"], "seconds": round(time.perf_counter() - setup_started, 2)} | {
        "steps_seconds": built["seconds"]
    }


def through_database(count: int) -> dict:
    from app.documents.letterhead import office_letterhead
    from app.documents.sk_document import sk_document
    from app.documents.sk_pdf import render_sk_pdf

    built = in_subprocess(Path(__file__), "--phase", "setup", "--rows", str(count))
    db, user = open_database(SCRATCH / "sk-pdf.db")
    sk_id = built.pop("sk_id")
    started = time.perf_counter()
    document = sk_document(db, user, sk_id)
    read = time.perf_counter()
    pages = render_sk_pdf(document, office_letterhead(db), SCRATCH / "sk-database.pdf")
    finished = time.perf_counter()
    db.close()
    return {
        "rows": len(document.rows),
        "pages": pages,
        "seconds": round(finished - started, 2),
        "read_seconds": round(read - started, 2),
        "setup": built,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--phase", choices=["generated", "database", "setup"])
    args = parser.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    if args.phase:
        result = {"generated": generated, "database": through_database, "setup": setup}[args.phase](args.rows)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result |= {"cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": peak_rss_mb()}
        print(json.dumps(result))
        return
    script = Path(__file__)
    runs = {
        phase: in_subprocess(script, "--phase", phase, "--rows", str(args.rows))
        for phase in ("generated", "database")
    }
    print(
        json.dumps(
            {
                "benchmark": "sk_pdf",
                "target": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
                **runs,
                "ok": all(
                    r["seconds"] <= TARGET_SECONDS and r["peak_rss_mb"] <= TARGET_MB for r in runs.values()
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
