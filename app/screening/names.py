"""Indonesian personal names as proposal lists write them, compared with the name in the registry.

A name is cut into tokens and each token is classed:
- a *degree* (S.Pd, S.H., A.Md, everything after a comma) is dropped: it is not part of the name;
- a *title* (H., Hj., Drs., Ibu, Bapak, ...) is optional: it may match an initial, but missing it costs nothing;
- an *initial or abbreviation* (J., ABD., a single letter) matches any token it begins;
- every spelling of MUHAMMAD (MOH., MOCH., MUH., MOHAMAD, ...) becomes one canonical token.

Comparing two names aligns their tokens (exact, initial, or with a typo), also across merged or split words
("YUSUFPADMASARI" = "YUSUF PADMASARI"), and weighs each agreeing token by how rare it is in the registry:
two people called "SITI" agree far less surely than two called "HUMAIRA". The result is an evidence weight in
bits (log2 of how much likelier the agreement is for the same person than for two strangers) and the
sentence parts that explain it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA, Indel

# Every spelling of MUHAMMAD seen on Indonesian documents, written out or abbreviated.
MUHAMMAD = "MUHAMMAD"
_MUHAMMAD_SPELLINGS = frozenset(
    {
        "MUHAMMAD", "MUHAMAD", "MUHAMMED", "MUHAMED", "MUHAMAT", "MUHAMMAT", "MUHHAMAD", "MUHAMAAD",
        "MOHAMMAD", "MOHAMAD", "MOHAMMED", "MOHAMED", "MOHAMAT", "MOHAMMAT", "MOHHAMAD",
        "MOCHAMMAD", "MOCHAMAD", "MOCHAMAT", "MOCHAMMED", "MOCHAMMAT", "MUCHAMMAD", "MUCHAMAD",
        "MOEHAMMAD", "MOEHAMAD", "MUHAMMADH", "MOHAMMADH",
        "MOH", "MOCH", "MUH", "MUHD", "MHD", "MHMD", "MOHD", "MUCH", "MOCHD", "MOHA", "MUHAM",
    }
)  # fmt: skip
# Honorifics and religious/social titles written before a name.
TITLES = frozenset(
    {
        "H", "HJ", "HAJI", "HAJJAH", "HAJAH", "KH", "KYAI", "DRS", "DRA", "DR", "IR", "PROF", "IBU", "BU",
        "BAPAK", "BPK", "PAK", "NY", "NYONYA", "TN", "TUAN", "SDR", "SDRI", "SAUDARA", "SAUDARI", "UST",
        "USTADZ", "USTAD", "USTADZAH", "ALM", "ALMH", "ALMARHUM", "ALMARHUMAH", "NONA", "NN", "AN",
    }
)  # fmt: skip
# Academic degrees written without dots (S.Pd → "SPD"): dropped like the dotted ones.
DEGREES = frozenset(
    {
        "SPD", "SPDI", "SH", "SE", "ST", "SKOM", "SSOS", "SAG", "SIP", "SKEP", "SKM", "SSI", "SFARM", "SPSI",
        "SHI", "STP", "SSTP", "SST", "SAP", "SAK", "SHUT", "SPT", "SPI", "SKED", "SKG", "AMD", "AMK", "AMKEB",
        "AMKEP", "MPD", "MSI", "MM", "MH", "MT", "MAG", "MKES", "MKEP", "LC", "MA", "SS", "SIKOM", "SGZ",
        "NS", "BSC", "SPDSD", "MPDI", "APT", "SKEB", "STR",
    }
)  # fmt: skip

_DOTTED_DEGREE = re.compile(r"^[A-Z]{1,2}\.[A-Z]{1,6}\.?([A-Z]{1,4}\.?)?$")
_NOT_LETTER = re.compile(r"[^A-Z ]+")
_APOSTROPHES = re.compile(r"['`’‘]")

TOKEN_MATCH = 0.75  # a typo'd token still counts as the same word from this similarity
TOKEN_WEAK = 0.5  # below this, two tokens are different words


class NameToken(NamedTuple):  # a tuple: built for every candidate name, so it must be cheap
    text: str  # letters only, as written
    canonical: str  # MUHAMMAD for all its spellings, else the text
    kind: str  # word | initial | title


@dataclass(frozen=True)
class ParsedName:
    raw: str
    tokens: tuple[NameToken, ...]
    words: tuple[NameToken, ...] = ()
    key: str = ""  # canonical name without titles or spaces: equal keys are the same written name


def _parsed(raw: str, tokens: list[NameToken]) -> ParsedName:
    return ParsedName(
        raw,
        tuple(tokens),
        tuple(t for t in tokens if t.kind == "word"),
        "".join(t.canonical for t in tokens if t.kind != "title"),
    )


@lru_cache(maxsize=200_000)
def parse_name(raw: str) -> ParsedName:
    text = _APOSTROPHES.sub("", str(raw or "").upper())
    # Everything after the first comma is a degree ("HALIMAH NAKI, S.H., M.H.").
    text = text.split(",", 1)[0]
    tokens: list[NameToken] = []
    pieces = text.replace("-", " ").split()
    for index, piece in enumerate(pieces):
        if _DOTTED_DEGREE.match(piece) and index > 0:
            continue  # "S.PD", "A.MD." after the name
        abbreviated = piece.endswith(".")
        for part in _NOT_LETTER.sub(" ", piece).split():
            if part in DEGREES and index > 0 and len(pieces) > 2:
                continue
            canonical = canonical_word(part)
            if canonical == MUHAMMAD:
                kind = "word"
            elif part in TITLES and index < len(pieces) - 1:
                kind = "title"
            elif len(part) == 1 or (abbreviated and len(part) <= 3):
                kind = "initial"
            else:
                kind = "word"
            tokens.append(NameToken(part, canonical, kind))
    # A name made only of titles and initials keeps them as words ("H. ALI" is still "ALI"; "IBU" alone
    # is all there is to compare).
    if tokens and not any(t.kind == "word" for t in tokens):
        tokens = [NameToken(t.text, t.canonical, "word") for t in tokens]
    return _parsed(str(raw or ""), tokens)


# The spelling before 1972 (Ejaan Van Ophuijsen / Soewandi) survives in names: SOEKARNO = SUKARNO,
# DJAFAR = JAFAR, TJAHJA = CAHYA, SJAMSUL = SYAMSUL. Both sides are compared in today's spelling.
_OLD_SPELLING = (("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"))


@lru_cache(maxsize=200_000)
def canonical_word(word: str) -> str:
    """A name word in the form names are compared in: MUHAMMAD for all its spellings, today's spelling."""
    if word in _MUHAMMAD_SPELLINGS:
        return MUHAMMAD
    for old, new in _OLD_SPELLING:
        if old in word:
            word = word.replace(old, new)
    return MUHAMMAD if word in _MUHAMMAD_SPELLINGS else word


