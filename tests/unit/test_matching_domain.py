"""Matching rules: eligibility, cost terms with Russian labels, suggestions and unmatched reasons."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from services.matching.domain.eligibility import eligible
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.suggestions import suggest
from services.matching.domain.unmatched import unmatched_reason, unmatched_reasons
from services.matching.domain.vocabulary import STAGES, Vocabulary
from services.matching.domain.weights import Weights
from tests.bench.generate import generate
from tests.builders import Mentee, Mentor, explain, problem_from_records


def mentor(id: int = 1, **kw) -> Mentor:
    base = dict(id=id, person_id=1000 + id, subjects=frozenset({"math"}), stages=frozenset({"basic"}),
                organization=1, municipality=1, region=1, capacity=2, category="highest")
    return Mentor(**{**base, **kw})


def mentee(id: int = 1, **kw) -> Mentee:
    base = dict(id=id, person_id=id, subject="math", stage="basic", organization=1, municipality=1, region=1)
    return Mentee(**{**base, **kw})


def is_eligible(e: Mentee, m: Mentor, weights: Weights = Weights(), declined=()) -> bool:
    problem = problem_from_records([m], [e], declined)
    return eligible(problem, 0, 0, weights)


def test_vocabulary_encodes_codes_and_bitmasks():
    vocabulary = Vocabulary(("math", "russian", "physics"))
    assert vocabulary.code("russian") == 1
    assert vocabulary.mask({"math", "physics"}) == 0b101
    assert vocabulary.decode(0b110) == ["russian", "physics"]
    assert STAGES.names == ("preschool", "primary", "basic", "secondary", "vocational")


def test_a_mentor_teaching_the_subject_and_stage_nearby_is_eligible():
    assert is_eligible(mentee(), mentor())


def test_a_mentor_of_another_subject_is_not_eligible():
    assert not is_eligible(mentee(subject="russian"), mentor())


def test_a_direction_only_request_needs_a_mentor_covering_that_direction():
    request = mentee(subject=None, directions=frozenset({"project"}))
    assert is_eligible(request, mentor(directions=frozenset({"project", "methodical"})))
    assert not is_eligible(request, mentor(directions=frozenset({"methodical"})))


def test_an_adjacent_stage_is_allowed_only_with_a_configured_penalty():
    assert is_eligible(mentee(stage="primary"), mentor())
    assert not is_eligible(mentee(stage="primary"), mentor(), Weights(adjacent_stage=None))
    assert not is_eligible(mentee(stage="secondary"), mentor(stages=frozenset({"primary"})))
    assert not is_eligible(mentee(stage="vocational"), mentor(stages=frozenset({"secondary"})))


def test_a_mentor_without_free_load_is_not_eligible():
    assert not is_eligible(mentee(), mentor(capacity=2, load=2))


def test_a_mentor_of_another_region_is_not_eligible():
    assert not is_eligible(mentee(), mentor(region=2))


def test_another_municipality_needs_both_sides_to_accept_a_distance_format():
    far = mentor(municipality=2, organization=9, formats=frozenset({"in_person", "remote"}))
    assert is_eligible(mentee(formats=frozenset({"blended"})), far)
    assert not is_eligible(mentee(formats=frozenset({"in_person"})), far)
    assert not is_eligible(mentee(formats=frozenset({"remote"})), mentor(municipality=2, organization=9))


def test_a_declined_pair_and_the_same_person_are_never_eligible():
    assert not is_eligible(mentee(), mentor(), declined=[(1, 1)])
    assert not is_eligible(mentee(person_id=7), mentor(person_id=7))


def labels(terms) -> dict[str, int]:
    return {t.label_ru: t.value for t in terms}


def test_distance_terms_order_organization_municipality_region():
    remote = frozenset({"remote"})
    org = labels(explain(mentee(), mentor()))
    mun = labels(explain(mentee(), mentor(organization=2)))
    region = labels(explain(mentee(formats=remote), mentor(organization=3, municipality=2, formats=remote)))
    assert org["та же организация"] < mun["тот же район"] < region["другой район региона (дистанционно)"]


def test_each_cost_term_is_explained_with_its_weight():
    w = Weights()
    terms = labels(explain(mentee(stage="primary", directions=frozenset({"project"}), preferred_mentors=(1,)),
                           mentor(trained=True, experience_years=12, load=1, capacity=3), w))
    assert terms == {"та же организация": 0, "смежный уровень образования": w.adjacent_stage,
                     "не ведёт запрошенное направление": w.direction_uncovered, "высшая категория": 0,
                     "прошёл обучение наставников": w.trained, "стаж 12 лет": 2 * w.experience_step,
                     "желаемый наставник": w.preferred, "2-й наставляемый у наставника": w.load_step}
    covered = labels(explain(mentee(directions=frozenset({"project"})),
                             mentor(directions=frozenset({"project"}), category="first")))
    assert covered["ведёт запрошенное направление"] == 0
    assert covered["первая категория"] == w.category_first


def test_suggestions_are_ranked_by_cost_and_skip_ineligible_mentors():
    mentors = [mentor(1, organization=2), mentor(2), mentor(3, subjects=frozenset({"russian"})),
               mentor(4, category="none"), mentor(5, organization=2, trained=True)]
    problem = problem_from_records(mentors, [mentee()])
    ranked = suggest(problem, 0, limit=3)
    assert [s.mentor_id for s in ranked] == [2, 4, 5]
    assert [s.cost for s in ranked] == [0, 12, 14]
    assert sum(t.value for t in ranked[2].terms) == ranked[2].cost


def test_suggestions_on_a_generated_region_are_ranked_by_cost():
    problem = generate(20_000, seed=3)
    ranked = suggest(problem, 1, limit=10)
    assert ranked and [s.cost for s in ranked] == sorted(s.cost for s in ranked)


def test_unmatched_reason_tells_no_mentor_from_all_mentors_busy():
    problem = problem_from_records(
        [mentor(1, capacity=1, load=1), mentor(2, subjects=frozenset({"russian"}), capacity=1)],
        [mentee(1), mentee(2, subject="russian", stage="preschool"), mentee(3, subject=None,
                                                                           directions=frozenset({"project"}))])
    assert unmatched_reason(problem, 0) == "все подходящие наставники заняты"
    assert unmatched_reasons(problem, [1, 2]) == [  # labels as the shared dictionary spells them
        "нет наставника по предмету «Русский язык» на уровне «Дошкольное образование» в районе",
        "нет наставника по направлению «Проектная деятельность» на уровне «Основное общее образование» в районе"]


def test_weights_are_reported_and_validated():
    assert Weights().as_dict()["same_municipality"] == 20
    with pytest.raises(ValueError):
        Weights(same_municipality=100, elsewhere_in_region=50)


def test_problem_arrays_must_agree_in_length():
    problem = problem_from_records([mentor()], [mentee()])
    with pytest.raises(ValueError):
        MatchingProblem(**{**{f.name: getattr(problem, f.name) for f in fields(problem)},
                           "mentor_free": np.array([1, 2])})


def test_suggestions_over_subject_candidates_equal_a_scan_of_every_mentor():
    from types import SimpleNamespace

    from services.matching.adapters.suggestion_cache import RegionMentors

    problem = generate(5_000, seed=4)
    region = RegionMentors((0, 0), {}, {}, None, problem)
    direction_only = np.flatnonzero(problem.mentee_subject < 0)[:5].tolist()
    for i in [*range(0, 300, 7), *direction_only]:
        one = SimpleNamespace(mentee_subject=problem.mentee_subject[i:i + 1],
                              mentee_directions=problem.mentee_directions[i:i + 1])
        fast = suggest(problem, i, 5, candidates=region.candidates(one))
        assert [(s.mentor_index, s.cost) for s in fast] == [(s.mentor_index, s.cost) for s in suggest(problem, i, 5)]
