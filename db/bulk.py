"""Bulk loading of extracts: a temporary staging table, a set-based diff against the live table, and the
apply step. Set-based SQL keeps a 1.2-million-row re-import within seconds; the caller owns the transaction.

The staging table lives in an attached scratch database encrypted with a random, never-stored key
(`attach_scratch`), so staged personal data never reaches the disk unencrypted and does not fill the heap.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

SCRATCH = "scratch"
STAGING = f"{SCRATCH}.import_staging"
SCOPE = f"{SCRATCH}.import_scope"
DIFF = f"{SCRATCH}.import_diff"
FAMILY = f"{SCRATCH}.family_staging"
# The record key of a DTKS/DTSEN record made from a family file for a member not listed before: one per member,
# stable while the person keeps the NIK, so a newer family file updates it (even after a move to another KK).
FAMILY_MEMBER_KEY_PREFIX = "KK-"

# A version-4 UUID as 32 hex digits (SQLAlchemy's storage of Uuid on SQLite), made inside SQLite.
UUID_SQL = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2) || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
)


def sequential_uid_prefix() -> str:
    """24 hex digits of a UUIDv7 (RFC 9562): 48-bit milliseconds, version 7, random bits, variant. A staged
    row's uid is this prefix + its staging rowid as 8 hex digits: unique, random across offices, and
    increasing within a load, so the unique index on uid is appended to instead of reshuffled."""
    milliseconds = int(time.time() * 1000)
    rand_a = secrets.randbits(12)
    variant_and_rand = (0b10 << 30) | secrets.randbits(30)  # 8 hex digits: variant bits 10, 30 random bits
    return f"{milliseconds:012x}7{rand_a:03x}{variant_and_rand:08x}"


@dataclass(frozen=True)
class BulkTarget:
    table: str
    key: str
    columns: tuple[str, ...]  # imported value columns, the key included
    nullable_text: frozenset[str] = frozenset()  # '' in staging becomes NULL (dates, numbers)
    integer_columns: frozenset[str] = frozenset()
    region_column: str = "kode_desa"


@dataclass(frozen=True)
class DiffCounts:
    staged: int
    added: int
    changed: int
    returned: int
    gone: int

    @property
    def unchanged(self) -> int:
        return self.staged - self.added - self.changed

    @property
    def nothing_to_do(self) -> bool:
        return not (self.added or self.changed or self.gone)


def timestamp_text(moment: datetime) -> str:
    """The text SQLAlchemy writes for a DateTime on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def create_staging(connection: Connection, target: BulkTarget) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    columns = ", ".join(f"{c} TEXT" for c in target.columns)
    connection.exec_driver_sql(
        f"CREATE TABLE {STAGING} (source TEXT, row_number INTEGER, {columns}, flags TEXT)"
    )


def attach_scratch(dbapi_connection, path: Path) -> None:
    """Attaches an empty scratch database for the staged rows, encrypted with a random key that exists only
    in this process: a million staged rows stay off the heap (an office laptop has 4–8 GB), and what lands
    on disk is unreadable. Must run outside a transaction."""
    key = secrets.token_hex(32)
    dbapi_connection.execute(f"ATTACH DATABASE ? AS {SCRATCH} KEY \"x'{key}'\"", (str(path),))
    dbapi_connection.execute(f"PRAGMA {SCRATCH}.cipher_page_size = 16384")
    # No per-page HMAC: the file lives minutes, under a key nobody else has; confidentiality is what counts.
    dbapi_connection.execute(f"PRAGMA {SCRATCH}.cipher_use_hmac = OFF")
    dbapi_connection.execute(
        f"PRAGMA {SCRATCH}.cache_size = -131072"
    )  # 128 MiB: the diff probes it at random
    dbapi_connection.execute(f"PRAGMA {SCRATCH}.journal_mode = OFF")
    dbapi_connection.execute(f"PRAGMA {SCRATCH}.synchronous = OFF")


def detach_scratch(dbapi_connection, path: Path) -> None:
    try:
        dbapi_connection.execute(f"DETACH DATABASE {SCRATCH}")
    finally:
        Path(path).unlink(missing_ok=True)


def drop_staging(connection: Connection) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SCOPE}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {DIFF}")


def stage_rows(connection: Connection, target: BulkTarget, rows: Iterable[Sequence]) -> None:
    """Rows in the order: source, row_number, *target.columns, flags."""
    rows = list(rows)
    if not rows:  # an empty executemany would run once with no parameters
        return
    marks = ", ".join("?" * (len(target.columns) + 3))
    connection.exec_driver_sql(f"INSERT INTO {STAGING} VALUES ({marks})", rows)