@lru_cache(maxsize=500_000)
def parse_registered_name(raw: str) -> ParsedName:
    """A name as the registry holds it (upper case, single spaces, no titles): the fast path of
    `parse_name`, taken for every candidate; anything unusual goes the full way."""
    if not raw.replace(" ", "").isalpha():
        return parse_name(raw)
    tokens = []
    for part in raw.split():
        canonical = canonical_word(part)
        tokens.append(
            NameToken(part, canonical, "initial" if len(part) == 1 and canonical != MUHAMMAD else "word")
        )
    if not any(t.kind == "word" for t in tokens):
        return parse_name(raw)
    return _parsed(raw, tokens)


def token_similarity(a: NameToken, b: NameToken) -> float:
    """0..1: the same word (1), an initial or abbreviation of it, a typo of it, or another word."""
    if a.canonical == b.canonical:
        return 1.0
    if a.kind in ("initial", "title") and b.text.startswith(a.text):
        return 0.8 if a.kind == "initial" else 0.6
    if b.kind in ("initial", "title") and a.text.startswith(b.text):
        return 0.8 if b.kind == "initial" else 0.6
    if a.kind != "word" or b.kind != "word":
        return 0.0
    return OSA.normalized_similarity(a.canonical, b.canonical)


@dataclass
class NameComparison:
    similarity: float  # 0..1, the share of the name's weight that agrees
    bits: float  # evidence for the same person
    exact: bool  # the same canonical words in the same order
    matched: int
    typos: int
    missing: int  # words on one side only (dropped words)
    different: int  # words replaced by another word
    weak: int = 0  # words alike only after heavy mistyping
    resemblance: float = 0.0  # the whole names as letter strings (a badly typed name still resembles)

    @property
    def unrelated(self) -> bool:
        """Nothing of the name agrees, not even a badly typed word: another person's name."""
        return self.matched == 0 and self.weak == 0 and self.resemblance < NAME_RESEMBLANCE


