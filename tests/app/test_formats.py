from datetime import date

from app.formats import date_text, format_number, format_percent
from app.i18n import set_language
from ui.registry.detail_format import thousands
from ui.screening.look import rupiah


def test_numbers_are_grouped_in_the_current_language_everywhere():
    assert format_number(1234567) == thousands(1234567) == "1.234.567"
    assert rupiah(1500000) == "Rp 1.500.000"
    set_language("en")
    assert format_number(1234567) == thousands(1234567) == "1,234,567"
    assert rupiah(1500000) == "Rp 1,500,000"
    assert format_number(None) == "0"


def test_dates_read_dd_mm_yyyy_whatever_their_form():
    assert date_text(date(1960, 1, 1)) == date_text("1960-01-01") == "01-01-1960"
    assert date_text(None) == "" and date_text("kemarin") == "kemarin"


def test_a_probability_below_one_never_reads_one_hundred_percent():
    assert format_percent(0.9997) == "99,97\u00a0%"
    assert format_percent(0.9999999) == "99,999\u00a0%"
    assert format_percent(1.0) == "100,0\u00a0%" and format_percent(0.875) == "87,5\u00a0%"
    set_language("en")
    assert format_percent(0.9997) == "99.97\u00a0%"
    assert format_percent(None) == ""
