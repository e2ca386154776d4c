"""Building the demo database: a synthetic province generated, then loaded through the normal import path.

The demo is an office database like any other (encrypted, region "75", migrated), so everything a user tries
in it exercises the real code: the Dukcapil and DTKS extracts are written as CSV files beside the database
and imported with `RegistryImport` (prepare → commit), exactly as an operator would import them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from app.demo.generator import DTKS_COLUMNS, DUKCAPIL_COLUMNS, generate_dtks, generate_population, write_csv
from app.demo.proposals import LIST_NAME, LIST_REGION, LIST_SOURCE, PROGRAM, PROPOSAL_CSV, PROPOSAL_XLSX
from app.demo.samples import DTSEN_FAMILY_FILE, README_FILE, SampleSummary, write_samples
from app.errors import DomainError
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo12345"
DEMO_OPERATOR = "operator"
DEMO_GUEST = "tamu"
DEMO_REGION = "75"
DEMO_OPERATOR_REGION = "7501"
# The key of the demo database where the computer has no credential store (see ensure_demo_key). The
# demo holds synthetic people only, so a published passphrase protects nothing real.
DEMO_PASSPHRASE = "demo-ejps-gorontalo-data-sintetis"
SAMPLES_FOLDER = "contoh_ekstrak"
DUKCAPIL_EXTRACT = "ekstrak_dukcapil_demo.csv"
DTKS_EXTRACT = "ekstrak_dtks_demo.csv"
MIN_PEOPLE = 100
MAX_PEOPLE = 2_000_000


@dataclass(frozen=True)
class DemoSummary:
    people: int
    households: int
    dtks: int  # people listed in the DTKS extract
    samples_dir: Path
    seconds: float = 0.0


def ensure_demo_key() -> bool:
    """Makes the demo database openable on a computer without an OS credential store; True when this set
    the demo passphrase (the user may need it to open the demo elsewhere, so `ejps demo` shows it).

    The demo database is encrypted like any office database (db/keys.py): its key lives in the OS keyring,
    or is derived from a passphrase. On a machine with neither a keyring nor a configured passphrase
    (EJPS_DB_PASSPHRASE or one typed at start), this sets the fixed, documented demo passphrase
    `DEMO_PASSPHRASE` for the session (memory only). That is acceptable because the demo contains synthetic
    data only; a real office database never uses it.
    """
    from db.keys import keyring_available, passphrase_configured, set_session_passphrase

    if not keyring_available() and not passphrase_configured():
        set_session_passphrase(DEMO_PASSPHRASE)
        return True
    return False


def database_files(path: Path) -> list[Path]:
    return [Path(path), Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def remove_database(path: Path) -> None:
    for file in database_files(path):
        file.unlink(missing_ok=True)


class _Phases:
    """Maps the progress of each step of the build onto one 0–1000 scale."""

    TOTAL = 1000

    def __init__(self, progress: Progress, weights: dict[str, int]) -> None:
        self.progress = progress
        self.spans: dict[str, tuple[int, int]] = {}
        start, whole = 0, sum(weights.values())
        for name, weight in weights.items():
            width = self.TOTAL * weight // whole
            self.spans[name] = (start, width)
            start += width
        self.spans[name] = (
            self.spans[name][0],
            self.TOTAL - self.spans[name][0],
        )  # the last one ends at TOTAL

    def report(self, phase: str, fraction: float, text: str) -> None:
        start, width = self.spans[phase]
        self.progress.report(
            min(self.TOTAL, start + int(width * max(0.0, min(1.0, fraction)))), self.TOTAL, text
        )

    def sub(self, phase: str) -> Progress:
        def report(done: int, total: int, text: str) -> None:
            self.report(phase, done / total if total else 0.0, text)

        return Progress(report=report, cancelled=self.progress.cancelled)


def build_demo(
    path: Path,
    people: int = 20_000,
    seed: int = 7501,
    progress: Progress = NO_PROGRESS,
    replace: bool = False,
) -> DemoSummary:
    """Generates the synthetic extracts into `<folder of path>/contoh_ekstrak/`, creates the demo office
    database (region 75, accounts admin / operator / tamu, password DEMO_PASSWORD) and imports both extracts
    through `RegistryImport`. Deterministic by `seed`. On any failure or cancel no database file remains."""
    started = time.monotonic()
    path = Path(path)
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise DomainError(
            N_("Jumlah penduduk demo harus antara {low} dan {high}."), low=MIN_PEOPLE, high=MAX_PEOPLE
        )
    if path.exists():
        if not replace:
            raise DomainError(N_("Basis data demo sudah ada: {path}"), path=str(path))
        remove_database(path)
    else:
        remove_database(path)  # stale -wal/-shm of an earlier database at this path
    path.parent.mkdir(parents=True, exist_ok=True)
    samples_dir = path.parent / SAMPLES_FOLDER
    phases = _Phases(
        progress,
        {"generate": 8, "write": 4, "create": 4, "dukcapil": 60, "dtks": 20, "samples": 4, "screening": 4},
    )

    progress.check()
    phases.report("generate", 0.0, _("Membuat penduduk sintetis..."))
    population = generate_population(people, seed)
    phases.report("generate", 0.8, _("Membuat data DTKS sintetis..."))
    dtks = generate_dtks(population, seed)
    households = population.households
    progress.check()

    phases.report("write", 0.0, _("Menulis berkas ekstrak..."))
    samples_dir.mkdir(parents=True, exist_ok=True)
    dukcapil_csv = write_csv(population, DUKCAPIL_COLUMNS, samples_dir / DUKCAPIL_EXTRACT)
    dtks_csv = write_csv(dtks, DTKS_COLUMNS, samples_dir / DTKS_EXTRACT)
    phases.report("samples", 0.0, _("Menulis contoh berkas untuk latihan impor..."))
    samples = write_samples(samples_dir, population, dtks, seed)
    write_readme(samples_dir / README_FILE, samples, len(population), len(dtks))
    summary = DemoSummary(len(population), households, len(dtks), samples_dir)
    del population, dtks
    progress.check()

    try:
        _create_and_import(path, dukcapil_csv, dtks_csv, phases)
        _screen_sample_list(path, samples_dir / PROPOSAL_CSV, phases)
    except BaseException:
        remove_database(path)
        raise
    phases.report("screening", 1.0, _("Selesai."))
    return DemoSummary(
        summary.people, summary.households, summary.dtks, samples_dir, round(time.monotonic() - started, 1)
    )


def _create_and_import(path: Path, dukcapil_csv: Path, dtks_csv: Path, phases: _Phases) -> None:
    from app.auth.roles import Role
    from app.auth.users import create_user, login
    from app.office import create_office_database
    from app.registry.importer import RegistryImport

    phases.report("create", 0.0, _("Membuat basis data demo terenkripsi..."))
    db = create_office_database(
        path, DEMO_REGION, DEMO_ADMIN, DEMO_PASSWORD, "Admin Demo", "Demo Provinsi Gorontalo"
    )
    try:
        admin = login(db.unit_of_work(), DEMO_ADMIN, DEMO_PASSWORD)
        create_user(
            db.unit_of_work(),
            admin,
            DEMO_OPERATOR,
            "Operator Demo",
            DEMO_PASSWORD,
            Role.OPERATOR,
            DEMO_OPERATOR_REGION,
            "Dinas Sosial Kab. Gorontalo",
        )
        create_user(
            db.unit_of_work(), admin, DEMO_GUEST, "Tamu Demo", DEMO_PASSWORD, Role.GUEST, DEMO_REGION, ""
        )
        phases.report("create", 1.0, _("Akun demo dibuat."))
        for phase, kind, file in (("dukcapil", "dukcapil", dukcapil_csv), ("dtks", "dtks", dtks_csv)):
            job = RegistryImport(db, admin, kind, [file], source_label="DTKS")
            try:
                preview = job.prepare(progress=phases.sub(phase))
                if preview.refused_rows:
                    raise DomainError(
                        N_("Ekstrak demo {file} memuat {n} baris yang ditolak."),
                        file=file.name,
                        n=preview.refused_rows,
                    )
                job.commit(progress=phases.sub(phase))
            finally:
                job.close()
            phases.report(phase, 1.0, _("Ekstrak {file} diimpor.").format(file=file.name))
    finally:
        db.close()


def _screen_sample_list(path: Path, proposals_csv: Path, phases: _Phases) -> None:
    """The demo program, and its practice list imported and screened through the same services as the GUI,
    by the demo operator: the demo opens on a screened list to review."""
    from app.auth.users import login
    from app.office import open_office_database
    from app.screening.programs import create_program
    from app.screening.proposal_import import ProposalImport
    from app.screening.service import screen_list

    phases.report("screening", 0.0, _("Membuat program demo dan menyaring contoh usulannya..."))
    db = open_office_database(path)
    try:
        operator = login(db.unit_of_work(), DEMO_OPERATOR, DEMO_PASSWORD)
        program = create_program(db.unit_of_work(), operator, **PROGRAM)
        job = ProposalImport(db, operator, [proposals_csv], program.id, LIST_NAME, LIST_SOURCE, LIST_REGION)
        try:
            job.inspect()
            job.prepare(progress=phases.sub("screening"))
            list_id = job.commit(phases.sub("screening"))
        finally:
            job.close()
        screen_list(db, operator, list_id, phases.sub("screening"))
        from app.demo.documents import add_demo_documents
        from app.demo.form1s import add_demo_form1s  # Form 1 (issue 11): filled forms of one desa

        add_demo_form1s(db, operator)
        add_demo_documents(db, operator, program.id, list_id, proposals_csv)
    finally:
        db.close()


def write_readme(path: Path, samples: SampleSummary, people: int, dtks: int) -> Path:
    bad = "\n".join(
        f"  - baris {b.row}: {b.what} -> {'DITOLAK' if b.refused else 'diimpor dan DITANDAI'} ({b.code})"
        for b in samples.bad_rows
    )
    u, d = samples.update_counts, samples.dtks_counts
    proposals = samples.proposals
    proposal_rows = len(proposals.rows) if proposals else 0
    planted = "\n".join(
        f"  - baris {p.row}: {p.what} -> {p.expect}" for p in (proposals.planted if proposals else [])
    )
    text = f"""CONTOH EKSTRAK - WILAYAH DEMO e-JPS DESKTOP
