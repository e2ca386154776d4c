"""Importing a Dukcapil or DTKS/DTSEN extract: inspect → map columns → prepare a preview → commit.

Preparing reads and validates every row into a temporary staging table and computes what would change
(added / changed / gone / refused); it writes nothing to the registry. Committing applies the staged rows,
the import batch, its row issues, the remembered column mapping and the audit entry in ONE transaction:
a cancel, a crash or an error leaves the registry as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.orm import sessionmaker

from app.auth.roles import CurrentUser, Permission, require, scope_prefix
from app.errors import DomainError
from app.formats import format_number
from app.i18n import N_, _
from app.jobs import NO_PROGRESS, Progress, prefetched, waiting_for_writer
from app.office import OfficeDatabase
from app.registry.fields import (
    WELFARE_KINDS,
    ExtractKind,
    fields_of,
    header_signature,
    is_family_file,
    missing_required,
    recognise_columns,
)
from app.registry.sources import SheetInfo, open_source, source_chunks, tables_of
from app.registry.validation import (
    DTKS_COLUMNS,
    FAMILY_COLUMNS,
    PERSON_COLUMNS,
    RowIssue,
    Severity,
    ValidationContext,
    message,
    validate_chunk,
)
from app.scratch import new_scratch_file
from app.uow import UnitOfWork
from db import bulk
from db.models import ColumnMapping, ImportBatch, ImportIssue, Region, utcnow
from sync.changes import record_rows

_DESIL_COLUMNS = frozenset({"desil", "desil_provinsi", "desil_kabupaten_kota"})
_DTKS_TARGET = bulk.BulkTarget(
    "dtks_record",
    "id_dtks",
    DTKS_COLUMNS,
    nullable_text=frozenset({"tgl_lahir"}) | _DESIL_COLUMNS,
    integer_columns=_DESIL_COLUMNS,
)
TARGETS = {
    ExtractKind.DUKCAPIL: bulk.BulkTarget(
        "person", "nik", PERSON_COLUMNS, nullable_text=frozenset({"tgl_lahir", "tgl_status"})
    ),
    ExtractKind.DTKS: _DTKS_TARGET,
    # A family file's rows become the DTKS/DTSEN records of the KK's members (db.bulk.expand_families).
    ExtractKind.DTSEN_KELUARGA: _DTKS_TARGET,
}
SOURCE_LABELS = ("DTKS", "DTSEN")


@dataclass(frozen=True)
class ImportPlan:
    """What inspecting the files found: the tables, their headers and the proposed column mapping."""

    kind: ExtractKind
    files: tuple[Path, ...]
    tables: tuple[SheetInfo, ...]
    headers: tuple[str, ...]
    mapping: dict[str, str]
    remembered: bool
    skipped: tuple[str, ...]  # tables whose headers differ from the first one's

    @property
    def missing(self) -> list[str]:
        return [f.name for f in missing_required(self.kind, self.mapping)]


@dataclass(frozen=True)
class ImportPreview:
    rows_read: int
    added: int
    changed: int
    returned: int
    gone: int
    unchanged: int
    refused_rows: int
    flagged_rows: int
    issues: tuple[RowIssue, ...]
    previous_import_at: datetime | None  # the same files were committed before, at that time
    desa_covered: int
    mark_missing: bool  # people of those desa absent from the file are marked gone

    @property
    def nothing_to_do(self) -> bool:
        return not (self.added or self.changed or self.gone)


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None
    preview: ImportPreview

    @property
    def imported(self) -> bool:
        return self.batch_id is not None


def _registry_version(connection: Connection) -> int:
    """Changes whenever an import is committed (the only writer of the registry tables)."""
    return connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM import_batch").scalar_one()


def _row_tuples(rows, columns: tuple[str, ...]):
    """Row tuples for executemany. Arrow-backed columns convert to Python lists through pyarrow, three times
    faster than pandas' own tolist()."""
    import pyarrow as pa

    lists = []
    for column in columns:
        values = rows[column].array
        arrow = getattr(values, "_pa_array", None)
        if isinstance(arrow, pa.ChunkedArray):
            lists.append(arrow.to_pylist())
        else:
            lists.append(rows[column].tolist())
    return zip(*lists, strict=True)


