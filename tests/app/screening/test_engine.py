"""Screening a proposal list against the registry, row by row, as a district officer reads the result: who the
row was matched to, the flags with their rule, and the verdict (Pergub Gorontalo 52/2020 Pasal 1 angka 14,
Pasal 3 huruf d–e, Pasal 6: filterisasi and pemadanan with Dukcapil and DTKS/DTSEN).

The registry, the programs and the lists of this module are built once and only read by the tests: every
list is screened through `service.screen_list`, the same call the GUI and `ejps screen` make. Every case is a
clear one (an exact NIK, a NIK one slip off with the right name and birth date, two namesakes born the same
day); none rests on a tuned threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from app.auth.roles import CurrentUser, Role
from app.auth.users import login
from app.i18n import set_language
from app.office import OfficeDatabase, create_office_database
from app.registry.importer import RegistryImport
from app.screening import service
from app.screening.engine import nik_problem
from app.screening.proposal_import import ProposalImport
from app.screening.results import ResultRow, list_results, result_detail
from db.models import AidRecipient
from tests.app.screening.test_programs import make_program
from tests.conftest import ADMIN_PASSWORD, OFFICE_REGION, make_user
from tests.factories import (
    DESA_LIMBOTO,
    DESA_TELAGA,
    DTKS_HEADERS,
    PersonRecord,
    dtks_rows,
    household,
    nik_for,
    write_csv,
)

# The registry: Kel. Kayubulan (Kec. Limboto) and Desa Bulila (Kec. Telaga), 45 people. Names repeat across
# households as they do in Gorontalo (two MUHAMMAD LASENA, two SITI LIHAWA), with other birth dates.
LIMBOTO = [p for i in (0, 1, 2, 3, 4, 5, 12, 14) for p in household(i, DESA_LIMBOTO)]
TELAGA = [p for i in range(6, 12) for p in household(i, DESA_TELAGA)]
# YUSUF BADERAN of Kayubulan has a namesake in Bulila born the same day.
TWIN = household(5, DESA_TELAGA)[0]
DEAD = LIMBOTO[3].but(status="meninggal", tgl_status="2024-05-01")  # MOH. HULOPI
MOVED = LIMBOTO[6].but(status="pindah", tgl_status="2023-11-15")  # RIZAL TAMBIPI
# Twins of one KK in Kayubulan, born the same day, with other given names.
TWINS = [
    LIMBOTO[21].but(
        nik=nik_for("750101", date(2010, 3, 15), "L", sequence),
        nama=nama,
        tgl_lahir="2010-03-15",
        hubungan_keluarga="ANAK",
    )
    for sequence, nama in ((145, "ALFIAN PALILATI"), (146, "RIZKI PALILATI"))
]
REGISTRY = (
    [DEAD if p == LIMBOTO[3] else MOVED if p == LIMBOTO[6] else p for p in LIMBOTO] + TWINS + TELAGA + [TWIN]
)
# DTKS: Kayubulan's first four households in desil 3, the fifth in desil 8; Bulila's first two in desil 2.
DESIL = {**dict.fromkeys(range(0, 12), 3), **dict.fromkeys(range(12, 15), 8)}
DESIL_TELAGA = dict.fromkeys(range(0, 6), 2)

PROPOSAL_HEADERS = ["No", "NIK", "Nama", "Tgl Lahir", "JK", "Alamat", "Kode Desa"]
NOT_REGISTERED = {
    "NIK": "7501015402900099",
    "Nama": "Humaira Polapa",
    "Tgl Lahir": "14-02-1990",
    "JK": "P",
    "Alamat": "Dusun II",
    "Kode Desa": DESA_LIMBOTO,
}


# Helpers shared by the screening tests -------------------------------------------------------------------------
def proposal(person: PersonRecord, **cells: str) -> dict[str, str]:
    """A proposal row for a registered person as a desa types it (title case, dd-mm-yyyy); `cells` override."""
    row = {
        "NIK": person.nik,
        "Nama": person.nama.title(),
        "Tgl Lahir": f"{date.fromisoformat(person.tgl_lahir):%d-%m-%Y}",
        "JK": person.jenis_kelamin,
        "Alamat": f"{person.alamat.title()} RT {int(person.rt)}/RW {int(person.rw)}",
        "Kode Desa": person.kode_desa,
    }
    return row | cells


def write_proposals(path: Path, rows: list[dict], headers: list[str] = PROPOSAL_HEADERS) -> Path:
    numbered = [{"No": str(number)} | row for number, row in enumerate(rows, start=1)]
    return write_csv(path, numbered, headers)


def import_registry(
    db: OfficeDatabase,
    user: CurrentUser,
    folder: Path,
    records: list[PersonRecord],
    dtks: list[tuple[PersonRecord, int]] = (),
) -> None:
    """A Dukcapil extract of `records`, then a DTKS extract of (person, desil)."""
    job = RegistryImport(db, user, "dukcapil", [write_csv(folder / "dukcapil.csv", records)])
    job.inspect()
    job.prepare()
    job.commit()
    if dtks:
        rows = []
        for number, (person, desil) in enumerate(dtks, start=1):
            row = dtks_rows([person], desil)[0]
            rows.append(row | {"id_dtks": f"{person.kode_desa}{number:07d}"})
        job = RegistryImport(
            db, user, "dtks", [write_csv(folder / "dtks.csv", rows, DTKS_HEADERS)], source_label="DTKS"
        )
        job.inspect()
        job.prepare()
        job.commit()


def import_list(
    db: OfficeDatabase, user: CurrentUser, path: Path, program_id: int | None = None, name: str = ""
) -> int:
    job = ProposalImport(db, user, [path], program_id, name or path.stem)
    job.inspect()
    job.prepare()
    return job.commit()


def by_baris(db: OfficeDatabase, user: CurrentUser, list_id: int) -> dict[int, ResultRow]:
    return {row.baris: row for row in list_results(db, user, list_id)}


def registry_dtks() -> list[tuple[PersonRecord, int]]:
    return [(LIMBOTO[i], desil) for i, desil in DESIL.items()] + [
        (TELAGA[i], desil) for i, desil in DESIL_TELAGA.items()
    ]


# The screened office ----------------------------------------------------------------------------------------------
@dataclass
class Office:
    db: OfficeDatabase
    operator: CurrentUser
    main: int  # the list of every matching case, program without region or desil rules
    desil_list: int  # program for desil 1–4, with a recipient and an earlier list
    first_desil_list: int
    limboto_list: int  # program of Kec. Limboto only
    dtks_only_list: int  # program serving DTKS/DTSEN members only
    without_nik: int  # rows without NIK, no program

    def rows(self, list_id: int) -> dict[int, ResultRow]:
        return by_baris(self.db, self.operator, list_id)


MAIN_ROWS = [
    proposal(LIMBOTO[0]),  # 2: exact NIK, in DTKS
    proposal(LIMBOTO[3]),  # 3: dead
    proposal(LIMBOTO[6]),  # 4: moved out
    proposal(LIMBOTO[10], NIK=LIMBOTO[10].nik[:-1] + "3"),  # 5: last digit mistyped (…0032 → …0033)
    proposal(LIMBOTO[14], NIK=""),  # 6: no NIK
    proposal(LIMBOTO[16], NIK=LIMBOTO[13].nik),  # 7: RAHMA LASENA with SRI MOHAMAD's NIK
    NOT_REGISTERED,  # 8
    proposal(TELAGA[0]),  # 9
    proposal(TELAGA[0]),  # 10: row 9 again
    proposal(TELAGA[3]),  # 11: head of a KK
    proposal(TELAGA[4]),  # 12: his wife
    proposal(TWIN, NIK="", **{"Kode Desa": "", "Alamat": ""}),  # 13: YUSUF BADERAN, two in the registry
    proposal(TELAGA[9], NIK="", Nama="Muhammad Hulopi"),  # 14: registered as MOH. HULOPI
    proposal(TELAGA[7], NIK="", Nama="Hj. Siti Lihawa, S.Pd."),  # 15: registered as SITI LIHAWA
    proposal(TELAGA[12], NIK=TELAGA[12].nik[:15]),  # 16: NIK lost its last digit
    proposal(TELAGA[16], NIK="7.50103E+15"),  # 17: NIK turned into a number by Excel
    proposal(LIMBOTO[18], NIK=LIMBOTO[18].nik[:10] + "83" + LIMBOTO[18].nik[12:]),  # 18: year 82 typed 83
    proposal(LIMBOTO[21], NIK=LIMBOTO[21].nik[:14] + LIMBOTO[21].nik[15] + LIMBOTO[21].nik[14]),  # 19: swap
    NOT_REGISTERED | {"NIK": ""},  # 20: the unregistered person of row 8 again, without NIK
    proposal(LIMBOTO[19], Nama="Fatmawaty Mohammad"),  # 21: exact NIK, name spelt otherwise
    # 22: SRI TAMBIPI's NIK on the row of a man born 1960 with another name
    NOT_REGISTERED | {"NIK": TELAGA[14].nik, "Nama": "Abdul Gafur", "Tgl Lahir": "03-03-1960", "JK": "L"},
    proposal(TELAGA[3], NIK="", Nama="Bapak Rahmat Mohamad"),  # 23: row 11 again, without NIK, with a title
    # 24: an unregistered person whose NIK is one slip from MUHAMMAD LASENA's (row 2)
    NOT_REGISTERED | {"NIK": "7501010101700002", "Nama": "Humaira Putri Polapa"},
]
# Rows without NIK, as many desa lists are (no program).
WITHOUT_NIK_ROWS = [
    proposal(LIMBOTO[3], NIK=""),  # 2: dead
    proposal(LIMBOTO[6], NIK=""),  # 3: moved out
    proposal(TWINS[1], NIK=""),  # 4: RIZKI, twin of ALFIAN
]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    folder = tmp_path_factory.mktemp("kantor")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EJPS_DATA_DIR", str(folder / "data"))
        env.setenv("EJPS_DB_PASSPHRASE", "frasa-sandi-uji")
        set_language("id")
        db = create_office_database(folder / "kantor.db", OFFICE_REGION, "admin", ADMIN_PASSWORD, "Admin")
        admin = login(db.unit_of_work(), "admin", ADMIN_PASSWORD)
        operator = make_user(db, admin, "operator", Role.OPERATOR, OFFICE_REGION)
        import_registry(db, operator, folder, REGISTRY, registry_dtks())

        general = make_program(db, operator, nama="Bantuan Pangan Lansia")
        main = import_list(db, operator, write_proposals(folder / "usulan.csv", MAIN_ROWS), general.id)

        desil = make_program(db, operator, nama="Sembako Desil 1-4", desil_min=1, desil_max=4)
        # No use case records recipients yet (SK penetapan, realisasi): the row they will write.
        with db.sessions() as session, session.begin():
            session.add(
                AidRecipient(program_id=desil.id, nik=LIMBOTO[7].nik, source="sk", reference="12/2024")
            )
        first = import_list(
            db, operator, write_proposals(folder / "tahap1.csv", [proposal(LIMBOTO[1])]), desil.id, "Tahap 1"
        )
        second_rows = [proposal(LIMBOTO[i]) for i in (1, 7, 12, 4, 17)]
        second = import_list(db, operator, write_proposals(folder / "tahap2.csv", second_rows), desil.id)

        limboto = make_program(db, operator, nama="Bantuan Kec. Limboto", kode_wilayah="750101")
        limboto_rows = [
            proposal(LIMBOTO[0]),
            proposal(TELAGA[0]),
            NOT_REGISTERED | {"Kode Desa": DESA_TELAGA},
        ]
        limboto_list = import_list(
            db, operator, write_proposals(folder / "limboto.csv", limboto_rows), limboto.id
        )

        dtks_only = make_program(db, operator, nama="PKH Daerah", hanya_dtks=True)
        dtks_only_rows = [proposal(LIMBOTO[17]), proposal(LIMBOTO[9])]
        dtks_only_list = import_list(
            db, operator, write_proposals(folder / "pkh.csv", dtks_only_rows), dtks_only.id
        )

        without_nik = import_list(db, operator, write_proposals(folder / "tanpa_nik.csv", WITHOUT_NIK_ROWS))

        for list_id in (main, first, second, limboto_list, dtks_only_list, without_nik):
            service.screen_list(db, operator, list_id)
    yield Office(db, operator, main, second, first, limboto_list, dtks_only_list, without_nik)
    db.close()


# Pure rules ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("7501010101700001", ""),
        ("", ""),
        ("7.50101E+15", "Excel"),
        ("750101010170000", "15 angka"),
        ("75010101017000012", "17 angka"),
        ("75010101O1700001", "huruf"),
        ("7501010101700000", "0000"),
        ("7501013513700001", "tanggal lahir"),  # day 35, month 13
    ],
)
def test_nik_problem_says_what_is_wrong_with_a_written_nik(typed, problem):
    found = nik_problem(typed)
    assert (found == "") if not problem else (problem in found)


# Matching a row to a registered person ---------------------------------------------------------------------
def test_exact_nik_of_a_living_person_in_dtks_passes(office):
    # Pergub 52/2020 Pasal 6 ayat (1): pemadanan with Dukcapil; Pasal 3 huruf d: the DTKS/DTSEN record is told.
    row = office.rows(office.main)[2]
    assert (row.hasil, row.nik_padan, row.tanda) == ("LOLOS", LIMBOTO[0].nik, ("DTKS",))
    assert row.skor_padan >= 0.99
    assert "Terdaftar di DTKS dengan desil 3" in row.alasan


def test_a_dead_person_fails_with_the_date_of_death(office):
    # Pergub 52/2020 Pasal 1 angka 14: filterisasi removes who died.
    row = office.rows(office.main)[3]
    assert (row.hasil, row.nik_padan) == ("TIDAK_LOLOS", LIMBOTO[3].nik)
    assert "MENINGGAL" in row.tanda
    assert "meninggal pada 01-05-2024" in row.alasan


def test_a_person_who_moved_out_fails(office):
    # Pergub 52/2020 Pasal 1 angka 14: filterisasi removes who moved away.
    row = office.rows(office.main)[4]
    assert (row.hasil, row.nik_padan) == ("TIDAK_LOLOS", LIMBOTO[6].nik)
    assert "PINDAH" in row.tanda and "15-11-2023" in row.alasan


def test_a_nik_one_digit_off_with_right_name_and_birth_date_finds_the_person(office):
    row = office.rows(office.main)[5]
    assert row.nik_padan == LIMBOTO[10].nik
    assert "NIK_SALAH_KETIK" in row.tanda
    assert row.hasil == "PERLU_CEK"  # the NIK must be corrected before the SK
    assert LIMBOTO[10].nik[:-1] + "3" in row.alasan and LIMBOTO[10].nik in row.alasan


def test_a_slip_in_the_birth_date_digits_of_the_nik_confirmed_by_the_birth_date_finds_the_person(office):
    row = office.rows(office.main)[18]
    assert row.nik_padan == LIMBOTO[18].nik
    assert "NIK_SALAH_KETIK" in row.tanda


def test_two_swapped_digits_of_the_nik_find_the_person(office):
    row = office.rows(office.main)[19]
    assert row.nik_padan == LIMBOTO[21].nik
    assert "NIK_SALAH_KETIK" in row.tanda
    assert "dua angka NIK tertukar" in row.alasan


def test_no_nik_but_exact_name_birth_date_and_desa_finds_the_person(office):
    row = office.rows(office.main)[6]
    assert row.nik_padan == LIMBOTO[14].nik
    assert "NIK_KOSONG" in row.tanda
    assert row.hasil == "LOLOS"  # a missing NIK is told, it does not fail the row


def test_muhammad_written_out_finds_the_person_registered_as_moh(office):
    row = office.rows(office.main)[14]
    # The other MOH. HULOPI (Kayubulan, born 1971, dead) is not this one.
    assert row.nik_padan == TELAGA[9].nik
    assert row.hasil == "LOLOS"


def test_titles_and_degree_around_the_name_are_ignored(office):
    row = office.rows(office.main)[15]
    assert row.nik_padan == TELAGA[7].nik  # not SITI LIHAWA of Kayubulan, born 1972
    assert "DATA_BERBEDA" not in row.tanda


def test_a_nik_of_another_registered_person_is_not_taken_for_the_proposed_person(office):
    row = office.rows(office.main)[7]
    owner = LIMBOTO[13]
    assert row.nik_padan != owner.nik
    assert "NIK_MILIK_LAIN" in row.tanda
    assert f"terdaftar atas nama {owner.nama}" in row.alasan
    assert row.hasil != "LOLOS"


def test_a_nik_of_another_person_with_this_persons_name_and_birth_date_finds_this_person(office):
    row = office.rows(office.main)[7]
    assert row.nik_padan == LIMBOTO[16].nik


def test_a_nik_shortened_to_15_digits_is_told_and_the_person_found_by_name(office):
    row = office.rows(office.main)[16]
    assert "NIK_TIDAK_SAH" in row.tanda and "15 angka" in row.alasan
    assert row.nik_padan == TELAGA[12].nik


def test_a_nik_turned_into_a_number_by_excel_is_told_and_the_person_found_by_name(office):
    row = office.rows(office.main)[17]
    assert "NIK_TIDAK_SAH" in row.tanda and "Excel" in row.alasan
    assert row.nik_padan == TELAGA[16].nik


def test_an_exact_nik_with_the_name_spelt_otherwise_is_the_registered_person(office):
    row = office.rows(office.main)[21]
    assert row.nik_padan == LIMBOTO[19].nik  # FATMAWATI MOHAMAD
    assert "NIK_MILIK_LAIN" not in row.tanda and "NIK_SALAH_KETIK" not in row.tanda


def test_a_nik_of_someone_else_on_an_unregistered_person_links_nobody(office):
    # SRI TAMBIPI's NIK on the row of a man born 1960 with another name: not SRI TAMBIPI, and not found.
    row = office.rows(office.main)[22]
    assert row.nik_padan == ""
    assert "NIK_MILIK_LAIN" in row.tanda and row.hasil == "TIDAK_LOLOS"
    assert f"terdaftar atas nama {TELAGA[14].nama}" in row.alasan


def test_a_nik_one_slip_from_a_stranger_does_not_link_the_stranger(office):
    row = office.rows(office.main)[24]
    assert row.nik_padan == "" and "NIK_SALAH_KETIK" not in row.tanda
    assert row.hasil == "TIDAK_LOLOS"


def test_a_dead_person_proposed_without_nik_is_still_found_dead(office):
    row = office.rows(office.without_nik)[2]
    assert (row.hasil, row.nik_padan) == ("TIDAK_LOLOS", LIMBOTO[3].nik)
    assert "MENINGGAL" in row.tanda


def test_a_person_who_moved_proposed_without_nik_is_still_found_moved(office):
    row = office.rows(office.without_nik)[3]
    assert (row.hasil, row.nik_padan) == ("TIDAK_LOLOS", LIMBOTO[6].nik)
    assert "PINDAH" in row.tanda


def test_a_twin_without_nik_is_told_apart_from_the_sibling_by_the_given_name(office):
    # ALFIAN and RIZKI PALILATI: one KK, one birth date, one address.
    row = office.rows(office.without_nik)[4]
    assert row.nik_padan == TWINS[1].nik
    assert row.hasil == "LOLOS" and row.skor_padan >= 0.9


def test_a_person_not_in_the_registry_fails_unlinked(office):
    row = office.rows(office.main)[8]
    assert (row.hasil, row.nik_padan) == ("TIDAK_LOLOS", "")
    assert "TIDAK_DITEMUKAN" in row.tanda
    assert "Tidak ditemukan di data Dukcapil" in row.alasan


def test_two_namesakes_born_the_same_day_are_not_linked_silently(office):
    # Pergub 52/2020 Pasal 6 ayat (2): a doubtful match goes to a field check, never silently to one of them.
    # YUSUF BADERAN born 06-06-1975 lives in Kayubulan and in Bulila; the row gives neither NIK nor desa.
    row = office.rows(office.main)[13]
    assert row.hasil == "PERLU_CEK"
    assert {"KANDIDAT_RAGU", "PADAN_RAGU"} & set(row.tanda)
    assert row.skor_padan < 0.9
    detail = result_detail(office.db, office.operator, row.proposal_id)
    found = {c["nik"] for c in detail.detail["candidates"]}
    assert {LIMBOTO[15].nik, TWIN.nik} <= found


# Rows about the same person or household -----------------------------------------------------------------------
def test_the_same_person_twice_in_a_list_fails_the_later_row(office):
    # Pergub 52/2020 Pasal 3 huruf e: filterisasi removes double proposals.
    rows = office.rows(office.main)
    assert "GANDA_DAFTAR" not in rows[9].tanda and rows[9].duplikat_dari is None
    assert rows[10].hasil == "TIDAK_LOLOS"
    assert "GANDA_DAFTAR" in rows[10].tanda and rows[10].duplikat_dari == 9
    assert "baris 9" in rows[10].alasan


def test_the_same_unregistered_person_twice_is_a_duplicate_too(office):
    rows = office.rows(office.main)
    assert rows[20].duplikat_dari == 8 and "GANDA_DAFTAR" in rows[20].tanda


def test_the_same_person_again_without_nik_and_with_a_title_is_a_duplicate(office):
    row = office.rows(office.main)[23]
    assert row.nik_padan == TELAGA[3].nik
    assert row.duplikat_dari == 11 and "GANDA_DAFTAR" in row.tanda


def test_two_members_of_one_kk_are_flagged_on_the_later_row(office):
    rows = office.rows(office.main)
    assert "SATU_KK" not in rows[11].tanda
    assert "SATU_KK" in rows[12].tanda and rows[12].hasil == "PERLU_CEK"
    assert TELAGA[4].no_kk in rows[12].alasan and "baris 11" in rows[12].alasan


# Program rules ---------------------------------------------------------------------------------------------------
def test_a_person_living_outside_the_program_region_fails(office):
    rows = office.rows(office.limboto_list)
    assert "LUAR_WILAYAH" not in rows[2].tanda
    assert rows[3].hasil == "TIDAK_LOLOS" and "LUAR_WILAYAH" in rows[3].tanda
    assert "7501022011" in rows[3].alasan and "750101" in rows[3].alasan


def test_an_unregistered_row_from_a_desa_outside_the_program_region_is_told_so(office):
    row = office.rows(office.limboto_list)[4]
    assert {"TIDAK_DITEMUKAN", "LUAR_WILAYAH"} <= set(row.tanda)


def test_a_desil_outside_the_program_range_fails(office):
    rows = office.rows(office.desil_list)
    assert rows[4].nik_padan == LIMBOTO[12].nik
    assert rows[4].hasil == "TIDAK_LOLOS" and "DESIL_DI_LUAR" in rows[4].tanda
    assert "Desil 8" in rows[4].alasan
    assert rows[5].hasil == "LOLOS" and "DESIL_DI_LUAR" not in rows[5].tanda  # desil 3


def test_a_recipient_of_the_program_fails_as_already_receiving(office):
    row = office.rows(office.desil_list)[3]
    assert row.hasil == "TIDAK_LOLOS" and "SUDAH_MENERIMA" in row.tanda
    assert "12/2024" in row.alasan


def test_a_person_proposed_in_another_list_of_the_program_fails(office):
    row = office.rows(office.desil_list)[2]
    assert row.hasil == "TIDAK_LOLOS" and "GANDA_PROGRAM" in row.tanda
    assert '"Tahap 1"' in row.alasan and "baris 2" in row.alasan
    earlier = office.rows(office.first_desil_list)[2]
    assert earlier.hasil == "LOLOS"  # the first proposal stands


def test_a_person_outside_dtks_is_told_and_passes_a_program_open_to_all(office):
    row = office.rows(office.desil_list)[6]
    assert row.nik_padan == LIMBOTO[17].nik
    assert "BUKAN_DTKS" in row.tanda and row.hasil == "LOLOS"


def test_a_person_outside_dtks_fails_a_program_for_dtks_members_only(office):
    rows = office.rows(office.dtks_only_list)
    assert rows[2].hasil == "TIDAK_LOLOS" and "BUKAN_DTKS" in rows[2].tanda
    assert rows[3].hasil == "LOLOS" and "DTKS" in rows[3].tanda


def test_every_result_is_explained_with_the_rule_of_each_flag(office):
    for row in office.rows(office.main).values():
        detail = result_detail(office.db, office.operator, row.proposal_id).detail
        assert [f["code"] for f in detail["flags"]] == list(row.tanda)
        for flag in detail["flags"]:
            assert flag["rule"] and flag["message"], (row.baris, flag)
        assert row.alasan


def test_a_death_with_its_date_is_one_whole_sentence_in_english(monkeypatch):
    """The date sits inside one translatable sentence: English never reads "Deceased pada 17-08-2022"."""
    from app.screening import flags

    english = {  # the English catalog's entries for these sentences, old and new
        "Sudah meninggal{date} menurut data Dukcapil.": "Deceased{date} according to Dukcapil.",
        "Sudah meninggal pada {tanggal} menurut data Dukcapil.": "Deceased on {tanggal} according to Dukcapil.",
        "Sudah pindah keluar pada {tanggal} menurut data Dukcapil.": "Moved out on {tanggal} according to Dukcapil.",
    }
    assert flags.Flag("MENINGGAL", {"tanggal": "17-08-2022"}).sentence() == (
        "Sudah meninggal pada 17-08-2022 menurut data Dukcapil."
    )
    monkeypatch.setattr(flags, "_", lambda message: english.get(message, message))
    assert flags.Flag("MENINGGAL", {"tanggal": "17-08-2022"}).sentence() == (
        "Deceased on 17-08-2022 according to Dukcapil."
    )
    assert flags.Flag("PINDAH", {"tanggal": "01-02-2023"}).sentence() == (
        "Moved out on 01-02-2023 according to Dukcapil."
    )
