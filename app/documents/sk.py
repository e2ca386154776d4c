"""SK penetapan use cases: drafting an SK from screened lists, changing and deleting a draft, reading SKs
(Pergub Gorontalo 52/2020 Pasal 6 ayat 2: the result of filterisasi/pemadanan is the basis of the decree fixing
a program's recipients; Lampiran II: an operator drafts and prints within their own region).

Who may enter an SK: a row LOLOS, or a row PERLU CEK the operator cleared by accepting or choosing its match
(`app.screening.service.DECISIONS`). A row still PERLU CEK, or TIDAK LOLOS, stays out. The lists an SK is drafted
from become `in_sk` and no longer change (`require_list_editable`); deleting the draft gives them back.

A final SK never changes: every service here, in `sk_quota` and in `sk_final` loads an SK through
`sk_for_change`, which refuses a final one. Finalising and amending live in `app.documents.sk_final`, quotas and
the ranking in `app.documents.sk_quota`, the import of SKs issued elsewhere in `app.documents.sk_import`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, Permission, require, require_record_in_scope
from app.documents.sk_content import program_with_year
from app.errors import DomainError, NotFound
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.screening.desil import DesilLevel
from app.screening.flags import Verdict
from app.screening.programs import (
    FUNDING_SOURCE_LABELS,
    ListStatus,
    list_in_scope,
    program_visible,
    unit_of_work,
)
from db.bulk_insert import insert_many
from db.models import (
    DtksRecord,
    Office,
    Person,
    Program,
    Proposal,
    ProposalList,
    SkPenerima,
    SkPenetapan,
    utcnow,
)
from sync.changes import record_uids


class SkStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"  # frozen: its content hash is stored and its rows are the program's recipients


class SkOrigin(StrEnum):
    DRAFTED = "disusun"  # drafted here from screened lists
    IMPORTED = "impor"  # issued elsewhere (APBN programs) and imported


SK_STATUS_LABELS = {SkStatus.DRAFT: N_("Draf"), SkStatus.FINAL: N_("Final")}
SK_ORIGIN_LABELS = {SkOrigin.DRAFTED: N_("Disusun"), SkOrigin.IMPORTED: N_("Diimpor")}

# The operator's decisions that clear a PERLU CEK row for the SK: the match is confirmed.
CLEARING_DECISIONS = ("accepted", "chosen")
# A PNS NIP (PP 11/2017 and BKN rules): birth date 8 + appointment month 6 + sex 1 + sequence 3 = 18 digits.
NIP_LENGTH = 18
REGION_LEVELS = (10, 6, 4, 2)  # desa, kecamatan, kabupaten/kota, provinsi

# The decree text is Bahasa Indonesia whatever the interface language (UU 24/2009 Pasal 33: official
# documents are written in Indonesian), so these defaults are not translated.
PERGUB_52_2020 = (
    "Peraturan Gubernur Gorontalo Nomor 52 Tahun 2020 tentang Pemanfaatan Data Terpadu Kesejahteraan Sosial "
    "melalui Jaring Pengaman Sosial Elektronik dalam Mendukung Peningkatan Kesejahteraan Masyarakat Miskin di "
    "Provinsi Gorontalo"
)
DEFAULT_MENGINGAT = (
    "Undang-Undang Nomor 13 Tahun 2011 tentang Penanganan Fakir Miskin;",
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah sebagaimana telah diubah beberapa kali "
    "terakhir dengan Undang-Undang Nomor 9 Tahun 2015 tentang Perubahan Kedua atas Undang-Undang Nomor 23 "
    "Tahun 2014 tentang Pemerintahan Daerah;",
    "Peraturan Menteri Sosial Nomor 5 Tahun 2019 tentang Pengelolaan Data Terpadu Kesejahteraan Sosial;",
    f"{PERGUB_52_2020};",
    "Instruksi Presiden Nomor 4 Tahun 2025 tentang Data Tunggal Sosial dan Ekonomi Nasional.",
)
# Where each field is kept and how long it may be (the column's length).
TEXT_FIELDS = {
    "nomor": (N_("Nomor SK"), 120),
    "judul": (N_("Judul SK"), 2000),
    "instansi": (N_("Instansi penerbit"), 200),
    "tempat": (N_("Tempat penetapan"), 80),
    "penandatangan_nama": (N_("Nama penandatangan"), 120),
    "penandatangan_jabatan": (N_("Jabatan penandatangan"), 200),
}
FIELDS = (*TEXT_FIELDS, "tanggal", "penandatangan_nip", "menimbang", "mengingat", "nilai_per_penerima")


@dataclass(frozen=True)
class SkSummary:
    id: int
    program_id: int
    program_nama: str
    nomor: str
    tanggal: date | None
    tahun: int
    status: str
    asal: str
    penerima: int  # rows inside the quota: the recipients the SK names
    di_luar_kuota: int
    total_nilai: int
    kode_wilayah: str
    hash_isi: str
    mengubah_sk_id: int | None
    mengubah_nomor: str  # the SK this one amends
    diubah_oleh_nomor: str  # the final SK that amends this one (its recipients replace these)


@dataclass(frozen=True)
class SkDetail:
    summary: SkSummary
    judul: str
    instansi: str
    tempat: str
    penandatangan_nama: str
    penandatangan_nip: str
    penandatangan_jabatan: str
    menimbang: tuple[str, ...]
    mengingat: tuple[str, ...]
    sumber_dana: str
    nilai_per_penerima: int
    list_ids: tuple[int, ...]
    final_at: datetime | None
    final_by: str
    created_by: str


# Scope ------------------------------------------------------------------------------------------------------
def sk_in_scope(
    session: Session, user: CurrentUser, sk_id: int, permission: Permission = Permission.SK_DRAFT
):
    """The SK, when it exists and its region lies inside the user's (it names people); else NotFound or
    Forbidden. A guest holds no SK permission and is refused here."""
    require(user, permission)
    sk = session.get(SkPenetapan, sk_id)
    if sk is None or sk.deleted_at is not None:
        raise NotFound(N_("SK penetapan #{id} tidak ditemukan."), id=sk_id)
    require_record_in_scope(user, permission, sk.kode_wilayah)
    return sk


def require_sk_draft(sk: SkPenetapan) -> None:
    """A final SK is frozen: its content is what was signed and hashed. A correction is a new SK."""
    if sk.status == SkStatus.FINAL:
        raise DomainError(
            N_(
                "SK nomor {nomor} sudah final dan tidak dapat diubah lagi. Untuk koreksi, buat SK perubahan "
                "(Buat SK perubahan) yang merujuk SK ini."
            ),
            nomor=sk.nomor or f"#{sk.id}",
        )


def sk_for_change(
    session: Session, user: CurrentUser, sk_id: int, permission: Permission = Permission.SK_DRAFT
):
    """The draft SK the user may change: in scope and not final. Every changing service starts here."""
    sk = sk_in_scope(session, user, sk_id, permission)
    require_sk_draft(sk)
    return sk


# Fields -----------------------------------------------------------------------------------------------------
def _clean_text(value: object, label: str, length: int) -> str:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if len(text) > length:
        raise DomainError(
            N_("{field} paling panjang {length} karakter; tertulis {count}."),
            field=_(label),
            length=length,
            count=len(text),
        )
    return text


def parse_tanggal(value: object) -> date | None:
    """A date from the form or the command line: a date, "31-12-2025", "31/12/2025" or "2025-12-31"."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DomainError(
        N_("Tanggal SK: {value} bukan tanggal; tulis dd-mm-yyyy, misalnya 15-03-2025."), value=text
    )


