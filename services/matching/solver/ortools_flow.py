"""OR-Tools, the reference backend: one part solved in three steps (max flow, max flow from the young
specialists' source, min-cost flow with those supplies fixed). OR-Tools' flow solvers have no time limit."""

from __future__ import annotations

import numpy as np
from ortools.graph.python.max_flow import SimpleMaxFlow
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching.domain.arrays import IntArray
from services.matching.solver.nodes import OTHER_SOURCE, SINK_NODE, YOUNG_SOURCE
from services.matching.solver.solution import SolverFailed

PartOptimum = tuple[IntArray, int, int, int]  # flow per arc, mentees matched, young specialists matched, cost


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


def solve_part_ortools(tails: IntArray, heads: IntArray, capacities: IntArray, unit_costs: IntArray,
                       n_mentees: int) -> PartOptimum:
    """The three objectives on one part whose nodes 0, 1, 2 are the sources and the sink; n_mentees bounds the
    flow (the mentees the part's sources feed)."""
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
