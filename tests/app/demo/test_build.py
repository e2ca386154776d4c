"""build_demo: a small demo database through the real import path, its accounts, and the sample extracts."""

from __future__ import annotations

import pytest

from app.auth.users import login
from app.demo import DEMO_ADMIN, DEMO_PASSWORD, build_demo, ensure_demo_key
from app.demo.build import DTKS_EXTRACT, DUKCAPIL_EXTRACT
from app.demo.proposals import PROPOSAL_CSV, PROPOSAL_XLSX
from app.demo.samples import DTKS_FILE, DTSEN_FAMILY_FILE, NEW_FILE_CSV, NEW_FILE_XLSX, UPDATE_FILE
from app.errors import DomainError
from app.jobs import Cancelled, Progress
from app.office import open_office_database
from app.registry.importer import RegistryImport
from app.registry.search import count_people
from app.registry.validation import Severity
from app.screening.programs import list_programs, list_proposal_lists
from app.screening.results import flag_counts, list_results

PEOPLE = 2_000


def _preview(db, user, kind, file, **kwargs):
    job = RegistryImport(db, user, kind, [file], **kwargs)
    try:
        return job.prepare()
    finally:
        job.close()


def test_build_demo_imports_everything_and_the_samples_teach_the_rules(tmp_path, office_db, admin):
    reports = []
    path = tmp_path / "demo" / "demo.db"
    summary = build_demo(path, people=PEOPLE, seed=11, progress=Progress(report=lambda *a: reports.append(a)))
    assert summary.people == PEOPLE and 0 < summary.households < PEOPLE and 0 < summary.dtks < PEOPLE
    assert summary.samples_dir == path.parent / "contoh_ekstrak"
    for name in (
        DUKCAPIL_EXTRACT,
        DTKS_EXTRACT,
        NEW_FILE_CSV,
        NEW_FILE_XLSX,
        UPDATE_FILE,
        DTKS_FILE,
        PROPOSAL_CSV,
        PROPOSAL_XLSX,
        DTSEN_FAMILY_FILE,
    ):
        assert (summary.samples_dir / name).is_file(), name
    assert reports and all(0 <= done <= total for done, total, _text in reports)
    assert reports[-1][0] == reports[-1][1]

    db = open_office_database(path)
    try:
        assert db.office.region_code == "75"
        demo_admin = login(db.unit_of_work(), DEMO_ADMIN, DEMO_PASSWORD)
        operator = login(db.unit_of_work(), "operator", DEMO_PASSWORD)
        guest = login(db.unit_of_work(), "tamu", DEMO_PASSWORD)
        assert (operator.role.value, operator.region_code) == ("operator", "7501")
        assert (guest.role.value, guest.region_code) == ("guest", "75")
        # The documents after screening: a final SK served in part, with inconsistencies to find, and a draft
        # over its program's quota.
        from app.documents.consistency import ProblemKind, check_consistency
        from app.documents.sk import list_sks

        sks = {sk.status: sk for sk in list_sks(db, operator)}
        final, draft = sks["final"], sks["draft"]
        assert final.penerima > 12 and final.hash_isi
        assert draft.di_luar_kuota > 0 and draft.penerima == 10
        found = check_consistency(db.unit_of_work(), operator, sk_id=final.id).counts()
        assert found[ProblemKind.GANDA] == 1 and found[ProblemKind.MELEBIHI_NILAI] >= 1
        assert found[ProblemKind.TIDAK_DISALURKAN] == final.penerima - 12
        assert count_people(db.unit_of_work(), demo_admin) == PEOPLE
        assert 0.28 * PEOPLE < count_people(db.unit_of_work(), operator) < 0.38 * PEOPLE

        # The demo program's practice list was imported and screened by the demo operator: every verdict
        # and the planted cases are there to review.
        programs = {p.nama: p for p in list_programs(db.unit_of_work(), operator)}
        assert set(programs) == {"Bantuan Sembako Lansia 2026", "Bantuan Rehab Rumah Lansia 2026"}
        program = programs["Bantuan Sembako Lansia 2026"]
        assert (program.nama, program.sumber_dana, program.kode_wilayah) == (
            "Bantuan Sembako Lansia 2026",
            "APBD_KABKOTA",
            "7501",
        )
        (listed,) = list_proposal_lists(db.unit_of_work(), operator, program.id)
        assert listed.status == "in_sk" and listed.created_by == "operator" and listed.row_count > 25
        rows = list_results(db, operator, listed.id)
        assert {r.hasil for r in rows} == {"LOLOS", "TIDAK_LOLOS", "PERLU_CEK"}
        flags = flag_counts(rows)
        assert flags["GANDA_DAFTAR"] == 2 and flags["NIK_SALAH_KETIK"] >= 2 and flags["TIDAK_DITEMUKAN"] >= 1
        assert flags["MENINGGAL"] >= 1 and flags["NIK_KOSONG"] >= 2
        readme = (summary.samples_dir / "BACA_SAYA.txt").read_text(encoding="utf-8")
        assert PROPOSAL_XLSX in readme and "GANDA_DAFTAR" in readme

        # Re-importing the same extract changes nothing; the update of one kecamatan changes a little.
        again = _preview(db, demo_admin, "dukcapil", summary.samples_dir / DUKCAPIL_EXTRACT)
        assert again.nothing_to_do and again.refused_rows == 0
        update = _preview(db, demo_admin, "dukcapil", summary.samples_dir / UPDATE_FILE)
        assert update.refused_rows == 0 and update.changed > 0 and update.gone > 0 and update.added > 0
        assert update.desa_covered >= 1
        dtks = _preview(db, demo_admin, "dtks", summary.samples_dir / DTKS_FILE)
        assert dtks.refused_rows == 0 and dtks.changed > 0 and dtks.added > 0
        # The DTSEN family file is told apart by its headers; its members (listed in DTKS already) get the
        # three desil levels on their records, and the one KK the register lacks is the one refused row.
        family = _preview(
            db, demo_admin, "dtks", summary.samples_dir / DTSEN_FAMILY_FILE, source_label="DTSEN"
        )
        assert family.refused_rows == 1 and family.changed > family.rows_read and family.gone == 0
        assert [i.code for i in family.issues] == ["kk_tak_terdaftar"]
        assert DTSEN_FAMILY_FILE in readme
    finally:
        db.close()

    # The new-people sample, in a fresh office of Kab. Gorontalo: exactly the deliberately bad rows refused.
    for name in (NEW_FILE_CSV, NEW_FILE_XLSX):
        preview = _preview(office_db, admin, "dukcapil", summary.samples_dir / name)
        refused = sorted({(i.row_number, i.code) for i in preview.issues if i.severity is Severity.REFUSED})
        codes = sorted(code for _row, code in refused)
        assert codes == sorted(
            [
                "nik_bukan_16_digit",
                "nik_bukan_16_digit",
                "tanggal_masa_depan",
                "desa_luar_wilayah",
                "kunci_ganda",
                "kunci_ganda",
                "nik_angka_excel",
            ]
        ), refused
        assert preview.refused_rows == 7
        assert preview.added == preview.rows_read - 7 > 250
        flagged = {i.code for i in preview.issues if i.severity is Severity.FLAGGED}
        assert "tgl_lahir_beda_nik" in flagged

    # An existing demo is kept unless replaced.
    with pytest.raises(DomainError):
        build_demo(path, people=PEOPLE, seed=11)


def test_a_cancelled_build_leaves_no_database(tmp_path):
    path = tmp_path / "demo.db"
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 6  # somewhere inside the import

    with pytest.raises(Cancelled):
        build_demo(path, people=500, progress=Progress(cancelled=cancelled))
    assert not path.exists() and not (tmp_path / "demo.db-wal").exists()


def test_replace_rebuilds_and_the_demo_key_fallback(tmp_path, monkeypatch):
    import db.keys as keys

    path = tmp_path / "demo.db"
    build_demo(path, people=300, seed=3)
    (tmp_path / "demo.db-shm").write_bytes(b"stale")
    summary = build_demo(path, people=400, seed=3, replace=True)
    assert summary.people == 400

    monkeypatch.delenv("EJPS_DB_PASSPHRASE")
    monkeypatch.setattr(keys, "keyring_available", lambda: False)
    try:
        ensure_demo_key()
        assert keys.passphrase_configured()
    finally:
        keys.set_session_passphrase(None)
