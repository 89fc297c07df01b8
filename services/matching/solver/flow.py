"""Exact matching as a min-cost flow on the aggregated graph (OR-Tools), solved part by part.

The objective has three ranks: the most mentees matched, then the most young specialists among them, then the
least total cost. OR-Tools' flow solvers have no time limit: a solve runs to its optimum.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.graph.python.max_flow import SimpleMaxFlow
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching.domain.arrays import IntArray
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.components import arc_parts
from services.matching.solver.decomposition import class_paths, concrete_pairs
from services.matching.solver.graph import FlowGraph, build_graph
from services.matching.solver.nodes import OTHER_SOURCE, SINK_NODE, TERMINALS, YOUNG_SOURCE
from services.matching.solver.solution import Solution, SolverFailed, empty_solution, solution_of

PART_MIN_ARCS = 50_000  # small independent parts are batched into one solve of at least this many arcs


def max_flow(tails: IntArray, heads: IntArray, capacities: IntArray, source: int, sink: int) -> int:
    """Value of the maximum flow from source to sink."""
    solver = SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), capacities.astype(np.int64))
    status = solver.solve(source, sink)
    if status != SimpleMaxFlow.OPTIMAL:
        raise SolverFailed(SimpleMaxFlow.Status(status).name)
    return int(solver.optimal_flow())


def min_cost_flow(tails: IntArray, heads: IntArray, capacities: IntArray, unit_costs: IntArray,
                  supplies: dict[int, int], *, maximum: bool = False) -> tuple[IntArray, int]:
    """Least-cost flow meeting the node supplies (or the maximum flow between them); (flow per arc, cost)."""
    solver = SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                                       capacities.astype(np.int64), unit_costs.astype(np.int64))
    solver.set_nodes_supplies(np.array(list(supplies), np.int32), np.array(list(supplies.values()), np.int64))
    status = solver.solve_max_flow_with_min_cost() if maximum else solver.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise SolverFailed(SimpleMinCostFlow.Status(status).name)
    return np.asarray(solver.flows(np.asarray(arcs, dtype=np.int32)), dtype=np.int64), int(solver.optimal_cost())


def _solve_part(tails: IntArray, heads: IntArray, capacities: IntArray, unit_costs: IntArray, n_mentees: int
                ) -> tuple[IntArray, int, int, int]:
    """The three objectives on one part whose nodes 0, 1, 2 are the sources and the sink; (flow, matched,
    young matched, cost)."""
    # objective 1: the most mentees matched: maximum flow from both sources (joined by one extra arc)
    matched = max_flow(np.append(tails, OTHER_SOURCE), np.append(heads, YOUNG_SOURCE),
                       np.append(capacities, n_mentees), OTHER_SOURCE, SINK_NODE)
    if matched == 0:
        return np.zeros(len(tails), np.int64), 0, 0, 0
    # objective 2: among those, the most young specialists: a maximum matching can always be grown from a
    # maximum set of matched young specialists, so that count is the maximum flow from their source alone
    young = max_flow(tails, heads, capacities, YOUNG_SOURCE, SINK_NODE)
    # objective 3: least total cost with exactly those numbers
    supplies = {YOUNG_SOURCE: young, OTHER_SOURCE: matched - young, SINK_NODE: -matched}
    flow, optimum = min_cost_flow(tails, heads, capacities, unit_costs, supplies)
    return flow, matched, young, optimum


def _solve_parts(g: FlowGraph, n_mentees: int) -> tuple[IntArray, int, int, int]:
    """Solve every independent part of the graph (small ones batched), nodes renumbered compactly per part.

    The objective is a sum over parts that share no node but the sources and the sink, so solving each part
    on its own with the same three steps is exact."""
    flow = np.zeros(len(g.tails), np.int64)
    matched = young = optimum = 0
    for arcs in arc_parts(g.tails, g.heads, g.n_nodes, TERMINALS, PART_MIN_ARCS):
        _nodes, local = np.unique(np.concatenate([np.arange(TERMINALS), g.tails[arcs], g.heads[arcs]]),
                                  return_inverse=True)
        local = local[TERMINALS:]
        part_flow, m, y, c = _solve_part(local[: len(arcs)], local[len(arcs):], g.capacities[arcs], g.costs[arcs],
                                         n_mentees)
        flow[arcs] = part_flow
        matched, young, optimum = matched + m, young + y, optimum + c
    return flow, matched, young, optimum


def solve(problem: MatchingProblem, weights: Weights = Weights()) -> Solution:
    """Most mentees matched, young specialists first when mentors are scarce, then least total cost."""
    started = time.perf_counter()
    # data: the problem's arrays and the weights
    if problem.n_mentees == 0 or not (problem.mentor_free > 0).any():
        return empty_solution(problem, weights, "flow")
    # variables (flow on arcs) and constraints (capacities): graph.build_graph, one comment per rule there
    graph = build_graph(problem, weights)
    built = time.perf_counter()
    # objective and solve: three steps on every independent part
    flow, matched, young, optimum = _solve_parts(graph, problem.n_mentees)
    solved = time.perf_counter()
    # read the solution: class paths, then concrete pairs, then check them against the solver's optimum
    mentee, mentor, load = concrete_pairs(problem, graph, *class_paths(graph, flow))
    solution = solution_of(problem, weights, mentee, mentor, load, nodes=graph.n_nodes, arcs=len(graph.tails),
                           build_seconds=built - started, solve_seconds=solved - built, method="flow")
    if solution.total_cost != optimum or solution.matched != matched or solution.young_matched != young:
        raise SolverFailed("BAD_RESULT", "pairs do not add up to the optimum")
    return solution
