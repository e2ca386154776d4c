"""Importing realisasi from a bank's or post office's list (CSV or XLSX): inspect → prepare a preview →
commit, with the row-error rules of the other imports.

Each row is checked and reported by file, row and field, in words. Refused rows (no valid NIK, an unreadable
or future date, an unreadable, ambiguous or negative amount, a recipient outside the user's region) are not
imported; flagged rows (served twice, value above the SK's, after the recipient's death, before the SK's
date) are imported and said so — the consistency check lists them with their evidence. A row naming a person
the SK does not name refuses the whole file unless the user asks to keep such rows (they are then recorded
without an SK row, as evidence for the consistency check): the SK is what the aid rests on (Pergub 52/2020
Pasal 6 ayat 2). Nothing is written before `commit`, which is one transaction.

Numbers are read by `app.documents.amounts` (Indonesian and English separators, decided per column).
"JUMLAH" alone is the amount paid when the file has no other value column (a bank's list), and the physical
quantity when it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser, require
from app.documents import amounts
from app.documents.realisasi import (
    RECORD_PERMISSION,
    Saluran,
    SkRef,
    current_realisasi,
    persons_by_nik,
    require_final,
    sk_for_realisasi,
    sk_recipients,
    write_rows,
)
from app.errors import DomainError
from app.formats import format_number
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, waiting_for_writer
from app.office import OfficeDatabase
from app.registry import fields as registry_fields
from app.registry.dates import parse_dates
from app.registry.fields import Field, normalise_header, recognise_fields
from app.registry.importer import sha256_of
from app.registry.issues import RowIssue, Severity
from app.registry.sources import SheetInfo, open_source, shown_text, source_chunks, tables_of
from app.screening.proposal_import import clean_nik
from db.models import AuditEntry, Person, Realisasi, SkPenerima


def _field(name: str, label: str, *variants: str) -> Field:
    return Field(name, label, False, variants)


NIK = _field(
    "nik",
    N_("NIK"),
    *registry_fields.NIK.variants,
    "NIK PENERIMA",
    "NIK KPM",
    "NIK PENERIMA MANFAAT",
    "NO KTP",
    "NOMOR KTP",
)
NAMA = _field(
    "nama",
    N_("Nama"),
    *registry_fields.NAMA.variants,
    "NAMA PENERIMA",
    "NAMA KPM",
    "NAMA PENERIMA MANFAAT",
    "NAMA NASABAH",
    "NAMA REKENING",
)
TANGGAL = _field(
    "tanggal",
    N_("Tanggal salur"),
    "TANGGAL SALUR",
    "TGL SALUR",
    "TANGGAL PENYALURAN",
    "TGL PENYALURAN",
    "TANGGAL REALISASI",
    "TGL REALISASI",
    "TANGGAL TRANSAKSI",
    "TGL TRANSAKSI",
    "TANGGAL BAYAR",
    "TGL BAYAR",
    "TANGGAL PEMBAYARAN",
    "TANGGAL SERAH TERIMA",
    "TANGGAL",
    "TGL",
)
NILAI = _field(
    "nilai",
    N_("Nilai (rupiah)"),
    "NOMINAL",
    "NILAI",
    "NILAI BANTUAN",
    "NOMINAL BANTUAN",
    "JUMLAH BANTUAN",
    "JUMLAH UANG",
    "JUMLAH DIBAYAR",
    "JUMLAH RP",
    "NILAI RP",
    "NOMINAL RP",
    "RUPIAH",
    "JUMLAH",  # only when no other column is the value (see the module's docstring)
)
JUMLAH_FISIK = _field(
    "jumlah_fisik", N_("Jumlah fisik"), "JUMLAH FISIK", "KUANTITAS", "QTY", "VOLUME", "BANYAKNYA", "JUMLAH"
)
SATUAN = _field("satuan", N_("Satuan"), "SATUAN", "UNIT")
SALURAN = _field(
    "saluran", N_("Saluran"), "SALURAN", "MEKANISME", "CARA SALUR", "JALUR SALUR", "MEDIA SALUR", "PENYALUR"
)
REALISASI_FIELDS = (NIK, NAMA, TANGGAL, NILAI, JUMLAH_FISIK, SATUAN, SALURAN)
FIELD_NAMES = tuple(f.name for f in REALISASI_FIELDS)
# The longest text a cell may hold (db.models widths), as app.registry.fields.FIELD_LIMITS does for extracts.
FIELD_LIMITS = {"nama": 200, "satuan": 40, "saluran": 40}

# Words banks, the post office and officers write for a channel.
CHANNEL_WORDS = {
    Saluran.BANK: ("BANK", "TRANSFER", "REKENING", "BNI", "BRI", "MANDIRI", "BSI", "BSG", "BTN", "HIMBARA"),
    Saluran.POS: ("POS", "PT POS", "KANTOR POS", "POS INDONESIA", "WESEL"),
    Saluran.NATURA: ("NATURA", "BARANG", "LANGSUNG", "FISIK", "IN KIND"),
}
_CHANNELS = {word: channel.value for channel, words in CHANNEL_WORDS.items() for word in words}

MESSAGES: dict[str, str] = {
    "nik_salah": N_(
        'NIK "{value}" bukan 16 digit angka, jadi penerimanya tidak dapat dikenali. Perbaiki di berkas lalu '
        "impor ulang."
    ),
    "di_luar_sk": N_(
        "NIK {value} tidak tercantum dalam SK {nomor}. Periksa NIK-nya, atau catat baris ini sebagai "
        "penerima di luar SK untuk diperiksa."
    ),
    "luar_wilayah": N_(
        "Penerima {value} tinggal di wilayah {region}, di luar wilayah kerja Anda ({own}); baris ini tidak "
        "diimpor."
    ),
    "tanggal_kosong": N_("Tanggal salur kosong. Isi tanggalnya (HH-BB-TTTT) lalu impor ulang."),
    "tanggal_tak_terbaca": N_(
        'Tanggal salur "{value}" tidak terbaca (gunakan HH-BB-TTTT, HH/BB/TTTT atau TTTT-BB-HH). Perbaiki '
        "lalu impor ulang."
    ),
    "tanggal_masa_depan": N_("Tanggal salur {value} berada di masa depan. Perbaiki lalu impor ulang."),
    "sebelum_sk": N_("Disalurkan {value}, sebelum tanggal SK ({sk_date}). Baris tetap diimpor."),
    "angka_tak_terbaca": N_(
        'Kolom {column}: "{value}" bukan angka yang dapat dibaca. Tulis seperti 1.500.000 atau 1500000 lalu '
        "impor ulang."
    ),
    "angka_rancu": N_(
        'Kolom {column}: "{value}" bisa berarti ribuan atau pecahan, dan kolom ini tidak menunjukkan '
        "pemisah desimal yang dipakai. Tulis tanpa pemisah ribuan (mis. 1500) atau dengan desimal yang jelas "
        "(mis. 1,5) lalu impor ulang."
    ),
    "angka_negatif": N_('Kolom {column}: "{value}" negatif. Perbaiki lalu impor ulang.'),
    "rupiah_pecahan": N_(
        'Kolom {column}: "{value}" memuat sen; nilai realisasi dicatat dalam rupiah bulat. Perbaiki lalu '
        "impor ulang."
    ),
    "tanpa_nilai": N_(
        "Baris ini tidak berisi nilai (rupiah) maupun jumlah fisik yang diserahkan. Isi salah satunya lalu "
        "impor ulang."
    ),
    "saluran_tak_dikenal": N_(
        'Saluran "{value}" tidak dikenal (gunakan bank, pos atau natura). Perbaiki lalu impor ulang.'
    ),
    "terlalu_panjang": N_(
        "Kolom {column} terlalu panjang: {length} karakter, paling banyak {limit}. Periksa isi kolom itu "
        "lalu impor ulang."
    ),
    "ganda": N_("NIK {value} sudah menerima realisasi SK ini ({earlier}). Baris tetap diimpor."),
    "melebihi_nilai": N_(
        "Nilai {value} melebihi nilai dalam SK untuk penerima ini ({sk_value}). Baris tetap diimpor."
    ),
    "setelah_meninggal": N_(
        "Penerima tercatat meninggal pada {death}, sebelum tanggal salur {value}. Baris tetap diimpor."
    ),
}
DEAD = "meninggal"  # Person.status of someone the registry records as dead
FLAGGING_CODES = frozenset({"sebelum_sk", "ganda", "melebihi_nilai", "setelah_meninggal"})


def message(code: str, **params: object) -> str:
    return _(MESSAGES[code]).format(**params)


def field_labels() -> dict[str, str]:
    return {f.name: _(f.label) for f in REALISASI_FIELDS}


def recognise_realisasi_columns(headers) -> dict[str, str]:
    """Field → the file's header, for the headers recognised (the canonical name or a known variant)."""
    return recognise_fields(REALISASI_FIELDS, headers)


