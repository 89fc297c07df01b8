"""Large independent parts solved at once in other processes: the same pairs as in-process, a pool only when it
pays, and any failure in a solver process surfacing as SolverFailed."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest

from services.matching.domain.weights import Weights
from services.matching.solver import parts as parts_module
from services.matching.solver.flow import solve
from services.matching.solver.graph import build_graph
from services.matching.solver.parts import Part, solve_parts, split_parts
from services.matching.solver.solution import SolverFailed
from tests.bench.generate import generate


class CountingPool(ProcessPoolExecutor):
    """The pool the solver would use, counting how often one is made."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountingPool.made += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[CountingPool]]:
    CountingPool.made = 0
    monkeypatch.setattr(parts_module, "ProcessPoolExecutor", CountingPool)
    yield CountingPool


@pytest.fixture
def every_part_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every component its own part, and every part large enough for a process."""
    monkeypatch.setattr(parts_module, "PART_MIN_ARCS", 0)
    monkeypatch.setattr(parts_module, "PROCESS_MIN_ARCS", 0)


def test_parts_solved_in_other_processes_give_the_same_pairs_as_in_process(pools, every_part_large):
    problem = generate(3_000, seed=2)
    assert len(split_parts(build_graph(problem, Weights()))) >= 2
    for backend in ("auto", "ortools"):
        here = solve(problem, backend=backend, processes=1)
        made = pools.made
        there = solve(problem, backend=backend, processes=2)
        assert pools.made == made + 1
        for name in ("mentee_index", "mentor_index", "cost"):
            assert np.array_equal(getattr(there, name), getattr(here, name))
        assert (there.young_matched, there.method) == (here.young_matched, here.method)


def test_no_pool_is_made_when_fewer_than_two_parts_are_large(pools):
    problem = generate(3_000, seed=2)
    solve(problem, processes=4)
    assert pools.made == 0  # parts of a few thousand arcs stay in-process


def failing_parts() -> list[Part]:
    """A good part solved here and a smaller broken one (a capacity missing) sent to another process."""
    parts = [part for _, part in split_parts(build_graph(generate(2_000, seed=5), Weights()))]
    good = max(parts, key=lambda part: len(part.tails))
    broken = Part(good.tails[:10], good.heads[:10], good.capacities[:9], good.costs[:10], good.rank)
    return [good, broken]


@pytest.mark.parametrize("backend", ["ortools", "lemon"])
def test_a_failure_in_a_solver_process_is_a_solver_failed(pools, every_part_large, backend):
    with pytest.raises(SolverFailed) as failure:
        solve_parts(failing_parts(), backend, processes=2)
    assert failure.value.status == "PROCESS_FAILED"
    assert pools.made == 1


def test_a_solver_failure_keeps_its_status_across_processes():
    failure = pickle.loads(pickle.dumps(SolverFailed("INFEASIBLE", "part 3")))
    assert (failure.status, failure.detail, str(failure)) == ("INFEASIBLE", "part 3",
                                                              "min-cost flow failed: INFEASIBLE part 3")