def sha256_of(paths: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        single = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                single.update(block)
        digest.update(single.digest() if len(paths) > 1 else b"")
        if len(paths) == 1:
            return single.hexdigest()
    return digest.hexdigest()


@dataclass
class RegistryImport:
    db: OfficeDatabase
    user: CurrentUser
    kind: ExtractKind
    files: tuple[Path, ...]
    source_label: str = "DTKS"
    plan: ImportPlan | None = None
    preview: ImportPreview | None = None
    _connection: Connection | None = field(default=None, repr=False)
    _sources: list = field(default_factory=list, repr=False)
    _scratch: Path | None = field(default=None, repr=False)
    _registry_version: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.kind = ExtractKind(self.kind)
        self.files = tuple(Path(f) for f in self.files)
        require(self.user, Permission.REGISTRY_IMPORT, region=self.db.office.region_code)
        if not self.files:
            raise DomainError(N_("Pilih minimal satu berkas untuk diimpor."))
        if self.kind in WELFARE_KINDS and self.source_label not in SOURCE_LABELS:
            raise DomainError(N_("Sumber data kesejahteraan harus DTKS atau DTSEN."))

    @property
    def batch_kind(self) -> str:
        """The kind an import batch is recorded under: a family file is a DTKS/DTSEN import like any other."""
        return ExtractKind.DTKS.value if self.kind in WELFARE_KINDS else self.kind.value

    @property
    def changes_matching(self) -> bool:
        """A Dukcapil import changes the people screening matches against, so their matching index is built
        anew (`prepare_matching_index`); a DTKS or DTSEN import changes only what is known of them."""
        return self.kind is ExtractKind.DUKCAPIL

    def _recognise_layout(self, first: SheetInfo) -> None:
        """A DTKS/DTSEN import of a DTSEN family file (one row per KK) reads it as one; the same file offered
        as a Dukcapil extract is refused with what to do instead."""
        if not is_family_file(list(first.headers)):
            if self.kind is ExtractKind.DTSEN_KELUARGA:  # the same import inspecting another file
                self.kind = ExtractKind.DTKS
            return
        if self.kind is ExtractKind.DUKCAPIL:
            raise DomainError(
                N_(
                    "Berkas {file} adalah berkas keluarga DTSEN (satu baris per KK dengan desil), bukan ekstrak "
                    "Dukcapil. Impor lewat menu Impor DTKS/DTSEN."
                ),
                file=first.label,
            )
        self.kind = ExtractKind.DTSEN_KELUARGA

    # 1. inspect -----------------------------------------------------------------------------------------
    def inspect(self) -> ImportPlan:
        tables: list[SheetInfo] = []
        skipped: list[str] = []
        self._sources = []
        for path in self.files:
            source = open_source(path)
            self._sources.append(source)
            tables.extend(tables_of(source))
        first = tables[0]
        self._recognise_layout(first)
        normal = lambda t: [h.strip().upper() for h in t.headers]  # noqa: E731
        used = [t for t in tables if normal(t) == normal(first)]
        skipped = [t.label for t in tables if normal(t) != normal(first)]
        headers = list(first.headers)
        mapping, remembered = recognise_columns(self.kind, headers), False
        with self.db.sessions() as session:
            saved = session.scalars(
                select(ColumnMapping).where(
                    ColumnMapping.kind == self.kind.value,
                    ColumnMapping.header_signature == header_signature(self.kind, headers),
                )
            ).first()
            if saved is not None:
                mapping = {k: v for k, v in saved.mapping.items() if v in headers}
                remembered = True
        self.plan = ImportPlan(
            self.kind, self.files, tuple(used), tuple(headers), mapping, remembered, tuple(skipped)
        )
        return self.plan

    # 2. prepare -----------------------------------------------------------------------------------------
    def prepare(
        self,
        mapping: dict[str, str] | None = None,
        progress: Progress = NO_PROGRESS,
        mark_missing: bool = True,
    ) -> ImportPreview:
        """Reads, checks and stages every row; computes what committing would change. `mark_missing`: the
        file is a complete extract of the desa it covers, so their people absent from it are marked gone."""
        plan = self.plan or self.inspect()
        mapping = {k: v for k, v in (mapping if mapping is not None else plan.mapping).items() if v}
        unknown = [h for h in mapping.values() if h not in plan.headers]
        if unknown:
            raise DomainError(N_("Kolom {columns} tidak ada di berkas."), columns=", ".join(unknown))
        missing = missing_required(self.kind, mapping)
        if missing:
            raise DomainError(
                N_("Kolom wajib belum dipetakan: {fields}. Kolom di berkas: {headers}."),
                fields=", ".join(_(f.label) for f in missing),
                headers=", ".join(plan.headers),
            )
        self.plan = ImportPlan(
            plan.kind, plan.files, plan.tables, plan.headers, mapping, plan.remembered, plan.skipped
        )
        target = TARGETS[self.kind]
        self._close_connection()
        self._connection = self.db.engine.connect()
        connection = self._connection
        try:
            # In the data folder, not the system temp folder: a killed import's is removed at the next start.
            self._scratch = new_scratch_file("staging-", ".db")
            bulk.attach_scratch(connection.connection.dbapi_connection, self._scratch)
            with self.db.sessions() as session:
                known_desa = frozenset(session.scalars(select(Region.code).where(Region.level == 4)))
            context = ValidationContext(
                self.kind, scope_prefix(self.user, self.db.office.region_code), known_desa
            )
            rename = {header: name for name, header in mapping.items()}
            issues: list[RowIssue] = []
            rows_read = refused = flagged = 0
            family = self.kind is ExtractKind.DTSEN_KELUARGA
            with connection.begin():
                bulk.create_staging(connection, target)
                if family:
                    bulk.create_family_staging(connection, FAMILY_COLUMNS)
                for chunk, checked in prefetched(self._validated_chunks(plan, rename, context), depth=1):
                    progress.check()
                    rows = checked.rows
                    if family:
                        bulk.stage_family_rows(
                            connection,
                            FAMILY_COLUMNS,
                            _row_tuples(rows, ("source", "row_number", *FAMILY_COLUMNS, "flags")),
                        )
                    else:
                        bulk.stage_rows(
                            connection,
                            target,
                            _row_tuples(rows, ("source", "row_number", *target.columns, "flags")),
                        )
                    issues.extend(checked.issues)
                    rows_read += len(chunk.frame)
                    refused += checked.refused_rows
                    flagged += checked.flagged_rows
                    progress.report(
                        chunk.done,
                        chunk.total,
                        _("Membaca dan memeriksa {file}: {rows} baris").format(
                            file=chunk.sheet.label, rows=format_number(rows_read)
                        ),
                    )
                progress.check()
                progress.report(0, 0, _("Membandingkan dengan registri..."))
                if family:
                    refused += self._attach_families(connection, target, context.region_code, issues)
                bulk.index_staging(connection, target)
                refused += self._refuse_duplicate_keys(connection, target, issues)
                desa_covered = bulk.define_missing_scope(connection, target, mark_missing)
                counts = bulk.compute_diff(connection, target)
                self._registry_version = _registry_version(connection)
            with self.db.sessions() as session:
                previous = session.scalars(
                    select(ImportBatch.finished_at)
                    .where(ImportBatch.sha256 == sha256_of(self.files), ImportBatch.kind == self.batch_kind)
                    .order_by(ImportBatch.id.desc())
                ).first()
        except BaseException:
            self.close()
            raise
        issues.sort(key=lambda i: (i.source, i.row_number, i.severity != Severity.REFUSED))
        self.preview = ImportPreview(
            rows_read,
            counts.added,
            counts.changed,
            counts.returned,
            counts.gone,
            counts.unchanged,
            refused,
            flagged,
            tuple(issues),
            previous,
            desa_covered,
            mark_missing,
        )
        return self.preview

    def _validated_chunks(self, plan: ImportPlan, rename: dict[str, str], context: ValidationContext):
        for path, source in zip(self.files, self._sources, strict=True):
            tables = [t for t in plan.tables if t.path == path]
            for chunk in source_chunks(source, tables):
                frame = chunk.frame[[h for h in chunk.frame.columns if h in rename]].rename(columns=rename)
                yield (
                    chunk,
                    validate_chunk(frame, chunk.sheet.label, chunk.first_row, context, chunk.unreadable_in),
                )

    def _refuse_duplicate_keys(
        self,
        connection: Connection,
        target: bulk.BulkTarget,
        issues: list[RowIssue],
        table: str = bulk.STAGING,
        key: str | None = None,
    ) -> int:
        key_field = key or target.key
        duplicates = bulk.duplicate_keys(connection, target, table, key_field)
        label = {"nik": _("NIK"), "no_kk": _("No. KK")}.get(key_field, _("ID DTKS"))
        refused = 0
        for value, places in duplicates:
            text = ", ".join(_("{source} baris {row}").format(source=s, row=r) for s, r in places)
            for source, row in places:
                issues.append(
                    RowIssue(
                        source,
                        row,
                        key_field,
                        value,
                        "kunci_ganda",
                        Severity.REFUSED,
                        message("kunci_ganda", label=label, value=value, places=text),
                    )
                )
                refused += 1
        bulk.remove_keys(connection, target, [value for value, _places in duplicates], table, key_field)
        return refused

    def _attach_families(
        self, connection: Connection, target: bulk.BulkTarget, region: str, issues: list[RowIssue]
    ) -> int:
        """Gives each staged family's desil to its registered members. A KK twice in the file, a KK the
        registry does not hold, and a KK whose members live outside the user's region are refused rows (file,
        row, field), never dropped silently. Returns the family rows refused."""
        refused = self._refuse_duplicate_keys(connection, target, issues, bulk.FAMILY, "no_kk")
        unattached = bulk.families_without_members(connection, region)
        for source, row, no_kk, elsewhere in unattached:
            code = "kk_luar_wilayah" if elsewhere else "kk_tak_terdaftar"
            issues.append(
                RowIssue(
                    source,
                    row,
                    "no_kk",
                    no_kk,
                    code,
                    Severity.REFUSED,
                    message(code, value=no_kk, region=region),
                )
            )
        bulk.expand_families(connection, target, region)
        return refused + len(unattached)

    # 3. commit ------------------------------------------------------------------------------------------
    def commit(self, progress: Progress = NO_PROGRESS) -> ImportResult:
        if self.preview is None or self._connection is None:
            raise DomainError(N_("Impor belum disiapkan: buat pratinjau dulu."))
        require(self.user, Permission.REGISTRY_IMPORT, region=self.db.office.region_code)
        preview, plan, connection = self.preview, self.plan, self._connection
        if preview.nothing_to_do:
            self.close()
            return ImportResult(None, preview)
        target = TARGETS[self.kind]
        now = utcnow()
        try:
            progress.check()
            progress.report(0, 0, _("Menyimpan ke registri..."))
            # The import's own connection, where the staged rows are; its transaction begins IMMEDIATE.
            uow = UnitOfWork(sessionmaker(bind=connection), device_id=self.db.office.device_id)
            with uow.writing(while_waiting=waiting_for_writer(progress)):
                session = uow.session
                session.connection()  # the session's transaction first: begun by it, committed by it
                if _registry_version(connection) != self._registry_version:
                    # Another import was committed since the preview: compare again against what is there now.
                    bulk.compute_diff(connection, target)
                batch = ImportBatch(
                    kind=self.batch_kind,
                    source_label=self.source_label if self.kind in WELFARE_KINDS else "DUKCAPIL",
                    file_name="; ".join(p.name for p in self.files),
                    sha256=sha256_of(self.files),
                    imported_by=self.user.username,
                    started_at=now,
                    rows_read=preview.rows_read,
                    rejected=preview.refused_rows,
                    flagged=preview.flagged_rows,
                    mapping=plan.mapping,
                    region_code=scope_prefix(self.user, self.db.office.region_code),
                    origin_device=self.db.office.device_id,
                )
                session.add(batch)
                session.flush()
                before = _last_ids(connection, target.table)
                counts = bulk.apply_staged(connection, target, batch.id, now, self.db.office.device_id)
                _record_changes(connection, target, batch.id, now, before)
                progress.check()
                batch.added, batch.changed, batch.gone = counts.added, counts.changed, counts.gone
                batch.unchanged = counts.unchanged
                batch.finished_at = utcnow()
                session.add_all(
                    ImportIssue(
                        batch_id=batch.id,
                        file_name=i.source,
                        row_number=i.row_number,
                        field=i.field,
                        value=i.value,
                        code=i.code,
                        severity=i.severity.value,
                        message=i.message,
                        kode_desa=i.kode_desa,
                    )
                    for i in preview.issues
                )
                self._remember_mapping(session, plan)
                uow.audit(
                    self.user,
                    f"import.{self.batch_kind}",
                    "import_batch",
                    batch.id,
                    after={
                        "file": batch.file_name,
                        "sha256": batch.sha256,
                        "rows_read": preview.rows_read,
                        "added": counts.added,
                        "changed": counts.changed,
                        "gone": counts.gone,
                        "refused": preview.refused_rows,
                        "flagged": preview.flagged_rows,
                    },
                )
                session.flush()
                progress.check()
                batch_id = batch.id
                uow.commit()
        finally:
            self.close()
        return ImportResult(batch_id, preview)

    def _remember_mapping(self, session, plan: ImportPlan) -> None:
        signature = header_signature(self.kind, list(plan.headers))
        saved = session.scalars(
            select(ColumnMapping).where(
                ColumnMapping.kind == self.kind.value, ColumnMapping.header_signature == signature
            )
        ).first()
        if saved is None:
            session.add(
                ColumnMapping(kind=self.kind.value, header_signature=signature, mapping=dict(plan.mapping))
            )
        else:
            saved.mapping = dict(plan.mapping)

    # cancel / cleanup -----------------------------------------------------------------------------------
    def _close_connection(self) -> None:
        if self._connection is not None:
            try:
                if self._connection.in_transaction():
                    self._connection.rollback()
                self._connection.exec_driver_sql("PRAGMA cache_size = -65536")  # back to the engine's default
                if self._connection.in_transaction():
                    self._connection.commit()
                if self._scratch is not None:
                    bulk.detach_scratch(self._connection.connection.dbapi_connection, self._scratch)
            finally:
                if self._scratch is not None:
                    self._scratch.unlink(missing_ok=True)
                    self._scratch = None
                self._connection.close()
                self._connection = None

    def close(self) -> None:
        """Drops the staged rows; the registry is untouched. Safe to call more than once."""
        self._close_connection()


def field_labels(kind: ExtractKind) -> dict[str, str]:
    return {f.name: _(f.label) for f in fields_of(kind)}


def _last_ids(connection, table: str) -> tuple[int, int]:
    return connection.exec_driver_sql(
        f"SELECT (SELECT coalesce(max(id), 0) FROM {table}), (SELECT coalesce(max(id), 0) FROM record_history)"
    ).one()


def _record_changes(connection, target, batch_id: int, now, before: tuple[int, int]) -> None:
    """The import's changes, for the sync's outbox in the same transaction (sync/changes.py): new records and
    changed ones whole, gone ones by their mark, the households the import wrote, the history it kept."""
    last_record, last_history = before
    table = target.table
    # Whole records are read when sent (whole_when_read): a first import writes 1.2 million of them.
    record_rows(connection, table, "t.id > ?", (last_record,), whole_when_read=True)
    record_rows(
        connection,
        table,
        f"t.id IN (SELECT record_id FROM {bulk.DIFF} WHERE change IN ('ubah', 'kembali') OR was_missing)",
        whole_when_read=True,
    )
    record_rows(
        connection,
        table,
        f"t.id IN (SELECT record_id FROM {bulk.DIFF} WHERE change = 'hilang')",
        columns=("missing_since_batch_id",),
    )
    if table == "person":
        record_rows(
            connection, "household", "t.updated_at = ?", (bulk.timestamp_text(now),), whole_when_read=True
        )
    record_rows(connection, "record_history", "t.id > ?", (last_history,))
