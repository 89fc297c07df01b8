"""LEMON's one-solve formulation against OR-Tools, the reference: the same optimum (matched, young specialists
matched, total cost) on random, degenerate and generated instances; the backend setting; the fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver import lemon_flow
from services.matching.solver import parts as parts_module
from services.matching.solver.flow import solve
from services.matching.solver.graph import build_graph
from services.matching.solver.lemon_flow import formulation, longest_path, shifted_costs, solve_part_lemon
from services.matching.solver.solution import Solution
from tests.bench.generate import generate
from tests.unit.test_solver import check_invariants, random_problem

TIES = Weights(**{name: 0 for name in Weights().as_dict() if name != "experience_step_years"})  # all pairs cost 0
VARIANTS = ("as_drawn", "no_young", "all_young", "no_room", "one_slot", "ties", "drawn_weights")


@contextmanager
def patched(module: ModuleType, name: str, value: Any) -> Iterator[None]:
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


def figures(solution: Solution) -> tuple[int, int, int]:
    return solution.matched, solution.young_matched, solution.total_cost


def same_optimum(problem: MatchingProblem, weights: Weights) -> Solution:
    """Solve with both backends; LEMON's answer is valid and has OR-Tools' matched, young and cost."""
    reference = solve(problem, weights, backend="ortools")
    lemon = solve(problem, weights, backend="lemon")
    check_invariants(problem, weights, lemon)
    assert figures(lemon) == figures(reference)
    assert lemon.method in ("flow:lemon", "flow") and reference.method in ("flow:ortools", "flow")
    return lemon


def variant(problem: MatchingProblem, weights: Weights, name: str, drawn: Weights) -> tuple[MatchingProblem, Weights]:
    """The degenerate cases: nobody or everybody young, no free load, one slot in all, all costs equal."""
    n, m = problem.n_mentees, problem.n_mentors
    if name == "no_young":
        return replace(problem, mentee_young=np.zeros(n, bool)), weights
    if name == "all_young":
        return replace(problem, mentee_young=np.ones(n, bool)), weights
    if name == "no_room":
        return replace(problem, mentor_free=np.zeros(m, np.int64)), weights
    if name == "one_slot":
        return replace(problem, mentor_free=(np.arange(m) == m - 1).astype(np.int64)), weights
    if name == "ties":
        return problem, TIES
    if name == "drawn_weights":
        return problem, drawn
    return problem, weights


@st.composite
def weights(draw: st.DrawFn) -> Weights:
    """Valid weights of any sign where the rules allow it (so LEMON's non-negative shift is exercised)."""
    same_organization = draw(st.integers(-40, 30))
    same_municipality = same_organization + draw(st.integers(0, 40))
    return Weights(same_organization=same_organization, same_municipality=same_municipality,
                   elsewhere_in_region=same_municipality + draw(st.integers(0, 60)),
                   adjacent_stage=draw(st.none() | st.integers(0, 40)), direction_uncovered=draw(st.integers(0, 30)),
                   category_none=draw(st.integers(-10, 20)), category_szd=draw(st.integers(-10, 20)),
                   category_first=draw(st.integers(-10, 20)), category_highest=draw(st.integers(-10, 20)),
                   trained=draw(st.integers(-10, 10)), experience_step=draw(st.integers(-5, 5)),
                   preferred=draw(st.integers(-60, 0)), load_step=draw(st.integers(0, 10)),
                   mentee_experience_year=draw(st.integers(0, 10)),
                   mentee_experience_max_years=draw(st.integers(0, 10)),
                   mentee_category_mismatch=draw(st.integers(0, 30)))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_mentees=st.integers(1, 40), n_mentors=st.integers(1, 20),
       name=st.sampled_from(VARIANTS), drawn=weights(), apart=st.booleans())
def test_lemon_finds_the_optimum_ortools_finds(seed: int, n_mentees: int, n_mentors: int, name: str, drawn: Weights,
                                               apart: bool):
    problem, weights_ = variant(*random_problem(seed, n_mentees, n_mentors), name, drawn)
    with patched(parts_module, "PART_MIN_ARCS", 0 if apart else parts_module.PART_MIN_ARCS):
        solution = same_optimum(problem, weights_)
    if name == "no_room":
        assert solution.matched == 0 and solution.method == "flow"


