"""Screening a proposal list: every row found (or not) in the registry, flagged, and given one verdict.

No database and no Qt here: the caller hands in the proposals, a `Matcher` over the registry index, the
facts of registered people (read on demand), and the context of the program (its region, desil range, earlier
recipients, other lists). The result of every row carries the flags with their rule and sentence, the match
with its evidence, and the runner-up candidates, so it can be explained later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from app.i18n import N_, _, current_language
from app.jobs import NO_PROGRESS, Progress
from app.registry.nik import parse_nik
from app.screening.desil import DesilLevel
from app.screening.flags import Flag, Severity, Verdict, verdict_of
from app.screening.matching import (
    LINK_PROBABILITY,
    SUGGEST_PROBABILITY,
    SURE_PROBABILITY,
    Candidate,
    Matcher,
    ProposalInput,
    rank,
)
from app.screening.names import compare_names, parse_name

ENGINE_VERSION = "1.0"
ROWS_REMEMBERED = 200_000
BATCH = 1000  # rows matched between two progress reports / cancel checks
DUPLICATE_NAME_BITS = 6.0  # two unlinked rows this alike in name (and not contradicting) are one person


@dataclass
class DtksFacts:
    desil: int | None  # national
    programs: dict
    source: str  # DTKS | DTSEN
    desil_provinsi: int | None = None
    desil_kabupaten_kota: int | None = None

    def desil_at(self, level: DesilLevel | str) -> int | None:
        return {
            DesilLevel.NASIONAL: self.desil,
            DesilLevel.PROVINSI: self.desil_provinsi,
            DesilLevel.KABUPATEN_KOTA: self.desil_kabupaten_kota,
        }[DesilLevel(level)]


@dataclass
class PersonFacts:
    """A registered person as the result rests on it (copied into the result, kept with the run)."""

    person_id: int
    nik: str
    nama: str
    tgl_lahir: date | None
    jenis_kelamin: str
    alamat: str
    rt: str
    rw: str
    kode_desa: str
    no_kk: str
    status: str
    tgl_status: date | None
    dtks: DtksFacts | None = None
    _as_dict: dict | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        if self._as_dict is None:
            self._as_dict = self._build_dict()
        return self._as_dict

    def _build_dict(self) -> dict:
        return {
            "person_id": self.person_id,
            "nik": self.nik,
            "nama": self.nama,
            "tgl_lahir": self.tgl_lahir.isoformat() if self.tgl_lahir else "",
            "jenis_kelamin": self.jenis_kelamin,
            "alamat": self.alamat,
            "rt": self.rt,
            "rw": self.rw,
            "kode_desa": self.kode_desa,
            "no_kk": self.no_kk,
            "status": self.status,
            "tgl_status": self.tgl_status.isoformat() if self.tgl_status else "",
            "dtks": None
            if self.dtks is None
            else {
                "desil": self.dtks.desil,
                "desil_provinsi": self.dtks.desil_provinsi,
                "desil_kabupaten_kota": self.dtks.desil_kabupaten_kota,
                "programs": self.dtks.programs,
                "source": self.dtks.source,
            },
        }


@dataclass
class ProgramRules:
    program_id: int
    nama: str
    tahun: int
    kode_wilayah: str = ""
    desil_min: int | None = None
    desil_max: int | None = None
    hanya_dtks: bool = False
    kode_program_dtks: str = ""
    desil_acuan: DesilLevel = DesilLevel.NASIONAL


@dataclass
class ScreeningContext:
    program: ProgramRules | None = None
    recipients: dict[str, str] = field(default_factory=dict)  # NIK → where the receipt is recorded
    other_lists: dict[int, tuple[str, int]] = field(default_factory=dict)  # person id → (list, baris)
    region_name: Callable[[str], str] = str
    # Operator decisions that override the engine: proposal key → ("chosen", person id) or ("rejected", None).
    decisions: dict[int, tuple[str, int | None]] = field(default_factory=dict)


@dataclass
class RowResult:
    key: int
    baris: int
    hasil: Verdict
    person_id: int | None
    nik_padan: str
    skor_padan: float | None
    flags: list[Flag]
    duplikat_dari: int | None
    alasan: str
    person: dict | None = None
    evidence: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)

    @property
    def tanda(self) -> str:
        return ";".join(f.code for f in self.flags)

    def detail(self) -> dict:
        """What is stored with the result (see `expanded_detail`). The first candidate is usually the linked
        person: its evidence and registry record are the row's own and are stored once, not twice."""
        candidates = self.candidates
        if (
            candidates
            and self.person is not None
            and candidates[0]["person_id"] == self.person.get("person_id")
            and candidates[0]["evidence"] == self.evidence
            and candidates[0]["person"] == self.person
        ):
            first = {k: v for k, v in candidates[0].items() if k not in ("evidence", "person")}
            candidates = [{**first, "as_result": True}, *candidates[1:]]
        return {
            "flags": [f.as_dict() for f in self.flags],
            "person": self.person,
            "evidence": self.evidence,
            "candidates": candidates,
        }


