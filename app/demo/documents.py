"""The demo's documents after screening, made through the same use cases as the GUI: a final SK from the
screened practice list with some realisasi (one recipient served twice, one paid above the SK's value, the
rest partly never served), and a draft SK of a second program whose quota is smaller than its eligible rows,
so the cut-off is there to see."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from app.auth.roles import CurrentUser
from app.documents.realisasi import RealisasiInput, record_realisasi
from app.documents.sk import draft_sk, sk_detail, update_sk
from app.documents.sk_final import finalise_sk
from app.documents.sk_quota import sk_ranking
from app.office import OfficeDatabase
from app.screening.programs import create_program
from app.screening.proposal_import import ProposalImport
from app.screening.service import screen_list

SIGNATORY = {
    "penandatangan_nama": "Drs. Hamka Lasena, M.Si",
    "penandatangan_nip": "197001151998031011",
    "penandatangan_jabatan": "Kepala Dinas Sosial Kabupaten Gorontalo",
    "tempat": "Limboto",
}
FINAL_NUMBER = "400.9/DINSOS/012/2026"
QUOTA_PROGRAM = {
    "nama": "Bantuan Rehab Rumah Lansia 2026",
    "sumber_dana": "DANA_DESA",
    "tahun": 2026,
    "opd": "Dinas Sosial Kab. Gorontalo",
    "jenis_bantuan": "Bahan bangunan",
    "nilai_per_penerima": 2_500_000,
    "kuota": 10,  # fewer places than eligible rows: the draft shows who falls outside, and why
    "kode_wilayah": "7501",
}
SERVED = 12  # of the final SK's recipients; the others are never served (a consistency finding)


def add_demo_documents(
    db: OfficeDatabase,
    operator: CurrentUser,
    program_id: int,
    list_id: int,
    proposals_csv: Path,
    today: date | None = None,
) -> tuple[int, int]:
    """Returns the ids of the final SK and of the draft over quota."""
    today = today or date.today()
    final = draft_sk(db, operator, program_id, [list_id]).summary.id
    update_sk(db, operator, final, nomor=FINAL_NUMBER, tanggal=today - timedelta(days=30), **SIGNATORY)
    finalise_sk(db, operator, final)
    recipients = [row for row in sk_ranking(db, operator, final) if row.masuk]
    value = sk_detail(db, operator, final).nilai_per_penerima
    for index, row in enumerate(recipients[:SERVED]):
        paid = value + 50_000 if index == 1 else value  # above the SK's value
        entry = RealisasiInput(row.nik, today - timedelta(days=7), paid, "bank", 1, "paket")
        record_realisasi(db, operator, final, entry)
        if index == 0:  # the same person served twice
            record_realisasi(
                db,
                operator,
                final,
                RealisasiInput(row.nik, today - timedelta(days=3), value, "pos", 1, "paket"),
            )

    program = create_program(db.unit_of_work(), operator, **QUOTA_PROGRAM)
    job = ProposalImport(db, operator, [proposals_csv], program.id, "Usulan rehab rumah lansia", "", "7501")
    try:
        job.inspect()
        job.prepare()
        second_list = job.commit()
    finally:
        job.close()
    screen_list(db, operator, second_list)
    draft = draft_sk(db, operator, program.id, [second_list]).summary.id
    update_sk(db, operator, draft, **SIGNATORY)
    return final, draft