@pytest.mark.parametrize(("n_mentees", "seed", "municipalities"), [(2_000, 1, None), (2_000, 7, 3), (10_000, 1, None)])
def test_lemon_finds_the_optimum_ortools_finds_on_the_bench_instances(n_mentees: int, seed: int,
                                                                      municipalities: int | None):
    problem = generate(n_mentees, seed=seed, municipalities=municipalities)
    solution = same_optimum(problem, Weights())
    assert solution.matched > 0.9 * n_mentees


def test_the_backend_setting_selects_the_backend_it_names():
    problem = generate(2_000, seed=3)
    assert solve(problem, backend="lemon").method == "flow:lemon"
    assert solve(problem, backend="ortools").method == "flow:ortools"
    assert solve(problem).method == "flow:lemon"  # "auto": every part here is far below LEMON_MAX_NODES
    with pytest.raises(ValueError, match="backend"):
        solve(problem, backend="cplex")


def test_auto_takes_lemon_below_the_node_limit_and_ortools_from_it():
    problem = generate(2_000, seed=3)
    with patched(parts_module, "PART_MIN_ARCS", 0):
        sizes = sorted(len(part.rank) for _, part in parts_module.split_parts(build_graph(problem, Weights())))
        assert len(sizes) >= 2 and sizes[0] < sizes[-1]
        reference = solve(problem, backend="ortools")
        solved = {}
        for limit in (sizes[0], sizes[-1], sizes[-1] + 1):
            with patched(parts_module, "LEMON_MAX_NODES", limit):
                solved[limit] = solve(problem)
    assert solved[sizes[0]].method == "flow:ortools"
    assert solved[sizes[-1]].method == "flow:lemon+ortools"
    assert solved[sizes[-1] + 1].method == "flow:lemon"
    assert all(figures(solution) == figures(reference) for solution in solved.values())


def test_lemon_leaves_a_part_to_ortools_when_its_costs_could_overflow():
    problem = generate(2_000, seed=4)
    reference = solve(problem, backend="ortools")
    with patched(lemon_flow, "COST_LIMIT", 0):
        fallback = solve(problem, backend="lemon")
    assert fallback.method == "flow:ortools"
    assert figures(fallback) == figures(reference)


def small_part() -> tuple[np.ndarray, ...]:
    """Sources 0 (others) and 2 (young), sink 1; a class of 2 others (node 3), a class of 1 young (node 4), one
    mentor class (node 5) with 2 slots at costs 7 and 9; the young class's arc costs -5 (a preference)."""
    tails = np.array([0, 2, 3, 4, 5, 5])
    heads = np.array([3, 4, 5, 5, 1, 1])
    capacities = np.array([2, 1, 2, 1, 1, 1])
    costs = np.array([0, 0, 10, -5, 7, 9])
    rank = np.array([-1, 6, -1, 0, 0, 5])
    return tails, heads, capacities, costs, rank


def test_the_bounds_of_the_one_solve_formulation_computed_by_hand():
    tails, heads, capacities, costs, rank = small_part()
    shifted = shifted_costs(tails, heads, costs, rank)
    assert shifted is not None
    assert shifted.tolist() == [5, 5, 35, 20, 12, 14]  # K = 5 per rank step: every path gains 7 * 5
    assert longest_path(tails, heads, shifted, rank) == 5 + 35 + 14
    lex = formulation(tails, capacities, 54)
    assert lex is not None
    assert (lex.mentees, lex.young, lex.other_cost, lex.unmatched_cost) == (3, 1, 3 * 54 + 1, 2 * (3 * 54 + 1))
    # two slots for three mentees: the young one and one other, on the two slots: -5 + 7 and 10 + 9 (or swapped)
    found = solve_part_lemon(tails, heads, capacities, costs, rank)
    assert found is not None
    flow, matched, young, cost = found
    assert (matched, young, cost) == (2, 1, -5 + 10 + 7 + 9)
    assert flow.tolist() == [1, 1, 1, 1, 1, 1]


def test_lemon_declines_a_part_whose_arcs_do_not_go_up_in_rank():
    tails, heads, capacities, costs, rank = small_part()
    rank = rank.copy()
    rank[4] = 5  # the young class now sits level with the mentor class
    assert shifted_costs(tails, heads, costs, rank) is None
    assert solve_part_lemon(tails, heads, capacities, costs, rank) is None