def expanded_detail(detail: dict) -> dict:
    """A stored detail as `RowResult.detail` was before it was stored: every candidate whole."""
    candidates = detail.get("candidates") or []
    if not candidates or not candidates[0].get("as_result"):
        return detail
    first = {k: v for k, v in candidates[0].items() if k != "as_result"}
    first.update(evidence=detail.get("evidence") or [], person=detail.get("person"))
    return {**detail, "candidates": [first, *candidates[1:]]}


FactsReader = Callable[[Iterable[int]], dict[int, PersonFacts]]


def score_text(probability: float) -> str:
    text = f"{probability:.2f}"
    return text.replace(".", ",") if current_language() == "id" else text


def nik_problem(typed: str) -> str:
    """What is wrong with a written NIK (a msgid), or "" when it is well formed."""
    text = typed.strip()
    if not text:
        return ""
    if "E" in text.upper() and any(ch.isdigit() for ch in text):
        return N_("terbaca sebagai angka oleh Excel, angka terakhirnya hilang")
    digits = "".join(ch for ch in text if not ch.isspace())
    if not digits.isdigit():
        return N_("mengandung huruf atau tanda baca")
    if len(digits) != 16:
        return _("panjangnya {n} angka, seharusnya 16").format(n=len(digits))
    if digits[12:] == "0000":
        return N_("nomor urut 0000")
    if parse_nik(digits) is None:
        return N_("tanggal lahir di dalam NIK tidak mungkin")
    return ""


@dataclass
class MatchMemory:
    """What a run worked out against one registry state, kept for the next run: re-screening a list after a
    correction or a decision matches again only the rows whose written fields changed."""

    state: dict | None = None
    candidates: dict[tuple, list[Candidate]] = field(default_factory=dict)
    facts: dict[int, PersonFacts] = field(default_factory=dict)

    def for_state(self, state: dict) -> MatchMemory:
        # A new registry, or a long session's worth of lists: start afresh.
        if state != self.state or len(self.candidates) > ROWS_REMEMBERED:
            self.state, self.candidates, self.facts = state, {}, {}
        return self


def _written(p: ProposalInput) -> tuple:
    return (p.nik, p.nama, p.tgl_lahir, p.jenis_kelamin, p.alamat, p.kode_desa)