===========================================

Semua data di folder ini SINTETIS (dibuat acak oleh program). Tidak ada orang sungguhan di dalamnya.
Kode wilayah adalah kode Kemendagri yang sebenarnya untuk Provinsi Gorontalo.

Sudah diimpor ke basis data demo:
- {DUKCAPIL_EXTRACT}: ekstrak Dukcapil seluruh provinsi ({people} penduduk).
- {DTKS_EXTRACT}: ekstrak DTKS/DTSEN ({dtks} orang, sekitar 40 % KK).

Untuk latihan impor (menu Impor, atau `ejps import ...`):

1. contoh_dukcapil_baru.xlsx / contoh_dukcapil_baru.csv - {samples.new_people} baris penduduk baru
   Desa {SAMPLE_DESA_LABEL}. Judul kolom seperti berkas Dukcapil asli (NIK, No. KK, NAMA LENGKAP,
   TGL LAHIR HH-BB-TTTT, JENIS KELAMIN LAKI-LAKI/PEREMPUAN, KODE WILAYAH bertitik). Baris yang sengaja salah:
{bad}
   Berkas ini hanya berisi penduduk baru: saat mengimpor, pilih "berkas hanya berisi tambahan" (di
   perintah: --additions-only). Tanpa pilihan itu, berkas dianggap ekstrak lengkap desanya, dan penduduk
   lain desa itu yang tidak ada di berkas akan ditandai "tidak ada lagi" (pratinjau menunjukkannya).

