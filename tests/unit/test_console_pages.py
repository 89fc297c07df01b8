"""Pure pieces of the console pages: roles and menus, cursor paging links, API field errors, the home figures."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from services.console.client import error_from, field_errors
from services.console.pages.overview import count_pairs, from_indicators
from services.console.pages.paging import FIRST, Pager, parse_stack
from services.console.roles import assignable_roles, nav_for, scope_problem


def test_each_role_has_its_menu_and_invites_only_whom_it_may():
    assert [i.label for i in nav_for("school_curator")] == ["Главная", "Банк наставников", "Наставляемые"]
    assert "Пользователи" in [i.label for i in nav_for("region_operator")]
    assert "Пользователи" not in [i.label for i in nav_for("municipal_operator")]
    assert assignable_roles("admin") == ["admin", "region_operator", "municipal_operator", "school_curator"]
    assert "admin" not in assignable_roles("region_operator")
    assert assignable_roles("municipal_operator") == []


def test_a_scope_must_fit_the_role():
    assert scope_problem("admin", None) is None
    assert scope_problem("admin", "region:1") is not None
    assert scope_problem("municipal_operator", "municipality:42") is None
    assert "район" in scope_problem("municipal_operator", "organization:42")
    assert scope_problem("school_curator", "organization:") is not None
    assert scope_problem("integrator", None) == "Неизвестная роль"


def test_a_mentor_and_a_mentee_have_their_own_pages_and_are_bound_to_their_record():
    assert [i.label for i in nav_for("mentor")] == ["Мои пары", "Согласие на обработку данных"]
    assert [i.label for i in nav_for("mentee")] == ["Моя программа", "Согласие на обработку данных"]
    assert scope_problem("mentor", "mentor:m1") is None
    assert scope_problem("mentee", "mentee:e1") is None
    assert scope_problem("mentor", "mentee:e1") is not None
    assert scope_problem("mentee", "organization:o1") is not None
    assert scope_problem("mentor", None) is not None
    assert "mentor" not in assignable_roles("admin")  # opened from the person's card, not invited


def query(text: str | None) -> dict[str, list[str]]:
    assert text is not None
    return parse_qs(text.removeprefix("?"))


def test_paging_goes_forward_with_the_cursor_and_back_through_the_stack():
    first = Pager({"q": "Иван", "status": "active"}, None, [], "c1")
    assert first.previous_query is None and first.number == 1
    second_q = query(first.next_query)
    assert second_q["cursor"] == ["c1"] and second_q["back"] == [FIRST] and second_q["q"] == ["Иван"]
    second = Pager({"q": "Иван"}, "c1", parse_stack(second_q["back"][0]), "c2")
    assert second.number == 2
    assert "cursor" not in query(second.previous_query) and "back" not in query(second.previous_query)
    third = Pager({}, "c2", parse_stack(query(second.next_query)["back"][0]), None)
    assert third.next_query is None and third.number == 3
    assert query(third.previous_query) == {"cursor": ["c1"], "back": [FIRST]}


def test_problem_json_field_errors_land_on_form_fields():
    errors = field_errors([{"field": "body.subjects.0", "message": "недопустимое значение"},
                           {"field": "page_url", "message": "значение не подходит по формату"},
                           {"field": "", "message": "общая ошибка"}])
    assert errors == {"subjects": ["недопустимое значение"], "page_url": ["значение не подходит по формату"],
                      "": ["общая ошибка"]}
    answer = httpx.Response(422, json={"title": "Ошибка проверки данных", "detail": "Запрос не прошёл проверку",
                                       "errors": [{"field": "full_name", "message": "обязательное поле"}]})
    problem = error_from(answer, "registry")
    assert problem.status == 422 and problem.detail == "Запрос не прошёл проверку"
    assert problem.errors == {"full_name": ["обязательное поле"]}
    assert "ответил ошибкой 502" in error_from(httpx.Response(502, text="<html>"), "registry").detail


def test_the_home_figures_come_from_the_load_and_demand_indicators_and_the_pairs():
    view = from_indicators({"indicators": [
        {"code": "mentor_load", "numerator": 7, "denominator": 5, "details": {"capacity": 12}},
        {"code": "unmet_demand", "numerator": 3, "denominator": 10, "details": {}}]})
    assert (view.mentors, view.places, view.free_places, view.mentees, view.unmatched) == (5, 12, 5, 10, 3)
    proposed = [{"state": "proposed", "expires_at": "2026-03-09"}, {"state": "proposed", "expires_at": "2026-03-02"}]
    count_pairs({"total": 3, "by_state": {"proposed": 2, "active": 1, "declined": 0}}, proposed, view)
    assert view.pairs == [("proposed", "предложена", 2), ("active", "работает", 1)]
    assert view.pairs_total == 3 and view.proposed == 2
    assert [p["expires_at"] for p in view.waiting] == ["2026-03-02", "2026-03-09"]