def screen(
    matcher: Matcher,
    proposals: list[ProposalInput],
    context: ScreeningContext,
    read_facts: FactsReader,
    progress: Progress = NO_PROGRESS,
    memory: MatchMemory | None = None,
) -> list[RowResult]:
    memory = memory if memory is not None else MatchMemory()
    ordered = sorted(proposals, key=lambda p: (p.baris, p.key))
    total = len(ordered)
    new = [p for p in ordered if _written(p) not in memory.candidates]
    fresh: list[list[Candidate]] = []
    for start in range(0, len(new), BATCH):
        progress.check()
        fresh.extend(matcher.match(new[start : start + BATCH]))
        progress.report(
            total - len(new) + min(start + BATCH, len(new)), total, _("Memadankan usulan dengan registri")
        )
    wanted = {c.person_id for cands in fresh for c in cands[:3]}
    for action, person_id in context.decisions.values():
        if action == "chosen" and person_id:
            wanted.add(person_id)
    missing = wanted - memory.facts.keys()
    if missing:
        memory.facts.update(read_facts(missing))
    facts = memory.facts
    progress.check()
    for proposal, cands in zip(new, fresh, strict=True):
        for candidate in cands[:3]:
            known = facts.get(candidate.person_id)
            if known is not None:
                matcher.add_address_evidence(candidate, proposal.alamat, known.alamat, known.rt, known.rw)
        rank(cands, matcher.prior_bits)
        memory.candidates[_written(proposal)] = cands
    owners = _typed_nik_owners(matcher, ordered)
    results = [
        _decide(matcher, p, memory.candidates[_written(p)], facts, context, owners.get(p.key))
        for p in ordered
    ]
    _mark_duplicates(matcher, ordered, results)
    _mark_same_household(results, facts)
    for result in results:
        _finish(result)
    return results


def _decide(
    matcher: Matcher,
    proposal: ProposalInput,
    cands: list[Candidate],
    facts: dict[int, PersonFacts],
    context: ScreeningContext,
    owner: tuple[int, str] | None = None,
) -> RowResult:
    flags: list[Flag] = []
    typed = proposal.nik.strip()
    problem = nik_problem(typed)
    if problem:
        flags.append(Flag("NIK_TIDAK_SAH", {"nik": typed, "problem": problem}))
    elif not typed:
        flags.append(Flag("NIK_KOSONG"))
    best = cands[0] if cands else None
    linked = (
        best if best is not None and best.probability >= LINK_PROBABILITY and _names_agree(best) else None
    )
    decision = context.decisions.get(proposal.key)
    chosen_by_operator = False
    if decision is not None:
        action, person_id = decision
        if action == "rejected":
            linked = None
        elif action == "chosen" and person_id:
            picked = next((c for c in cands if c.person_id == person_id), None)
            if picked is None and person_id in facts:
                known = facts[person_id]
                picked = Candidate(-1, person_id, known.nik, 0.0, 1.0, [])
            linked = picked
            chosen_by_operator = picked is not None
    evidence: list[dict] = []
    person: dict | None = None
    if linked is not None:
        known = facts.get(linked.person_id)
        if typed and not problem and typed != linked.nik:
            if owner is not None and owner[0] != linked.person_id:
                flags.append(Flag("NIK_MILIK_LAIN", {"typed": typed, "other": owner[1]}))
            else:
                kind = next((e.note for e in linked.evidence if e.field == "nik" and e.level == "mirip"), "")
                flags.append(
                    Flag(
                        "NIK_SALAH_KETIK",
                        {"typed": typed, "nik": linked.nik, "kind": kind or N_("NIK berbeda")},
                    )
                )
        if not chosen_by_operator and linked.probability < SURE_PROBABILITY:
            flags.append(
                Flag(
                    "PADAN_RAGU",
                    {"score": score_text(linked.probability), "others": _others(cands[1:3], facts)},
                )
            )
        if known is not None:
            person = known.as_dict()
            flags.extend(_person_flags(known, context))
        differing = [
            _(FIELD_LABELS[e.field])
            for e in linked.evidence
            if e.field in FIELD_LABELS and e.level in ("beda", "mirip")
        ]
        if differing:
            flags.append(Flag("DATA_BERBEDA", {"fields": ", ".join(differing)}))
        evidence = [_evidence_dict(e) for e in linked.evidence]
    else:
        if owner is not None and not problem:
            flags.append(Flag("NIK_MILIK_LAIN", {"typed": typed, "other": owner[1]}))
        if (
            best is not None
            and best.probability >= SUGGEST_PROBABILITY
            and (decision is None or decision[0] != "rejected")
        ):
            flags.append(
                Flag(
                    "KANDIDAT_RAGU",
                    {
                        "name": matcher.index.name(best.position),
                        "nik": best.nik,
                        "score": score_text(best.probability),
                    },
                )
            )
        else:
            flags.append(Flag("TIDAK_DITEMUKAN"))
        program = context.program
        desa = proposal.kode_desa.strip()
        if (
            program is not None
            and program.kode_wilayah
            and desa
            and not desa.startswith(program.kode_wilayah)
        ):
            flags.append(
                Flag(
                    "LUAR_WILAYAH",
                    {
                        "region": context.region_name(desa),
                        "program_region": context.region_name(program.kode_wilayah),
                    },
                )
            )
    if decision is not None and decision[0] == "field_check":
        flags.append(
            Flag("PADAN_RAGU", {"score": score_text(linked.probability) if linked else "-", "others": ""})
        )
    result = RowResult(
        key=proposal.key,
        baris=proposal.baris,
        hasil=Verdict.PASS,
        person_id=linked.person_id if linked else None,
        nik_padan=linked.nik if linked else "",
        skor_padan=_stored(linked.probability, 4)
        if linked
        else (_stored(best.probability, 4) if best else 0.0),
        flags=flags,
        duplikat_dari=None,
        alasan="",
        person=person,
        evidence=evidence,
        # Runner-ups keep their evidence only when the row is in doubt (the operator may pick one of them).
        candidates=[
            _candidate_dict(
                matcher, c, facts, with_evidence=i == 0 or cands[0].probability < SURE_PROBABILITY
            )
            for i, c in enumerate(cands[:3])
        ],
    )
    if linked is not None and chosen_by_operator:
        result.skor_padan = 1.0
    return result


