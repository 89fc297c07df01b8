"""The flow solver: hand-checked instances, and proofs by property that the aggregated graph is exact."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.domain.arrays import pair_keys
from services.matching.domain.eligibility import eligible
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver import parts as parts_module
from services.matching.solver.baselines import solve_bipartite, solve_greedy
from services.matching.solver.components import component_labels
from services.matching.solver.flow import solve
from services.matching.solver.ortools_flow import min_cost_flow
from services.matching.solver.solution import Solution, SolverFailed
from tests.builders import Mentee, Mentor, problem_from_records

REMOTE = frozenset({"in_person", "remote"})


def mentor(id: int, **kw) -> Mentor:
    base = dict(id=id, person_id=1000 + id, subjects=frozenset({"math"}), stages=frozenset({"basic"}),
                organization=1, municipality=1, region=1, capacity=1, category="highest")
    return Mentor(**{**base, **kw})


def mentee(id: int, **kw) -> Mentee:
    base = dict(id=id, person_id=id, subject="math", stage="basic", organization=1, municipality=1, region=1)
    return Mentee(**{**base, **kw})


def pairs(problem: MatchingProblem, solution: Solution) -> dict[int, int]:
    return {int(problem.mentee_id[i]): int(problem.mentor_id[j])
            for i, j in zip(solution.mentee_index, solution.mentor_index, strict=True)}


def three_by_three() -> MatchingProblem:
    """A: X costs 0, Y (another municipality, remote) 50; B: only X, adjacent stage, 30; C: only Z, 0."""
    mentors = [mentor(1), mentor(2, organization=2, municipality=2, formats=REMOTE),
               mentor(3, subjects=frozenset({"russian"}), organization=3)]
    mentees = [mentee(1, formats=REMOTE), mentee(2, stage="primary"), mentee(3, subject="russian", organization=3)]
    return problem_from_records(mentors, mentees)


def test_three_by_three_optimum_computed_by_hand():
    problem = three_by_three()
    solution = solve(problem)
    assert pairs(problem, solution) == {1: 2, 2: 1, 3: 3}
    assert solution.cost.tolist() == [50, 30, 0]
    assert solution.total_cost == 80
    assert solution.weights == Weights().as_dict()


def test_greedy_takes_the_cheapest_pair_first_and_matches_fewer():
    problem = three_by_three()
    greedy = solve_greedy(problem)
    assert pairs(problem, greedy) == {1: 1, 3: 3}
    assert solve(problem).matched > greedy.matched


def test_young_specialists_come_first_when_mentors_are_scarce():
    problem = problem_from_records(
        [mentor(1)], [mentee(1), mentee(2, organization=2, young_specialist=True)])
    assert pairs(problem, solve(problem)) == {2: 1}


def test_load_spreads_over_mentors_by_the_convex_slot_cost():
    problem = problem_from_records([mentor(1, capacity=2), mentor(2, capacity=2, organization=2)],
                                           [mentee(1), mentee(2)])
    solution = solve(problem, Weights(load_step=25))
    assert sorted(pairs(problem, solution).values()) == [1, 2]
    assert solve(problem, Weights(load_step=0)).total_cost == 0


def test_a_preferred_mentor_wins_over_a_cheaper_one():
    problem = problem_from_records([mentor(1), mentor(2, organization=2)],
                                           [mentee(1, preferred_mentors=(2,))])
    assert pairs(problem, solve(problem)) == {1: 2}


def test_declined_and_same_person_pairs_are_routed_around():
    mentors = [mentor(1), mentor(2, organization=2), mentor(3, organization=3, municipality=2, formats=REMOTE)]
    mentees = [mentee(1, formats=REMOTE), mentee(2, person_id=1002, organization=2)]
    problem = problem_from_records(mentors, mentees, declined=[(1, 1), (1, 2)])
    assert pairs(problem, solve(problem)) == {1: 3, 2: 1}


def test_no_mentees_or_no_free_mentors_give_an_empty_solution():
    problem = problem_from_records([mentor(1, load=1)], [mentee(1)])
    assert solve(problem).matched == 0
    assert solve_bipartite(problem).matched == 0


def test_a_failed_solver_status_raises_a_typed_error():
    with pytest.raises(SolverFailed) as failure:
        min_cost_flow(np.array([0]), np.array([1]), np.array([1]), np.array([0]), {0: 5, 1: -5})
    assert failure.value.status == "INFEASIBLE"


def random_problem(seed: int, n_mentees: int, n_mentors: int) -> tuple[MatchingProblem, Weights]:
    """Few distinct values so classes merge, plus preferences, declines and people on both sides."""
    rng = np.random.default_rng(seed)
    org_mun = rng.integers(0, 3, size=5)
    org_reg = np.where(org_mun == 2, rng.integers(0, 2), 0)

    def side(n: int) -> dict[str, np.ndarray]:
        org = rng.integers(0, 5, size=n)
        return dict(org=org, municipality=org_mun[org], region=org_reg[org], formats=rng.integers(1, 8, size=n),
                    directions=rng.integers(0, 8, size=n) * (rng.random(n) < 0.5))

    e, m = side(n_mentees), side(n_mentors)
    mentee_subject = rng.integers(-1, 3, size=n_mentees)
    e["directions"][mentee_subject < 0] |= 1
    n_pref, n_dec = rng.integers(0, 4, size=2)
    problem = MatchingProblem(
        mentor_id=np.arange(n_mentors), mentor_person=np.arange(n_mentors),
        mentor_subjects=rng.integers(1, 8, size=n_mentors),
        mentor_stages=rng.integers(1, 32, size=n_mentors), mentor_directions=m["directions"], mentor_org=m["org"],
        mentor_municipality=m["municipality"], mentor_region=m["region"], mentor_formats=m["formats"],
        mentor_free=rng.integers(0, 4, size=n_mentors), mentor_load=rng.integers(0, 2, size=n_mentors),
        mentor_category=rng.integers(0, 4, size=n_mentors), mentor_trained=rng.random(n_mentors) < 0.5,
        mentor_experience=rng.choice([0, 5, 12, 30], size=n_mentors),
        mentee_id=np.arange(n_mentees), mentee_person=np.where(rng.random(n_mentees) < 0.2, rng.integers(
            0, n_mentors, size=n_mentees), 100 + np.arange(n_mentees)), mentee_subject=mentee_subject,
        mentee_stage=rng.integers(0, 5, size=n_mentees), mentee_directions=e["directions"], mentee_org=e["org"],
        mentee_municipality=e["municipality"], mentee_region=e["region"], mentee_formats=e["formats"],
        mentee_young=rng.random(n_mentees) < 0.3,
        preference_mentee=rng.integers(0, n_mentees, size=n_pref),
        preference_mentor=rng.integers(0, n_mentors, size=n_pref),
        declined_mentee=rng.integers(0, n_mentees, size=n_dec), declined_mentor=rng.integers(0, n_mentors, size=n_dec))
    problem = with_expectations(rng, problem)
    weights = Weights(adjacent_stage=None if rng.random() < 0.3 else int(rng.integers(0, 40)),
                      load_step=int(rng.integers(0, 10)), direction_uncovered=int(rng.integers(0, 30)),
                      mentee_experience_year=int(rng.integers(0, 6)),
                      mentee_experience_max_years=int(rng.integers(0, 8)),
                      mentee_category_mismatch=int(rng.integers(0, 20)))
    return problem, weights


def with_expectations(rng: np.random.Generator, problem: MatchingProblem) -> MatchingProblem:
    """Mentee kinds (some unknown) and the kinds mentors take (half take any), experience ranges with open ends
    and expected categories, unknown on either side now and then."""
    n, m = problem.n_mentees, problem.n_mentors
    low = np.where(rng.random(m) < 0.3, -1, rng.integers(0, 6, size=m))
    return replace(problem, mentee_kind=rng.integers(-1, 4, size=n),
                   mentor_kinds=np.where(rng.random(m) < 0.5, 0, rng.integers(1, 16, size=m)),
                   mentee_experience=rng.integers(-1, 15, size=n), mentee_qualification=rng.integers(-1, 4, size=n),
                   mentor_expected_min=low,
                   mentor_expected_max=np.where(rng.random(m) < 0.3, -1, low.clip(0) + rng.integers(0, 6, size=m)),
                   mentor_expected_category=rng.integers(-1, 4, size=m))


def check_invariants(problem: MatchingProblem, weights: Weights, solution: Solution) -> None:
    i, j = solution.mentee_index, solution.mentor_index
    assert len(np.unique(i)) == len(i), "a mentee is matched twice"
    assert np.all(np.bincount(j, minlength=problem.n_mentors) <= problem.mentor_free), "a mentor is over capacity"
    assert all(eligible(problem, a, b, weights) for a, b in zip(i.tolist(), j.tolist(), strict=True))
    assert not np.isin(pair_keys(i, j, problem.n_mentors), problem.declined_keys).any()
    assert solution.young_matched == int(problem.mentee_young[i].sum())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_mentees=st.integers(1, 25), n_mentors=st.integers(1, 15))
def test_aggregated_flow_equals_plain_bipartite_flow(seed: int, n_mentees: int, n_mentors: int):
    problem, weights = random_problem(seed, n_mentees, n_mentors)
    flow, plain = solve(problem, weights), solve_bipartite(problem, weights)
    check_invariants(problem, weights, flow)
    check_invariants(problem, weights, plain)
    assert (flow.matched, flow.young_matched, flow.total_cost) == (plain.matched, plain.young_matched,
                                                                    plain.total_cost)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_mentees=st.integers(1, 40), n_mentors=st.integers(1, 20))
def test_the_solver_is_never_worse_than_greedy(seed: int, n_mentees: int, n_mentors: int):
    problem, weights = random_problem(seed, n_mentees, n_mentors)
    flow, greedy = solve(problem, weights), solve_greedy(problem, weights)
    check_invariants(problem, weights, greedy)
    assert (flow.matched, flow.young_matched, -flow.total_cost) >= (greedy.matched, greedy.young_matched,
                                                                     -greedy.total_cost)


def test_component_labels_join_connected_nodes_only():
    label = component_labels(7, np.array([0, 2, 5, 3]), np.array([1, 3, 6, 4]))
    assert label.tolist() == [0, 0, 2, 2, 2, 5, 5]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_mentees=st.integers(1, 25), n_mentors=st.integers(1, 15))
def test_solving_each_component_apart_equals_plain_bipartite_flow(seed: int, n_mentees: int, n_mentors: int):
    problem, weights = random_problem(seed, n_mentees, n_mentors)
    saved, parts_module.PART_MIN_ARCS = parts_module.PART_MIN_ARCS, 0
    try:
        flow = solve(problem, weights)
    finally:
        parts_module.PART_MIN_ARCS = saved
    plain = solve_bipartite(problem, weights)
    check_invariants(problem, weights, flow)
    assert (flow.matched, flow.young_matched, flow.total_cost) == (plain.matched, plain.young_matched,
                                                                    plain.total_cost)
