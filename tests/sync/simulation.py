"""A deterministic simulation of many offices syncing through a faulty transport (issue 12), and the oracle that
predicts its conflicts.

Everything random comes from one `random.Random(seed)`: which office works, what it changes, how its bundle
travels (USB or HTTP; duplicated, delayed, reordered, truncated) and how far off its clock is. The oracle keeps its
own log — who changed which fields of which record, having seen the server up to when — and judges each change
when the server takes its bundle, with the rules of issue 12 written out here again (overlapping fields,
delete versus update); it never reads the server's decisions.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from db.models import Household, Person, utcnow
from db.sync_models import ChangeLog, Device, DeviceStream, SyncChange, SyncConflict, SyncState
from sync.bundle import BundleRefused
from sync.entities import PERSON_IDENTITY_FIELDS, entities
from sync.laptop import export_usb, import_usb_answer, prepare_upload, sync_now
from sync.server.exchange import answer_file
from tests.app.documents.conftest import import_people
from tests.factories import household

# ------------------------------------------------------------------------------------------------------ clock
_SHIFTS: dict[int, timedelta] = {}


class ShiftedClock(datetime):
    """`db.models.datetime` during a simulation: `utcnow()` — which stamps `updated_at`, `recorded_at` and a
    bundle's `created_at` — reads the clock of the office working in this thread (the server's thread keeps
    the true time)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + _SHIFTS.get(threading.get_ident(), timedelta(0))


@contextmanager
def clock_of(office: SimOffice) -> Iterator[None]:
    _SHIFTS[threading.get_ident()] = office.clock
    try:
        yield
    finally:
        _SHIFTS.pop(threading.get_ident(), None)


# ---------------------------------------------------------------------------------------------------- offices
@dataclass
class SimOffice:
    name: str
    region: str
    desas: list[str]  # one per import: a fresh desa each time, so no import marks another's people missing
    db: object
    user: object
    folder: Path
    clock: timedelta
    index: int
    households: int = 0  # household numbers used so far (NIKs are unique within the office's kecamatan)
    imports: int = 0
    values: int = 0  # a counter that makes every value this office writes unique

    @property
    def device(self) -> uuid.UUID:
        return self.db.office.device_id

    def value(self) -> str:
        self.values += 1
        return f"{self.name}#{self.values}"


# What an edit may change: identity and other fields of a person, a household's address. Every value written is
# unique, so that no change meets another with the same value (which the server would take as no change).
PERSON_FIELDS = ("nama", "tgl_lahir", "alamat", "tempat_lahir", "hubungan_keluarga")
HOUSEHOLD_FIELDS = ("alamat",)
MODELS = {"person": Person, "household": Household}
# What orders records in a run-independent way (the test made them from these): a pick by the seed goes by these.
STABLE_KEYS = {
    "person": lambda m: (m.nik, m.no_kk, m.kode_desa),
    "household": lambda m: (m.no_kk, m.kode_desa),
}


def _new_value(office: SimOffice, name: str):
    text = office.value()
    if name == "tgl_lahir":
        return date(1940, 1, 1) + timedelta(days=office.index * 20_000 + office.values)
    return text


# ------------------------------------------------------------------------------------------------------ oracle
DELETE = "delete"
UPSERT = "upsert"


@dataclass(frozen=True)
class Edit:
    """One change as the test made it: which record, which fields (None: a new record, all of them), upsert or
    delete, and how much of the server the office had seen (the oracle's time of its last down bundle)."""

    key: tuple[str, str]  # (entity, uid hex)
    op: str
    fields: frozenset[str] | None
    seen: int


@dataclass
class Entry:
    time: int
    device: uuid.UUID
    op: str
    fields: frozenset[str] | None  # None: the whole record


