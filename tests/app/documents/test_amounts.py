"""Amounts as bank and post office lists write them, Indonesian or English, decided per column."""

from __future__ import annotations

import pytest

from app.documents.amounts import ENGLISH, INDONESIAN, NumberProblem, column_convention, read_number


@pytest.mark.parametrize(
    "text",
    [
        "1.500.000,00",
        "1.500.000",
        "Rp 1.500.000",
        "Rp. 1.500.000,-",
        "IDR 1,500,000",
        "1500000",
        "1,500,000.00",
    ],
)
def test_rupiah_in_every_common_writing_is_one_and_a_half_million(text):
    assert read_number(text, None, money=True).value == 1_500_000


def test_a_single_separator_before_three_digits_groups_thousands_in_a_rupiah_column():
    assert read_number("1.500", None, money=True).value == 1500
    assert read_number("1,500", None, money=True).value == 1500


def test_a_quantity_like_1_500_is_read_by_the_column_convention():
    assert read_number("1.500", INDONESIAN, money=False).value == 1500
    assert read_number("1.500", ENGLISH, money=False).value == 1.5
    assert read_number("2,250", INDONESIAN, money=False).value == 2.25
    assert read_number("2,250", ENGLISH, money=False).value == 2250


def test_a_quantity_like_1_500_in_a_column_without_convention_is_refused_not_guessed():
    assert read_number("1.500", None, money=False).problem is NumberProblem.AMBIGUOUS


def test_column_convention_comes_from_unambiguous_values_and_none_when_mixed():
    assert column_convention(["1.500", "10,5", "3"]) == INDONESIAN
    assert column_convention(["1,500", "2.5"]) == ENGLISH
    assert column_convention(["1.500", "2"]) is None
    assert column_convention(["10,5", "2.5"]) is None


def test_decimals_and_bad_writings():
    assert read_number("1,5", None, money=False).value == 1.5
    assert read_number("12.25", None, money=False).value == 12.25
    assert read_number("1.50.000", None, money=True).problem is NumberProblem.UNREADABLE
    assert read_number("1,500.000,00", None, money=True).problem is NumberProblem.UNREADABLE
    assert read_number("sejuta", None, money=True).problem is NumberProblem.UNREADABLE
    assert read_number("-300.000", None, money=True).problem is NumberProblem.NEGATIVE
    assert read_number("", None, money=True).value is None
