"""A query with no letter or digit would match everybody: it is refused as too short, never answered with
arbitrary people."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.registry.search import SearchTooShort, search_people
from tests.app.registry.test_search import names, registry  # noqa: F401  (the fixture)


@pytest.mark.parametrize("query", ['"', "*", "%", "_", '" * % _', "é"])
def test_a_query_without_letters_or_digits_is_refused_as_too_short(office_db, operator, registry, query):  # noqa: F811
    with pytest.raises(SearchTooShort) as refused:
        search_people(office_db.unit_of_work(), operator, query)
    assert isinstance(refused.value, DomainError)
    assert "terlalu pendek" in str(refused.value) and query in str(refused.value)


def test_one_letter_or_digit_is_enough_and_an_empty_query_lists_nobody(office_db, operator, registry):  # noqa: F811
    assert names(office_db, operator, "m") and names(office_db, operator, '"m*')
    assert names(office_db, operator, "7")
    assert search_people(office_db.unit_of_work(), operator, "   ").ids == ()