def index_staging(connection: Connection, target: BulkTarget) -> None:
    connection.exec_driver_sql(
        f"CREATE INDEX {SCRATCH}.ix_import_staging_key ON import_staging ({target.key})"
    )


def duplicate_keys(
    connection: Connection, target: BulkTarget, table: str = STAGING, key: str | None = None
) -> list[tuple[str, list[tuple[str, int]]]]:
    """Keys that occur more than once in the file, each with every (source, row) it occurs on. `table` and
    `key`: another staged table (a family file's, keyed by No. KK)."""
    key = key or target.key
    rows = connection.exec_driver_sql(
        f"SELECT s.{key}, s.source, s.row_number FROM {table} s JOIN "
        f"(SELECT {key} AS k FROM {table} GROUP BY {key} HAVING count(*) > 1) d "
        f"ON d.k = s.{key} ORDER BY s.{key}, s.source, s.row_number"
    ).all()
    found: dict[str, list[tuple[str, int]]] = {}
    for key, source, row_number in rows:
        found.setdefault(key, []).append((source, row_number))
    return list(found.items())


def remove_keys(
    connection: Connection, target: BulkTarget, keys: list[str], table: str = STAGING, key: str | None = None
) -> None:
    key = key or target.key
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        connection.exec_driver_sql(
            f"DELETE FROM {table} WHERE {key} IN ({', '.join('?' * len(part))})", tuple(part)
        )


# DTSEN family files ------------------------------------------------------------------------------------------
def create_family_staging(connection: Connection, columns: tuple[str, ...]) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FAMILY}")
    connection.exec_driver_sql(
        f"CREATE TABLE {FAMILY} (source TEXT, row_number INTEGER, "
        f"{', '.join(c + ' TEXT' for c in columns)}, flags TEXT)"
    )


def stage_family_rows(connection: Connection, columns: tuple[str, ...], rows: Iterable[Sequence]) -> None:
    """Rows in the order: source, row_number, *columns, flags."""
    rows = list(rows)
    if rows:
        connection.exec_driver_sql(
            f"INSERT INTO {FAMILY} VALUES ({', '.join('?' * (len(columns) + 3))})", rows
        )
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {SCRATCH}.ix_family_staging_kk ON family_staging (no_kk)"
    )


_REGISTERED_MEMBER = "p.deleted_at IS NULL AND p.missing_since_batch_id IS NULL"


def families_without_members(connection: Connection, region_prefix: str) -> list[tuple[str, int, str, bool]]:
    """Staged families with no registered member living in `region_prefix`, in file order: (source, row, No. KK,
    whether the KK is registered at all — then its members live elsewhere)."""
    return [
        (source, row_number, no_kk, bool(elsewhere))
        for source, row_number, no_kk, elsewhere in connection.exec_driver_sql(
            f"SELECT f.source, f.row_number, f.no_kk, EXISTS (SELECT 1 FROM person p WHERE p.no_kk = f.no_kk "
            f"AND {_REGISTERED_MEMBER}) FROM {FAMILY} f WHERE NOT EXISTS (SELECT 1 FROM person p "
            f"WHERE p.no_kk = f.no_kk AND {_REGISTERED_MEMBER} AND p.kode_desa LIKE ? || '%') "
            "ORDER BY f.source, f.row_number",
            (region_prefix,),
        ).all()
    ]


def expand_families(connection: Connection, target: BulkTarget, region_prefix: str) -> int:
    """Stages one DTKS/DTSEN record per registered member (in `region_prefix`) of every staged family: the
    member's NIK, name, birth date, sex, address and desa from the registry, the desil and program flags from
    the family's row. Returns the records staged."""
    from_family = {"no_kk", "desil", "desil_provinsi", "desil_kabupaten_kota", "programs"}
    values = []
    for column in target.columns:
        if column == target.key:
            # A member already listed (by a member-level extract) keeps that record: the family's desil
            # changes it, with history, instead of adding a second record and marking the first gone.
            values.append(
                f"coalesce((SELECT d.{target.key} FROM {target.table} d WHERE d.nik = p.nik AND d.deleted_at "
                "IS NULL ORDER BY d.missing_since_batch_id IS NOT NULL, d.id DESC LIMIT 1), "
                f"'{FAMILY_MEMBER_KEY_PREFIX}' || p.nik)"
            )
        elif column in from_family:
            values.append(f"f.{column}")
        else:
            values.append(f"coalesce(p.{column}, '')")
    cursor = connection.exec_driver_sql(
        f"INSERT INTO {STAGING} (source, row_number, {', '.join(target.columns)}, flags) "
        f"SELECT f.source, f.row_number, {', '.join(values)}, f.flags FROM {FAMILY} f "
        f"JOIN person p ON p.no_kk = f.no_kk WHERE {_REGISTERED_MEMBER} AND p.kode_desa LIKE ? || '%' "
        "ORDER BY f.source, f.row_number, p.id",
        (region_prefix,),
    )
    return cursor.rowcount