def clean_nip(value: object) -> str:
    """The signatory's NIP, digits only; empty stays empty (refused only when finalising)."""
    text = str(value or "").strip()
    digits = re.sub(r"[\s.]", "", text)
    if digits and (not digits.isdigit() or len(digits) != NIP_LENGTH):
        raise DomainError(
            N_("NIP penandatangan: {value} bukan NIP; NIP terdiri dari {length} angka."),
            value=text,
            length=NIP_LENGTH,
        )
    return digits


def _lines(value: object) -> str:
    """Considerations, one per line: from a text or a list; blank lines dropped."""
    items = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    return "\n".join(line.strip() for line in (str(i) for i in items) if line.strip())


def _money(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        digits = re.sub(r"^Rp\.?\s*|[.\s]", "", str(value or "").strip(), flags=re.IGNORECASE)
        digits = re.sub(r",0+$", "", digits)
        if not digits.isdigit():
            raise DomainError(
                N_("Nilai per penerima: {value} bukan angka rupiah; tulis misalnya 300.000."), value=value
            )
        number = int(digits)
    if number < 0:
        raise DomainError(N_("Nilai per penerima tidak boleh negatif."))
    return number


def apply_fields(sk: SkPenetapan, fields: dict) -> None:
    """Checks and sets the header fields given (unknown names are refused, so a typo is not ignored)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(N_("Isian SK tidak dikenal: {fields}."), fields=", ".join(unknown))
    for name, (label, length) in TEXT_FIELDS.items():
        if name in fields:
            setattr(sk, name, _clean_text(fields[name], label, length))
    if "tanggal" in fields:
        sk.tanggal = parse_tanggal(fields["tanggal"])
        if sk.tanggal is not None:
            sk.tahun = sk.tanggal.year  # a number is unique within the year the SK is dated
    if "penandatangan_nip" in fields:
        sk.penandatangan_nip = clean_nip(fields["penandatangan_nip"])
    for name in ("menimbang", "mengingat"):
        if name in fields:
            setattr(sk, name, _lines(fields[name]))
    if "nilai_per_penerima" in fields:
        sk.nilai_per_penerima = _money(fields["nilai_per_penerima"])


def default_judul(program: Program) -> str:
    return f"Penetapan Penerima {program_with_year(program.nama, program.tahun)}"


def default_menimbang(program: Program, instansi: str, judul: str) -> tuple[str, ...]:
    sumber = FUNDING_SOURCE_LABELS.get(program.sumber_dana, program.sumber_dana)
    return (
        f"bahwa dalam rangka pelaksanaan program {program_with_year(program.nama, program.tahun)} yang bersumber "
        f"dari {sumber}, perlu menetapkan penerima bantuan yang tepat sasaran;",
        f"bahwa berdasarkan Pasal 6 ayat (2) {PERGUB_52_2020}, hasil filterisasi/pemadanan data calon penerima "
        "melalui e-JPS menjadi acuan dalam menetapkan penerima program/kegiatan;",
        "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu menetapkan "
        f"Keputusan {instansi or 'Kepala Dinas Sosial'} tentang {judul};",
    )


def _region_of(codes: list[str]) -> str:
    """The smallest region (desa, kecamatan, kabupaten, provinsi) containing every code."""
    prefix = codes[0] if codes else ""
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return next((prefix[:n] for n in REGION_LEVELS if len(prefix) >= n), "")


# Reading rows into an SK ------------------------------------------------------------------------------------
def desil_column(program: Program):
    level = DesilLevel(program.desil_acuan or DesilLevel.NASIONAL)
    return {
        DesilLevel.NASIONAL: DtksRecord.desil,
        DesilLevel.PROVINSI: DtksRecord.desil_provinsi,
        DesilLevel.KABUPATEN_KOTA: DtksRecord.desil_kabupaten_kota,
    }[level]


def desil_by_nik(session: Session, program: Program, niks: list[str]) -> dict[str, int]:
    """The person's desil in DTKS/DTSEN at the program's level; the poorest when a NIK appears twice."""
    column = desil_column(program)
    found: dict[str, int] = {}
    for start in range(0, len(niks), 500):
        for nik, desil in session.execute(
            select(DtksRecord.nik, column).where(
                DtksRecord.nik.in_(niks[start : start + 500]),
                DtksRecord.deleted_at.is_(None),
                column.is_not(None),
            )
        ):
            found[nik] = min(desil, found.get(nik, desil))
    return found


def eligible_rows(session: Session, list_ids: list[int]):
    """The rows that may enter an SK: LOLOS, or PERLU CEK cleared by the operator; in list and row order. Plain
    values (an SK may be drafted from 100,000 rows), with the linked person's (None when not linked)."""
    return session.execute(
        select(
            Proposal.id, Proposal.nik, Proposal.nik_padan, Proposal.list_id, Proposal.baris,
            Person.id.label("person_id"), Person.nik.label("person_nik"), Person.nama, Person.alamat,
            Person.kode_desa, Person.tgl_lahir,
        )
        .outerjoin(Person, Person.id == Proposal.person_id)
        .where(
            Proposal.list_id.in_(list_ids),
            Proposal.deleted_at.is_(None),
            (Proposal.hasil == Verdict.PASS.value)
            | ((Proposal.hasil == Verdict.CHECK.value) & Proposal.keputusan.in_(CLEARING_DECISIONS)),
        )
        .order_by(Proposal.list_id, Proposal.baris, Proposal.id)
    ).all()  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A row about to enter an SK: its SkPenerima columns, and what the ranking orders it by."""

    values: dict
    tgl_lahir: date | None
    list_id: int
    baris: int


def penerima_from(session: Session, program: Program, list_ids: list[int], nilai: int) -> list[Candidate]:
    rows = eligible_rows(session, list_ids)
    # The NIK the row is named by below: the desil is looked up under the same one.
    niks = [(r.nik_padan or r.person_nik) for r in rows]
    desil = desil_by_nik(session, program, niks)
    out: list[Candidate] = []
    seen: set[int] = set()
    for r in rows:
        if r.person_id is None:  # a LOLOS row is always linked; an unlinked cleared row cannot be named
            continue
        if r.person_id in seen:  # the same person proposed in two lists: named once (the earlier row)
            continue
        seen.add(r.person_id)
        nik = r.nik_padan or r.person_nik
        values = {
            "proposal_id": r.id,
            "person_id": r.person_id,
            "nik": nik,
            "nama": r.nama,
            "alamat": r.alamat,
            "kode_desa": r.kode_desa,
            "nilai": nilai,
            "desil": desil.get(nik),
        }
        out.append(Candidate(values, r.tgl_lahir, r.list_id, r.baris))
    return out


def insert_penerima(
    uow, sk: SkPenetapan, rows: list[dict], progress: Progress, what: str, chunk: int = 10_000
) -> None:
    """Inserts the SK's rows (dicts of SkPenerima columns, `id` included) in one executemany per chunk, with
    what the ORM would add (the columns' defaults, uid, device, times); cancel is looked at between chunks."""
    now = utcnow()
    common = {"sk_id": sk.id, "origin_device": uow.device_id, "created_at": now, "updated_at": now}
    records = [SK_ROW_DEFAULTS | row | common | {"uid": uuid.uuid4()} for row in rows]
    connection = uow.session.connection()
    for start in range(0, len(records), chunk):
        progress.check()
        part = records[start : start + chunk]
        insert_many(connection, SkPenerima.__table__, part, unique=UNIQUE_ROW_COLUMNS)
        record_uids(connection, "sk_penerima", [r["uid"] for r in part])
        report(progress, min(start + chunk, len(records)), len(records), what)


def report(progress: Progress, done: int, total: int, what: str) -> None:
    """Tells the progress of a long SK use case (`what`: a message id, shown in the reader's language); a call
    without a progress to tell translates nothing."""
    if progress is not NO_PROGRESS:
        progress.report(done, total, _(what))


# The ORM's defaults of SkPenerima's columns (db.models), for rows written without it.
SK_ROW_DEFAULTS = {
    "urutan": 0,
    "proposal_id": None,
    "person_id": None,
    "nik": "",
    "nama": "",
    "alamat": "",
    "kode_desa": "",
    "nilai": 0,
    "desil": None,
    "peringkat": None,
    "masuk": True,
    "alasan": "",
    "dipaksa_oleh": "",
    "alasan_rinci": None,
}
UNIQUE_ROW_COLUMNS = ("id", "uid", "alasan_rinci")  # different on every row, or unhashable


def next_penerima_id(session: Session) -> int:
    """The id SQLite would give the next SK row: rows are numbered before they are written, since the ranking
    breaks its last ties by this id."""
    return (session.scalar(select(func.max(SkPenerima.id))) or 0) + 1


# Use cases --------------------------------------------------------------------------------------------------
def draft_sk(
    target,
    user: CurrentUser,
    program_id: int,
    list_ids: list[int],
    *,
    progress: Progress = NO_PROGRESS,
    **fields: object,
) -> SkDetail:
    """A draft SK of the program from its screened lists; the lists become `in_sk`. Header fields default
    to the program's (value, funding source) and to decree text citing Pergub 52/2020; the rows are ranked
    and cut by the program's quotas (`sk_quota.assign_ranking`) before they are written, in chunks. Cancel
    (between chunks) changes nothing."""
    from app.documents.sk_quota import assign_ranking, quota_state, rank_key

    require(user, Permission.SK_DRAFT)
    if not list_ids:
        raise DomainError(N_("Pilih minimal satu daftar usulan yang sudah disaring."))
    with unit_of_work(target).writing(waiting_for_writer(progress)) as uow:
        session = uow.session
        program = program_visible(session, user, program_id)
        lists = [
            list_in_scope(session, user, list_id, Permission.SK_DRAFT) for list_id in dict.fromkeys(list_ids)
        ]
        for proposal_list in lists:
            _require_list_for_sk(proposal_list, program)
        office = session.scalar(select(Office))
        sk = SkPenetapan(
            program_id=program.id,
            tahun=program.tahun,
            sumber_dana=program.sumber_dana,
            nilai_per_penerima=program.nilai_per_penerima,
            instansi=program.opd or (office.kop_baris_2 if office else "") or (office.name if office else ""),
            kode_wilayah=_region_of([pl.kode_wilayah_sumber for pl in lists]),
            status=SkStatus.DRAFT.value,
            asal=SkOrigin.DRAFTED.value,
            created_by=user.username,
            origin_device=uow.device_id,
        )
        sk.judul = default_judul(program)
        apply_fields(sk, dict(fields))
        if "menimbang" not in fields:
            sk.menimbang = "\n".join(default_menimbang(program, sk.instansi, sk.judul))
        if "mengingat" not in fields:
            sk.mengingat = "\n".join(DEFAULT_MENGINGAT)
        session.add(sk)
        session.flush()
        report(progress, 0, 0, N_("Membaca baris yang dapat masuk SK..."))
        candidates = penerima_from(session, program, [pl.id for pl in lists], sk.nilai_per_penerima)
        if not candidates:
            raise DomainError(
                N_(
                    "Daftar {lists} tidak memuat baris LOLOS atau baris PERLU CEK yang sudah diputuskan; tidak "
                    "ada yang dapat masuk SK."
                ),
                lists=", ".join(f'"{pl.nama}"' for pl in lists),
            )
        first_id = next_penerima_id(session)
        rows, keys = [], {}
        for number, candidate in enumerate(candidates):
            row_id = first_id + number
            rows.append(
                candidate.values | {"id": row_id, "dipaksa_oleh": "", "alasan": "", "alasan_rinci": None}
            )
            keys[row_id] = rank_key(
                candidate.values["desil"],
                candidate.tgl_lahir,
                candidate.list_id or 0,
                candidate.baris or 0,
                row_id,
            )
        sk.total_nilai = assign_ranking(rows, keys, quota_state(session, sk))
        rows.sort(key=lambda row: row["id"])  # written in list order, as numbered
        insert_penerima(uow, sk, rows, progress, N_("Menyimpan baris SK..."))
        for proposal_list in lists:
            proposal_list.status = ListStatus.IN_SK.value
            proposal_list.sk_id = sk.id
            proposal_list.updated_at = utcnow()
        session.flush()
        progress.check()
        uow.audit(
            user,
            "sk.draft",
            "sk_penetapan",
            sk.id,
            after=audit_view(sk) | {"lists": [pl.id for pl in lists], "rows": len(rows)},
        )
        detail = _detail(session, sk)
        uow.commit()
        return detail


def _require_list_for_sk(proposal_list: ProposalList, program: Program) -> None:
    if proposal_list.program_id != program.id:
        raise DomainError(
            N_('Daftar usulan "{name}" bukan daftar program {program}.'),
            name=proposal_list.nama,
            program=program.nama,
        )
    if proposal_list.status == ListStatus.IN_SK:
        raise DomainError(
            N_('Daftar usulan "{name}" sudah masuk SK penetapan lain.'), name=proposal_list.nama
        )
    if proposal_list.status != ListStatus.SCREENED:
        raise DomainError(
            N_('Daftar usulan "{name}" belum disaring; saring dulu, baru dapat masuk SK.'),
            name=proposal_list.nama,
        )


def update_sk(target, user: CurrentUser, sk_id: int, **fields: object) -> SkDetail:
    """Changes a draft's header fields; a new value per recipient changes every row's value and the total."""
    from app.documents.sk_quota import rank_rows

    with unit_of_work(target).writing() as uow:
        session = uow.session
        sk = sk_for_change(session, user, sk_id)
        before = audit_view(sk)
        apply_fields(sk, dict(fields))
        if "nilai_per_penerima" in fields:
            session.execute(
                update(SkPenerima)
                .where(SkPenerima.sk_id == sk.id)
                .values(nilai=sk.nilai_per_penerima, updated_at=utcnow())
            )
            rank_rows(session, sk)  # the total follows
        uow.audit(user, "sk.update", "sk_penetapan", sk.id, before=before, after=audit_view(sk))
        detail = _detail(session, sk)
        uow.commit()
        return detail


def delete_sk(target, user: CurrentUser, sk_id: int, reason: str = "") -> None:
    """Deletes a draft (soft delete, with its rows); its lists go back to `screened` and can be used again."""
    with unit_of_work(target).writing() as uow:
        session = uow.session
        sk = sk_for_change(session, user, sk_id)
        now = utcnow()
        released = session.execute(
            update(ProposalList)
            .where(ProposalList.sk_id == sk.id)
            .values(status=ListStatus.SCREENED.value, sk_id=None, updated_at=now)
        ).rowcount
        session.execute(
            update(SkPenerima)
            .where(SkPenerima.sk_id == sk.id, SkPenerima.deleted_at.is_(None))
            .values(deleted_at=now, updated_at=now)
        )
        sk.deleted_at = now
        uow.audit(
            user,
            "sk.delete",
            "sk_penetapan",
            sk.id,
            before=audit_view(sk) | {"lists_released": released},
            after={"reason": reason.strip()} if reason.strip() else None,
        )
        uow.commit()


def list_sks(target, user: CurrentUser, program_id: int | None = None) -> list[SkSummary]:
    """The SKs inside the user's region, newest first; of one program when given."""
    require(user, Permission.SK_DRAFT)
    with unit_of_work(target) as uow:
        session = uow.session
        query = select(SkPenetapan).where(SkPenetapan.deleted_at.is_(None))
        if program_id is not None:
            program_visible(session, user, program_id)
            query = query.where(SkPenetapan.program_id == program_id)
        sks = [
            sk
            for sk in session.scalars(query.order_by(SkPenetapan.tahun.desc(), SkPenetapan.id.desc()))
            if user.covers(sk.kode_wilayah)
        ]
        return summaries(session, sks)


def signatory_defaults(target, user: CurrentUser) -> dict[str, str]:
    """Where and by whom the office's newest SK was signed: a new SK starts from it, because an office's
    decrees are signed by the same Kepala Dinas in the same town until that changes."""
    require(user, Permission.SK_DRAFT)
    with unit_of_work(target) as uow:
        query = (
            select(SkPenetapan)
            .where(SkPenetapan.deleted_at.is_(None), SkPenetapan.penandatangan_nama != "")
            .order_by(SkPenetapan.id.desc())
        )
        for sk in uow.session.scalars(query):
            if user.covers(sk.kode_wilayah):
                return {
                    "tempat": sk.tempat,
                    "instansi": sk.instansi,
                    "penandatangan_nama": sk.penandatangan_nama,
                    "penandatangan_nip": sk.penandatangan_nip,
                    "penandatangan_jabatan": sk.penandatangan_jabatan,
                }
        return {}


def sk_detail(target, user: CurrentUser, sk_id: int) -> SkDetail:
    with unit_of_work(target) as uow:
        return _detail(uow.session, sk_in_scope(uow.session, user, sk_id))


def summaries(session: Session, sks: list[SkPenetapan]) -> list[SkSummary]:
    ids = [sk.id for sk in sks]
    counts: dict[tuple[int, bool], tuple[int, int]] = {}
    if ids:
        for sk_id, masuk, n, total in session.execute(
            select(
                SkPenerima.sk_id, SkPenerima.masuk, func.count(), func.coalesce(func.sum(SkPenerima.nilai), 0)
            )
            .where(SkPenerima.sk_id.in_(ids), SkPenerima.deleted_at.is_(None))
            .group_by(SkPenerima.sk_id, SkPenerima.masuk)
        ):
            counts[(sk_id, bool(masuk))] = (n, total)
    numbers = dict(session.execute(select(SkPenetapan.id, SkPenetapan.nomor)).all())
    amended_by = {
        old: nomor
        for old, nomor in session.execute(
            select(SkPenetapan.mengubah_sk_id, SkPenetapan.nomor).where(
                SkPenetapan.mengubah_sk_id.is_not(None),
                SkPenetapan.status == SkStatus.FINAL.value,
                SkPenetapan.deleted_at.is_(None),
            )
        )
    }
    programs = dict(session.execute(select(Program.id, Program.nama)).all())
    return [
        SkSummary(
            sk.id,
            sk.program_id,
            programs.get(sk.program_id, ""),
            sk.nomor,
            sk.tanggal,
            sk.tahun,
            sk.status,
            sk.asal,
            counts.get((sk.id, True), (0, 0))[0],
            counts.get((sk.id, False), (0, 0))[0],
            sk.total_nilai if sk.status == SkStatus.FINAL else counts.get((sk.id, True), (0, 0))[1],
            sk.kode_wilayah,
            sk.hash_isi,
            sk.mengubah_sk_id,
            numbers.get(sk.mengubah_sk_id, "") if sk.mengubah_sk_id else "",
            amended_by.get(sk.id, ""),
        )
        for sk in sks
    ]


def _detail(session: Session, sk: SkPenetapan) -> SkDetail:
    session.flush()
    list_ids = tuple(
        session.scalars(select(ProposalList.id).where(ProposalList.sk_id == sk.id).order_by(ProposalList.id))
    )
    return SkDetail(
        summaries(session, [sk])[0],
        sk.judul,
        sk.instansi,
        sk.tempat,
        sk.penandatangan_nama,
        sk.penandatangan_nip,
        sk.penandatangan_jabatan,
        tuple(sk.menimbang.splitlines()) if sk.menimbang else (),
        tuple(sk.mengingat.splitlines()) if sk.mengingat else (),
        sk.sumber_dana,
        sk.nilai_per_penerima,
        list_ids,
        sk.final_at,
        sk.final_by,
        sk.created_by,
    )


def audit_view(sk: SkPenetapan) -> dict:
    return {
        "nomor": sk.nomor,
        "tanggal": sk.tanggal,
        "tahun": sk.tahun,
        "judul": sk.judul,
        "instansi": sk.instansi,
        "penandatangan_nama": sk.penandatangan_nama,
        "penandatangan_nip": sk.penandatangan_nip,
        "penandatangan_jabatan": sk.penandatangan_jabatan,
        "nilai_per_penerima": sk.nilai_per_penerima,
        "status": sk.status,
        "program_id": sk.program_id,
    }
