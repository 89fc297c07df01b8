"""A pair's cost split into named terms with the Russian words an operator reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.matching.domain import costs
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import CATEGORIES, CATEGORY_LABELS, NO_SUBJECT
from services.matching.domain.weights import Weights


@dataclass(frozen=True)
class CostTerm:
    """One named part of a pair's cost, with the Russian label a person reads."""

    name: str
    label_ru: str
    value: int


def years_ru(n: int) -> str:
    """`n` years in Russian: 1 год, 2 года, 5 лет."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} года"
    return f"{n} лет"


def expected_years_ru(low: int, high: int) -> str:
    """The experience range a mentor expects, in Russian: «0–3», «от 5», «до 3»."""
    if low >= 0 and high >= 0:
        return f"{low}–{high}"
    return f"от {low}" if low >= 0 else f"до {high}"


def _expectation_terms(problem: MatchingProblem, i: int, j: int, pair: dict[str, int]) -> list[CostTerm]:
    """The terms of what the mentor expects of a mentee, named when they cost anything."""
    terms = []
    if pair["mentee_experience"]:
        years = int(problem.mentee_experience[i])
        expected = expected_years_ru(int(problem.mentor_expected_min[j]), int(problem.mentor_expected_max[j]))
        terms.append(CostTerm("mentee_experience", f"стаж наставляемого вне ожидаемого наставником "
                                                   f"({years_ru(years)} при ожидаемых {expected})",
                              pair["mentee_experience"]))
    if pair["mentee_category"]:
        has = CATEGORY_LABELS[CATEGORIES.names[int(problem.mentee_qualification[i])]]
        wanted = CATEGORY_LABELS[CATEGORIES.names[int(problem.mentor_expected_category[j])]]
        terms.append(CostTerm("mentee_category", f"категория наставляемого не та, что ожидает наставник "
                                                 f"({has}, ожидается {wanted})", pair["mentee_category"]))
    return terms


def explain_pair(problem: MatchingProblem, mentee_index: int, mentor_index: int,
                 weights: Weights = Weights()) -> list[CostTerm]:
    """Cost terms of a pair for the mentor's next slot; their values sum to the cost the solver uses."""
    i, j = np.array([mentee_index]), np.array([mentor_index])
    pair = {k: int(v[0]) for k, v in costs.pairwise_terms(problem, i, j, weights).items()}
    own = {k: int(v[0]) for k, v in costs.mentor_terms(problem, j, weights).items()}
    same_org = problem.mentee_org[mentee_index] == problem.mentor_org[mentor_index]
    same_mun = problem.mentee_municipality[mentee_index] == problem.mentor_municipality[mentor_index]
    terms = [CostTerm("same_organization", "та же организация", pair["distance"]) if same_org
             else CostTerm("same_municipality", "тот же район", pair["distance"]) if same_mun
             else CostTerm("elsewhere_in_region", "другой район региона (дистанционно)", pair["distance"])]
    if pair["stage"]:
        terms.append(CostTerm("adjacent_stage", "смежный уровень образования", pair["stage"]))
    if problem.mentee_directions[mentee_index] and problem.mentee_subject[mentee_index] != NO_SUBJECT:
        terms.append(CostTerm("direction_uncovered", "не ведёт запрошенное направление", pair["direction"])
                     if pair["direction"] else CostTerm("direction_covered", "ведёт запрошенное направление", 0))
    category = CATEGORIES.names[int(problem.mentor_category[mentor_index])]
    terms.append(CostTerm("category", CATEGORY_LABELS[category], own["category"]))
    if problem.mentor_trained[mentor_index]:
        terms.append(CostTerm("trained", "прошёл обучение наставников", own["trained"]))
    if own["experience"]:
        years = int(problem.mentor_experience[mentor_index])
        terms.append(CostTerm("experience", f"стаж {years_ru(years)}", own["experience"]))
    terms += _expectation_terms(problem, mentee_index, mentor_index, pair)
    if pair["preferred"]:
        terms.append(CostTerm("preferred", "желаемый наставник", pair["preferred"]))
    load = int(problem.mentor_load[mentor_index])
    terms.append(CostTerm("load", f"{load + 1}-й наставляемый у наставника", int(costs.slot_cost(load, weights))))
    return terms


def pair_cost(problem: MatchingProblem, mentee_index: int, mentor_index: int, weights: Weights = Weights()) -> int:
    """The cost of a pair for the mentor's next slot: the sum of its explained terms."""
    return sum(term.value for term in explain_pair(problem, mentee_index, mentor_index, weights))
