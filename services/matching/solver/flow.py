"""Exact matching as a min-cost flow on the aggregated graph, solved part by part.

The objective has three ranks: the most mentees matched, then the most young specialists among them, then the
least total cost. Each part is solved by OR-Tools (the reference, three steps: `ortools_flow`) or by LEMON's
network simplex (one solve of a lexicographic formulation: `lemon_flow`), chosen by the part's size under
"auto"; neither has a time limit: a solve runs to its optimum.
"""

from __future__ import annotations

import time

import numpy as np

from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.decomposition import class_paths, concrete_pairs
from services.matching.solver.graph import build_graph
from services.matching.solver.parts import BACKENDS, solve_parts, split_parts
from services.matching.solver.solution import Solution, SolverFailed, empty_solution, solution_of


def solve(problem: MatchingProblem, weights: Weights = Weights(), *, backend: str = "auto",
          processes: int = 1) -> Solution:
    """Most mentees matched, young specialists first when mentors are scarce, then least total cost.

    backend: "auto" (by part size), "ortools" or "lemon" for every part; processes: parts solved at once."""
    started = time.perf_counter()
    if backend not in BACKENDS:
        raise ValueError(f"unknown matching solver backend {backend!r}, expected one of {BACKENDS}")
    # data: the problem's arrays and the weights
    if problem.n_mentees == 0 or not (problem.mentor_free > 0).any():
        return empty_solution(problem, weights, "flow")
    # variables (flow on arcs) and constraints (capacities): graph.build_graph, one comment per rule there
    graph = build_graph(problem, weights)
    built = time.perf_counter()
    # objective and solve: every independent part on its own, its backend chosen by size
    parts = split_parts(graph)
    results = solve_parts([part for _, part in parts], backend, processes)
    flow = np.zeros(len(graph.tails), np.int64)
    for (arcs, _), result in zip(parts, results, strict=True):
        flow[arcs] = result.flow
    matched, young, optimum = (sum(getattr(r, name) for r in results) for name in ("matched", "young", "cost"))
    used = sorted({r.backend for r in results})
    solved = time.perf_counter()
    # read the solution: class paths, then concrete pairs, then check them against the solver's optimum
    mentee, mentor, load = concrete_pairs(problem, graph, *class_paths(graph, flow))
    solution = solution_of(problem, weights, mentee, mentor, load, nodes=graph.n_nodes, arcs=len(graph.tails),
                           build_seconds=built - started, solve_seconds=solved - built,
                           method=f"flow:{'+'.join(used)}" if used else "flow")
    if solution.total_cost != optimum or solution.matched != matched or solution.young_matched != young:
        raise SolverFailed("BAD_RESULT", "pairs do not add up to the optimum")
    return solution