# Evidence per kind of disagreement, in bits (log2 of P(seen | same person) / P(seen | two people)).
DROPPED_WORD_BITS = -2.0  # lists often drop a middle name
EXTRA_WORD_BITS = -5.0  # a word the registered name does not have
WEAK_WORD_BITS = -1.5  # a badly mistyped word
REPLACED_WORD_BITS = -10.0  # a different surname or given name: usually another person
NO_AGREEMENT_BITS = -14.0
NAME_RESEMBLANCE = 0.6  # whole names this alike as letter strings are one name badly typed
MAX_NAME_BITS = 26.0


def compare_names(a: ParsedName, b: ParsedName, idf) -> NameComparison:
    """Aligns the tokens of two names. `idf(canonical)` gives a word's rarity in bits."""
    left = [t for t in a.tokens]
    right = [t for t in b.tokens]
    if not left or not right:
        return NameComparison(0.0, 0.0, False, 0, 0, 0, 0)
    if a.key == b.key and len(a.words) == len(b.words) == len(left) == len(right):
        # The same words in the same order (the common case): every word agrees fully.
        bits = sum(min(idf(x.canonical), idf(y.canonical)) for x, y in zip(left, right, strict=True))
        return NameComparison(1.0, min(bits, MAX_NAME_BITS), True, len(left), 0, 0, 0, 0, 1.0)
    pairs = []
    for i, x in enumerate(left):
        for j, y in enumerate(right):
            s = token_similarity(x, y)
            if s >= TOKEN_WEAK:
                pairs.append((s, -abs(i - j), i, j))
    pairs.sort(reverse=True)
    used_l: dict[int, float] = {}
    used_r: dict[int, float] = {}
    matches: list[tuple[int, int, float]] = []

    def take(strong: bool) -> None:
        for s, _, i, j in pairs:
            if (s >= TOKEN_MATCH) == strong and i not in used_l and j not in used_r:
                used_l[i] = used_r[j] = s
                matches.append((i, j, s))

    # Same or mistyped words first, then words written together or apart, then the weak likenesses: a
    # merged "YUSUFPAADMASARI" must not be spent on a weak likeness to "PADMASARI" alone.
    take(strong=True)
    free_l = [i for i in range(len(left)) if i not in used_l]
    free_r = [j for j in range(len(right)) if j not in used_r]
    merged = []
    if free_l and free_r and len(free_l) + len(free_r) >= 3:
        merged = _merged_words(left, right, free_l, free_r) + [
            (i, j, s) for (j, i, s) in _merged_words(right, left, free_r, free_l)
        ]
    for left_part, right_part, _s in merged:
        for i in _as_tuple(left_part):
            used_l[i] = 1.0
        for j in _as_tuple(right_part):
            used_r[j] = 1.0
    take(strong=False)
    free_l = [i for i in range(len(left)) if i not in used_l]
    free_r = [j for j in range(len(right)) if j not in used_r]
    bits = 0.0
    weight_total = 0.0
    weight_agree = 0.0
    matched = typos = weak = 0
    for i, j, s in matches:
        x, y = left[i], right[j]
        rarity = min(idf(x.canonical), idf(y.canonical))
        if x.kind == "title" or y.kind == "title":
            rarity = min(rarity, 1.0)
        elif x.kind == "initial" or y.kind == "initial":
            rarity = min(rarity, 3.0)
        if s >= TOKEN_MATCH:
            bits += s * s * rarity
            matched += 1
            typos += s < 1.0
        else:
            bits += WEAK_WORD_BITS
            typos += 1
            weak += 1
        weight_total += 2 * rarity
        weight_agree += 2 * rarity * s
    for left_part, right_part, s in merged:
        # Two words written as one still agree as two words (bounded by the rarity of the joined form).
        parts = [left[i] for i in _as_tuple(left_part)], [right[j] for j in _as_tuple(right_part)]
        rarity = min(sum(idf(t.canonical) for t in side) for side in parts)
        bits += s * s * rarity
        matched += 1
        weight_total += 2 * rarity
        weight_agree += 2 * rarity * s
    free_l = [i for i in free_l if left[i].kind == "word"]
    free_r = [j for j in free_r if right[j].kind == "word"]
    replaced = min(len(free_l), len(free_r))
    # Lists drop words the registry has (a middle name); they seldom add a word it lacks: a word written on
    # the list but absent from the registered name speaks more strongly against the same person.
    extra = len(free_l) - replaced
    dropped = len(free_r) - replaced
    missing = extra + dropped
    for i in free_l:
        weight_total += idf(left[i].canonical)
    for j in free_r:
        weight_total += idf(right[j].canonical)
    # How alike the whole names are as letter strings matters only when no word agreed at all.
    resemblance = 1.0 if matched or weak else Indel.normalized_similarity(a.key, b.key)
    if matched == 0 and weak == 0 and resemblance < NAME_RESEMBLANCE:
        bits = NO_AGREEMENT_BITS
    elif matched == 0:
        bits += replaced * REPLACED_WORD_BITS / 2  # badly typed, not another name: weak agreement only
    else:
        bits += replaced * REPLACED_WORD_BITS + dropped * DROPPED_WORD_BITS + extra * EXTRA_WORD_BITS
    similarity = weight_agree / weight_total if weight_total else 0.0
    exact = a.key == b.key and a.key != ""
    return NameComparison(
        similarity, min(bits, MAX_NAME_BITS), exact, matched, typos, missing, replaced, weak, resemblance
    )


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _merged_words(one, other, free_one, free_other):
    """(i, (j, j+1), similarity) where token i of `one` is tokens j and j+1 of `other` written together."""
    found = []
    taken: set[int] = set()
    for i in free_one:
        if one[i].kind != "word" or len(one[i].text) < 5:
            continue
        for j in free_other:
            if j + 1 not in free_other or j in taken or j + 1 in taken:
                continue
            joined = other[j].text + other[j + 1].text
            s = OSA.normalized_similarity(one[i].text, joined)
            if s >= 0.85:
                found.append((i, (j, j + 1), s))
                taken.update((j, j + 1))
                break
    return found


def idf_from_counts(counts: dict[str, int], population: int):
    """A word's rarity in bits: log2(population / people carrying it); unseen words count as rare."""
    top = math.log2(max(population, 2))
    cache: dict[str, float] = {}

    def idf(word: str) -> float:
        value = cache.get(word)
        if value is None:
            n = counts.get(word, 0)
            value = cache[word] = top - math.log2(n) if n > 0 else top - 1.0
            value = max(value, 1.0)
        return value

    return idf
