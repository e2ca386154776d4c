"""Names as proposal lists write them, compared with the name in the registry: the spellings of MUHAMMAD are
one word, titles and degrees are not part of the name, an initial fits the word it begins, words written
together or apart are the same words, a different surname weighs against, and a rare name weighs more than a
common one."""

from __future__ import annotations

import pytest

from app.screening.names import MUHAMMAD, compare_names, idf_from_counts, parse_name

# Word counts of a registry of 10,000 people: SITI is common, HUMAIRA rare.
COUNTS = {
    "SITI": 900,
    "NUR": 300,
    "MUHAMMAD": 600,
    "RIZAL": 50,
    "IKHSAN": 20,
    "JAMAL": 30,
    "DATAU": 15,
    "LASENA": 10,
    "HULOPI": 10,
    "YUSUF": 80,
    "PADMASARI": 3,
    "HUMAIRA": 2,
}
IDF = idf_from_counts(COUNTS, 10_000)


def compare(a: str, b: str):
    return compare_names(parse_name(a), parse_name(b), IDF)


def words(name: str) -> list[str]:
    return [t.canonical for t in parse_name(name).words]


@pytest.mark.parametrize(
    "written", ["MUHAMMAD RIZAL", "MOH. RIZAL", "Moch. Rizal", "MUH. RIZAL", "MUH RIZAL", "Mohamad Rizal"]
)
def test_every_spelling_of_muhammad_is_one_word(written):
    assert words(written) == [MUHAMMAD, "RIZAL"]
    result = compare(written, "MUHAMMAD RIZAL")
    assert result.exact and result.similarity == pytest.approx(1.0)
    assert result.different == 0 and result.missing == 0


def test_moh_and_moch_abbreviations_are_the_same_name():
    assert parse_name("MOH. RIZAL LASENA").key == parse_name("MOCH. RIZAL LASENA").key
    assert compare("MOH. RIZAL LASENA", "MUH. RIZAL LASENA").exact


@pytest.mark.parametrize(
    "written",
    [
        "H. RIZAL LASENA",
        "Hj. Rizal Lasena",
        "Drs. Rizal Lasena",
        "Ibu Rizal Lasena",
        "Bapak Rizal Lasena",
        "Drs. H. Rizal Lasena, M.Si",
        "RIZAL LASENA, S.Pd",
        "RIZAL LASENA S.Pd",
        "RIZAL LASENA S.H.",
        "Rizal Lasena, S.H., M.H.",
    ],
)
def test_titles_and_degrees_are_not_part_of_the_name(written):
    assert words(written) == ["RIZAL", "LASENA"]
    assert parse_name(written).key == "RIZALLASENA"
    result = compare(written, "RIZAL LASENA")
    assert result.exact and result.different == 0 and result.missing == 0
    assert result.bits == pytest.approx(compare("RIZAL LASENA", "RIZAL LASENA").bits)


def test_a_title_alone_is_still_a_name_to_compare():
    assert words("IBU") == ["IBU"]


def test_an_initial_matches_the_word_it_begins():
    result = compare("IKHSAN J. DATAU", "IKHSAN JAMAL DATAU")
    assert result.matched == 3 and result.missing == 0 and result.different == 0
    assert result.bits > 0
    # Symmetric: the registry may hold the initial and the list the full word.
    assert compare("IKHSAN JAMAL DATAU", "IKHSAN J. DATAU").bits == pytest.approx(result.bits)


def test_a_fitting_initial_counts_for_more_than_a_dropped_word_and_a_wrong_one_for_less():
    fitting = compare("IKHSAN J. DATAU", "IKHSAN JAMAL DATAU").bits
    dropped = compare("IKHSAN DATAU", "IKHSAN JAMAL DATAU").bits
    wrong = compare("IKHSAN K. DATAU", "IKHSAN JAMAL DATAU").bits
    assert fitting > dropped
    assert fitting > wrong


@pytest.mark.parametrize(
    ("a", "b"), [("YUSUFPADMASARI", "YUSUF PADMASARI"), ("YUSUF PADMASARI", "YUSUFPADMASARI")]
)
def test_words_written_together_or_apart_are_the_same_name(a, b):
    result = compare(a, b)
    assert result.matched >= 1 and result.different == 0 and result.missing == 0
    assert result.similarity > 0.9
    assert result.bits > compare("YUSUF PADMASARI", "YUSUF").bits  # better than a dropped word
    assert result.bits > 0


def test_a_mistyped_word_still_agrees():
    result = compare("RIZAL LASSENA", "RIZAL LASENA")
    assert result.matched == 2 and result.typos == 1 and result.different == 0
    assert 0 < result.bits < compare("RIZAL LASENA", "RIZAL LASENA").bits


def test_words_in_another_order_are_the_same_words():
    result = compare("LASENA RIZAL", "RIZAL LASENA")
    assert result.matched == 2 and result.different == 0 and result.bits > 0


def test_a_different_surname_is_strong_evidence_against():
    same = compare("RIZAL LASENA", "RIZAL LASENA")
    other = compare("RIZAL LASENA", "RIZAL HULOPI")
    assert other.different == 1
    assert other.bits < 0
    assert same.bits - other.bits > 10  # far more than the surname's own rarity
    # Worse than a surname left out: a list drops words, it rarely writes another one.
    assert other.bits < compare("RIZAL LASENA", "RIZAL").bits


def test_wholly_different_names_do_not_agree():
    result = compare("RIZAL LASENA", "HUMAIRA HULOPI")
    assert result.matched == 0 and result.bits < 0 and not result.exact


def test_a_rare_name_counts_for_more_than_a_common_one():
    assert IDF("HUMAIRA") > IDF("SITI")
    assert compare("HUMAIRA LASENA", "HUMAIRA LASENA").bits > compare("SITI LASENA", "SITI LASENA").bits
    assert compare("HUMAIRA", "HUMAIRA").bits > compare("SITI", "SITI").bits


def test_a_word_never_seen_counts_as_rare():
    assert IDF("ZULFIKRAH") > IDF("SITI")
    assert IDF("ZULFIKRAH") >= IDF("NUR")


def test_rarity_is_at_least_one_bit_even_for_the_commonest_word():
    idf = idf_from_counts({"SITI": 10_000}, 10_000)
    assert idf("SITI") >= 1.0
