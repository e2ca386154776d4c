"""Importing proposal (usulan) files: what is kept, what is only warned about, what is refused, and that a
refusal, a cancel or an error leaves no list behind (DESIGN.md "Proposal", "Interchange files")."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, Forbidden
from app.jobs import Cancelled, Progress
from app.registry.issues import Severity
from app.registry.sources import SourceError
from app.screening import proposal_import
from app.screening.programs import delete_proposal_list
from app.screening.proposal_import import ProposalImport
from db.models import AuditEntry, ColumnMapping, Proposal, ProposalList
from tests.app.screening.test_programs import make_outsider, make_program
from tests.factories import DESA_BOALEMO, DESA_LIMBOTO, DESA_TELAGA, people, write_csv, write_xlsx

HEADERS = ["No", "NIK", "Nama Lengkap", "Tgl Lahir", "JK", "Alamat", "RT", "RW", "Kode Desa", "Keterangan"]
SEX_WORDS = {"L": "LAKI-LAKI", "P": "Perempuan"}


def proposal_rows(records):
    rows = []
    for number, r in enumerate(records, start=1):
        born = date.fromisoformat(r.tgl_lahir)
        rows.append(
            {
                "No": str(number),
                "NIK": r.nik,
                "Nama Lengkap": r.nama.title(),
                "Tgl Lahir": f"{born:%d-%m-%Y}",
                "JK": SEX_WORDS[r.jenis_kelamin],
                "Alamat": r.alamat,
                "RT": "2",
                "RW": "1",
                "Kode Desa": r.kode_desa,
                "Keterangan": "lansia" if number % 2 else "",
            }
        )
    return rows


def start(db, user, paths, program_id=None, name="Usulan Kayubulan", **options):
    return ProposalImport(db, user, list(paths), program_id, name, options.pop("sumber", ""), **options)


def run(db, user, paths, program_id=None, mapping=None, **options):
    job = start(db, user, paths, program_id, **options)
    job.inspect()
    return job, job.prepare(mapping)


def stored(db, list_id=None):
    with db.sessions() as session:
        query = select(Proposal).order_by(Proposal.baris)
        if list_id is not None:
            query = query.where(Proposal.list_id == list_id)
        return list(session.scalars(query))


def list_count(db):
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(ProposalList))


def issues_of(preview, code):
    return [i for i in preview.issues if i.code == code]


def test_xlsx_proposal_keeps_every_cell_and_reads_the_fields(office_db, operator, tmp_path):
    program = make_program(office_db, operator)
    rows = proposal_rows(people(2))
    path = write_xlsx(tmp_path / "usulan.xlsx", rows, HEADERS)
    job = start(
        office_db, operator, [path], program.id, sumber="Desa Kayubulan", kode_wilayah_sumber=DESA_LIMBOTO
    )
    plan = job.inspect()
    assert plan.mapping == {
        "nik": "NIK",
        "nama": "Nama Lengkap",
        "tgl_lahir": "Tgl Lahir",
        "jenis_kelamin": "JK",
        "alamat": "Alamat",
        "rt": "RT",
        "rw": "RW",
        "kode_desa": "Kode Desa",
    }
    assert plan.identifies_rows and not plan.remembered
    preview = job.prepare()
    assert (preview.rows_read, preview.rows_accepted, preview.rows_refused, preview.rows_flagged) == (
        6,
        6,
        0,
        0,
    )
    assert preview.issues == ()
    list_id = job.commit()

    with office_db.sessions() as session:
        proposal_list = session.get(ProposalList, list_id)
        assert proposal_list.input_headers == HEADERS
        assert (proposal_list.program_id, proposal_list.status, proposal_list.file_name) == (
            program.id,
            "draft",
            "usulan.xlsx",
        )
        assert (proposal_list.sumber, proposal_list.kode_wilayah_sumber) == ("Desa Kayubulan", DESA_LIMBOTO)
        assert len(proposal_list.sha256) == 64 and proposal_list.created_by == "operator"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal_list.import")).one()
        assert audit.entity_ref == str(list_id) and audit.after["accepted"] == 6
        remembered = session.scalars(select(ColumnMapping).where(ColumnMapping.kind == "usulan")).one()
        assert remembered.mapping == plan.mapping
    proposals = stored(office_db, list_id)
    assert [p.baris for p in proposals] == [2, 3, 4, 5, 6, 7]
    first, wife = proposals[0], proposals[1]
    assert first.input == rows[0]  # every cell as text, under the file's own header
    assert (first.nik, first.nama, first.tgl_lahir.isoformat(), first.jenis_kelamin) == (
        people(1)[0].nik,
        people(1)[0].nama.title(),
        people(1)[0].tgl_lahir,
        "L",
    )
    assert wife.jenis_kelamin == "P"
    assert first.alamat == "JL. RAJIMAN NO. 1 RT 002 RW 001" and first.kode_desa == DESA_LIMBOTO
    assert first.uid != wife.uid and first.created_at is not None and first.updated_at is not None
    assert (first.hasil, first.tanda, first.alasan, first.person_id) == ("", "", "", None)


def test_remembered_mapping_is_offered_for_the_next_file_with_the_same_headers(office_db, operator, tmp_path):
    headers = ["NO IDENTITAS", "NAMA PENERIMA BANTUAN", "KET"]
    rows = [{"NO IDENTITAS": r.nik, "NAMA PENERIMA BANTUAN": r.nama, "KET": ""} for r in people(1)]
    path = write_csv(tmp_path / "a.csv", rows, headers)
    job = start(office_db, operator, [path])
    plan = job.inspect()
    assert not plan.identifies_rows and plan.mapping == {}
    with pytest.raises(DomainError) as refused:
        job.prepare()
    assert "a.csv" in str(refused.value) and "NO IDENTITAS, NAMA PENERIMA BANTUAN, KET" in str(refused.value)
    job.prepare({"nik": "NO IDENTITAS", "nama": "NAMA PENERIMA BANTUAN"})
    job.commit()
    again = start(office_db, operator, [write_csv(tmp_path / "b.csv", rows[:1], headers)])
    plan = again.inspect()
    assert plan.remembered and plan.mapping == {"nik": "NO IDENTITAS", "nama": "NAMA PENERIMA BANTUAN"}


def test_file_without_nik_or_name_column_is_refused_naming_the_file_and_its_columns(
    office_db, operator, tmp_path
):
    path = write_csv(tmp_path / "alamat_saja.csv", [{"Alamat": "JL. A", "RT": "1"}], ["Alamat", "RT"])
    job = start(office_db, operator, [path])
    job.inspect()
    with pytest.raises(DomainError) as refused:
        job.prepare()
    text = str(refused.value)
    assert "alamat_saja.csv" in text and "Alamat, RT" in text and "NIK" in text and "nama" in text
    with pytest.raises(DomainError, match="belum disiapkan"):
        job.commit()
    assert list_count(office_db) == 0


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_with_only_names_or_only_niks_is_imported_and_a_row_with_neither_is_refused(
    office_db, operator, tmp_path, delimiter
):
    records = people(2)
    rows = proposal_rows(records)
    rows[1]["NIK"] = ""  # only a name
    rows[2]["Nama Lengkap"] = ""  # only a NIK
    rows[3]["NIK"], rows[3]["Nama Lengkap"] = "", ""  # neither, though other cells are filled
    rows.insert(4, dict.fromkeys(HEADERS, ""))  # a blank row: skipped silently
    path = write_csv(tmp_path / "usulan.csv", rows, HEADERS, delimiter=delimiter)
    job, preview = run(office_db, operator, [path])
    assert (preview.rows_read, preview.rows_accepted, preview.rows_refused, preview.blank_rows) == (
        6,
        5,
        1,
        1,
    )
    (refused,) = [i for i in preview.issues if i.severity is Severity.REFUSED]
    assert (refused.source, refused.row_number, refused.field, refused.code) == (
        "usulan.csv",
        5,
        "nik",
        "tanpa_nik_nama",
    )
    assert "NIK maupun nama" in refused.message
    list_id = job.commit()
    proposals = stored(office_db, list_id)
    assert [p.baris for p in proposals] == [2, 3, 4, 7, 8]
    assert proposals[1].nik == "" and proposals[1].nama == records[1].nama.title()
    assert proposals[2].nama == "" and proposals[2].nik == records[2].nik


def test_nik_mangled_by_excel_is_kept_with_a_warning_and_typing_noise_is_removed(
    office_db, operator, tmp_path
):
    records = people(2)
    rows = proposal_rows(records)
    rows[0]["NIK"] = "7.50101E+15"
    rows[1]["NIK"] = "7,5010123E+15"
    rows[2]["NIK"] = records[2].nik[:15]  # 15 digits
    rows[3]["NIK"] = "'" + records[3].nik
    rows[4]["NIK"] = f" {records[4].nik[:8]} {records[4].nik[8:]} "
    rows[5]["NIK"] = records[5].nik + ".0"
    job, preview = run(office_db, operator, [write_csv(tmp_path / "usulan.csv", rows, HEADERS)])
    assert (preview.rows_accepted, preview.rows_refused, preview.rows_flagged) == (6, 0, 3)
    excel = issues_of(preview, "nik_angka_excel")
    assert [(i.row_number, i.field, i.value, i.severity) for i in excel] == [
        (2, "nik", "7.50101E+15", Severity.FLAGGED),
        (3, "nik", "7,5010123E+15", Severity.FLAGGED),
    ]
    assert excel[0].message.startswith("NIK terbaca sebagai angka oleh Excel")
    (short,) = issues_of(preview, "nik_15_digit")
    assert short.row_number == 4 and "15 digit" in short.message
    proposals = stored(office_db, job.commit())
    assert [p.nik for p in proposals] == [
        "7.50101E+15",
        "7,5010123E+15",
        records[2].nik[:15],
        records[3].nik,
        records[4].nik,
        records[5].nik,
    ]
    assert proposals[0].input["NIK"] == "7.50101E+15" and proposals[3].input["NIK"] == "'" + records[3].nik


def test_dates_in_several_formats_and_unreadable_ones_only_warned(office_db, operator, tmp_path):
    records = people(3)
    rows = proposal_rows(records)
    written = [
        "12-05-1980",
        "12/05/1980",
        "1980-05-12",
        "12 Mei 1980",
        "29353",
        "31-02-1980",
        "kemarin",
        "01-01-2999",
        "",
    ]
    for row, text in zip(rows, written, strict=True):
        row["Tgl Lahir"] = text
    job, preview = run(office_db, operator, [write_csv(tmp_path / "usulan.csv", rows, HEADERS)])
    assert preview.rows_accepted == 9 and preview.rows_flagged == 3
    assert [(i.row_number, i.field, i.code) for i in preview.issues] == [
        (7, "tgl_lahir", "tanggal_tak_terbaca"),
        (8, "tgl_lahir", "tanggal_tak_terbaca"),
        (9, "tgl_lahir", "tanggal_masa_depan"),
    ]
    assert '"kemarin"' in preview.issues[1].message and "tetap diimpor" in preview.issues[1].message
    born = [p.tgl_lahir for p in stored(office_db, job.commit())]
    assert born[:5] == [date(1980, 5, 12)] * 5
    assert born[5:] == [None] * 4


def test_place_and_date_of_birth_in_one_column(office_db, operator, tmp_path):
    rows = [
        {"NIK": "", "NAMA": "SITI", "TEMPAT/TGL LAHIR": "Gorontalo, 12-05-1980"},
        {"NIK": "", "NAMA": "HARIS", "TEMPAT/TGL LAHIR": "Limboto, 3 Agustus 1975"},
    ]
    path = write_csv(tmp_path / "ttl.csv", rows, ["NIK", "NAMA", "TEMPAT/TGL LAHIR"])
    job, preview = run(office_db, operator, [path])
    assert job.plan.mapping["ttl"] == "TEMPAT/TGL LAHIR" and preview.issues == ()
    assert [p.tgl_lahir for p in stored(office_db, job.commit())] == [date(1980, 5, 12), date(1975, 8, 3)]


def test_sex_is_read_as_l_or_p_and_an_unknown_value_is_warned_and_left_empty(office_db, operator, tmp_path):
    rows = proposal_rows(people(2))
    for row, text in zip(rows, ["Laki - laki", "PEREMPUAN", "1", "2", "Pria", "X"], strict=True):
        row["JK"] = text
    job, preview = run(office_db, operator, [write_csv(tmp_path / "usulan.csv", rows, HEADERS)])
    (issue,) = preview.issues
    assert (issue.row_number, issue.field, issue.value, issue.code) == (
        7,
        "jenis_kelamin",
        "X",
        "jk_tak_dikenal",
    )
    assert [p.jenis_kelamin for p in stored(office_db, job.commit())] == ["L", "P", "L", "P", "L", ""]


def test_desa_codes_are_cleaned_and_malformed_unknown_or_outside_ones_warned(office_db, operator, tmp_path):
    rows = proposal_rows(people(2))
    for row, text in zip(
        rows, ["75.01.01.1001", "'7501022011", "75010110", "7501019999", DESA_BOALEMO, ""], strict=True
    ):
        row["Kode Desa"] = text
    job, preview = run(office_db, operator, [write_csv(tmp_path / "usulan.csv", rows, HEADERS)])
    assert preview.rows_accepted == 6
    assert [(i.row_number, i.field, i.value, i.code) for i in preview.issues] == [
        (4, "kode_desa", "75010110", "kode_desa_salah"),
        (5, "kode_desa", "7501019999", "desa_tak_dikenal"),
        (6, "kode_desa", DESA_BOALEMO, "desa_luar_wilayah"),
    ]
    codes = [p.kode_desa for p in stored(office_db, job.commit())]
    assert codes == [DESA_LIMBOTO, DESA_TELAGA, "", "7501019999", DESA_BOALEMO, ""]


def test_desa_name_column_gives_the_code_when_one_desa_has_that_name(office_db, operator, tmp_path):
    headers = ["NIK", "NAMA", "DESA", "KECAMATAN"]
    rows = [
        {"NAMA": "A", "DESA": "Hunggaluwa", "KECAMATAN": ""},  # one Hunggaluwa in Kab. Gorontalo
        {"NAMA": "B", "DESA": "Kel. Kayubulan", "KECAMATAN": "Limboto"},
        {"NAMA": "C", "DESA": "Kayubulan", "KECAMATAN": ""},  # in Limboto and in Batudaa
        {"NAMA": "D", "DESA": "Atlantis", "KECAMATAN": ""},
    ]
    job, preview = run(office_db, operator, [write_csv(tmp_path / "desa.csv", rows, headers)])
    assert [(i.row_number, i.field, i.code) for i in preview.issues] == [
        (4, "desa", "desa_nama_ganda"),
        (5, "desa", "desa_nama_tak_ditemukan"),
    ]
    assert "Limboto" in preview.issues[0].message and "Atlantis" in preview.issues[1].message
    codes = [p.kode_desa for p in stored(office_db, job.commit())]
    assert codes == ["7501011003", DESA_LIMBOTO, "", ""]


def test_rt_rw_and_dusun_columns_are_added_to_the_address(office_db, operator, tmp_path):
    headers = ["NIK", "NAMA", "ALAMAT", "RT/RW", "DUSUN"]
    rows = [
        {"NAMA": "A", "ALAMAT": "Jl. Jend. Sudirman", "RT/RW": "002/001", "DUSUN": "II"},
        {"NAMA": "B", "ALAMAT": "", "RT/RW": "3 / 4", "DUSUN": "Dusun Timur"},
        {"NAMA": "C", "ALAMAT": "Jl. Mawar", "RT/RW": "", "DUSUN": ""},
    ]
    job, preview = run(office_db, operator, [write_csv(tmp_path / "alamat.csv", rows, headers)])
    assert [p.alamat for p in stored(office_db, job.commit())] == [
        "Jl. Jend. Sudirman RT 002 RW 001 DUSUN II",
        "RT 003 RW 004 Dusun Timur",
        "Jl. Mawar",
    ]


def test_several_sheets_and_files_form_one_list_with_unique_rows(office_db, operator, tmp_path):
    records = people(4)
    rows = proposal_rows(records)
    workbook = write_xlsx(tmp_path / "desa.xlsx", rows[:6], HEADERS, sheets=2)  # 3 rows per sheet
    other = [dict(r, **{"No. NIK": r["NIK"]}) for r in rows[6:9]]
    other_headers = ["No. NIK", "Nama Lengkap", "Tgl Lahir", "Catatan"]
    for row in other:
        row["Catatan"] = "susulan"
    other[1]["No. NIK"], other[1]["Nama Lengkap"] = "", ""
    csv_file = write_csv(tmp_path / "susulan.csv", other, other_headers)
    job, preview = run(office_db, operator, [workbook, csv_file])
    assert [t.label for t in job.plan.tables] == ["desa.xlsx [Data1]", "desa.xlsx [Data2]", "susulan.csv"]
    (refused,) = preview.issues
    assert (refused.source, refused.row_number) == ("susulan.csv", 3)
    list_id = job.commit()
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).input_headers == [*HEADERS, "No. NIK", "Catatan"]
        assert session.get(ProposalList, list_id).file_name == "desa.xlsx; susulan.csv"
    proposals = stored(office_db, list_id)
    # Sheet 1 rows 2-4, sheet 2 rows 2-4 follow as 5-7, the CSV's rows 2 and 4 as 8 and 10.
    assert [p.baris for p in proposals] == [2, 3, 4, 5, 6, 7, 8, 10]
    assert [p.nik for p in proposals[6:]] == [records[6].nik, records[8].nik]
    assert (proposals[3].input["_berkas"], proposals[3].input["_baris"]) == ("desa.xlsx [Data2]", 2)
    assert proposals[6].input["No. NIK"] == records[6].nik and proposals[6].input["Catatan"] == "susulan"


def test_untitled_empty_columns_are_left_out_of_the_headers(office_db, operator, tmp_path):
    path = tmp_path / "titik_koma.csv"
    path.write_text("NIK;Nama;;\n;SITI;;\n;HARIS;;\n", encoding="utf-8")
    job, preview = run(office_db, operator, [path])
    list_id = job.commit()
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).input_headers == ["NIK", "Nama"]
    assert [p.input for p in stored(office_db, list_id)] == [
        {"NIK": "", "Nama": "SITI"},
        {"NIK": "", "Nama": "HARIS"},
    ]


def test_columns_that_look_alike_in_one_file_are_kept_apart(office_db, operator, tmp_path):
    path = tmp_path / "mirip.csv"
    path.write_text("No,No.,NIK,Nama\n1,A-1,,SITI\n", encoding="utf-8")
    job, _preview = run(office_db, operator, [path])
    list_id = job.commit()
    with office_db.sessions() as session:
        assert session.get(ProposalList, list_id).input_headers == ["No", "No.", "NIK", "Nama"]
    (proposal,) = stored(office_db, list_id)
    assert proposal.input == {"No": "1", "No.": "A-1", "NIK": "", "Nama": "SITI"}


def test_same_file_twice_into_the_same_program_is_refused_naming_the_earlier_list(
    office_db, operator, tmp_path
):
    program = make_program(office_db, operator)
    other_program = make_program(office_db, operator, nama="Program Lain")
    path = write_csv(tmp_path / "usulan.csv", proposal_rows(people(1)), HEADERS)
    first, _preview = run(office_db, operator, [path], program.id, name="Usulan Tahap 1")
    first_id = first.commit()
    with pytest.raises(DomainError) as refused:
        start(office_db, operator, [path], program.id, name="Usulan Tahap 2").inspect()
    text = str(refused.value)
    assert (
        "usulan.csv" in text and '"Usulan Tahap 1"' in text and f"#{first_id}" in text and "operator" in text
    )
    # A list of another program, or of none, may hold the same file.
    run(office_db, operator, [path], other_program.id)[0].commit()
    run(office_db, operator, [path], None)[0].commit()
    run(office_db, operator, [path], None)[0].commit()
    # Once the earlier list is deleted, the file may come again.
    delete_proposal_list(office_db, operator, first_id)
    run(office_db, operator, [path], program.id)[0].commit()
    assert list_count(office_db) == 5


def test_same_file_committed_meanwhile_by_another_job_is_refused_at_commit(office_db, operator, tmp_path):
    program = make_program(office_db, operator)
    path = write_csv(tmp_path / "usulan.csv", proposal_rows(people(1)), HEADERS)
    first, _ = run(office_db, operator, [path], program.id)
    second, _ = run(office_db, operator, [path], program.id)
    first.commit()
    with pytest.raises(DomainError, match="sudah pernah diimpor"):
        second.commit()
    assert list_count(office_db) == 1


def test_importing_into_an_empty_registry_is_allowed(office_db, operator, tmp_path):
    job, preview = run(
        office_db, operator, [write_csv(tmp_path / "u.csv", proposal_rows(people(1)), HEADERS)]
    )
    assert preview.rows_accepted == 3
    assert job.commit()


def test_guest_and_operators_outside_the_region_are_refused_before_reading(
    office_db, admin, guest, kecamatan_operator, tmp_path
):
    path = write_csv(tmp_path / "u.csv", proposal_rows(people(1)), HEADERS)
    with pytest.raises(Forbidden):
        start(office_db, guest, [path])
    outsider = make_outsider(office_db, admin)
    with pytest.raises(Forbidden):
        start(office_db, outsider, [path])
    with pytest.raises(Forbidden, match="750102"):
        start(office_db, kecamatan_operator, [path], kode_wilayah_sumber="750102")
    own = start(office_db, kecamatan_operator, [path])
    assert own.kode_wilayah_sumber == "750101"
    program = make_program(office_db, admin, kode_wilayah="750102")
    with pytest.raises(Forbidden):
        start(office_db, kecamatan_operator, [path], program.id)
    assert list_count(office_db) == 0


def test_unreadable_files_are_refused_naming_the_file(office_db, operator, tmp_path):
    old = tmp_path / "lama.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(SourceError, match="lama.xls"):
        start(office_db, operator, [old]).inspect()
    with pytest.raises(DomainError, match="minimal satu berkas"):
        start(office_db, operator, [])


def test_a_file_of_refused_rows_only_creates_nothing(office_db, operator, tmp_path):
    rows = [{"NIK": "", "Nama": "", "Alamat": "JL. A"}]
    job, preview = run(
        office_db, operator, [write_csv(tmp_path / "kosong.csv", rows, ["NIK", "Nama", "Alamat"])]
    )
    assert preview.rows_refused == 1
    with pytest.raises(DomainError, match="kosong.csv tidak memuat satu pun baris"):
        job.commit()
    assert list_count(office_db) == 0


def test_cancel_while_reading_or_saving_leaves_no_list(office_db, operator, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "u.csv", proposal_rows(people(4)), HEADERS)
    job = start(office_db, operator, [path])
    job.inspect()
    with pytest.raises(Cancelled):
        job.prepare(progress=Progress(cancelled=lambda: True))
    monkeypatch.setattr(proposal_import, "INSERT_BATCH", 3)
    job.prepare()
    reports = []
    cancelling = Progress(
        report=lambda done, total, what: reports.append(done), cancelled=lambda: len(reports) >= 2
    )
    with pytest.raises(Cancelled):
        job.commit(cancelling)
    assert reports == [3, 6]
    assert list_count(office_db) == 0 and stored(office_db) == []
    # A preview cancelled half-way cannot be committed.
    with pytest.raises(Cancelled):
        job.prepare(progress=Progress(cancelled=lambda: True))
    with pytest.raises(DomainError, match="belum disiapkan"):
        job.commit()
    assert list_count(office_db) == 0


def test_an_error_while_saving_leaves_no_list(office_db, operator, tmp_path, monkeypatch):
    job, _preview = run(
        office_db, operator, [write_csv(tmp_path / "u.csv", proposal_rows(people(2)), HEADERS)]
    )

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(ProposalImport, "_remember_mapping", broken)
    with pytest.raises(RuntimeError):
        job.commit()
    assert list_count(office_db) == 0 and stored(office_db) == []


def test_fifty_thousand_rows_import_in_one_go(office_db, operator, tmp_path):
    base = people(1)[0]
    rows = [
        {
            "NIK": f"750101{1 + i % 28:02d}{1 + i % 12:02d}{60 + i % 40:02d}{1 + i % 9999:04d}",
            "NAMA": f"{base.nama} {i}",
            "TGL LAHIR": f"{1 + i % 28:02d}-{1 + i % 12:02d}-19{60 + i % 40:02d}",
            "JENIS KELAMIN": "L" if i % 2 else "P",
            "ALAMAT": f"JL. RAJIMAN NO. {i}",
            "KODE DESA": DESA_LIMBOTO if i % 3 else DESA_TELAGA,
        }
        for i in range(50_000)
    ]
    path = write_csv(tmp_path / "besar.csv", rows, list(rows[0]))
    began = time.perf_counter()
    job, preview = run(office_db, operator, [path])
    prepared = time.perf_counter()
    list_id = job.commit()
    committed = time.perf_counter()
    print(f"50,000 rows: prepare {prepared - began:.2f} s, commit {committed - prepared:.2f} s")
    assert (preview.rows_read, preview.rows_accepted, preview.issues) == (50_000, 50_000, ())
    with office_db.sessions() as session:
        counted = session.execute(
            select(
                func.count(),
                func.count(func.distinct(Proposal.uid)),
                func.count(func.distinct(Proposal.baris)),
                func.count(Proposal.created_at),
                func.count(Proposal.tgl_lahir),
                func.max(Proposal.baris),
            ).where(Proposal.list_id == list_id)
        ).one()
    assert tuple(counted) == (50_000, 50_000, 50_000, 50_000, 50_000, 50_001)