2. contoh_dukcapil_pembaruan.csv - ekstrak berikutnya Kecamatan {samples.update_kecamatan}
   ({samples.update_rows} baris): {u.get("pindah_alamat", 0)} orang pindah alamat, {u.get("meninggal", 0)} meninggal,
   {u.get("pindah", 0)} pindah keluar, {u.get("lahir", 0)} bayi lahir, {u.get("hilang", 0)} orang tidak ada lagi di ekstrak.

3. contoh_dtks.xlsx - ekstrak DTKS/DTSEN berikutnya Kecamatan {samples.update_kecamatan} ({samples.dtks_rows} baris):
   {d.get("desil_berubah", 0)} KK berubah desil, {d.get("baru", 0)} KK baru masuk, {d.get("keluar", 0)} KK keluar.
   Tanggal lahir berupa sel tanggal Excel.

4. {DTSEN_FAMILY_FILE} - berkas keluarga DTSEN desa {samples.family_desa} ({samples.family_rows} KK), seperti
   dikirim DTSEN: satu baris per KK dengan desil nasional, provinsi dan kabupaten/kota, dipisah tanda |.
   Impor lewat Impor DTKS/DTSEN (sumber DTSEN; di perintah: ejps import dtks {DTSEN_FAMILY_FILE} --source DTSEN):
   jenis berkas dikenali dari judul kolomnya, dan desil tiap KK diberikan kepada semua anggotanya di registri.
   KK {samples.family_unknown_kk} sengaja tidak ada di registri: baris itu DITOLAK (kk_tak_terdaftar).
   Program memilih desil yang dipakai (nasional, provinsi atau kabupaten/kota) di isian "Desil sasaran".