@dataclass
class Oracle:
    """Predicts, from the test's own log, which changes the server stores as conflicts (and of which kind) and
    which it writes to its change log."""

    time: int = 0  # the server's time: one tick per bundle it applies
    log: dict[uuid.UUID, dict[int, Edit]] = field(default_factory=lambda: defaultdict(dict))
    history: dict[tuple[str, str], list[Entry]] = field(default_factory=lambda: defaultdict(list))
    deleted: set[tuple[str, str]] = field(default_factory=set)
    conflicts: dict[tuple[uuid.UUID, int], str] = field(default_factory=dict)  # (device, seq) → kind
    written: set[tuple[uuid.UUID, int]] = field(default_factory=set)
    closed: bool = False  # after the conflicts were checked: their resolutions are not judged

    def bundle_applied(self, device: uuid.UUID, first: int, last: int) -> None:
        """The server took the office's changes `first`..`last` (one bundle)."""
        self.time += 1
        if self.closed:
            return
        edits = [(seq, self.log[device][seq]) for seq in range(first, last + 1)]
        whole = {edit.key for _seq, edit in edits if edit.fields is None}
        # A registry import's new record travels as it is when its bundle is made (its change keeps no copy of
        # the fields): it arrives with the values of the office's later edits in the same bundle. Each of those
        # edits then changes something only where it set a value other than the last one of its fields.
        final = {
            (edit.key, name): seq
            for seq, edit in edits
            if edit.key in whole and edit.fields and edit.op == UPSERT
            for name in edit.fields
        }
        current: dict[tuple[tuple[str, str], str], int] = {}  # the seq whose value a field holds; 0: the last
        for seq, edit in edits:
            if edit.key in whole and edit.op == UPSERT and edit.fields is not None:
                differing = set()
                for name in edit.fields:
                    value = 0 if final[edit.key, name] == seq else seq
                    if current.get((edit.key, name), 0) != value:
                        differing.add(name)
                    current[edit.key, name] = value
                if differing:
                    self._write(device, seq, edit, frozenset(differing))
                continue
            self._judge(device, seq, edit)

    def _judge(self, device: uuid.UUID, seq: int, edit: Edit) -> None:
        history = self.history[edit.key]
        if edit.fields is None or not history:  # a new record
            self._write(device, seq, edit, edit.fields)
            return
        unseen = [e for e in history if e.time > edit.seen and e.device != device]
        unseen_fields: set[str] = set()
        for e in unseen:
            unseen_fields |= set(e.fields) if e.fields is not None else {"*"}
        unseen_delete = any(e.op == DELETE for e in unseen)
        if edit.op == DELETE:
            if edit.key in self.deleted:
                return  # deleted already: nothing to do
            if unseen_fields:
                self.conflicts[device, seq] = "delete_update"
                return
            self._write(device, seq, edit, frozenset())
            return
        if edit.key in self.deleted and unseen_delete:
            self.conflicts[device, seq] = "delete_update"
            return
        if "*" in unseen_fields:
            overlapping = set(edit.fields)
        else:
            overlapping = set(edit.fields) & unseen_fields
        if overlapping:
            kind = "identity" if edit.key[0] == "person" and overlapping & PERSON_IDENTITY_FIELDS else None
            self.conflicts[device, seq] = kind or "concurrent_edit"
            rest = frozenset(edit.fields - overlapping)
            if rest:
                self._write(device, seq, edit, rest)
            return
        self._write(device, seq, edit, edit.fields)

    def _write(self, device: uuid.UUID, seq: int, edit: Edit, fields) -> None:
        self.written.add((device, seq))
        self.history[edit.key].append(Entry(self.time, device, edit.op, fields))
        if edit.op == DELETE:
            self.deleted.add(edit.key)
        else:
            self.deleted.discard(edit.key)


# ------------------------------------------------------------------------------------------------------- work
def _outbox_since(office: SimOffice, after: int) -> list[tuple[int, str, str, str, frozenset[str] | None]]:
    """The office's changes after `after`: seq, entity, uid, op and the fields (None: the whole record)."""
    with office.db.unit_of_work() as uow:
        return [
            (seq, entity, uid.hex, op, None if fields is None else frozenset(fields))
            for seq, entity, uid, op, fields in uow.session.execute(
                select(SyncChange.seq, SyncChange.entity, SyncChange.uid, SyncChange.op, SyncChange.fields)
                .where(SyncChange.seq > after)
                .order_by(SyncChange.seq)
            )
        ]


def last_seq(office: SimOffice) -> int:
    with office.db.unit_of_work() as uow:
        return uow.session.scalar(select(SyncChange.seq).order_by(SyncChange.seq.desc()).limit(1)) or 0