def _rupiah(value: int) -> str:
    return "Rp " + format_number(value)


def _day(value: date) -> str:
    return value.strftime("%d-%m-%Y")


@dataclass(frozen=True)
class RealisasiPlan:
    files: tuple[Path, ...]
    tables: tuple[SheetInfo, ...]
    headers: tuple[str, ...]
    mapping: dict[str, str]


@dataclass(frozen=True)
class RealisasiPreview:
    rows_read: int
    rows_accepted: int
    rows_refused: int
    rows_flagged: int
    outside_sk: int  # rows naming a person the SK does not name
    blank_rows: int
    total_nilai: int  # rupiah of the accepted rows
    issues: tuple[RowIssue, ...]

    @property
    def blocked(self) -> bool:
        """The file names people outside the SK and the user did not ask to keep them: nothing is saved."""
        return any(i.code == "di_luar_sk" and i.severity is Severity.REFUSED for i in self.issues)


@dataclass(frozen=True)
class RealisasiImportResult:
    sk_id: int
    rows: int
    total_nilai: int


@dataclass
class RealisasiImport:
    db: OfficeDatabase
    user: CurrentUser
    sk_id: int
    files: tuple[Path, ...]
    saluran: str = Saluran.BANK.value  # for rows whose file has no channel column
    keep_outside_sk: bool = False
    plan: RealisasiPlan | None = None
    preview: RealisasiPreview | None = None
    _sk: SkRef | None = field(default=None, repr=False)
    _rows: list[dict] = field(default_factory=list, repr=False)
    _sources: list = field(default_factory=list, repr=False)
    _sha256: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        require(self.user, RECORD_PERMISSION)
        self.files = tuple(
            Path(f) for f in ([self.files] if isinstance(self.files, str | Path) else self.files)
        )
        if not self.files:
            raise DomainError(N_("Pilih minimal satu berkas untuk diimpor."))
        self.saluran = Saluran(self.saluran).value
        with self.db.unit_of_work() as uow:
            # Role, SK and region are checked before any file is read.
            self._sk = sk_for_realisasi(uow.session, self.user, self.sk_id)
            require_final(uow.session, self._sk)

    def _refuse_same_file(self, session) -> None:
        earlier = session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == "realisasi.import",
                AuditEntry.entity_ref == str(self._sk.id),
                AuditEntry.after["sha256"].as_string() == self._sha256,
            )
            .order_by(AuditEntry.id)
        ).first()
        if earlier is not None:
            raise DomainError(
                N_(
                    "Berkas {file} sudah pernah diimpor sebagai realisasi SK {nomor} ({date}, oleh {user}). "
                    "Mengimpornya lagi akan mencatat setiap penyaluran dua kali."
                ),
                file=", ".join(p.name for p in self.files),
                nomor=self._sk.nomor,
                date=f"{earlier.at:%d-%m-%Y}",
                user=earlier.username,
            )

    # 1. inspect -----------------------------------------------------------------------------------------
    def inspect(self) -> RealisasiPlan:
        tables: list[SheetInfo] = []
        self._sources = []
        for path in self.files:
            source = open_source(path)
            self._sources.append(source)
            tables.extend(tables_of(source))
        self._sha256 = sha256_of(self.files)
        with self.db.sessions() as session:
            self._refuse_same_file(session)
        headers = tuple(dict.fromkeys(h for t in tables for h in t.headers))
        # NILAI's variants end with "JUMLAH" and come first: alone, it is the amount; beside a value column,
        # JUMLAH_FISIK takes it.
        self.plan = RealisasiPlan(self.files, tuple(tables), headers, recognise_realisasi_columns(headers))
        return self.plan

    # 2. prepare -----------------------------------------------------------------------------------------
    def prepare(
        self, mapping: dict[str, str] | None = None, progress: Progress = NO_PROGRESS
    ) -> RealisasiPreview:
        """Reads and checks every row; writes nothing. `mapping`: field → header, as the user confirmed it."""
        self.preview, self._rows = None, []
        plan = self.plan or self.inspect()
        mapping = {k: v for k, v in (mapping if mapping is not None else plan.mapping).items() if v}
        unknown = sorted(set(mapping) - set(FIELD_NAMES))
        if unknown:
            raise DomainError(N_("Isian realisasi tidak dikenal: {fields}."), fields=", ".join(unknown))
        for table in plan.tables:
            missing = [
                _(spec.label)
                for spec, needed in ((NIK, True), (TANGGAL, True))
                if needed and mapping.get(spec.name) not in table.headers
            ]
            if not (mapping.get("nilai") in table.headers or mapping.get("jumlah_fisik") in table.headers):
                missing.append(_("Nilai (rupiah) atau Jumlah fisik"))
            if missing:
                raise DomainError(
                    N_(
                        "Berkas {file} tidak memiliki kolom {fields}. Kolom di berkas: {headers}. Tambahkan "
                        "kolomnya di berkas, atau pilih kolomnya pada pemetaan kolom."
                    ),
                    file=table.label,
                    fields=", ".join(missing),
                    headers=", ".join(table.headers) or "-",
                )
        self.plan = RealisasiPlan(plan.files, plan.tables, plan.headers, mapping)
        frames = []
        for path, source in zip(self.files, self._sources, strict=True):
            tables = [t for t in plan.tables if t.path == path]
            for chunk in source_chunks(source, tables):
                progress.check()
                frame = chunk.frame
                cells = frame.apply(lambda c: c.astype(str).str.strip())
                filled = (cells != "").any(axis=1).to_numpy()
                canonical = pd.DataFrame(
                    {name: cells[header] for name, header in mapping.items() if header in cells}
                )[filled]
                canonical["_source"] = chunk.sheet.label
                canonical["_row"] = chunk.first_row + np.flatnonzero(filled)
                frames.append((canonical, int((~filled).sum())))
                progress.report(chunk.done, chunk.total, _("Membaca {file}").format(file=chunk.sheet.label))
        whole = pd.concat([f for f, _b in frames], ignore_index=True) if frames else pd.DataFrame()
        blank = sum(b for _f, b in frames)
        progress.report(0, 0, _("Memeriksa baris realisasi..."))
        with self.db.unit_of_work() as uow:
            self._refuse_same_file(uow.session)
            context = _Context.load(uow.session, self.user, self._sk, self.saluran, self.keep_outside_sk)
            rows, issues, refused_places = context.read(whole, progress)
        self._rows = rows
        issues.sort(key=lambda i: (i.source, i.row_number, i.severity != Severity.REFUSED))
        flagged_places = {(i.source, i.row_number) for i in issues if i.severity is Severity.FLAGGED}
        self.preview = RealisasiPreview(
            rows_read=len(whole),
            rows_accepted=len(rows),
            rows_refused=len(refused_places),
            rows_flagged=len(flagged_places - refused_places),
            outside_sk=sum(1 for i in issues if i.code == "di_luar_sk"),
            blank_rows=blank,
            total_nilai=sum(r["nilai"] for r in rows),
            issues=tuple(issues),
        )
        return self.preview

    # 3. commit ------------------------------------------------------------------------------------------
    def commit(self, progress: Progress = NO_PROGRESS) -> RealisasiImportResult:
        if self.preview is None or self.plan is None:
            raise DomainError(N_("Impor belum disiapkan: buat pratinjau dulu."))
        preview = self.preview
        if preview.blocked:
            outside = [i for i in preview.issues if i.code == "di_luar_sk"]
            raise DomainError(
                N_(
                    "Berkas {file} memuat {n} baris penerima yang tidak tercantum dalam SK {nomor} (mis. "
                    "{first}). Tidak ada yang disimpan. Periksa NIK-nya, atau impor dengan pilihan mencatat "
                    "penerima di luar SK untuk diperiksa."
                ),
                file=", ".join(p.name for p in self.files),
                n=format_number(len(outside)),
                nomor=self._sk.nomor,
                first=", ".join(f"{i.source} baris {i.row_number} (NIK {i.value})" for i in outside[:3]),
            )
        if not self._rows:
            raise DomainError(
                N_("Berkas {file} tidak memuat satu pun baris realisasi yang dapat diimpor."),
                file=", ".join(p.name for p in self.files),
            )
        require(self.user, RECORD_PERMISSION)
        with self.db.unit_of_work().writing(waiting_for_writer(progress)) as uow:
            sk = sk_for_realisasi(uow.session, self.user, self.sk_id)
            require_final(uow.session, sk)
            self._refuse_same_file(uow.session)
            progress.report(0, len(self._rows), _("Menyimpan realisasi..."))
            file_names = ", ".join(p.name for p in self.files)
            write_rows(uow, self.user, sk, self._rows, f"{sk.nomor} ({file_names})")
            progress.check()
            uow.audit(
                self.user,
                "realisasi.import",
                "sk_penetapan",
                sk.id,
                after={
                    "file": file_names,
                    "sha256": self._sha256,
                    "rows_read": preview.rows_read,
                    "accepted": preview.rows_accepted,
                    "refused": preview.rows_refused,
                    "flagged": preview.rows_flagged,
                    "mapping": dict(self.plan.mapping),
                },
            )
            uow.commit()
        result = RealisasiImportResult(sk.id, len(self._rows), preview.total_nilai)
        self.close()
        return result

    def close(self) -> None:
        self._rows = []