5. {PROPOSAL_XLSX} / {PROPOSAL_CSV} - usulan program "{PROGRAM["nama"]}"
   ({PROGRAM["opd"]}, APBD Kab/Kota, Kab. Gorontalo, desil 1-5): {proposal_rows} baris lansia seperti
   diketik OPD (nama desa dan kecamatan, tanpa kode). Berkas CSV sudah diimpor sebagai daftar
   "{LIST_NAME}" dan sudah disaring: buka halaman "Hasil penyaringan". Baris yang sengaja dibuat:
{planted}
   Baris lain dapat TIDAK LOLOS karena desilnya di luar 1-5 (DESIL_DI_LUAR); orang di luar DTKS/DTSEN
   hanya diberi tanda BUKAN_DTKS. Setiap tanda disertai kalimat dan dasar aturannya.
   Untuk latihan: buat program baru, lalu impor berkas XLSX ini ke program itu (menu Program & usulan).
   Diimpor ke program demo yang sama, setiap orangnya akan ditandai ganda dengan daftar pertama.

Akun demo: admin (admin), operator (operator, Kab. Gorontalo), tamu (tamu); kata sandi {DEMO_PASSWORD}.

Kunci basis data demo: di komputer yang punya penyimpanan kredensial sistem (Windows, macOS, desktop Linux)
kuncinya tersimpan di sana dan tidak perlu diketik. Di komputer tanpa penyimpanan itu (server, CI), basis
data demo dikunci dengan frasa sandi demo berikut, yang memang diumumkan karena datanya sintetis (kecuali
EJPS_DB_PASSPHRASE sudah berisi frasa sandi lain saat `ejps demo` dijalankan: maka frasa sandi itulah):
    {DEMO_PASSPHRASE}
Perintah `ejps` tanpa --db memakai wilayah demo selama belum ada basis data kantor (`ejps init`), dengan
frasa sandi itu. Bila program menanyakan frasa sandi basis data demo, ketik frasa sandi itu, atau
jalankan dengan EJPS_DB_PASSPHRASE={DEMO_PASSPHRASE}
"""
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


SAMPLE_DESA_LABEL = "Tuladenggi, Kec. Telaga Biru, Kab. Gorontalo (75.01.10.2005)"
