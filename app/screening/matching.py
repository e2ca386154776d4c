"""Finding a proposed person in the registry: candidates, evidence, and how sure.

The method is the Fellegi–Sunter model of record linkage, with weights reasoned from how lists are written
rather than fitted to one file. Each field that agrees or differs adds evidence in bits: log2 of how much
likelier that observation is for the same person (m) than for two different people (u). The u side comes
from the registry itself where it can — how many people share this birth date, this desa, this name word —
so a default birth date (1 January) or a common name (SITI) counts for less than a rare one. The bits of a
candidate, against the prior of picking one person out of the whole registry, give its probability; the
candidates of a row share the probability with "none of them", so two equally good candidates each get about
a half and the row is sent for a field check rather than linked silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from app.i18n import N_
from app.registry.nik import parse_nik
from app.screening.names import NameComparison, ParsedName, compare_names, parse_name, parse_registered_name
from app.screening.registry_index import WORDS_PER_PERSON, RegistryIndex

# Prior odds that a proposed person is not in the registry at all (about one in five on real lists).
NOT_IN_REGISTRY_ODDS = 0.25
LINK_PROBABILITY = 0.5  # more likely this person than anyone else or nobody: linked
SURE_PROBABILITY = 0.9  # below this a link is sent for a check
SUGGEST_PROBABILITY = 0.15  # an unlinked row with a candidate this likely names it for the check
UNSURE_COMPARISONS = 40
PARSED_NAMES_KEPT = 300_000
QUICK_CEILING = 256.0  # quick bits are kept between -QUICK_CEILING and +QUICK_CEILING when sorted
FULL_COMPARISONS = 6  # candidates per row compared word by word after the quick ranking
SMALL_BLOCK = 300  # a block up to this size is compared whole
MAX_BLOCK = 1500
NO_REGION_BLOCK = 5_000  # rows with no desa and no NIK: the rarest word's people, province-wide
PAIR_BLOCK = 3000  # a word carried by more people is paired with the next word within the row region
CLEAR_LEAD_BITS = 10.0  # a compared candidate this far ahead of the next quick estimate ends the comparing
DOB_OTHER_BITS = -5.0
DOB_SAME_YEAR_BITS = -2.0  # the year right, day and month both otherwise wrong: not one of the usual slips
DOB_DEFAULT_SAME_YEAR_BITS = 2.0
DEFAULT_DAYS = frozenset({101, 701, 1231})  # 1 January, 1 July, 31 December: dates written when unknown


@dataclass
class ProposalInput:
    """One proposal row as the engine reads it (already parsed from the file or the form)."""

    key: int
    baris: int
    nik: str = ""
    nama: str = ""
    tgl_lahir: date | None = None
    jenis_kelamin: str = ""  # L | P | ""
    alamat: str = ""
    kode_desa: str = ""


@dataclass(slots=True)
class FieldEvidence:
    field: str  # nik | nama | tgl_lahir | jenis_kelamin | desa | alamat
    level: str  # sama | mirip | beda | kosong
    bits: float
    note: str  # msgid with {placeholders}
    params: dict = field(default_factory=dict)


@dataclass(slots=True)
class Candidate:
    position: int  # in the registry index
    person_id: int
    nik: str
    bits: float = 0.0
    probability: float = 0.0
    evidence: list[FieldEvidence] = field(default_factory=list)


@dataclass
class _Row:
    source: ProposalInput
    nik: int  # 0 when not 16 digits
    nik_dob: int  # yyyymmdd written in the NIK, 0 when none
    dob: int
    sex: int  # 0 L, 1 P, 2 unknown
    desa: int
    name: ParsedName


def _yyyymmdd(value: date | None) -> int:
    return value.year * 10_000 + value.month * 100 + value.day if value else 0


def _row(proposal: ProposalInput, reference_year: int) -> _Row:
    nik_text = "".join(ch for ch in proposal.nik if not ch.isspace())
    nik = int(nik_text) if len(nik_text) == 16 and nik_text.isdigit() else 0
    parts = parse_nik(nik_text) if nik else None
    nik_dob = _yyyymmdd(parts.birth_date(reference_year)) if parts else 0
    desa_text = proposal.kode_desa.strip()
    return _Row(
        proposal,
        nik,
        nik_dob,
        _yyyymmdd(proposal.tgl_lahir),
        {"L": 0, "P": 1}.get(proposal.jenis_kelamin.strip().upper(), 2),
        int(desa_text) if len(desa_text) == 10 and desa_text.isdigit() else 0,
        parse_name(proposal.nama),
    )


_POWERS = 10 ** np.arange(15, -1, -1, dtype=np.int64)  # place value of each of the 16 digits
_OTHER_DIGITS = np.arange(10, dtype=np.int64)


def one_typo_variants(nik: int) -> np.ndarray:
    """Every NIK one typing slip away: one digit replaced, or two neighbouring digits swapped."""
    digits = (nik // _POWERS) % 10
    replaced = (
        nik + (_OTHER_DIGITS[None, :] - digits[:, None]) * _POWERS[:, None]
    )  # 16 x 10, incl. nik itself
    step = (digits[1:] - digits[:-1]) * (_POWERS[:-1] - _POWERS[1:])
    swapped = nik + step[step != 0]
    return np.concatenate([replaced[replaced != nik], swapped])


SLIP_NONE, SLIP_SAME, SLIP_OUTSIDE_DATE, SLIP_IN_DATE = 0, 1, 2, 3


def nik_slip(typed: np.ndarray, registered: np.ndarray) -> np.ndarray:
    """How a written NIK relates to a registered one, element-wise: the same, one slip (a digit replaced or
    two neighbours swapped) inside or outside the birth-date digits (7–12), or neither."""
    diff = np.abs(typed - registered)
    out = np.full(len(diff), SLIP_NONE, dtype=np.int8)
    out[diff == 0] = SLIP_SAME
    for power in range(16):
        unit = _POWERS[15 - power]  # 10**power
        # One digit replaced: the difference is k * 10^p.
        replaced = (diff % unit == 0) & (diff // unit <= 9) & (diff > 0)
        # Neighbours swapped at p+1, p: the difference is k * 9 * 10^p.
        swapped = (diff % (9 * unit) == 0) & (diff // (9 * unit) <= 9) & (diff > 0) & ~replaced
        digit_position = 15 - power  # 0-based from the left
        in_date = 6 <= digit_position <= 11
        swap_in_date = 6 <= digit_position <= 12  # digits (position-1, position) touch the date
        hit = replaced & (out == SLIP_NONE)
        out[hit] = SLIP_IN_DATE if in_date else SLIP_OUTSIDE_DATE
        hit = swapped & (out == SLIP_NONE) & _is_swap(typed, registered, power)
        out[hit] = SLIP_IN_DATE if swap_in_date else SLIP_OUTSIDE_DATE
    return out


# Evidence of the NIK, in bits. The NIK carries the birth date, so a slip inside its date digits either is
# confirmed by the birth date written on the row (the typist slipped in the NIK only: strong evidence), or it is
# the same disagreement the birth date comparison already counts (then only the kecamatan and sequence digits
# agreeing are new evidence). A slip outside the date leaves the date digits agreeing, which the birth date
# comparison counts, so the slip adds the kecamatan/sequence agreement only.
NIK_SAME_BITS = 12.0
NIK_SLIP_CONFIRMED_BITS = 12.0
NIK_SLIP_BITS = 3.0
NIK_OTHER_BITS = -3.0


def _slip_bits(slip: int, written_dob: int, registered_dob: int, nik_dob: int = 1) -> float:
    if slip == SLIP_SAME:
        return NIK_SAME_BITS
    if slip == SLIP_IN_DATE:
        # Confirmed by the written date, or the only date evidence there is (no date written, and the date
        # in the written NIK impossible, so the birth date comparison counted nothing).
        confirmed = (written_dob and written_dob == registered_dob) or (not written_dob and not nik_dob)
        return NIK_SLIP_CONFIRMED_BITS if confirmed else NIK_SLIP_BITS
    if slip == SLIP_OUTSIDE_DATE:
        return NIK_SLIP_BITS
    return NIK_OTHER_BITS


def _slip_one(typed: int, registered: int) -> int:
    """`nik_slip` for one pair."""
    a, b = f"{typed:016d}", f"{registered:016d}"
    differ = [i for i in range(16) if a[i] != b[i]]
    if not differ:
        return SLIP_SAME
    if len(differ) == 1:
        return SLIP_IN_DATE if 6 <= differ[0] <= 11 else SLIP_OUTSIDE_DATE
    i, j = differ[0], differ[-1]
    if len(differ) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]:
        return SLIP_IN_DATE if 6 <= j <= 12 else SLIP_OUTSIDE_DATE
    return SLIP_NONE


def _is_swap(typed: np.ndarray, registered: np.ndarray, power: int) -> np.ndarray:
    if power >= 15:
        return np.zeros(len(typed), dtype=bool)
    low, high = 10**power, 10 ** (power + 1)
    a_low, a_high = typed // low % 10, typed // high % 10
    b_low, b_high = registered // low % 10, registered // high % 10
    return (a_low == b_high) & (a_high == b_low)


def _swap_day_month(dob: int) -> int:
    year, month, day = dob // 10_000, dob // 100 % 100, dob % 100
    if day > 12 or day == month:
        return 0
    return year * 10_000 + day * 100 + month


class Matcher:
    """Finds and weighs the registry candidates of proposal rows against one registry index."""

    def __init__(self, index: RegistryIndex, reference_year: int) -> None:
        self.index = index
        self.reference_year = reference_year
        self.population = max(index.size, 2)
        self.prior_bits = math.log2(self.population)
        self.idf = index.idf()
        self._parsed_registry: dict[int, ParsedName] = {}
        self._mask = np.zeros(index.size, dtype=bool)
        self.word_idf = np.log2(self.population / np.maximum(index.token_counts, 1))

    # ------------------------------------------------------------------------------------------ candidates
    def match(self, proposals: list[ProposalInput]) -> list[list[Candidate]]:
        """For each proposal, its best candidates (most probable first), with evidence and probability.

        Candidates of all the rows are found and ranked together, as arrays of (row, person) pairs: a few
        dozen numpy operations for a thousand rows instead of a few dozen per row. Only the best few pairs
        of each row are then compared field by field."""
        all_rows = [_row(p, self.reference_year) for p in proposals]
        if not all_rows or self.index.size == 0:
            return [[] for _ in all_rows]
        results: list[list[Candidate] | None] = [None] * len(all_rows)
        # A row whose NIK, name and birth date are exactly those of a registered person is that person,
        # whoever else the blocks would bring: compared alone, it skips the search.
        exact = self.index.position_of_nik(np.array([r.nik for r in all_rows], dtype=np.int64))
        searched: list[int] = []
        for i, (row, hit) in enumerate(zip(all_rows, exact, strict=True)):
            if (
                hit >= 0
                and row.dob
                and row.dob == self.index.dob[hit]
                and row.name.key == self._registry_name(int(hit)).key
            ):
                results[i] = rank([self._compare(row, int(hit))], self.prior_bits)
            else:
                searched.append(i)
        rows = [all_rows[i] for i in searched]
        if not rows:
            return results
        batch = _RowArrays.of(rows, self.index)
        pair_rows, positions = self._candidate_pairs(batch)
        quick, by_nik = self._quick_bits(batch, pair_rows, positions)
        # One sort orders each row's pairs (the people the written NIK points to first, then by falling
        # quick bits) and brings the copies of a pair found by several blocks together: a pair's quick bits
        # depend on the pair only, so its copies have equal keys.
        level = np.clip(np.rint((QUICK_CEILING - quick) * 16), 0, (1 << 19) - 1).astype(np.int64)
        keys = (pair_rows << 44) | ((~by_nik).astype(np.int64) << 43) | (level << 24) | positions
        keys = np.sort(keys)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
        pair_rows, positions = keys >> 44, keys & ((1 << 24) - 1)
        by_nik = ((keys >> 43) & 1) == 0
        quick = QUICK_CEILING - ((keys >> 24) & ((1 << 19) - 1)) / 16.0
        starts = np.searchsorted(pair_rows, np.arange(len(rows) + 1))
        for r, row in enumerate(rows):
            lo = int(starts[r])
            # When a written word is unknown to the registry (mistyped, or two words written as one) the
            # quick ranking cannot see the name, so more candidates are compared word by word.
            limit = FULL_COMPARISONS if batch.known_words[r] else UNSURE_COMPARISONS
            hi = min(int(starts[r + 1]), lo + limit + int(by_nik[lo : starts[r + 1]].sum()))
            candidates: list[Candidate] = []
            best = -math.inf
            for k in range(lo, hi):
                # Stop when the best compared candidate is far ahead of what the rest could reach.
                if candidates and best >= quick[k] + CLEAR_LEAD_BITS:
                    break
                candidate = self._compare(row, int(positions[k]))
                candidates.append(candidate)
                best = max(best, candidate.bits)
            results[searched[r]] = rank(candidates, self.prior_bits)
        return results

    def _candidate_pairs(self, b: _RowArrays) -> tuple[np.ndarray, np.ndarray]:
        index = self.index
        rows_found: list[np.ndarray] = []
        people_found: list[np.ndarray] = []

        def add(rows: np.ndarray, people: np.ndarray) -> None:
            rows_found.append(rows.astype(np.int64, copy=False))
            people_found.append(people.astype(np.int64, copy=False))

        # 1. The written NIK, and every NIK one typing slip away from it.
        with_nik = np.flatnonzero(b.nik)
        if len(with_nik):
            variants = _typo_variants(b.nik[with_nik])  # rows x 157, the NIK itself first
            hits = index.position_of_nik(variants.ravel())
            found = hits >= 0
            add(np.repeat(with_nik, variants.shape[1])[found], hits[found])
        # 2. Birth dates: written, from the NIK, day and month swapped, a year off.
        dates = np.stack(
            [b.dob, b.nik_dob, _swap_days(b.dob), _swap_days(b.nik_dob),
             np.where(b.dob > 0, b.dob + 10_000, 0), np.where(b.dob > 0, b.dob - 10_000, 0)],
            axis=1,
        ).astype(np.int32)  # fmt: skip
        # The written date is searched province-wide while its block is small; its variants, and a large
        # block (a default date), only within the row's kabupaten.
        n = len(b.nik)
        lo, hi = index.born_ranges(dates.ravel(), np.zeros(dates.size, dtype=np.int64), 10)
        kab = np.repeat(b.kab, dates.shape[1])
        kab_lo, kab_hi = index.born_ranges(dates.ravel(), kab, 4)
        variant = np.tile(np.arange(dates.shape[1]) > 0, n)
        narrow = (kab > 0) & (variant | (hi - lo > SMALL_BLOCK))
        lo, hi = np.where(narrow, kab_lo, lo), np.where(narrow, kab_hi, hi)
        hi = np.where((dates.ravel() > 0) & (hi - lo <= MAX_BLOCK), hi, lo)
        rows, where = _expand(np.repeat(np.arange(n), dates.shape[1]), lo, hi)
        add(rows, index.dob_order[where])
        # 3. Name words: the rarest word alone, and each pair of the three rarest words together, looked up
        # in the smallest region (province, kabupaten, kecamatan) that keeps the block workable.
        for column in range(b.words.shape[1]):
            codes = b.words[:, column]
            lo, hi = self._word_ranges(codes, b)
            size = hi - lo
            # Without any region on the row, the rarest word is searched province-wide for pairs.
            limit = np.where(
                b.kab > 0, MAX_BLOCK if column == 0 else PAIR_BLOCK, NO_REGION_BLOCK if column == 0 else 0
            )
            hi = np.where((codes >= 0) & (size <= limit), hi, lo)
            rows, where = _expand(np.arange(len(codes)), lo, hi)
            people = index.token_people[where]
            if column == 0:
                alone = np.repeat(size <= SMALL_BLOCK, hi - lo)
                add(rows[alone], people[alone])
            # Pairs: of the people carrying this word, those whose name also carries a rarer/next word.
            others = b.words[rows][:, column + 1 :]
            if others.shape[1]:
                carried = index.person_words[people]
                both = np.zeros(len(rows), dtype=bool)
                for k in range(others.shape[1]):
                    wanted = others[:, k]
                    both |= (wanted >= 0) & np.any(carried == wanted[:, None], axis=1)
                add(rows[both], people[both])
        if not rows_found:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(rows_found), np.concatenate(people_found)

    def _word_ranges(self, codes: np.ndarray, b: _RowArrays) -> tuple[np.ndarray, np.ndarray]:
        """For each row's word, the slice of the word index in the province, else its kabupaten, else its
        kecamatan: the first that is small enough."""
        index = self.index
        safe = np.where(codes >= 0, codes, 0).astype(np.int64)
        lo, hi = index.token_starts[safe], index.token_starts[safe + 1]
        for region, digits in ((b.kab, 4), (b.kec, 6)):
            scale = 10 ** (10 - digits)
            narrow = (hi - lo > SMALL_BLOCK) & (region > 0)
            base = safe * 10_000_000_000
            new_lo = np.searchsorted(index.token_key, base + region * scale, "left")
            new_hi = np.searchsorted(index.token_key, base + (region + 1) * scale, "left")
            lo, hi = np.where(narrow, new_lo, lo), np.where(narrow, new_hi, hi)
        return lo, hi

    def _quick_bits(self, b: _RowArrays, rows: np.ndarray, people: np.ndarray) -> np.ndarray:
        """A cheap ranking of all pairs: birth date, desa and NIK weighed, the name by its shared words."""
        index = self.index
        bits = np.zeros(len(rows))
        dob = b.best_dob[rows]
        cand = index.dob[people].astype(np.int64)
        known = (dob > 0) & (cand > 0)
        bits += np.where(known, -2.0, 0.0)
        bits = np.where(
            known & (cand % 10_000 == dob % 10_000) & (np.abs(cand // 10_000 - dob // 10_000) == 1), 9.0, bits
        )
        bits = np.where(known & (cand == _swap_days(dob)), 10.0, bits)
        bits = np.where(known & (cand == dob), b.same_dob_bits[rows], bits)
        desa = b.desa[rows]
        cand_desa = index.desa[people]
        bits += np.where(
            desa == 0,
            0.0,
            np.where(
                cand_desa == desa,
                b.same_desa_bits[rows],
                np.where(cand_desa // 10_000 == desa // 10_000, b.same_kec_bits[rows],
                         np.where(cand_desa // 1_000_000 == desa // 1_000_000, -1.5, -4.0)),
            ),
        )  # fmt: skip
        typed = b.nik[rows]
        registered = index.nik[people]
        # A slip leaves at least one of the kecamatan, date and sequence parts whole: test only those pairs.
        near = (typed > 0) & (
            (typed // 10**10 == registered // 10**10)
            | (typed // 10**4 % 10**6 == registered // 10**4 % 10**6)
            | (typed % 10**4 == registered % 10**4)
        )
        slip = np.full(len(rows), SLIP_NONE, dtype=np.int8)
        if near.any():
            slip[near] = nik_slip(typed[near], registered[near])
        confirmed = ((b.dob[rows] > 0) & (b.dob[rows] == cand)) | (
            (b.dob[rows] == 0) & (b.nik_dob[rows] == 0)
        )
        bits += np.select(
            [
                slip == SLIP_SAME,
                (slip == SLIP_IN_DATE) & confirmed,
                slip == SLIP_IN_DATE,
                slip == SLIP_OUTSIDE_DATE,
            ],
            [NIK_SAME_BITS, NIK_SLIP_CONFIRMED_BITS, NIK_SLIP_BITS, NIK_SLIP_BITS],
            0.0,
        )
        carried = index.person_words[people]
        written = b.all_words[rows]
        shared = np.zeros(len(rows))
        unshared = np.zeros(len(rows))
        for k in range(written.shape[1]):
            code = written[:, k]
            hit = (code >= 0) & np.any(carried == code[:, None], axis=1)
            shared += np.where(hit, self.word_idf[np.maximum(code, 0)], 0.0)
            unshared += (code >= 0) & ~hit
        # A name sharing no word at all may still be the person (every word mistyped, or written together).
        name = np.where(shared > 0, shared - 3.0 * unshared, -4.0)
        return bits + name, slip != SLIP_NONE

    # ------------------------------------------------------------------------------------------ evidence
    def _dob_bits_one(self, row: _Row, cand: int) -> float:
        dob = row.dob or row.nik_dob
        if not dob or not cand:
            return 0.0
        if cand == dob:
            return self._same_dob_bits(dob)
        if cand == _swap_day_month(dob):
            return 10.0
        if cand % 10_000 == dob % 10_000 and abs(cand // 10_000 - dob // 10_000) == 1:
            return 9.0
        a, b = f"{cand:08d}", f"{dob:08d}"
        if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
            return 6.5
        years_apart = abs(cand // 10_000 - dob // 10_000)
        if cand % 10_000 in DEFAULT_DAYS or dob % 10_000 in DEFAULT_DAYS:
            # A date written as 1 January (1 July, 31 December) says the day is unknown, not the year.
            return (
                DOB_DEFAULT_SAME_YEAR_BITS
                if years_apart == 0
                else (0.0 if years_apart == 1 else DOB_OTHER_BITS)
            )
        if years_apart == 0:
            return DOB_SAME_YEAR_BITS
        # Lists get a date wrong by a slip, a swap or a year; a wholly other date is rarely the same person.
        return DOB_OTHER_BITS

    def _same_dob_bits(self, dob: int) -> float:
        sharing = max(self.index.dob_counts.get(dob, 0), 1)
        return math.log2(0.75 * self.population / sharing)

    def _desa_bits_one(self, row: _Row, cand: int) -> float:
        if not row.desa:
            return 0.0
        if cand == row.desa:
            return self.same_desa_bits(row.desa)
        if cand // 10_000 == row.desa // 10_000:
            return self.same_kec_bits(row.desa)
        return -1.5 if cand // 1_000_000 == row.desa // 1_000_000 else -4.0

    def same_desa_bits(self, desa: int) -> float:
        return math.log2(0.7 * self.population / max(self.index.desa_counts.get(desa, 0), 1))

    def same_kec_bits(self, desa: int) -> float:
        return math.log2(0.2 * self.population / max(self.index.kec_counts.get(desa // 10_000, 0), 1))

    def _registry_name(self, position: int) -> ParsedName:
        parsed = self._parsed_registry.get(position)
        if parsed is None:
            if len(self._parsed_registry) > PARSED_NAMES_KEPT:
                self._parsed_registry.clear()  # a long session must not grow without bound
            parsed = self._parsed_registry[position] = parse_registered_name(self.index.name(position))
        return parsed

    def _compare(self, row: _Row, position: int) -> Candidate:
        index = self.index
        evidence: list[FieldEvidence] = []
        cand_nik = int(index.nik[position])
        nik_text = f"{cand_nik:016d}"
        # NIK
        if not row.source.nik.strip():
            evidence.append(FieldEvidence("nik", "kosong", 0.0, N_("NIK tidak diisi")))
        elif not row.nik:
            evidence.append(FieldEvidence("nik", "beda", 0.0, N_("NIK yang ditulis bukan 16 angka")))
        elif cand_nik == row.nik:
            evidence.append(FieldEvidence("nik", "sama", NIK_SAME_BITS, N_("NIK sama")))
        else:
            slip = _slip_one(row.nik, cand_nik)
            if slip == SLIP_NONE:
                evidence.append(FieldEvidence("nik", "beda", NIK_OTHER_BITS, N_("NIK berbeda")))
            else:
                # A slip outside the birth-date digits leaves the date in the NIK intact, so the birth date
                # agreeing is no longer independent evidence: the slip itself then counts for less.
                bits = _slip_bits(slip, row.dob, int(index.dob[position]), row.nik_dob)
                evidence.append(FieldEvidence("nik", "mirip", bits, _typo_kind(row.nik, cand_nik)))
        # Name
        comparison = compare_names(row.name, self._registry_name(position), self.idf)
        evidence.append(_name_evidence(comparison))
        # Birth date
        dob = row.dob or row.nik_dob
        cand_dob = int(index.dob[position])
        dob_bits = self._dob_bits_one(row, cand_dob)
        evidence.append(_dob_evidence(row, dob, cand_dob, dob_bits))
        # Sex
        cand_sex = int(index.sex[position])
        if row.sex == 2 or cand_sex == 2:
            evidence.append(FieldEvidence("jenis_kelamin", "kosong", 0.0, N_("jenis kelamin tidak diisi")))
        elif row.sex == cand_sex:
            evidence.append(FieldEvidence("jenis_kelamin", "sama", 0.9, N_("jenis kelamin sama")))
        else:
            evidence.append(FieldEvidence("jenis_kelamin", "beda", -3.5, N_("jenis kelamin berbeda")))
        # Desa
        cand_desa = int(index.desa[position])
        desa_bits = self._desa_bits_one(row, cand_desa)
        evidence.append(_desa_evidence(row, cand_desa, desa_bits))
        bits = sum(e.bits for e in evidence)
        return Candidate(position, int(index.ids[position]), nik_text, bits, 0.0, evidence)

    def add_address_evidence(
        self, candidate: Candidate, row_alamat: str, alamat: str, rt: str, rw: str
    ) -> None:
        """Adds the address comparison (read from the database for the few best candidates only)."""
        evidence = compare_addresses(row_alamat, alamat, rt, rw)
        candidate.evidence.append(evidence)
        candidate.bits += evidence.bits

    def _probabilities(self, candidates: list[Candidate]) -> list[Candidate]:
        return rank(candidates, self.prior_bits)


@dataclass
class _RowArrays:
    """The rows of one batch as parallel arrays, for the vectorised candidate search."""

    nik: np.ndarray
    nik_dob: np.ndarray
    dob: np.ndarray
    best_dob: np.ndarray  # written date, else the NIK's
    desa: np.ndarray
    kab: np.ndarray  # from the desa, else from the NIK
    kec: np.ndarray
    words: np.ndarray  # rows x 3: codes of the three rarest known words, -1 = none
    all_words: np.ndarray  # rows x WORDS_PER_PERSON: codes of every known word
    known_words: np.ndarray  # bool: every written word is one the registry knows
    same_dob_bits: np.ndarray
    same_desa_bits: np.ndarray
    same_kec_bits: np.ndarray

    @classmethod
    def of(cls, rows: list[_Row], index: RegistryIndex) -> _RowArrays:
        n = len(rows)
        nik = np.array([r.nik for r in rows], dtype=np.int64)
        dob = np.array([r.dob for r in rows], dtype=np.int64)
        nik_dob = np.array([r.nik_dob for r in rows], dtype=np.int64)
        desa = np.array([r.desa for r in rows], dtype=np.int64)
        best_dob = np.where(dob > 0, dob, nik_dob)
        kab = np.where(desa > 0, desa // 1_000_000, nik // 1_000_000_000_000)
        words = np.full((n, 3), -1, dtype=np.int32)
        all_words = np.full((n, WORDS_PER_PERSON), -1, dtype=np.int32)
        known_words = np.ones(n, dtype=bool)
        for i, r in enumerate(rows):
            codes = []
            for token in r.name.words:
                code = index.token_codes.get(token.canonical)
                if code is None:
                    known_words[i] = False
                elif code not in codes:
                    codes.append(code)
            all_words[i, : min(len(codes), WORDS_PER_PERSON)] = codes[:WORDS_PER_PERSON]
            codes.sort(key=lambda c: index.token_counts[c])
            words[i, : min(len(codes), 3)] = codes[:3]
        population = max(index.size, 2)
        dob_counts = np.array([index.dob_counts.get(int(d), 0) for d in best_dob], dtype=np.float64)
        desa_counts = np.array([index.desa_counts.get(int(d), 0) for d in desa], dtype=np.float64)
        kec_counts = np.array([index.kec_counts.get(int(d) // 10_000, 0) for d in desa], dtype=np.float64)
        return cls(
            nik, nik_dob, dob, best_dob, desa, kab, desa // 10_000, words, all_words, known_words,
            np.log2(0.75 * population / np.maximum(dob_counts, 1)),
            np.log2(0.7 * population / np.maximum(desa_counts, 1)),
            np.log2(0.2 * population / np.maximum(kec_counts, 1)),
        )  # fmt: skip


def _typo_variants(niks: np.ndarray) -> np.ndarray:
    """rows x 157: each NIK and every NIK one slip away (a digit replaced, two neighbours swapped; a swap
    of equal digits gives the NIK itself again, harmless)."""
    digits = (niks[:, None] // _POWERS[None, :]) % 10  # rows x 16
    replaced = (
        niks[:, None, None] + (_OTHER_DIGITS[None, None, :] - digits[:, :, None]) * _POWERS[None, :, None]
    )
    step = (digits[:, 1:] - digits[:, :-1]) * (_POWERS[:-1] - _POWERS[1:])[None, :]
    return np.concatenate([replaced.reshape(len(niks), -1), niks[:, None] + step], axis=1)


def _swap_days(dobs: np.ndarray) -> np.ndarray:
    """Day and month swapped where that is another possible date, else 0."""
    year, month, day = dobs // 10_000, dobs // 100 % 100, dobs % 100
    ok = (dobs > 0) & (day <= 12) & (day != month) & (day >= 1)
    return np.where(ok, year * 10_000 + day * 100 + month, 0)


def _expand(owners: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranges [lo, hi) of an array, one per owner, as (owner, index) pairs."""
    sizes = np.maximum(hi - lo, 0)
    total = int(sizes.sum())
    owner = np.repeat(owners, sizes)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return owner, np.repeat(lo, sizes) + offsets


