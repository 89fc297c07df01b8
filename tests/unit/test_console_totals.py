"""Pure pieces of the console that read the registry's counts: «Показано 1–25 из 1 234», the home figures."""

from __future__ import annotations

from services.console.pages.overview import Overview, from_indicators, with_summary
from services.console.pages.paging import Pager


def test_the_pager_says_which_rows_of_how_many_with_russian_digit_groups():
    first = Pager({}, None, [], "c1", total=1234, size=25, shown=25)
    assert first.summary == "Показано 1–25 из 1\xa0234"
    third = Pager({}, "c2", ["0", "c1"], None, total=57, size=25, shown=7)
    assert third.summary == "Показано 51–57 из 57"
    assert Pager({}, None, [], None, total=0, size=25, shown=0).summary is None
    assert Pager({}, None, [], None).summary is None  # a list without a total (another service's)


def test_the_home_figures_take_mentors_places_and_mentees_from_the_registry_summary():
    view = from_indicators({"indicators": [
        {"code": "mentor_load", "numerator": 7, "denominator": 5, "details": {"capacity": 12}},
        {"code": "unmet_demand", "numerator": 3, "denominator": 10, "details": {}}]})
    with_summary(view, {"mentors": 6, "capacity": 15, "mentees": 11, "organizations": 2})
    assert (view.mentors, view.places, view.free_places, view.mentees, view.unmatched) == (6, 15, 8, 11, 3)
    alone = with_summary(Overview(), {"mentors": 6, "capacity": 15, "mentees": 11, "organizations": 2})
    assert (alone.mentors, alone.places, alone.free_places, alone.mentees) == (6, 15, None, 11)
