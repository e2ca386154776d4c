"""One person's page: the Dukcapil record, the household (KK), DTKS/DTSEN status and desil, and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text

from app.auth.roles import CurrentUser, Permission, require_record_in_scope
from app.errors import NotFound
from app.i18n import N_, _
from app.registry.search import PERSON_LIST_COLUMNS, PersonRow, _row
from app.uow import UnitOfWork
from db.bulk import FAMILY_MEMBER_KEY_PREFIX
from db.models import DtksRecord, ImportBatch, Person, RecordHistory, Region

STATUS_LABELS = {"hidup": N_("Hidup"), "meninggal": N_("Meninggal"), "pindah": N_("Pindah")}
SEX_LABELS = {"L": N_("Laki-laki"), "P": N_("Perempuan")}
FLAG_LABELS = {
    "tgl_lahir_beda_nik": N_("Tanggal lahir berbeda dengan NIK"),
    "jk_beda_nik": N_("Jenis kelamin berbeda dengan NIK"),
    "wilayah_nik_lama": N_("Kecamatan penerbit NIK tidak ada lagi dalam daftar Kemendagri"),
    "status_tanpa_tanggal": N_("Status tanpa tanggal"),
}
CHANGE_LABELS = {
    "ubah": N_("Diubah"),
    "hilang": N_("Tidak ada di ekstrak baru"),
    "kembali": N_("Muncul kembali"),
}


@dataclass(frozen=True)
class DtksStatus:
    id_dtks: str
    source: str  # DTKS | DTSEN
    desil: int | None
    programs: dict
    nama: str
    missing: bool
    desil_provinsi: int | None = None
    desil_kabupaten_kota: int | None = None
    # The KK whose DTSEN family row gave this record (the record has no DTKS id of its own), else "".
    from_family_kk: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    change: str
    before: dict
    after: dict
    file_name: str
    by: str


@dataclass(frozen=True)
class PersonDetail:
    person: PersonRow
    tempat_lahir: str
    alamat: str
    rt: str
    rw: str
    tgl_status: date | None
    region_path: list[tuple[str, str]]  # (code, name) from province to desa
    flag_texts: list[str]
    household: list[PersonRow]
    dtks: list[DtksStatus]
    history: list[HistoryEntry]
    last_import: str  # the import that last wrote this record: file (date)


def person_detail(uow: UnitOfWork, user: CurrentUser, person_id: int) -> PersonDetail:
    with uow:
        session = uow.session
        person = session.get(Person, person_id)
        if person is None or person.deleted_at is not None:
            raise NotFound(N_("Data penduduk tidak ditemukan."))
        require_record_in_scope(user, Permission.PERSON_READ, person.kode_desa)
        row = _row(
            session.execute(
                text(f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE p.id = :id"), {"id": person_id}
            ).one()
        )
        members = [
            _row(r)
            for r in session.execute(
                text(
                    f"SELECT {PERSON_LIST_COLUMNS} FROM person p WHERE p.no_kk = :kk AND p.deleted_at IS NULL "
                    "ORDER BY p.hubungan_keluarga != 'KEPALA KELUARGA', p.tgl_lahir"
                ),
                {"kk": person.no_kk},
            )
            if user.covers(r[6])
        ]
        codes = [person.kode_desa[:n] for n in (2, 4, 6, 10)]
        names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
        history_rows = session.scalars(
            select(RecordHistory)
            .where(RecordHistory.entity == "person", RecordHistory.entity_id == person_id)
            .order_by(RecordHistory.id)
        ).all()
        batch_ids = {h.batch_id for h in history_rows if h.batch_id} | {person.last_batch_id} - {None}
        batches = {b.id: b for b in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(batch_ids)))}
        dtks = []
        for record in session.scalars(
            select(DtksRecord).where(DtksRecord.nik == person.nik, DtksRecord.deleted_at.is_(None))
        ):
            batch = session.get(ImportBatch, record.last_batch_id) if record.last_batch_id else None
            dtks.append(
                DtksStatus(
                    record.id_dtks,
                    batch.source_label if batch else "DTKS",
                    record.desil,
                    dict(record.programs or {}),
                    record.nama,
                    record.missing_since_batch_id is not None,
                    record.desil_provinsi,
                    record.desil_kabupaten_kota,
                    record.no_kk if record.id_dtks.startswith(FAMILY_MEMBER_KEY_PREFIX) else "",
                )
            )
        history = [
            HistoryEntry(
                h.created_at,
                h.change,
                h.before or {},
                h.after or {},
                batches[h.batch_id].file_name if h.batch_id in batches else "",
                batches[h.batch_id].imported_by if h.batch_id in batches else "",
            )
            for h in history_rows
        ]
        last_batch = batches.get(person.last_batch_id)
        return PersonDetail(
            person=row,
            tempat_lahir=person.tempat_lahir,
            alamat=person.alamat,
            rt=person.rt,
            rw=person.rw,
            tgl_status=person.tgl_status,
            region_path=[(c, names.get(c, "")) for c in codes],
            flag_texts=[_(FLAG_LABELS.get(code, code)) for code in person.flags.split(";") if code],
            household=members,
            dtks=dtks,
            history=history,
            last_import=(
                f"{last_batch.file_name} ({last_batch.finished_at:%d-%m-%Y})"
                if last_batch and last_batch.finished_at
                else ""
            ),
        )


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def sex_label(jenis_kelamin: str) -> str:
    return _(SEX_LABELS.get(jenis_kelamin, jenis_kelamin))


# The one-letter form of a table column: L/P in Indonesian, M/F in English.
SEX_LETTERS = {"L": N_("L"), "P": N_("P")}


def sex_letter(jenis_kelamin: str) -> str:
    return _(SEX_LETTERS[jenis_kelamin]) if jenis_kelamin in SEX_LETTERS else jenis_kelamin