def rank(candidates: list[Candidate], prior_bits: float) -> list[Candidate]:
    """Shares the probability among the candidates and "nobody here", best first."""
    if not candidates:
        return []
    top = max(c.bits for c in candidates)
    # Work relative to the best candidate so 2**bits never overflows.
    shifted = [2.0 ** (c.bits - top) for c in candidates]
    nobody = NOT_IN_REGISTRY_ODDS * 2.0 ** min(prior_bits - top, 1000.0)
    total = nobody + sum(shifted)
    for c, s in zip(candidates, shifted, strict=True):
        c.probability = s / total
    candidates.sort(key=lambda c: (-c.probability, c.person_id))
    return candidates


def _one_digit_apart(dobs: np.ndarray, dob: int) -> np.ndarray:
    different = np.zeros(len(dobs), dtype=np.int64)
    for power in range(8):
        unit = 10**power
        different += (dobs // unit % 10) != (dob // unit % 10)
    return (different == 1) & (dobs != 0)


def _typo_kind(typed: int, registered: int) -> str:
    a, b = f"{typed:016d}", f"{registered:016d}"
    differ = [i for i in range(16) if a[i] != b[i]]
    if len(differ) == 1:
        return N_("NIK berbeda satu angka")
    if (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    ):
        return N_("dua angka NIK tertukar")
    return ""


def _name_evidence(c: NameComparison) -> FieldEvidence:
    if c.exact:
        return FieldEvidence("nama", "sama", c.bits, N_("nama sama"))
    if c.unrelated:
        return FieldEvidence("nama", "beda", c.bits, N_("nama berbeda"), {"shared": 0})
    if c.matched == 0:
        return FieldEvidence("nama", "mirip", c.bits, N_("nama sangat berbeda ejaannya"))
    if c.different:
        return FieldEvidence("nama", "beda", c.bits, N_("sebagian nama berbeda"))
    if c.missing:
        return FieldEvidence("nama", "mirip", c.bits, N_("nama mirip, ada kata yang tidak ditulis"))
    if c.typos:
        return FieldEvidence("nama", "mirip", c.bits, N_("nama mirip (salah ketik atau singkatan)"))
    return FieldEvidence("nama", "sama", c.bits, N_("nama sama (ejaan atau gelar berbeda)"))


def _dob_evidence(row: _Row, dob: int, cand: int, bits: float) -> FieldEvidence:
    if not dob or not cand:
        return FieldEvidence("tgl_lahir", "kosong", 0.0, N_("tanggal lahir tidak diisi"))
    from_nik = N_(" (dibaca dari NIK)") if not row.dob else ""
    if dob == cand:
        return FieldEvidence(
            "tgl_lahir", "sama", bits, N_("tanggal lahir sama{source}"), {"source": from_nik}
        )
    if bits >= 9.5:
        note = N_("tanggal dan bulan lahir tertukar")
    elif bits >= 8.5:
        note = N_("tahun lahir berbeda satu tahun")
    elif bits >= 6:
        note = N_("tanggal lahir berbeda satu angka")
    else:
        note = N_("tanggal lahir berbeda")
    return FieldEvidence("tgl_lahir", "mirip" if bits > 0 else "beda", bits, note)


def _desa_evidence(row: _Row, cand: int, bits: float) -> FieldEvidence:
    if not row.desa:
        return FieldEvidence("desa", "kosong", 0.0, N_("kode desa tidak diisi"))
    if row.desa == cand:
        return FieldEvidence("desa", "sama", bits, N_("desa sama"))
    if row.desa // 10_000 == cand // 10_000:
        return FieldEvidence("desa", "mirip", bits, N_("desa lain di kecamatan yang sama"))
    if row.desa // 1_000_000 == cand // 1_000_000:
        return FieldEvidence("desa", "beda", bits, N_("kecamatan lain di kabupaten yang sama"))
    return FieldEvidence("desa", "beda", bits, N_("kabupaten/kota lain"))


def compare_addresses(written: str, alamat: str, rt: str, rw: str) -> FieldEvidence:
    """RT/RW, dusun or street and house number, as far as the proposal wrote them."""
    from app.screening.addresses import parse_address

    mine = parse_address(written)
    theirs = parse_address(f"{alamat} RT {rt} RW {rw}")
    if mine.empty or theirs.empty:
        return FieldEvidence("alamat", "kosong", 0.0, N_("alamat tidak dapat dibandingkan"))
    bits = 0.0
    agree = disagree = 0
    for a, b, weight in (
        (mine.rt, theirs.rt, 1.5),
        (mine.rw, theirs.rw, 1.0),
        (mine.place, theirs.place, 1.5),
        (mine.number, theirs.number, 2.0),
    ):
        if a and b:
            if a == b:
                bits += weight
                agree += 1
            else:
                bits -= weight / 2
                disagree += 1
    if agree and not disagree:
        return FieldEvidence("alamat", "sama", bits, N_("alamat sama"))
    if agree:
        return FieldEvidence("alamat", "mirip", bits, N_("alamat sebagian sama"))
    if disagree:
        return FieldEvidence("alamat", "beda", bits, N_("alamat berbeda"))
    return FieldEvidence("alamat", "kosong", 0.0, N_("alamat tidak dapat dibandingkan"))
