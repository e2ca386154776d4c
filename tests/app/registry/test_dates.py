import pandas as pd

from app.registry.dates import parse_dates


def test_formats_excel_serials_and_empty_cells():
    iso, unreadable, future = parse_dates(pd.Series(["1980-05-06", "06-05-1980", "06/05/1980", "29221", ""]))
    assert list(iso) == ["1980-05-06", "1980-05-06", "1980-05-06", "1980-01-01", ""]
    assert not unreadable.any() and not future.any()


def test_a_mistyped_far_future_year_is_a_future_date_not_a_crash():
    iso, unreadable, future = parse_dates(pd.Series(["01-01-2999", "2999-12-31"]))
    assert list(iso) == ["2999-01-01", "2999-12-31"]
    assert list(future) == [True, True]
    assert not unreadable.any()


def test_impossible_and_too_early_dates_are_unreadable():
    _, unreadable, _ = parse_dates(pd.Series(["31-02-1980", "1700-01-01", "kemarin"]))
    assert list(unreadable) == [True, True, True]
