"""The registry held in memory for matching: compact columns and three blocking indexes.

Screening looks for each proposed person among 1.2 million registered people. Reading candidates one by one
from the encrypted database would touch a random page per candidate; reading the few columns matching needs
once, in one sequential pass, and keeping them in numpy arrays costs a few seconds and about 300 MB, after
which every lookup is in memory. The index is kept while the registry does not change (`state`), so
re-screening a corrected row is immediate.

Blocking indexes (ways to find candidates without comparing against everybody):
- NIK, sorted: the typed NIK and every NIK one typo away from it (a wrong digit, two digits swapped);
- birth date, sorted: the typed date, its day/month swap, the date written in the NIK;
- name words: every person carrying a given (canonical) word, for the rarer words of the proposed name.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import text

from app.i18n import _
from app.jobs import NO_PROGRESS, Progress, cycle_collection_paused
from app.screening.names import canonical_word, idf_from_counts
from db.engine import WRITE_TRANSACTION

STATUS_CODES = {"hidup": 0, "meninggal": 1, "pindah": 2}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
_CHUNK = 100_000
log = logging.getLogger("ejps.screening")
WORDS_PER_PERSON = 6


def registry_state(connection) -> dict:
    """What identifies the registry's content: people, and the latest import batch of each kind. Every
    change of the registry comes with a new import batch (or, by sync, new person ids)."""
    people = connection.execute(text("SELECT count(*) FROM person")).scalar_one()
    batches = dict(connection.execute(text("SELECT kind, max(id) FROM import_batch GROUP BY kind")).all())
    return {"people": int(people), "batches": {str(k): int(v) for k, v in batches.items()}}


@dataclass
class RegistryIndex:
    state: dict
    ids: np.ndarray  # int64 person.id
    nik: np.ndarray  # int64
    dob: np.ndarray  # int32 yyyymmdd, 0 = unknown
    sex: np.ndarray  # int8 0 L, 1 P, 2 unknown
    desa: np.ndarray  # int64 kode_desa
    name_codes: np.ndarray  # int32: the person's name in unique_names
    unique_names: list[str]
    nik_order: np.ndarray
    nik_sorted: np.ndarray
    dob_order: np.ndarray  # positions ordered by (birth date, desa)
    dob_key: (
        np.ndarray
    )  # birth date (yyyymmdd) * 10^10 + desa, in that order: one date in one region is a slice
    token_codes: dict[str, int]  # canonical word → code
    token_starts: np.ndarray  # CSR over codes → positions in token_people
    token_people: np.ndarray
    # word code * 10^10 + desa of each token_people entry: sorted, so a word's people in one region are
    # one slice found by binary search.
    token_key: np.ndarray
    token_counts: np.ndarray
    # The first WORDS_PER_PERSON word codes of each person's name (-1 = none): word agreement for a whole
    # block of candidates in one numpy operation.
    person_words: np.ndarray
    desa_counts: dict[int, int]
    kec_counts: dict[int, int]
    dob_counts: dict[int, int]

    @property
    def size(self) -> int:
        return len(self.ids)

    def name(self, position: int) -> str:
        return self.unique_names[self.name_codes[position]]

    def idf(self):
        counts = {word: int(self.token_counts[code]) for word, code in self.token_codes.items()}
        return idf_from_counts(counts, max(self.size, 1))

    def position_of_nik(self, niks: np.ndarray) -> np.ndarray:
        """Positions of people with these NIKs (int64), -1 where nobody has it."""
        where = np.searchsorted(self.nik_sorted, niks)
        where = np.minimum(where, len(self.nik_sorted) - 1)
        found = self.nik_sorted[where] == niks if len(self.nik_sorted) else np.zeros(len(niks), bool)
        return np.where(found, self.nik_order[where], -1)

    def born_ranges(self, dobs: np.ndarray, region: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
        """Slices of `dob_order`: the people born on each date, within `region` (a code of `digits` digits)
        where it is not 0, else anywhere."""
        dobs = dobs.astype(np.int64)
        scale = 10 ** (10 - digits)
        low = np.where(region > 0, dobs * 10**10 + region * scale, dobs * 10**10)
        high = np.where(region > 0, dobs * 10**10 + (region + 1) * scale, (dobs + 1) * 10**10)
        return np.searchsorted(self.dob_key, low, "left"), np.searchsorted(self.dob_key, high, "left")

    def word_count(self, word: str) -> int:
        code = self.token_codes.get(word)
        return 0 if code is None else int(self.token_counts[code])


# One row per block of ids: every column of the block as one delimited string. Python builds one object per
# block instead of six per person, which makes reading 1.2M people three times faster. All the aggregates see
# the rows in the same order, so the columns stay aligned (the ids travel with them).
_SELECT_BLOCK = (
    "SELECT count(*), group_concat(id), group_concat(coalesce(CAST(nik AS INTEGER), 0)), "
    "group_concat(coalesce(CAST(replace(tgl_lahir, '-', '') AS INTEGER), 0)), "
    "group_concat(CASE jenis_kelamin WHEN 'L' THEN 0 WHEN 'P' THEN 1 ELSE 2 END), "
    "group_concat(coalesce(CAST(kode_desa AS INTEGER), 0)), group_concat(nama, char(31)) "
    "FROM person WHERE deleted_at IS NULL AND id >= ? AND id < ?"
)
_NUMBER_COLUMNS = (
    ("ids", np.int64),
    ("nik", np.int64),
    ("dob", np.int32),
    ("sex", np.int8),
    ("desa", np.int64),
)


def _read_blocks(engine, starts: list[int], blocks: dict, progress: Progress, counter: list) -> None:
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for start in starts:
            if progress.cancelled():
                return
            blocks[start] = raw.execute(_SELECT_BLOCK, (start, start + _CHUNK)).fetchone()
            counter[0] += blocks[start][0] or 0
            progress.report(counter[0], counter[1], _("Membaca registri untuk pemadanan"))


@cycle_collection_paused()
def load_registry_index(engine, progress: Progress = NO_PROGRESS) -> RegistryIndex:
    """Reads the matching columns of every (not deleted) person and builds the indexes."""
    with engine.connect() as connection:
        state = registry_state(connection)
        low, high = connection.execute(
            text("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM person")
        ).one()
    # Two readers, alternate blocks: SQLite decrypts and aggregates a block without holding the GIL, so a
    # 2-core laptop reads the registry in about half the time.
    starts = list(range(low, high + 1, _CHUNK))
    blocks: dict[int, tuple] = {}
    counter = [0, max(state["people"], 1)]
    helper = threading.Thread(
        target=_read_blocks, args=(engine, starts[1::2], blocks, progress, counter), name="registry-read"
    )
    helper.start()
    try:
        _read_blocks(engine, starts[0::2], blocks, progress, counter)
    finally:
        helper.join()
    progress.check()
    total = counter[1]
    parts: dict[str, list] = {name: [] for name, _ in _NUMBER_COLUMNS}
    names: list[str] = []
    for start in starts:
        count, *columns, block_names = blocks.pop(start)
        if not count:
            continue
        for (name, dtype), column in zip(_NUMBER_COLUMNS, columns, strict=True):
            parts[name].append(np.fromstring(column, dtype=np.int64, sep=",").astype(dtype))
        names.extend(block_names.split("\x1f"))
    arrays = {
        name: (np.concatenate(parts[name]) if parts[name] else np.empty(0, dtype=dtype))
        for name, dtype in _NUMBER_COLUMNS
    }
    progress.report(total, total, _("Menyusun indeks nama"))
    name_codes, unique_names = pd.factorize(pd.Series(names, dtype=object), sort=False)
    del names
    arrays["name_codes"] = name_codes.astype(np.int32)
    unique_names = [str(n) for n in unique_names]
    (
        token_words,
        arrays["token_starts"],
        arrays["token_people"],
        arrays["token_counts"],
        arrays["person_words"],
    ) = _word_index(name_codes, unique_names, arrays["desa"])
    # Positions as int32 (a registry is far below 2**31 people): a quarter less to save after the first
    # screening of an import, and to read back in every later session.
    arrays["nik_order"] = np.argsort(arrays["nik"], kind="stable").astype(np.int32)
    arrays["dob_order"] = np.argsort(_dob_keys(arrays["dob"], arrays["desa"]), kind="stable").astype(np.int32)
    progress.check()
    return _assembled(state, arrays, unique_names, token_words)


def _dob_keys(dob: np.ndarray, desa: np.ndarray) -> np.ndarray:
    return dob.astype(np.int64) * 10**10 + desa


def _assembled(state: dict, arrays: dict[str, np.ndarray], unique_names: list[str], token_words: list[str]):
    """The index from its stored arrays (`SAVED_ARRAYS`): what is cheap to derive is derived, not saved."""
    nik_order, dob_order, desa = arrays["nik_order"], arrays["dob_order"], arrays["desa"]
    desa_values, desa_n = np.unique(desa, return_counts=True)
    kec_values, kec_n = np.unique(desa // 10_000, return_counts=True)
    dob_values, dob_n = np.unique(arrays["dob"], return_counts=True)
    return RegistryIndex(
        state=state,
        nik_sorted=arrays["nik"][nik_order],
        dob_key=_dob_keys(arrays["dob"], desa)[dob_order],
        unique_names=unique_names,
        token_codes={word: code for code, word in enumerate(token_words) if word},
        token_key=_token_keys(arrays["token_starts"], desa[arrays["token_people"]]),
        desa_counts=dict(zip(desa_values.tolist(), desa_n.tolist(), strict=True)),
        kec_counts=dict(zip(kec_values.tolist(), kec_n.tolist(), strict=True)),
        dob_counts=dict(zip(dob_values.tolist(), dob_n.tolist(), strict=True)),
        **arrays,
    )


# ------------------------------------------------------------------------------------------- saved index
SAVED_FORMAT = 1  # raise when the arrays or their meaning change: an older saved index is then rebuilt
SAVED_ARRAYS = (
    "ids", "nik", "dob", "sex", "desa", "name_codes", "nik_order", "dob_order",
    "token_starts", "token_people", "token_counts", "person_words",
)  # fmt: skip
_PART_BYTES = 8 << 20  # blobs of 8 MB: SQLite never holds one huge value in memory twice
_SEPARATOR = "\x1f"  # never in a stored name (the import removes control characters)


def matching_state(state: dict) -> dict:
    """The part of the registry state the index is built from: the people, not the DTKS extract (a new DTKS
    import changes the facts of a screening, which are read fresh each run, not who matches whom)."""
    return {"people": state["people"], "dukcapil": state["batches"].get("dukcapil", 0)}


def save_registry_index(engine, index: RegistryIndex) -> None:
    """Keeps the index in the (encrypted) office database, replacing any earlier one, in one transaction."""
    header = {
        "format": SAVED_FORMAT,
        "registry": matching_state(index.state),
        "arrays": {
            name: [str(getattr(index, name).dtype), list(getattr(index, name).shape)] for name in SAVED_ARRAYS
        },
    }
    words = [""] * len(index.token_counts)
    for word, code in index.token_codes.items():
        words[code] = word

    def blobs():
        # One at a time, and the arrays as views of their own memory: saving adds parts, not a copy of 100 MB.
        for name in SAVED_ARRAYS:
            yield name, memoryview(np.ascontiguousarray(getattr(index, name))).cast("B")
        yield "unique_names", memoryview(_SEPARATOR.join(index.unique_names).encode())
        yield "token_words", memoryview(_SEPARATOR.join(words).encode())
        yield "header", memoryview(json.dumps(header).encode())

    if not index.size:
        return  # nothing to read back: an empty registry is read in no time
    # BEGIN IMMEDIATE: the write lock first, then the check, so an index built from an older registry never
    # replaces the one another session saved for the newer registry meanwhile.
    with engine.connect().execution_options(**WRITE_TRANSACTION) as connection, connection.begin():
        if matching_state(registry_state(connection)) != matching_state(index.state):
            return
        connection.exec_driver_sql("DELETE FROM registry_match_index")
        for name, blob in blobs():
            connection.exec_driver_sql(
                "INSERT INTO registry_match_index (name, part, data) VALUES (?, ?, ?)",
                [
                    (name, i // _PART_BYTES, blob[i : i + _PART_BYTES])
                    for i in range(0, max(len(blob), 1), _PART_BYTES)
                ],
            )


def _saved_bytes(connection, name: str) -> bytes:
    parts = (
        connection.exec_driver_sql(
            "SELECT data FROM registry_match_index WHERE name = ? ORDER BY part", (name,)
        )
        .scalars()
        .all()
    )
    return parts[0] if len(parts) == 1 else b"".join(parts)


@cycle_collection_paused()
def read_saved_index(engine, state: dict) -> RegistryIndex | None:
    """The saved index if it was built from this registry (and by this version of the program), else None.
    A saved index that cannot be read whole is derived data gone bad: it is rebuilt, never in the way."""
    try:
        return _read_saved_index(engine, state)
    except Exception:
        log.warning("indeks pemadanan tersimpan tidak terbaca; disusun ulang", exc_info=True)
        return None


def _read_saved_index(engine, state: dict) -> RegistryIndex | None:
    with engine.connect() as connection:
        header_bytes = _saved_bytes(connection, "header")
        if not header_bytes:
            return None
        header = json.loads(header_bytes)
        if header.get("format") != SAVED_FORMAT or header.get("registry") != matching_state(state):
            return None
        arrays = {}
        for name in SAVED_ARRAYS:
            dtype, shape = header["arrays"][name]
            arrays[name] = np.frombuffer(_saved_bytes(connection, name), dtype=dtype).reshape(shape)
        unique_names = _saved_bytes(connection, "unique_names").decode().split(_SEPARATOR)
        token_words = _saved_bytes(connection, "token_words").decode().split(_SEPARATOR)
    people = len(arrays["ids"])
    if not people:
        unique_names = []
    per_person = ("nik", "dob", "sex", "desa", "name_codes", "nik_order", "dob_order", "person_words")
    if any(len(arrays[name]) != people for name in per_person) or (
        people and int(arrays["name_codes"].max()) >= len(unique_names)
    ):
        raise ValueError("saved matching index is not consistent")
    return _assembled(state, arrays, unique_names, token_words)


def _token_keys(starts: np.ndarray, desa: np.ndarray) -> np.ndarray:
    codes = np.repeat(np.arange(len(starts) - 1, dtype=np.int64), np.diff(starts))
    return codes * 10_000_000_000 + desa


_NOT_LETTERS = re.compile(r"[^A-Z]+")


def _word_index(name_codes: np.ndarray, unique_names: list[str], desa: np.ndarray):
    """Canonical words (in code order) and, per word code, the positions of the people whose name carries
    it (CSR arrays). Words are cut from the distinct names only (a third as many as people) and spread to
    the people by integer arithmetic."""
    if not unique_names:
        empty = np.empty(0, np.int64)
        return (
            [],
            np.zeros(1, np.int64),
            np.empty(0, np.int32),
            empty,
            np.full((len(name_codes), WORDS_PER_PERSON), -1, np.int32),
        )
    spaced = unique_names  # the import stored names upper case and single-spaced
    words_per_name = np.fromiter((n.count(" ") + 1 for n in spaced), np.int64, len(spaced))
    raw_codes, raw_words = pd.factorize(pd.Series(" ".join(spaced).split(" "), dtype=object), sort=False)
    # Canonical form of each distinct written word: letters only, every MUHAMMAD spelling as one.
    canonical = []
    for word in raw_words:
        canonical.append(canonical_word(_NOT_LETTERS.sub("", str(word))))
    canon_codes, canon_words = pd.factorize(pd.Series(canonical, dtype=object), sort=False)
    word_of_name_word = canon_codes[raw_codes]  # per (distinct name, word) in order
    first_word = np.zeros(len(spaced) + 1, np.int64)
    np.cumsum(words_per_name, out=first_word[1:])
    # Spread to people: person p has the words first_word[c] .. first_word[c+1] of its name c.
    per_person = words_per_name[name_codes]
    people = np.repeat(np.arange(len(name_codes), dtype=np.int64), per_person)
    offsets = np.arange(len(people), dtype=np.int64) - np.repeat(
        np.cumsum(per_person) - per_person, per_person
    )
    codes = word_of_name_word[np.repeat(first_word[name_codes], per_person) + offsets]
    person_words = np.full((len(name_codes), WORDS_PER_PERSON), -1, np.int32)
    kept = offsets < WORDS_PER_PERSON
    person_words[people[kept], offsets[kept]] = codes[kept]
    # Within a word, people are ordered by desa: the people of one kabupaten or kecamatan carrying the word
    # are then one contiguous slice (see `people_with_word`).
    order = np.argsort(codes.astype(np.int64) * 10_000_000_000 + desa[people], kind="stable")
    counts = np.bincount(codes, minlength=len(canon_words)).astype(np.int64)
    starts = np.zeros(len(canon_words) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    return [str(w) for w in canon_words], starts, people[order].astype(np.int32), counts, person_words


class RegistryIndexCache:
    """One index per database, kept in memory while the people of the registry stay the same. A new session
    reads the saved copy; when an import changed the people, the first screening rebuilds the index and
    saves it after its own transaction (`save_pending`): writing while the screening's transaction reads
    would leave that transaction unable to write its results."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: RegistryIndex | None = None
        self._key: object = None
        self._unsaved: tuple[object, RegistryIndex] | None = None

    def get(self, key: object, engine, progress: Progress = NO_PROGRESS) -> RegistryIndex:
        with self._lock:
            with engine.connect() as connection:
                state = registry_state(connection)
            index = self._index
            if (
                index is not None
                and self._key == key
                and matching_state(index.state) == matching_state(state)
            ):
                if index.state != state:
                    # A new DTKS extract: the same people, the same arrays, under the new state. A copy, not a
                    # change: a run still working with the old one keeps recording the state it read.
                    index = self._index = replace(index, state=state)
                return index
            self._index = self._unsaved = None  # free the old arrays before reading the new ones
            progress.report(0, 0, _("Membaca indeks pemadanan"))
            index = read_saved_index(engine, state)
            if index is None:
                index = load_registry_index(engine, progress)
                self._unsaved = (engine, index)
            self._index, self._key = index, key
            return index

    def save_pending(self, progress: Progress = NO_PROGRESS) -> bool:
        """Saves an index built in this session, once, outside any other transaction. If it cannot be saved
        (busy, read-only, disk full) this session still has it and the next session builds it again.
        Returns whether the database now holds the index (True also when there was nothing to save)."""
        with self._lock:
            if self._unsaved is None:
                return True
            (engine, index), self._unsaved = self._unsaved, None
            progress.report(0, 0, _("Menyimpan indeks pemadanan"))
            try:
                save_registry_index(engine, index)
            except Exception:
                log.warning("indeks pemadanan tidak tersimpan", exc_info=True)
                return False
            return True

    def clear(self) -> None:
        with self._lock:
            self._index = self._unsaved = None


CACHE = RegistryIndexCache()