FIELD_LABELS = {
    "nama": N_("nama"),
    "tgl_lahir": N_("tanggal lahir"),
    "jenis_kelamin": N_("jenis kelamin"),
    "desa": N_("desa"),
}


def _names_agree(candidate: Candidate) -> bool:
    """A person is never linked on other fields alone: the names must share at least one word."""
    return not any(
        e.field == "nama" and e.level == "beda" and e.params.get("shared") == 0 for e in candidate.evidence
    )


def _typed_nik_owners(matcher: Matcher, proposals: list[ProposalInput]) -> dict[int, tuple[int, str]]:
    """For each row whose written NIK is a registered person's: that person (id, name). One lookup for all."""
    written = [(p.key, p.nik.strip()) for p in proposals]
    written = [(key, int(nik)) for key, nik in written if len(nik) == 16 and nik.isdigit()]
    if not written:
        return {}
    positions = matcher.index.position_of_nik(np.array([nik for _, nik in written], dtype=np.int64))
    return {
        key: (int(matcher.index.ids[position]), matcher.index.name(int(position)))
        for (key, _nik), position in zip(written, positions, strict=True)
        if position >= 0
    }


def _others(cands: list[Candidate], facts: dict[int, PersonFacts]) -> str:
    named = []
    for c in cands:
        if c.probability < 0.01:
            continue
        known = facts.get(c.person_id)
        named.append(f"{known.nama if known else '?'} (NIK {c.nik}, {score_text(c.probability)})")
    return (_("; calon lain: ") + ", ".join(named)) if named else ""