@dataclass
class Simulation:
    rng: random.Random
    server: object
    offices: list[SimOffice]
    url: str = ""
    oracle: Oracle = field(default_factory=Oracle)
    seen: dict[uuid.UUID, int] = field(default_factory=dict)  # office → oracle time of its last down bundle
    held: list[tuple[int, str, SimOffice, bytes, int]] = field(default_factory=list)  # (round, kind, …)
    round: int = 0
    faults: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    actions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for office in self.offices:  # what the office wrote while it was set up (a login's audit line)
            self._log_new(office, 0)

    def _log_new(self, office: SimOffice, before: int) -> None:
        # A registry import's records: new ones whole, and its batch's closing figures.
        for seq, entity, uid_hex, op, fields in _outbox_since(office, before):
            self.oracle.log[office.device][seq] = Edit((entity, uid_hex), op, fields, self._seen(office))

    # ----------------------------------------------------------------------------------------- the office
    def register(self, office: SimOffice, households: int) -> None:
        """A Dukcapil extract of a fresh desa, through the registry import (the app's bulk path)."""
        desa = office.desas[office.imports]
        office.imports += 1
        start = office.households
        office.households += households
        records = [p for i in range(start, start + households) for p in household(i, desa)]
        folder = office.folder / f"import-{office.imports}"
        folder.mkdir(parents=True, exist_ok=True)
        before = last_seq(office)
        with clock_of(office):
            import_people(office.db, office.user, folder, records)
        self._log_new(office, before)

    def _seen(self, office: SimOffice) -> int:
        return self.seen.get(office.device, 0)

    def live_records(self, office: SimOffice, entity: str, desas: list[str] | None = None) -> list[str]:
        """The uids of the office's live records, in the order of their stable keys (a uid is random: a pick
        from a list in uid order would not be the same pick in the next run of the seed)."""
        model = MODELS[entity]
        query = select(model.uid).where(model.deleted_at.is_(None))
        if desas is not None:
            query = query.where(model.kode_desa.in_(desas))
        query = query.order_by(*STABLE_KEYS[entity](model))
        with office.db.unit_of_work() as uow:
            return [u.hex for u in uow.session.scalars(query)]

    def note(self, *action) -> None:
        """The simulation's own log of what it did, by stable keys: equal across runs of one seed."""
        self.actions.append(" ".join(str(a) for a in action))

    def fault(self, office: SimOffice, what: str) -> None:
        self.faults[what] += 1
        self.note(office.name, what)

    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.actions).encode()).hexdigest()

    def stable_key(self, office: SimOffice, entity: str, uid_hex: str) -> str:
        model = MODELS[entity]
        with office.db.unit_of_work() as uow:
            row = uow.session.execute(
                select(*STABLE_KEYS[entity](model)).where(model.uid == uuid.UUID(uid_hex))
            ).one()
        return "/".join(str(v) for v in row)

    def edit(self, office: SimOffice, picks: list[tuple[str, str, tuple[str, ...] | None]]) -> None:
        """Edits records through the ORM (the GUI's path, captured by the unit of work): (entity, uid hex,
        fields to change — None: delete it), each record once, in one transaction."""
        before = last_seq(office)
        wanted = {}
        with clock_of(office), office.db.unit_of_work().writing() as uow:
            records = {}
            for entity, model in MODELS.items():
                uids = [uuid.UUID(u) for e, u, _n in picks if e == entity]
                for record in uow.session.scalars(select(model).where(model.uid.in_(uids))):
                    records[entity, record.uid.hex] = record
            for entity, uid_hex, names in picks:
                record = records[entity, uid_hex]
                if names is None:
                    record.deleted_at = utcnow()
                else:
                    for name in names:
                        setattr(record, name, _new_value(office, name))
                wanted[entity, uid_hex] = names
            uow.commit()
        made = _outbox_since(office, before)
        assert len(made) == len(picks), (len(made), len(picks))
        for seq, entity, uid_hex, op, _fields in made:
            names = wanted[entity, uid_hex]
            assert op == (DELETE if names is None else UPSERT)
            fields = frozenset() if names is None else frozenset(names)
            self.oracle.log[office.device][seq] = Edit((entity, uid_hex), op, fields, self._seen(office))

    def work(self, office: SimOffice, edits: int, hot: dict[str, list[str]]) -> None:
        """`edits` edits and deletions of records this office holds: mostly of the people it registered, some of
        the region's others, some of the region's few hot records (which every office of the region edits)."""
        own = self.live_records(office, "person", office.desas[: office.imports])
        persons = self.live_records(office, "person")
        households = self.live_records(office, "household")
        held = set(persons)
        hot_persons = [u for u in hot.get(office.region, []) if u in held]
        chosen: dict[tuple[str, str], tuple[str, ...] | None] = {}
        for _attempt in range(edits * 3):
            if len(chosen) == edits:
                break
            roll = self.rng.random()
            if roll < 0.05 and households:
                key = ("household", self.rng.choice(households))
                names: tuple[str, ...] | None = HOUSEHOLD_FIELDS
            else:
                roll = self.rng.random()
                pool = hot_persons if roll < 0.03 else persons if roll < 0.13 else own
                if not pool:
                    continue
                key = ("person", self.rng.choice(pool))
                if self.rng.random() < 0.03:
                    names = None
                else:
                    names = tuple(self.rng.sample(PERSON_FIELDS, self.rng.randint(1, 2)))
            chosen.setdefault(key, names)
        for (entity, uid_hex), names in chosen.items():
            self.note(office.name, "edit", entity, self.stable_key(office, entity, uid_hex), names)
        self.edit(office, [(entity, uid_hex, names) for (entity, uid_hex), names in chosen.items()])

    # -------------------------------------------------------------------------------------------- transport
    def up_seq(self, office: SimOffice) -> int:
        with self.server.unit_of_work() as uow:
            device = uow.session.scalars(select(Device).where(Device.uuid == office.device)).one()
            stream = uow.session.get(DeviceStream, device.id)
            return stream.up_seq if stream is not None else 0

    def _pulled(self, office: SimOffice) -> int:
        with office.db.unit_of_work() as uow:
            return uow.session.get(SyncState, 1).pulled_upto

    def _server_step(self, office: SimOffice, before: int) -> None:
        """The oracle learns that the server took a bundle of the office's (its up cursor moved)."""
        after = self.up_seq(office)
        if after != before:
            assert after > before
            self.oracle.bundle_applied(office.device, before + 1, after)

    def sync(self, office: SimOffice, *, clean: bool = False) -> None:
        if self.url and self.rng.random() < 0.4:
            self.note(office.name, "http", clean)
            self._http(office, clean)
        else:
            self.note(office.name, "usb", clean)
            self._usb(office, clean)

    def _http(self, office: SimOffice, clean: bool) -> None:
        before, pulled = self.up_seq(office), self._pulled(office)
        if not clean and self.rng.random() < 0.15:
            # The receipt is lost on the way back: the server took the bundle, the laptop does not know it and
            # sends the same bytes again next time.
            from sync.client import SyncClient
            from sync.keys import device_keys
            from sync.request_signing import RequestSigner

            with clock_of(office):
                outgoing = prepare_upload(office.db, office.user)
            if outgoing is not None:
                with office.db.unit_of_work() as uow:
                    signing = device_keys(uow.session).signing
                with SyncClient(self.url, signer=RequestSigner(office.device, signing)) as client:
                    client.upload(outgoing.bundle_id, outgoing.data)
                self.fault(office, "receipt lost")
            self._server_step(office, before)
            return
        with clock_of(office):
            sync_now(office.db, office.user, server_url=self.url)
        self._server_step(office, before)
        if self._pulled(office) != pulled:
            self.seen[office.device] = self.oracle.time
        self.fault(office, "http")

    def _usb(self, office: SimOffice, clean: bool) -> None:
        path = office.folder / f"usb-{self.round}-{self.rng.randrange(10**9)}.ejps"
        with clock_of(office):
            export_usb(office.db, office.user, path)
        data = path.read_bytes()
        path.unlink()
        self.fault(office, "usb")
        roll = 1.0 if clean else self.rng.random()
        if roll < 0.1:
            self._truncated_to_server(office, data)
            return
        if roll < 0.2:
            self.held.append((self.round + self.rng.randint(1, 3), "request", office, data, 0))
            self.fault(office, "request delayed")
            return
        if roll < 0.3:
            # The same file taken to the server twice: now, and again rounds later (after newer ones).
            self.held.append((self.round + self.rng.randint(1, 3), "request", office, data, 0))
            self.fault(office, "request duplicated")
        self.deliver(office, data, clean)

    def _truncated_to_server(self, office: SimOffice, data: bytes) -> None:
        before = self.up_seq(office)
        cut = data[: self.rng.randrange(1, len(data))]
        file = office.folder / "cut.ejps"
        file.write_bytes(cut)
        try:
            with self.server.unit_of_work().writing() as uow:
                answer_file(uow, file, office.folder / "cut.answer")
        except BundleRefused as error:
            assert error.code in ("truncated", "not_a_bundle"), error.code
        else:
            raise AssertionError("a truncated USB file was accepted")
        assert self.up_seq(office) == before
        self.fault(office, "request truncated")

    def deliver(self, office: SimOffice, data: bytes, clean: bool = False) -> None:
        """The server imports the office's USB file and writes the answer, which travels back."""
        before = self.up_seq(office)
        file = office.folder / "request.ejps"
        file.write_bytes(data)
        answer = office.folder / "server.answer"
        with self.server.unit_of_work().writing() as uow:
            answer_file(uow, file, answer)
        self._server_step(office, before)
        built = self.oracle.time
        answer_bytes = answer.read_bytes()
        roll = 1.0 if clean else self.rng.random()
        if roll < 0.08:
            self._truncated_to_office(office, answer_bytes)
        elif roll < 0.2:
            self.held.append((self.round + self.rng.randint(1, 3), "answer", office, answer_bytes, built))
            self.fault(office, "answer delayed")
        else:
            if roll < 0.28:
                self.held.append((self.round + self.rng.randint(1, 3), "answer", office, answer_bytes, built))
                self.fault(office, "answer duplicated")
            self.import_answer(office, answer_bytes, built)

    def _truncated_to_office(self, office: SimOffice, answer: bytes) -> None:
        pulled = self._pulled(office)
        file = office.folder / "cut.answer"
        file.write_bytes(answer[: self.rng.randrange(1, len(answer))])
        try:
            with clock_of(office):
                import_usb_answer(office.db, office.user, file)
        except BundleRefused as error:
            assert error.code in ("truncated", "not_a_bundle"), error.code
        else:
            raise AssertionError("a truncated answer file was accepted")
        assert self._pulled(office) == pulled
        self.fault(office, "answer truncated")

    def import_answer(self, office: SimOffice, answer: bytes, built: int) -> None:
        pulled = self._pulled(office)
        file = office.folder / "office.answer"
        file.write_bytes(answer)
        try:
            with clock_of(office):
                import_usb_answer(office.db, office.user, file)
        except BundleRefused as error:
            # An answer that arrives after a newer one: its down bundle is behind the office's cursor.
            assert error.code in ("replay", "older"), error.code
            self.fault(office, f"answer refused: {error.code}")
        if self._pulled(office) != pulled:
            self.seen[office.device] = max(self._seen(office), built)

    def release_held(self, everything: bool = False) -> None:
        due = [h for h in self.held if everything or h[0] <= self.round]
        self.held = [h for h in self.held if h not in due]
        for when, kind, office, data, built in due:
            self.note(office.name, "released", kind, when, built)
            if kind == "request":
                self.deliver(office, data)
            else:
                self.import_answer(office, data, built)

    def resolve_all(self) -> None:
        """Each office resolves the conflicts its changes caused: keeping the server's values or its own, as the
        seed says."""
        from sync.laptop import open_conflicts, resolve_conflict

        self.oracle.closed = True

        for office in self.offices:
            with clock_of(office):
                conflicts = [c for c in open_conflicts(office.db, office.user) if c["own"]]
                keyed = [
                    (self.stable_key(office, c["entity"], uuid.UUID(c["uid"]).hex), c["kind"], index, c)
                    for index, c in enumerate(conflicts)
                ]
                for key, kind, _index, conflict in sorted(keyed, key=lambda k: k[:3]):
                    choice = self.rng.choice(("theirs", "mine"))
                    self.note(office.name, "resolve", conflict["entity"], key)
                    resolve_conflict(office.db, office.user, conflict["conflict_uid"], choice)
                    self.fault(office, f"resolved: {kind}, {choice}")

    # ------------------------------------------------------------------------------------------ what's held
    def server_conflicts(self) -> dict[tuple[uuid.UUID, int], str]:
        with self.server.unit_of_work() as uow:
            return {(row.device, row.seq): row.kind for row in uow.session.scalars(select(SyncConflict))}

    def server_log(self) -> list[tuple[uuid.UUID, int]]:
        with self.server.unit_of_work() as uow:
            return [tuple(r) for r in uow.session.execute(select(ChangeLog.device, ChangeLog.seq))]


