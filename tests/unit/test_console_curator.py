"""Pure pieces of the curator's and the indicator pages: the pair workflow in words, why a mentor is suggested,
report half-years, the menu's extra items and the bar charts' numbers."""

from __future__ import annotations

from datetime import date

from services.console.pages.indicator_charts import band_word, demand_bars, load_bars, percent_bars, periods
from services.console.pages.nav_extra import with_extra_pages
from services.console.pages.pair_words import add_months, half_years, previous_month, reasons, records_allowed
from services.console.roles import nav_for


def test_a_suggestions_terms_read_as_what_speaks_for_the_mentor_and_what_against():
    pros, cons = reasons([{"name": "same_municipality", "label": "тот же район", "value": 20},
                          {"name": "category", "label": "высшая категория", "value": 0},
                          {"name": "trained", "label": "прошёл обучение наставников", "value": -6}])
    assert pros == ["высшая категория", "прошёл обучение наставников: −6"]
    assert cons == ["другая организация того же района: +20"]


def test_each_state_allows_its_records_only():
    assert records_allowed("proposed") == {"program": False, "diary": False, "report": False}
    assert records_allowed("confirmed") == {"program": True, "diary": False, "report": False}
    assert records_allowed("active") == {"program": True, "diary": True, "report": True}
    assert records_allowed("completed") == {"program": False, "diary": False, "report": True}


def test_months_and_half_years_of_a_program():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 9) == date(2026, 10, 15)
    assert previous_month(date(2026, 1, 10)) == "2025-12"
    assert half_years("2025-09-01", date(2026, 11, 26)) == [
        ("2026-H2", "2-е полугодие 2026 г."), ("2026-H1", "1-е полугодие 2026 г."),
        ("2025-H2", "2-е полугодие 2025 г.")]
    assert half_years(None, date(2026, 3, 1)) == [("2026-H1", "1-е полугодие 2026 г.")]


def test_pairs_applications_and_indicators_join_the_menu_after_the_mentees_by_role():
    curator = [i.label for i in with_extra_pages(nav_for("school_curator"), "school_curator")]
    assert curator == ["Главная", "Банк наставников", "Наставляемые", "Пары", "Заявки"]
    region = [i.label for i in with_extra_pages(nav_for("region_operator"), "region_operator")]
    assert region[:6] == ["Главная", "Банк наставников", "Наставляемые", "Пары", "Заявки", "Показатели"]
    assert region[-1] == "Пользователи"


INDICATORS = [
    {"code": "coverage", "label": "Охват", "unit": "%", "value": 45.5, "target": 70.0, "met": False},
    {"code": "mentors_trained", "label": "Обучены", "unit": "%", "value": 120.0, "target": None, "met": None},
    {"code": "effective_pairs", "label": "Результативные", "unit": "%", "value": None, "target": None},
    {"code": "mentor_load", "label": "Нагрузка", "unit": "чел.", "value": 0.4,
     "details": {"distribution": {"0": 18, "1": 1, "2": 3}}},
    {"code": "unmet_demand", "label": "Без наставника", "unit": "чел.", "value": 5.0,
     "details": {"groups": [{"subject": "math", "mentees": 2}, {"subject": None, "mentees": 1},
                            {"subject": "math", "mentees": 2}]}},
]


def test_bars_of_the_indicators_page():
    shares = percent_bars(INDICATORS)
    assert [(b.label, b.width, b.target_at, b.met) for b in shares] == [("Охват", 45.5, 70.0, False),
                                                                        ("Обучены", 100.0, None, None)]
    loads = load_bars(INDICATORS)
    assert [(b.label, b.value, b.width) for b in loads] == [
        ("без наставляемых", 18.0, 100.0), ("с 1 наставляемым", 1.0, 5.6), ("с 2 наставляемыми", 3.0, 16.7)]
    demand = demand_bars(INDICATORS, {"math": "Математика"})
    assert [(b.label, b.value) for b in demand] == [("Математика", 4.0), ("без предмета", 1.0)]
    assert load_bars([]) == [] and demand_bars([], {}) == []


def test_periods_and_bands_in_words():
    assert periods(2026)[:3] == [("now", "на сегодня"), ("2026", "2026 год"), ("2026-H1", "1-е полугодие 2026 г.")]
    assert [band_word(b) for b in ("high", "medium", "low", None)] == ["высокий", "средний", "низкий", "—"]