def _person_flags(known: PersonFacts, context: ScreeningContext) -> list[Flag]:
    flags: list[Flag] = []
    when = {"tanggal": known.tgl_status.strftime("%d-%m-%Y")} if known.tgl_status else {}
    if known.status == "meninggal":
        flags.append(Flag("MENINGGAL", when))
    elif known.status == "pindah":
        flags.append(Flag("PINDAH", when))
    program = context.program
    if known.nik in context.recipients:
        flags.append(Flag("SUDAH_MENERIMA", {"source": context.recipients[known.nik]}))
    elif (
        program is not None
        and program.kode_program_dtks
        and known.dtks is not None
        and str(known.dtks.programs.get(program.kode_program_dtks, 0)) in ("1", "True", "true")
    ):
        flags.append(
            Flag("SUDAH_MENERIMA", {"source": f"{known.dtks.source}: {program.kode_program_dtks.upper()}"})
        )
    if known.person_id in context.other_lists:
        list_name, baris = context.other_lists[known.person_id]
        flags.append(Flag("GANDA_PROGRAM", {"list": list_name, "baris": baris}))
    if known.dtks is None:
        flags.append(
            Flag("BUKAN_DTKS", severity=Severity.FAIL if program is not None and program.hanya_dtks else None)
        )
    else:
        # The program's range cuts by the desil level it names; without a program the national one is told.
        level = DesilLevel(program.desil_acuan) if program is not None else DesilLevel.NASIONAL
        desil = known.dtks.desil_at(level)
        flags.append(
            Flag(
                "DTKS",
                {
                    "source": known.dtks.source,
                    "desil": desil if desil is not None else "-",
                    "tingkat": level.value,
                },
            )
        )
        if program is not None and desil is not None:
            low = program.desil_min or 1
            high = program.desil_max or 10
            if not low <= desil <= high:
                flags.append(
                    Flag("DESIL_DI_LUAR", {"desil": desil, "low": low, "high": high, "tingkat": level.value})
                )
    if program is not None and program.kode_wilayah and not known.kode_desa.startswith(program.kode_wilayah):
        flags.append(
            Flag(
                "LUAR_WILAYAH",
                {
                    "region": context.region_name(known.kode_desa),
                    "program_region": context.region_name(program.kode_wilayah),
                },
            )
        )
    return flags


def _mark_duplicates(matcher: Matcher, ordered: list[ProposalInput], results: list[RowResult]) -> None:
    """A later row about the same person as an earlier row is a duplicate of it: the same linked person, or
    (for rows not linked) the same written NIK, or a name and birth date that agree."""
    first_by_person: dict[int, int] = {}
    unlinked: list[int] = []
    for i, result in enumerate(results):
        if result.person_id is not None:
            earlier = first_by_person.setdefault(result.person_id, i)
            if earlier != i:
                _duplicate(results[i], results[earlier])
        else:
            unlinked.append(i)
    # Unlinked rows: compare within blocks of the same written NIK or the same birth date.
    blocks: dict[object, list[int]] = {}
    for i in unlinked:
        p = ordered[i]
        nik = p.nik.strip()
        if len(nik) == 16 and nik.isdigit():
            blocks.setdefault(("nik", nik), []).append(i)
        if p.tgl_lahir:
            blocks.setdefault(("dob", p.tgl_lahir), []).append(i)
        key = parse_name(p.nama).key
        if key:
            blocks.setdefault(("name", key), []).append(i)
    for members in blocks.values():
        for position, i in enumerate(members):
            if results[i].duplikat_dari is not None:
                continue
            for j in members[:position]:
                if _same_unlinked_person(matcher, ordered[i], ordered[j]):
                    target = j
                    while results[target].duplikat_dari is not None and results[target].key != results[j].key:
                        break
                    _duplicate(results[i], results[target])
                    break
    # An unlinked row whose best candidate is the person an earlier row is linked to, and which agrees with
    # that earlier row, repeats it.
    for i in unlinked:
        result = results[i]
        if result.duplikat_dari is not None or not result.candidates:
            continue
        earlier = first_by_person.get(result.candidates[0]["person_id"])
        if (
            earlier is not None
            and earlier < i
            and _same_unlinked_person(matcher, ordered[i], ordered[earlier])
        ):
            _duplicate(result, results[earlier])


