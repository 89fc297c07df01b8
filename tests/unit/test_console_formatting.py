"""Russian formatting of numbers, percentages, dates, months and plurals (Babel, ru_RU)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.console import formatting

NBSP = "\xa0"
YEAR = "\u202fг."  # a narrow no-break space keeps «г.» with its year


def test_numbers_group_thousands_with_a_non_breaking_space_and_use_a_decimal_comma():
    assert formatting.number(1234567) == f"1{NBSP}234{NBSP}567"
    assert formatting.number(12.345) == "12,3"
    assert formatting.number(12.0) == "12"
    assert formatting.number(None) == "—"


def test_percentages_are_values_already_in_per_cent():
    assert formatting.percent(72.456) == f"72,5{NBSP}%"
    assert formatting.percent(100) == f"100{NBSP}%"
    assert formatting.percent(None) == "—"


def test_dates_and_months_are_written_in_russian_words():
    assert formatting.day(date(2026, 3, 5)) == f"5 марта 2026{YEAR}"
    assert formatting.day("2026-09-01T10:00:00+00:00") == f"1 сентября 2026{YEAR}"
    assert formatting.month("2026-03") == f"март 2026{YEAR}"
    assert formatting.day(None) == "—"


def test_moments_are_shown_in_the_regions_time_zone():
    moment = datetime(2026, 3, 5, 21, 30, tzinfo=UTC)
    assert formatting.moment(moment, "Europe/Moscow") == f"6 марта 2026{YEAR}, 00:30"
    assert formatting.moment("2026-03-05T21:30:00Z", "Asia/Yekaterinburg") == f"6 марта 2026{YEAR}, 02:30"
    assert formatting.moment(datetime(2026, 3, 5, 21, 30), "Europe/Moscow") == f"6 марта 2026{YEAR}, 00:30"


def test_plurals_follow_the_russian_rules():
    words = ("наставник", "наставника", "наставников")
    assert [formatting.plural(n, *words) for n in (1, 2, 5, 11, 21, 22, 25, 111)] == [
        "1 наставник", "2 наставника", "5 наставников", "11 наставников", "21 наставник", "22 наставника",
        "25 наставников", "111 наставников"]