def people_of(db, region: str | None = None) -> dict[str, tuple]:
    """uid → the plain values of every live person and household of a copy (of `region` only, on the server):
    read through the models, not through the sync code."""
    found = {}
    with db.unit_of_work() as uow:
        for model, columns in (
            (Person, ("nik", "no_kk", "nama", "tgl_lahir", "jenis_kelamin", "alamat", "tempat_lahir",
                      "hubungan_keluarga", "kode_desa")),
            (Household, ("no_kk", "alamat", "rt", "rw", "kode_desa")),
        ):  # fmt: skip
            query = select(model).where(model.deleted_at.is_(None))
            if region is not None:
                query = query.where(model.kode_desa.startswith(region))
            for record in uow.session.scalars(query):
                found[f"{model.__tablename__}:{record.uid.hex}"] = tuple(
                    str(getattr(record, c)) for c in columns
                )
    return found


__all__ = ["Oracle", "ShiftedClock", "SimOffice", "Simulation", "entities", "people_of"]


# ------------------------------------------------------------------------------------------------- the setup
# Ten offices: five of Kab. Gorontalo (7501), five of Kab. Boalemo (7502), each in a kecamatan of its own.
OFFICE_KECAMATAN = (
    "750101",
    "750102",
    "750103",
    "750104",
    "750105",
    "750201",
    "750202",
    "750203",
    "750204",
    "750205",
)