def define_missing_scope(connection: Connection, target: BulkTarget, enabled: bool) -> int:
    """The desa whose records a re-import may mark as gone: those the file covers, or none when the user
    says the file is not a complete extract of its desa (a list of additions). A partial extract (one
    desa) must never make the rest of the kecamatan or kabupaten disappear. Returns the desa covered."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SCOPE}")
    connection.exec_driver_sql(f"CREATE TABLE {SCOPE} (kode_desa TEXT PRIMARY KEY) WITHOUT ROWID")
    connection.exec_driver_sql(
        f"INSERT INTO {SCOPE} SELECT DISTINCT {target.region_column} FROM {STAGING} WHERE ?", (int(enabled),)
    )
    return connection.exec_driver_sql(
        f"SELECT count(DISTINCT {target.region_column}) FROM {STAGING}"
    ).scalar_one()


def _scope_clause(target: BulkTarget, alias: str) -> str:
    # "+" keeps SQLite from walking the kode_desa index: an extract usually covers most of the registry,
    # and one pass over the table in rowid order beats a million index hops.
    return f"+{alias}.{target.region_column} IN (SELECT kode_desa FROM {SCOPE})"


def _gone_clause(target: BulkTarget) -> str:
    return (
        f"t.missing_since_batch_id IS NULL AND t.deleted_at IS NULL AND {_scope_clause(target, 't')} "
        f"AND NOT EXISTS (SELECT 1 FROM {STAGING} s WHERE s.{target.key} = t.{target.key})"
    )


def _bulk_cache(connection: Connection) -> None:
    """A bigger page cache (256 MiB) for the joins and index builds of an import; the importer sets it back."""
    connection.exec_driver_sql("PRAGMA main.cache_size = -262144")


def compute_diff(connection: Connection, target: BulkTarget) -> DiffCounts:
    """Compares the staged rows with the live table once — one pass over the file's rows, one over the desa
    it covers — and keeps the outcome in the scratch database, so that committing changes exactly what the
    preview showed without comparing 1.2 million rows again."""
    table, key = target.table, target.key
    _bulk_cache(connection)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {DIFF}")
    connection.exec_driver_sql(
        f"CREATE TABLE {DIFF} (staged_rowid INTEGER, record_id INTEGER, change TEXT, was_missing INTEGER)"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {DIFF} SELECT s.rowid, t.id, CASE WHEN t.id IS NULL THEN 'baru' "
        f"WHEN {_differs(target)} THEN 'ubah' ELSE 'kembali' END, t.missing_since_batch_id IS NOT NULL "
        f"FROM {STAGING} s LEFT JOIN {table} t ON t.{key} = s.{key} "
        f"WHERE t.id IS NULL OR t.missing_since_batch_id IS NOT NULL OR {_differs(target)}"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {DIFF} SELECT NULL, t.id, 'hilang', 0 FROM {table} t WHERE {_gone_clause(target)}"
    )
    connection.exec_driver_sql(f"CREATE INDEX {SCRATCH}.ix_import_diff_change ON import_diff (change)")
    return diff_counts(connection)


def diff_counts(connection: Connection) -> DiffCounts:
    staged = connection.exec_driver_sql(f"SELECT count(*) FROM {STAGING}").scalar_one()
    counts = dict(connection.exec_driver_sql(f"SELECT change, count(*) FROM {DIFF} GROUP BY change").all())
    returned = connection.exec_driver_sql(f"SELECT count(*) FROM {DIFF} WHERE was_missing").scalar_one()
    return DiffCounts(
        staged,
        counts.get("baru", 0),
        counts.get("ubah", 0) + counts.get("kembali", 0),
        returned,
        counts.get("hilang", 0),
    )


def _value(target: BulkTarget, column: str, alias: str = "s") -> str:
    expression = f"{alias}.{column}"
    if column in target.nullable_text:
        expression = f"NULLIF({expression}, '')"
    if column in target.integer_columns:
        expression = f"CAST({expression} AS INTEGER)"
    return expression


def _differs(target: BulkTarget) -> str:
    """SQL that is true when a staged row differs from the stored one in any imported value (NULL-safe)."""
    return "(" + " OR ".join(f"t.{c} IS NOT {_value(target, c)}" for c in target.columns) + ")"


def _indexes_and_triggers(connection: Connection, table: str) -> list[tuple[str, str, str]]:
    return [
        tuple(row)
        for row in connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        ).all()
    ]


def _history_rows(
    target: BulkTarget, rows: Sequence[Sequence], batch_id: int, now: str, device: str | None
) -> list[tuple]:
    width = len(target.columns)
    history = []
    for row in rows:
        entity_id, old, new = row[0], row[1 : 1 + width], row[1 + width : 1 + 2 * width]
        before, after = {}, {}
        for column, old_value, new_value in zip(target.columns, old, new, strict=True):
            old_text = "" if old_value is None else str(old_value)
            new_text = "" if new_value is None else str(new_value)
            if old_text != new_text:
                before[column], after[column] = old_text, new_text
        history.append(
            (
                uuid.uuid4().hex,
                target.table,
                entity_id,
                batch_id,
                "ubah",
                json.dumps(before),
                json.dumps(after),
                now,
                now,
                device,
            )
        )
    return history


def apply_staged(
    connection: Connection, target: BulkTarget, batch_id: int, now: datetime, device: uuid.UUID | None
) -> DiffCounts:
    """Adds, updates (keeping history), marks gone and brings back what `compute_diff` found, in the
    caller's transaction. Returns what it did."""
    counts = diff_counts(connection)
    _bulk_cache(connection)
    stamp = timestamp_text(now)
    device_hex = device.hex if device else None
    cols, table, key = target.columns, target.table, target.key

    existing = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
    if existing == 0:
        _first_load(connection, target, batch_id, stamp, device_hex)
        if table == "person":  # grouped through the fresh no_kk index: no sort of a million rows
            _upsert_households(connection, stamp, device_hex, f"SELECT {_MEMBER_COLUMNS} FROM person")
        return counts
    if table == "person":
        _upsert_households(connection, stamp, device_hex, _CHANGED_MEMBERS)

    changed_rows = (
        f"(SELECT d.record_id, s.* FROM {DIFF} d JOIN {STAGING} s ON s.rowid = d.staged_rowid "
        "WHERE d.change = 'ubah')"
    )
    # Changed rows: history first (old and new side by side), then the update.
    changed = connection.exec_driver_sql(
        f"SELECT t.id, {', '.join('t.' + c for c in cols)}, {', '.join(_value(target, c) for c in cols)} "
        f"FROM {changed_rows} s JOIN {table} t ON t.id = s.record_id"
    ).all()
    if changed:
        connection.exec_driver_sql(
            _HISTORY_INSERT, _history_rows(target, changed, batch_id, stamp, device_hex)
        )
        assignments = ", ".join(f"{c} = {_value(target, c)}" for c in cols if c != key)
        connection.exec_driver_sql(
            f"UPDATE {table} AS t SET {assignments}, flags = s.flags, last_batch_id = ?, updated_at = ?, "
            f"origin_device = ? FROM {changed_rows} AS s WHERE t.id = s.record_id",
            (batch_id, stamp, device_hex),
        )
    # Back in the extract after being missing from an earlier one.
    _history_of(
        connection,
        table,
        "kembali",
        f"SELECT record_id FROM {DIFF} WHERE was_missing",
        batch_id,
        stamp,
        device_hex,
    )
    connection.exec_driver_sql(
        f"UPDATE {table} SET missing_since_batch_id = NULL, last_batch_id = ?, updated_at = ? "
        f"WHERE id IN (SELECT record_id FROM {DIFF} WHERE was_missing)",
        (batch_id, stamp),
    )
    # Gone: no longer in the extract of their desa. Kept, marked, never deleted.
    connection.exec_driver_sql(
        f"UPDATE {table} SET missing_since_batch_id = ?, updated_at = ? "
        f"WHERE id IN (SELECT record_id FROM {DIFF} WHERE change = 'hilang')",
        (batch_id, stamp),
    )
    _history_of(
        connection,
        table,
        "hilang",
        f"SELECT record_id FROM {DIFF} WHERE change = 'hilang'",
        batch_id,
        stamp,
        device_hex,
    )
    _insert_new(connection, target, batch_id, stamp, device_hex, only_new=True)
    return counts