def _same_unlinked_person(matcher: Matcher, a: ProposalInput, b: ProposalInput) -> bool:
    comparison = compare_names(parse_name(a.nama), parse_name(b.nama), matcher.idf)
    if comparison.different or comparison.bits < DUPLICATE_NAME_BITS:
        return False
    if a.tgl_lahir and b.tgl_lahir and a.tgl_lahir != b.tgl_lahir:
        swapped = (
            a.tgl_lahir.day <= 12
            and a.tgl_lahir.replace(day=a.tgl_lahir.month, month=a.tgl_lahir.day) == b.tgl_lahir
        )
        close_year = (a.tgl_lahir.month, a.tgl_lahir.day) == (b.tgl_lahir.month, b.tgl_lahir.day) and abs(
            a.tgl_lahir.year - b.tgl_lahir.year
        ) <= 1
        if not (swapped or close_year):
            return False
    nik_a, nik_b = a.nik.strip(), b.nik.strip()
    if nik_a and nik_b and nik_a != nik_b and sum(x != y for x, y in zip(nik_a, nik_b, strict=False)) > 2:
        return False
    desa_a, desa_b = a.kode_desa.strip(), b.kode_desa.strip()
    if desa_a and desa_b and desa_a[:6] != desa_b[:6]:
        return False
    return bool(
        a.tgl_lahir or b.tgl_lahir or (nik_a and nik_a == nik_b) or comparison.bits >= 2 * DUPLICATE_NAME_BITS
    )


def _duplicate(result: RowResult, earlier: RowResult) -> None:
    original = earlier.duplikat_dari or earlier.baris
    result.duplikat_dari = original
    result.flags.append(Flag("GANDA_DAFTAR", {"baris": original}))


def _mark_same_household(results: list[RowResult], facts: dict[int, PersonFacts]) -> None:
    first_by_kk: dict[str, RowResult] = {}
    for result in results:
        if result.person_id is None or result.duplikat_dari is not None:
            continue
        known = facts.get(result.person_id)
        if known is None or not known.no_kk:
            continue
        first = first_by_kk.setdefault(known.no_kk, result)
        if first is not result:
            result.flags.append(Flag("SATU_KK", {"no_kk": known.no_kk, "baris": first.baris}))


def _finish(result: RowResult) -> None:
    result.hasil = verdict_of(result.flags)
    sentences = []
    if result.person is not None:
        notes = ", ".join(evidence_text(e) for e in result.evidence if e["note"])
        sentences.append(
            _("Dipadankan dengan {name} (NIK {nik}), keyakinan {score}: {notes}.").format(
                name=result.person["nama"],
                nik=result.nik_padan,
                score=score_text(result.skor_padan or 0),
                notes=notes,
            )
        )
    sentences.extend(f.sentence() for f in result.flags if f.code not in ("DATA_BERBEDA",))
    result.alasan = " ".join(sentences)


def evidence_text(evidence: dict) -> str:
    """One piece of evidence as a phrase in the current language ("tanggal lahir sama (dibaca dari NIK)")."""
    note = evidence["note"]
    params = {k: (_(v) if isinstance(v, str) and v else v) for k, v in evidence.get("params", {}).items()}
    return _(note).format(**params)


def _stored(probability: float, digits: int) -> float:
    """A match probability as stored: rounded, but never up to 1. The matcher is never certain (a share of the
    odds stays with "nobody here"), and a 1 would read "100 %" to the officer; only a decision is certain."""
    return min(round(probability, digits), 1 - 10**-digits)


def _evidence_dict(e) -> dict:
    return {"field": e.field, "level": e.level, "bits": round(e.bits, 2), "note": e.note, "params": e.params}


def _candidate_dict(
    matcher: Matcher, c: Candidate, facts: dict[int, PersonFacts], with_evidence: bool = True
) -> dict:
    known = facts.get(c.person_id)
    return {
        "person_id": c.person_id,
        "nik": c.nik,
        "nama": known.nama if known else (matcher.index.name(c.position) if c.position >= 0 else ""),
        "probability": _stored(c.probability, 6),
        "bits": round(c.bits, 2),
        "evidence": [_evidence_dict(e) for e in c.evidence] if with_evidence else [],
        "person": known.as_dict() if known and with_evidence else None,
    }