def _desas(kecamatan: str, count: int) -> list[str]:
    from app.regions import province_regions

    return [r.code for r in province_regions() if r.level == 4 and r.code.startswith(kecamatan)][:count]


_USERS: dict[Path, object] = {}


def make_offices(
    rng: random.Random,
    templates: dict[str, Path],
    folder: Path,
    server,
    province_admin,
    imports: int,
    kecamatans: tuple[str, ...] = OFFICE_KECAMATAN,
) -> list[SimOffice]:
    """The offices, each a copy of its kabupaten's template office under a device id and keys of its own,
    enrolled on the server and approved; their clocks off by up to two weeks either way."""
    from sqlalchemy import delete, update

    from app.auth.users import login
    from db.models import Office
    from db.sync_models import DeviceKey
    from sync.keys import device_keys
    from sync.laptop import remember_server
    from sync.server.database import server_keys
    from sync.server.devices import approve_device, request_enrollment
    from tests.conftest import USER_PASSWORD
    from tests.sync.exchange_helpers import copy_office

    with server.unit_of_work() as uow:
        public = server_keys(uow.session).public()
    users = {}
    offices = []
    for index, kecamatan in enumerate(kecamatans):
        region = kecamatan[:4]
        template = templates["kantor-a" if region == "7501" else "kantor-c"]
        name = f"k{index:02d}"
        db = copy_office(template, folder / name)
        device = uuid.UUID(int=rng.getrandbits(128), version=4)  # the seed's, as everything else
        if template not in _USERS:  # the template's operator, the same in every copy (a login costs a second)
            # Logged in before the outbox is emptied: its audit line would travel from the first copy made in
            # this process only, and a run of a seed would depend on the runs before it.
            _USERS[template] = login(db.unit_of_work(), "operator", USER_PASSWORD)
        with db.unit_of_work().writing() as uow:
            uow.session.execute(update(Office).values(device_id=device))
            uow.session.execute(delete(DeviceKey))
            # The template's own setup (its accounts' audit lines) would travel from every copy under the same
            # uids: a copy starts with an empty outbox instead.
            uow.session.execute(delete(SyncChange))
            uow.commit()
        # What opening the copy again would read (opening costs a second: the passphrase's key derivation).
        db = replace(db, office=replace(db.office, device_id=device))
        with db.unit_of_work().writing() as uow:
            keys = device_keys(uow.session)
            uow.commit()
        users[region] = _USERS[template]
        ticket = request_enrollment(server.unit_of_work(), db.office.device_id, name, region, keys.public())
        approve_device(server.unit_of_work(), province_admin, ticket.code)
        remember_server(db, public, region)
        clock = timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 14), hours=rng.randint(0, 23))
        offices.append(
            SimOffice(
                name, region, _desas(kecamatan, imports), db, users[region], folder / name, clock, index
            )
        )
    return offices