_HISTORY_INSERT = (
    "INSERT INTO record_history (uid, entity, entity_id, batch_id, change, before, after, created_at, "
    "updated_at, origin_device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _history_of(
    connection: Connection,
    table: str,
    change: str,
    ids_sql: str,
    batch_id: int,
    stamp: str,
    device_hex: str | None,
) -> None:
    connection.exec_driver_sql(
        "INSERT INTO record_history (uid, entity, entity_id, batch_id, change, before, after, created_at, "
        f"updated_at, origin_device) SELECT {UUID_SQL}, ?, id, ?, ?, '{{}}', '{{}}', ?, ?, ? FROM {table} "
        f"WHERE id IN ({ids_sql})",
        (table, batch_id, change, stamp, stamp, device_hex),
    )


def _upsert_households(connection: Connection, stamp: str, device_hex: str | None, members: str) -> None:
    """One household per No. KK, its address taken from the head of the family (SQLite takes the bare
    columns from the row that reaches max()). `members`: the SQL of the member rows to group."""
    connection.exec_driver_sql(
        f"INSERT INTO household (no_kk, alamat, rt, rw, kode_desa, uid, created_at, updated_at, origin_device) "
        f"SELECT no_kk, alamat, rt, rw, kode_desa, {UUID_SQL}, ?, ?, ? FROM ("
        f"SELECT no_kk, alamat, rt, rw, kode_desa, max(hubungan_keluarga = 'KEPALA KELUARGA') "
        f"FROM ({members}) GROUP BY no_kk) WHERE true "
        "ON CONFLICT (no_kk) DO UPDATE SET alamat = excluded.alamat, rt = excluded.rt, rw = excluded.rw, "
        "kode_desa = excluded.kode_desa, updated_at = excluded.updated_at, origin_device = excluded.origin_device "
        "WHERE household.alamat IS NOT excluded.alamat OR household.rt IS NOT excluded.rt "
        "OR household.rw IS NOT excluded.rw OR household.kode_desa IS NOT excluded.kode_desa",
        (stamp, stamp, device_hex),
    )


