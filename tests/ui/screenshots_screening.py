"""Screenshots of the screening pages on the demo region (not a test; run by hand):

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/ui/screenshots_screening.py [--out screenshots]

Builds the demo region in a temporary folder (20,000 people, its program and screened practice list), opens the
main window offscreen at 1440x900 and saves PNGs of: the program page, the results of the screened list with a
TIDAK LOLOS and a PERLU CEK row selected, the import wizard's preview of the practice XLSX, the typed-entry
form after a NIK was typed, and the results page in English.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
WORK = Path(tempfile.mkdtemp(prefix="ejps-shots-"))
os.environ["EJPS_DATA_DIR"] = str(WORK / "data")
os.environ.setdefault("EJPS_DB_PASSPHRASE", "demo-screenshots")

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QMessageBox, QWidget  # noqa: E402

from app.auth.users import login  # noqa: E402
from app.demo import DEMO_OPERATOR, DEMO_PASSWORD, build_demo  # noqa: E402
from app.demo.proposals import PROPOSAL_XLSX  # noqa: E402
from app.i18n import set_language  # noqa: E402
from app.office import open_office_database  # noqa: E402
from app.screening.programs import create_proposal_list, list_proposal_lists  # noqa: E402
from app.screening.results import list_results  # noqa: E402
from ui.application import application  # noqa: E402

SIZE = (1440, 900)


def settle(milliseconds: int = 150) -> None:
    QCoreApplication.processEvents()
    QTest.qWait(milliseconds)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QTest.qWait(50)


def save(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(path)


def pick(rows, verdict: str, flag: str):
    return next(r for r in rows if r.hasil == verdict and flag in r.tanda)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("warning", "critical", "information", "question"):  # never block on a box
        setattr(QMessageBox, kind, lambda *a, **k: QMessageBox.StandardButton.Yes)

    path = WORK / "demo" / "demo.db"
    build_demo(path, people=20_000)
    samples = path.parent / "contoh_ekstrak"
    app = application()
    from ui.main_window import MainWindow

    db = open_office_database(path)
    try:
        user = login(db.unit_of_work(), DEMO_OPERATOR, DEMO_PASSWORD)
        (listed,) = list_proposal_lists(db.unit_of_work(), user)
        rows = list_results(db, user, listed.id)
        failed = pick(rows, "TIDAK_LOLOS", "MENINGGAL")
        check = pick(rows, "PERLU_CEK", "NIK_SALAH_KETIK")

        window = MainWindow(db, user)
        window.resize(*SIZE)
        window.show()
        settle()
        programs = window.show_page("programs")
        save(window, out / "1_program_dan_usulan.png")

        results = window.open_results(listed.id)
        results.select_proposal(failed.proposal_id)
        save(window, out / "2_hasil_tidak_lolos.png")
        results.select_proposal(check.proposal_id)
        save(window, out / "3_hasil_perlu_cek.png")
        detail = results.detail
        detail.scroll.verticalScrollBar().setValue(detail.evidence_title.y())
        save(window, out / "3b_hasil_perlu_cek_bukti.png")
        results.flag_filter.setCurrentIndex(results.flag_filter.findData("KANDIDAT_RAGU"))
        settle()
        detail.scroll.verticalScrollBar().setValue(detail.candidates_title.y() - 40)
        save(window, out / "4_hasil_disaring_tanda_calon.png")
        results.clear_filters()

        window.show_page("programs")
        wizard = programs.import_file()
        wizard.resize(1000, 720)
        wizard.files_page.add_files([samples / PROPOSAL_XLSX])
        wizard.files_page.list_fields.sumber.setText("Dinas Sosial Kab. Gorontalo")
        save(wizard, out / "5_impor_berkas.png")
        wizard.next()
        wait_until(lambda: wizard.currentPage() is wizard.mapping_page)
        save(wizard, out / "6_impor_pemetaan.png")
        wizard.next()
        wait_until(lambda: wizard.preview is not None and not wizard.busy)
        save(wizard, out / "7_impor_pratinjau.png")
        wizard.reject()
        settle()

        list_id = create_proposal_list(
            db.unit_of_work(), user, listed.program_id, "Usulan Desa Kayubulan (diketik)"
        )
        programs.refresh(select_list=list_id)
        entry = programs.open_entry(list_id)
        settle()
        QTest.keyClicks(entry.nik, rows[2].nik_padan or rows[0].nik)
        QTest.keyClick(entry.nik, Qt.Key.Key_Return)  # Enter: the row is added
        QTest.keyClicks(entry.nik, check.nik_padan)
        save(entry, out / "8_ketik_usulan.png")
        entry.reject()
        settle()
        window.close()

        set_language("en")
        english = MainWindow(db, user)
        english.resize(*SIZE)
        english.show()
        page = english.open_results(listed.id)
        page.select_proposal(check.proposal_id)
        save(english, out / "9_results_english.png")
        english.show_page("programs")
        save(english, out / "10_programs_english.png")
        english.close()
        set_language("id")
    finally:
        db.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