@dataclass
class _RowProblems:
    source: str
    number: int
    kode_desa: str
    items: list[RowIssue] = field(default_factory=list)

    def add(self, field_name: str, value: object, code: str, **params: object) -> None:
        severity = Severity.FLAGGED if code in FLAGGING_CODES else Severity.REFUSED
        text = str(value)
        self.items.append(
            RowIssue(
                self.source, self.number, field_name, text[:200], code, severity,
                message(code, value=shown_text(text), **params), self.kode_desa,
            )
        )  # fmt: skip


@dataclass
class _Context:
    """What checking the rows needs from the database, read once, and the session it reads the rest with."""

    session: Session
    user: CurrentUser
    sk: SkRef
    saluran: str
    keep_outside: bool
    recipients: dict
    earlier: dict[str, date | None]  # NIK → date of a realisasi already recorded for the SK
    today: date

    @classmethod
    def load(cls, session, user, sk, saluran, keep_outside) -> _Context:
        earlier: dict[str, date | None] = {}
        for nik, day in session.execute(
            select(Realisasi.nik, Realisasi.tanggal).where(Realisasi.sk_id == sk.id, current_realisasi())
        ):
            earlier.setdefault(nik, day)
        return cls(
            session, user, sk, saluran, keep_outside, sk_recipients(session, sk), earlier, date.today()
        )

    def read(self, frame: pd.DataFrame, progress: Progress):
        """(rows to insert, issues, refused places)."""
        issues: list[RowIssue] = []
        refused: set[tuple[str, int]] = set()
        if frame.empty:
            return [], issues, refused
        n = len(frame)

        def column(name: str) -> pd.Series:
            return frame[name].astype(str) if name in frame else pd.Series([""] * n, dtype=object)

        labels = field_labels()
        nik = clean_nik(column("nik"))
        codes, distinct = pd.factorize(column("tanggal").str.strip())
        iso, unreadable, future = parse_dates(pd.Series(distinct, dtype=object), self.today)
        iso, unreadable, future = (
            s.to_numpy()[codes] if len(distinct) else [] for s in (iso, unreadable, future)
        )
        nilai_raw, fisik_raw = column("nilai"), column("jumlah_fisik")
        nilai_read = {v: amounts.read_number(v, None, money=True) for v in set(nilai_raw)}
        convention = amounts.column_convention(fisik_raw)
        fisik_read = {v: amounts.read_number(v, convention, money=False) for v in set(fisik_raw)}
        session = self.session
        outside_niks = {k for k in set(nik) if k not in self.recipients and re.fullmatch(r"\d{16}", k)}
        unlinked = {k for k in set(nik) if k in self.recipients and self.recipients[k].person_id is None}
        people = persons_by_nik(session, outside_niks | unlinked)
        deaths = dead_recipients(session, self.sk.id) | _deaths(session, outside_niks | unlinked)
        seen: dict[str, tuple] = {}
        rows: list[dict] = []
        # Plain lists: a pandas lookup per cell costs more than all the checks of the row.
        sources, numbers = frame["_source"].tolist(), frame["_row"].tolist()
        names, units, channels = (
            column("nama").tolist(),
            column("satuan").tolist(),
            column("saluran").tolist(),
        )
        niks, dates = nik.tolist(), column("tanggal").tolist()
        nilai_cells, fisik_cells = nilai_raw.tolist(), fisik_raw.tolist()
        own = self.user.region_code
        for i in range(n):
            if i % 20_000 == 0:
                progress.check()
            source, number, row_nik = sources[i], int(numbers[i]), niks[i]
            recipient = self.recipients.get(row_nik)
            kode_desa = (recipient.kode_desa if recipient else people.get(row_nik, (0, "", ""))[2]) or (
                self.sk.kode_wilayah if recipient or self.keep_outside else ""
            )
            problems = _RowProblems(source, number, kode_desa)
            issue = problems.add
            for name, text in (("nama", names[i]), ("satuan", units[i]), ("saluran", channels[i])):
                if len(text.strip()) > FIELD_LIMITS[name]:
                    issue(name, text, "terlalu_panjang", column=labels[name], length=len(text.strip()),
                          limit=FIELD_LIMITS[name])  # fmt: skip
            if not re.fullmatch(r"\d{16}", row_nik):
                issue("nik", row_nik, "nik_salah")
            elif recipient is None:
                if not self.keep_outside:
                    issue("nik", row_nik, "di_luar_sk", nomor=self.sk.nomor)
            if kode_desa and not kode_desa.startswith(own):
                issue("nik", row_nik, "luar_wilayah", region=kode_desa, own=own)
            raw_date = dates[i]
            day = None
            if not str(raw_date).strip():
                issue("tanggal", "", "tanggal_kosong")
            elif unreadable[i]:
                issue("tanggal", raw_date, "tanggal_tak_terbaca")
            elif future[i]:
                issue("tanggal", raw_date, "tanggal_masa_depan")
            else:
                day = date.fromisoformat(iso[i])
            nilai = self._number(nilai_read[nilai_cells[i]], "nilai", nilai_cells[i], labels, issue)
            fisik = self._number(fisik_read[fisik_cells[i]], "jumlah_fisik", fisik_cells[i], labels, issue)
            if nilai is not None and nilai != int(nilai):
                issue("nilai", nilai_cells[i], "rupiah_pecahan", column=labels["nilai"])
            if not (nilai or fisik) and not any(x.field in ("nilai", "jumlah_fisik") for x in problems.items):
                issue("nilai", nilai_cells[i], "tanpa_nilai")
            saluran = self.saluran
            if channels[i].strip():
                saluran = _CHANNELS.get(normalise_header(channels[i]))
                if saluran is None:
                    issue("saluran", channels[i], "saluran_tak_dikenal")
            refused_here = any(x.severity is Severity.REFUSED for x in problems.items)
            if not refused_here:
                if day is not None and self.sk.tanggal and day < self.sk.tanggal:
                    issue("tanggal", _day(day), "sebelum_sk", sk_date=_day(self.sk.tanggal))
                before = seen.get(row_nik) or self.earlier.get(row_nik, False)
                if before is not False:
                    earlier = (
                        _("{source} baris {row}").format(source=source, row=before[1])
                        if isinstance(before, tuple)
                        else _("tercatat sebelumnya, {date}").format(date=_day(before) if before else "-")
                    )
                    issue("nik", row_nik, "ganda", earlier=earlier)
                if recipient is not None and nilai and int(nilai) > recipient.nilai:
                    issue("nilai", _rupiah(int(nilai)), "melebihi_nilai", sk_value=_rupiah(recipient.nilai))
                death = deaths.get(row_nik)
                if death is not None and day is not None and death < day:
                    issue("tanggal", _day(day), "setelah_meninggal", death=_day(death))
                seen.setdefault(row_nik, (day, number))
                person_id = recipient.person_id if recipient else None
                rows.append(
                    {
                        "sk_penerima_id": recipient.id if recipient else None,
                        "person_id": person_id or people.get(row_nik, (None,))[0],
                        "nik": row_nik,
                        "nama": (recipient.nama if recipient else "")
                        or names[i].strip()
                        or people.get(row_nik, (0, ""))[1],
                        "kode_desa": kode_desa,
                        "tanggal": day,
                        "jumlah_fisik": float(fisik or 0),
                        "satuan": units[i].strip(),
                        "nilai": int(nilai or 0),
                        "saluran": saluran,
                        "sumber": f"{source} baris {number}"[:300],
                    }
                )
            else:
                refused.add((source, number))
                # A refused row is reported for why it is refused, not for what else it holds.
                problems.items = [x for x in problems.items if x.severity is Severity.REFUSED]
            issues.extend(problems.items)
        return rows, issues, refused

    @staticmethod
    def _number(read: amounts.ReadNumber, name: str, raw: str, labels, issue) -> float | None:
        if read.problem is None:
            return read.value
        code = {
            amounts.NumberProblem.UNREADABLE: "angka_tak_terbaca",
            amounts.NumberProblem.AMBIGUOUS: "angka_rancu",
            amounts.NumberProblem.NEGATIVE: "angka_negatif",
        }[read.problem]
        issue(name, raw, code, column=labels[name])
        return None


def dead_recipients(session, sk_id: int) -> dict[str, date]:
    """The SK's recipients the registry records as dead, with the date: one join, not 100,000 look-ups."""
    return dict(
        session.execute(
            select(Person.nik, Person.tgl_status)
            .join(SkPenerima, SkPenerima.person_id == Person.id)
            .where(SkPenerima.sk_id == sk_id, Person.status == DEAD, Person.tgl_status.is_not(None))
        ).all()
    )


def _deaths(session, niks: set[str]) -> dict[str, date]:
    niks = sorted(k for k in niks if k)
    found: dict[str, date] = {}
    for start in range(0, len(niks), 900):
        found.update(
            session.execute(
                select(Person.nik, Person.tgl_status).where(
                    Person.nik.in_(niks[start : start + 900]),
                    Person.status == DEAD,
                    Person.tgl_status.is_not(None),
                )
            ).all()
        )
    return found