_MEMBER_COLUMNS = "no_kk, alamat, rt, rw, kode_desa, hubungan_keluarga"
# Re-import: the households of new or changed people only, with all their staged members.
_CHANGED_MEMBERS = (
    f"SELECT {_MEMBER_COLUMNS} FROM {STAGING} WHERE no_kk IN (SELECT s.no_kk FROM {DIFF} d "
    f"JOIN {STAGING} s ON s.rowid = d.staged_rowid WHERE d.change IN ('baru', 'ubah'))"
)


def _insert_new(
    connection: Connection,
    target: BulkTarget,
    batch_id: int,
    stamp: str,
    device_hex: str | None,
    only_new: bool,
) -> None:
    cols = target.columns
    where = (
        f"WHERE s.rowid IN (SELECT staged_rowid FROM {DIFF} WHERE change = 'baru')"
        if only_new
        else "ORDER BY s.rowid"
    )
    # Rows go in file order (a sequential read of the scratch table) with increasing uids: the uid index
    # grows at its right edge.
    connection.exec_driver_sql(
        f"INSERT INTO {target.table} ({', '.join(cols)}, flags, last_batch_id, uid, created_at, "
        f"updated_at, origin_device) SELECT {', '.join(_value(target, c) for c in cols)}, s.flags, "
        f"?, ? || printf('%08x', s.rowid), ?, ?, ? FROM {STAGING} s {where}",
        (batch_id, sequential_uid_prefix(), stamp, stamp, device_hex),
    )


def _first_load(
    connection: Connection, target: BulkTarget, batch_id: int, stamp: str, device_hex: str | None
) -> None:
    """Into an empty table: secondary indexes and triggers are dropped, the rows appended in file order, then
    the indexes rebuilt and the name index built in one pass — several times faster than row by row."""
    kept = {f"ix_{target.table}_uid"}
    saved = [entry for entry in _indexes_and_triggers(connection, target.table) if entry[1] not in kept]
    for kind, name, _sql in saved:
        connection.exec_driver_sql(f"DROP {kind.upper()} {name}")
    _insert_new(connection, target, batch_id, stamp, device_hex, only_new=False)
    for _kind, _name, sql in saved:
        connection.exec_driver_sql(sql)
    if target.table == "person":
        connection.exec_driver_sql("INSERT INTO person_fts(person_fts) VALUES ('rebuild')")
