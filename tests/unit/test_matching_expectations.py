"""The bank's columns of whom a mentor helps in matching: the kind of mentee (a hard rule), the experience and
qualification category a mentor expects (cost terms), their explanations, unmatched reasons and weights."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from pydantic import ValidationError

from services.matching.adapters.problem_loading import pair_problem
from services.matching.api.run_schemas import RunIn
from services.matching.domain.eligibility import eligible, takes_kind
from services.matching.domain.explanations import explain_pair, pair_cost
from services.matching.domain.problem import UNKNOWN
from services.matching.domain.suggestions import suggest
from services.matching.domain.unmatched import ALL_BUSY, unmatched_reasons
from services.matching.domain.vocabulary import KINDS, accepted_kinds
from services.matching.domain.weights import Weights
from services.matching.solver.baselines import solve_bipartite
from services.matching.solver.flow import solve
from shared.errors import ValidationFailed
from tests.bench.generate import generate
from tests.builders import Mentee, Mentor, explain, problem_from_records
from tests.unit.test_solver import check_invariants


def mentor(id: int = 1, **kw) -> Mentor:
    base = dict(id=id, person_id=1000 + id, subjects=frozenset({"math"}), stages=frozenset({"basic"}),
                organization=1, municipality=1, region=1, capacity=2, category="highest")
    return Mentor(**{**base, **kw})


def mentee(id: int = 1, **kw) -> Mentee:
    base = dict(id=id, person_id=id, subject="math", stage="basic", organization=1, municipality=1, region=1)
    return Mentee(**{**base, **kw})


def takes(e: Mentee, m: Mentor) -> bool:
    return eligible(problem_from_records([m], [e]), 0, 0)


def terms(e: Mentee, m: Mentor, weights: Weights = Weights()) -> dict[str, tuple[str, int]]:
    return {t.name: (t.label_ru, t.value) for t in explain(e, m, weights)}


def test_a_mentor_listing_kinds_takes_only_mentees_of_those_kinds():
    helps_young = mentor(mentee_kinds=frozenset({"young_specialist", "new_employee"}))
    assert takes(mentee(kind="young_specialist"), helps_young)
    assert takes(mentee(kind="new_employee"), helps_young)
    assert not takes(mentee(kind="burnout"), helps_young)
    assert not takes(mentee(kind="student"), helps_young)


def test_a_mentor_listing_no_kind_takes_every_kind_students_and_unknown_included():
    for kind in (*KINDS.names, None):
        assert takes(mentee(kind=kind), mentor())


def test_a_mentor_of_students_takes_students_only():
    of_students = mentor(mentee_kinds=frozenset({"student"}))
    assert takes(mentee(kind="student"), of_students)
    assert not takes(mentee(kind="young_specialist", young_specialist=True), of_students)
    assert not takes(mentee(kind=None), of_students)  # an unknown kind is not among the listed ones


def test_a_mentor_of_little_experienced_teachers_takes_young_specialists_but_not_the_other_way_round():
    assert takes(mentee(kind="young_specialist"), mentor(mentee_kinds=frozenset({"low_experience"})))
    assert not takes(mentee(kind="low_experience"), mentor(mentee_kinds=frozenset({"young_specialist"})))
    assert accepted_kinds([]) == 0 and accepted_kinds(["nonsense"]) == 0


@pytest.mark.parametrize(("years", "outside"), [(0, 0), (3, 0), (4, 1), (5, 2), (8, 5), (40, 5)])
def test_experience_above_the_expected_range_costs_per_year_up_to_the_cap(years: int, outside: int):
    w = Weights()
    found = terms(mentee(experience_years=years), mentor(mentee_experience_min=0, mentee_experience_max=3), w)
    assert found.get("mentee_experience", ("", 0))[1] == outside * w.mentee_experience_year


@pytest.mark.parametrize(("low", "high", "years", "outside"), [
    (5, 10, 2, 3), (5, 10, 5, 0), (5, 10, 10, 0), (5, None, 1, 4), (5, None, 30, 0), (None, 3, 6, 3),
    (None, 3, 0, 0), (None, None, 25, 0)])
def test_experience_below_the_range_and_open_ends_of_it(low, high, years, outside):
    found = terms(mentee(experience_years=years),
                  mentor(mentee_experience_min=low, mentee_experience_max=high), Weights(mentee_experience_year=1))
    assert found.get("mentee_experience", ("", 0))[1] == outside


def test_an_unknown_experience_costs_nothing():
    assert "mentee_experience" not in terms(mentee(), mentor(mentee_experience_min=0, mentee_experience_max=3))


def test_another_qualification_category_than_expected_costs_the_mismatch_weight():
    w = Weights()
    expects_first = mentor(mentee_qualification="first")
    assert terms(mentee(qualification="highest"), expects_first)["mentee_category"][1] == w.mentee_category_mismatch
    assert terms(mentee(qualification="none"), expects_first)["mentee_category"][1] == w.mentee_category_mismatch
    assert "mentee_category" not in terms(mentee(qualification="first"), expects_first)
    assert "mentee_category" not in terms(mentee(qualification=None), expects_first)  # unknown: no penalty
    assert "mentee_category" not in terms(mentee(qualification="szd"), mentor())  # nothing expected


def test_the_expectation_terms_are_explained_in_russian_and_add_up_to_the_cost():
    problem = problem_from_records(
        [mentor(mentee_experience_min=0, mentee_experience_max=3, mentee_qualification="first")],
        [mentee(experience_years=5, qualification="highest")])
    explained = {t.name: (t.label_ru, t.value) for t in explain_pair(problem, 0, 0)}
    assert explained["mentee_experience"] == ("стаж наставляемого вне ожидаемого наставником "
                                              "(5 лет при ожидаемых 0–3)", 4)
    assert explained["mentee_category"] == ("категория наставляемого не та, что ожидает наставник "
                                            "(высшая категория, ожидается первая категория)", 6)
    assert pair_cost(problem, 0, 0) == suggest(problem, 0)[0].cost == 0 + 0 + 4 + 6  # distance, category, terms
    assert "(1 год при ожидаемых от 10)" in terms(mentee(experience_years=1), mentor(mentee_experience_min=10)
                                                  )["mentee_experience"][0]


def test_the_unmatched_reason_names_the_kind_when_only_the_kind_rule_leaves_no_mentor():
    problem = problem_from_records(
        [mentor(1, mentee_kinds=frozenset({"new_employee"})), mentor(2, capacity=1, load=1)],
        [mentee(1, kind="burnout"), mentee(2, kind="student", subject="russian"), mentee(3, kind="new_employee")])
    assert unmatched_reasons(problem, [0, 1]) == [
        ALL_BUSY,  # mentor 2 takes any kind but is full
        "нет наставника по предмету «Русский язык» на уровне «Основное общее образование» в районе"]
    only_listing = problem_from_records([mentor(1, mentee_kinds=frozenset({"new_employee"}))],
                                        [mentee(1, kind="burnout"), mentee(2, kind="new_employee")])
    assert unmatched_reasons(only_listing, [0, 1]) == [
        "нет наставника по предмету «Математика» на уровне «Основное общее образование» в районе, который берёт "
        "наставляемых этого вида («Профессиональное выгорание»)", ALL_BUSY]


def test_the_solver_never_pairs_a_mentee_with_a_mentor_refusing_its_kind():
    mentors = [mentor(1, mentee_kinds=frozenset({"student"})), mentor(2, organization=2)]
    problem = problem_from_records(mentors, [mentee(1, kind="young_specialist", young_specialist=True)])
    solution = solve(problem)
    assert solution.mentor_index.tolist() == [1]  # the same-organization mentor takes students only
    assert solve(replace(problem, mentor_free=np.array([1, 0]))).matched == 0


def test_the_solver_prefers_the_mentor_expecting_such_a_mentee_when_the_rest_is_equal():
    mentors = [mentor(1, mentee_experience_min=10), mentor(2, mentee_experience_max=5, mentee_qualification="none")]
    problem = problem_from_records(mentors, [mentee(1, experience_years=2, qualification="none")])
    assert solve(problem).mentor_index.tolist() == [1]
    assert solve(problem, Weights(mentee_experience_year=0)).total_cost == 0


def generated_with_expectations(n_mentees: int, seed: int):
    """A generated region whose mentors list kinds (a third of them) and expect experience and categories."""
    problem = generate(n_mentees, seed=seed)
    rng = np.random.default_rng(seed)
    n, m = problem.n_mentees, problem.n_mentors
    low = rng.choice([UNKNOWN, 0, 3, 10], size=m)
    return replace(problem, mentee_kind=np.where(problem.mentee_young, 0, rng.integers(-1, len(KINDS.names), size=n)),
                   mentor_kinds=np.where(rng.random(m) < 0.66, 0, rng.integers(1, 2 ** 9, size=m)),
                   mentee_experience=rng.integers(-1, 30, size=n), mentee_qualification=rng.integers(-1, 4, size=n),
                   mentor_expected_min=low, mentor_expected_max=np.where(low < 0, rng.choice([UNKNOWN, 5], size=m),
                                                                         low + rng.integers(2, 15, size=m)),
                   mentor_expected_category=rng.integers(-1, 4, size=m))


def test_the_flow_on_a_generated_region_with_kinds_and_expectations_equals_the_plain_bipartite_flow():
    problem = generated_with_expectations(1_500, seed=5)
    flow, plain = solve(problem, backend="ortools"), solve_bipartite(problem)
    lemon = solve(problem, backend="lemon")
    for solution in (flow, plain, lemon):
        check_invariants(problem, Weights(), solution)
        assert takes_kind(problem, solution.mentee_index, solution.mentor_index).all()
    figures = {(s.matched, s.young_matched, s.total_cost) for s in (flow, plain, lemon)}
    assert len(figures) == 1
    assert 0 < flow.matched < problem.n_mentees


def test_the_new_weights_are_validated_in_the_run_options():
    assert Weights().pair_cost_bounds(0)[1] - Weights(mentee_experience_year=0, mentee_category_mismatch=0
                                                      ).pair_cost_bounds(0)[1] == 2 * 5 + 6
    run = RunIn(scope="region:r1", options={"weights": {"mentee_experience_year": 3, "mentee_category_mismatch": 0}})
    assert run.checked_options()["weights"] == {"mentee_experience_year": 3, "mentee_category_mismatch": 0}
    for name in ("mentee_experience_year", "mentee_experience_max_years", "mentee_category_mismatch"):
        with pytest.raises(ValidationError, match="greater than or equal to 0"):  # the schema states the bound
            RunIn(scope="region:r1", options={"weights": {name: -1}})
    with pytest.raises(ValidationFailed, match="веса расстояния должны расти"):  # a rule between weights: the code's
        RunIn(scope="region:r1", options={"weights": {"same_municipality": 60}}).checked_options()


def test_read_model_rows_encode_the_kinds_and_expectations_unknown_as_unknown():
    row = dict(id="m1", organization_id="o1", municipality_id="mu1", region_id="r1", subjects=["math"],
               stages=["basic"], directions=[], formats=[], capacity=2, trained=False)
    expecting = SimpleNamespace(**row, full_name="Иванова", qualification_category="first", experience_years=None,
                                mentee_categories=["low_experience"], mentee_experience_min=0,
                                mentee_experience_max=3, mentee_qualification="first")
    young = SimpleNamespace(id="e1", organization_id="o1", municipality_id="mu1", region_id="r1",
                            full_name="Петров", subject="math", stage="basic", directions=[], formats=[],
                            category="young_specialist", is_student=False, preferred_mentor_ids=[],
                            experience_years=5, qualification_category=None)
    problem = pair_problem(expecting, young)
    assert problem.mentor_kinds.tolist() == [accepted_kinds(["low_experience", "young_specialist"])]
    assert (problem.mentor_expected_min[0], problem.mentor_expected_max[0]) == (0, 3)
    assert problem.mentor_experience.tolist() == [0] and problem.mentee_qualification.tolist() == [UNKNOWN]
    assert eligible(problem, 0, 0) and problem.mentee_experience.tolist() == [5]
    assert {t.name for t in explain_pair(problem, 0, 0)} >= {"mentee_experience"}
    student = pair_problem(expecting, SimpleNamespace(**{**vars(young), "category": "student",
                                                         "experience_years": None}))
    assert not eligible(student, 0, 0) and student.mentee_experience.tolist() == [UNKNOWN]


def test_every_weight_has_russian_words_in_the_console():
    from services.console.pages.run_words import WEIGHTS, weight_rows

    assert set(WEIGHTS) == set(Weights().as_dict())
    assert ("категория наставляемого не та, что ожидает наставник", "6") in weight_rows(Weights().as_dict())
