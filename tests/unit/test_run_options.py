"""A run's pins and exclusions, and the figures it adds (unmet demand, changes), as pure rules."""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import pair_keys
from services.matching.domain.pins import (
    MENTEE_PINNED_TWICE,
    MENTOR_FULL,
    NOT_ELIGIBLE,
    PAIR_DECLINED,
    PAIR_EXCLUDED,
    place_pins,
    with_exclusions,
    without_pinned,
)
from services.matching.domain.run_figures import compare_runs, unmet_demand
from services.matching.domain.weights import Weights
from services.matching.solver.flow import solve
from tests.builders import Mentee, Mentor, problem_from_records

MATH = frozenset({"math"})
BASIC = frozenset({"basic"})


def mentors(*capacities: int, subjects=MATH) -> list[Mentor]:
    return [Mentor(j, 100 + j, subjects, BASIC, 1, 1, 1, c) for j, c in enumerate(capacities)]


def mentees(n: int) -> list[Mentee]:
    return [Mentee(i, 200 + i, "math", "basic", 1, 1, 1, young_specialist=i == 0) for i in range(n)]


def test_an_excluded_pair_is_never_solved_but_the_others_are():
    problem = with_exclusions(problem_from_records(mentors(1), mentees(1)), np.array([0]), np.array([0]))
    assert solve(problem).matched == 0
    problem = with_exclusions(problem_from_records(mentors(1, 1), mentees(1)), np.array([0]), np.array([0]))
    assert solve(problem).mentor_index.tolist() == [1]


def test_pins_hold_in_order_until_the_mentor_is_full_and_each_refusal_says_why():
    history = Mentor(2, 102, frozenset({"history"}), BASIC, 1, 1, 1, 3)
    problem = problem_from_records([*mentors(1, 2), history], mentees(5), declined=[(3, 1)])
    i, j = np.array([0, 1, 2, 0, 3, 4, 4]), np.array([0, 0, 1, 1, 1, 2, 1])
    pinned = place_pins(problem, i, j, pair_keys(np.array([2]), np.array([1]), problem.n_mentors), Weights())
    assert pinned.mentee.tolist() == [0, 4] and pinned.mentor.tolist() == [0, 1]
    assert dict(pinned.refused) == {1: MENTOR_FULL, 2: PAIR_EXCLUDED, 3: MENTEE_PINNED_TWICE, 4: PAIR_DECLINED,
                                    5: NOT_ELIGIBLE}
    assert len(pinned.cost) == 2


def test_a_pinned_pair_takes_its_mentors_slot_and_its_mentee_leaves_the_problem():
    problem = problem_from_records(mentors(2, 1), mentees(3))
    pinned = place_pins(problem, np.array([1]), np.array([0]), np.zeros(0, np.int64), Weights())
    reduced, rows = without_pinned(problem, pinned)
    assert rows.tolist() == [0, 2] and reduced.n_mentees == 2
    assert reduced.mentor_free.tolist() == [1, 1] and reduced.mentor_load.tolist() == [1, 0]
    solved = solve(reduced)
    assert solved.matched == 2 and np.bincount(solved.mentor_index, minlength=2).tolist() == [1, 1]


def test_pins_of_one_mentor_pay_for_their_slots_in_turn():
    problem = problem_from_records(mentors(3), mentees(2))
    pinned = place_pins(problem, np.array([0, 1]), np.array([0, 0]), np.zeros(0, np.int64), Weights())
    assert pinned.cost[1] - pinned.cost[0] == Weights().load_step


def test_unmet_demand_is_counted_by_subject_and_stage_with_russian_labels():
    demand = unmet_demand(["math", "math", None, "physics"], ["basic", "basic", "primary", None])
    assert demand[0] == {"subject": "math", "subject_label": "Математика", "stage": "basic",
                         "stage_label": "Основное общее образование", "count": 2}
    assert {d["subject_label"] for d in demand[1:]} == {"без предмета (направления деятельности)", "Физика"}
    assert unmet_demand([], []) == []


def test_changes_against_the_previous_run_count_added_removed_and_kept():
    kept, changes = compare_runs("r1", {"s1": "t1", "s2": "t2", "s3": "t3"}, ["s1", "s2", "s4"], ["t1", "t9", "t4"])
    assert kept.tolist() == [True, False, False]
    assert changes == {"previous_run_id": "r1", "added": 2, "removed": 2, "kept": 1}
