"""Exact matching as a min-cost flow (OR-Tools) on the aggregated graph, with plain and greedy baselines."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python.max_flow import SimpleMaxFlow
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching import costs
from services.matching.components import arc_parts
from services.matching.costs import Weights
from services.matching.domain import MatchingProblem
from services.matching.graph import (
    CLASS,
    ENTRY,
    HUB,
    LOCAL,
    MENTOR,
    OTHER_SOURCE,
    SINK_NODE,
    SPREAD,
    YOUNG_SOURCE,
    FlowGraph,
    build_graph,
    candidate_pairs,
    young_bonus,
)


class MatchingError(Exception):
    """Base of matching errors."""


class SolverFailed(MatchingError):
    """The flow solver returned a status other than OPTIMAL, or a result that does not check out."""

    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(f"min-cost flow failed: {status} {detail}".strip())
        self.status = status


@dataclass(frozen=True)
class Solution:
    """Matched pairs as parallel arrays (mentee index, mentor index, cost of the pair) and run figures."""

    mentee_index: np.ndarray
    mentor_index: np.ndarray
    cost: np.ndarray
    young_matched: int
    nodes: int
    arcs: int
    build_seconds: float
    solve_seconds: float
    method: str
    weights: dict[str, Any] = field(default_factory=dict)
    over_time_limit: bool = False

    @property
    def matched(self) -> int:
        """Number of matched mentees."""
        return len(self.mentee_index)

    @property
    def total_cost(self) -> int:
        """Sum of the pair costs."""
        return int(self.cost.sum())

    def unmatched(self, problem: MatchingProblem) -> np.ndarray:
        """Indices of mentees left without a mentor."""
        return np.setdiff1d(np.arange(problem.n_mentees), self.mentee_index)


def _max_flow(tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, source: int, sink: int) -> int:
    """Value of the maximum flow from source to sink."""
    smf = SimpleMaxFlow()
    smf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
    status = smf.solve(source, sink)
    if status != SimpleMaxFlow.OPTIMAL:
        raise SolverFailed(SimpleMaxFlow.Status(status).name)
    return int(smf.optimal_flow())


def _min_cost_flow(tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, unit_costs: np.ndarray,
                   supplies: dict[int, int], *, max_flow: bool = False) -> tuple[np.ndarray, int]:
    """Least-cost flow meeting the node supplies (or the maximum flow between them); (flow per arc, cost)."""
    smcf = SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                                     caps.astype(np.int64), unit_costs.astype(np.int64))
    smcf.set_nodes_supplies(np.array(list(supplies), np.int32), np.array(list(supplies.values()), np.int64))
    status = smcf.solve_max_flow_with_min_cost() if max_flow else smcf.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise SolverFailed(SimpleMinCostFlow.Status(status).name)
    return np.asarray(smcf.flows(np.asarray(arcs, dtype=np.int32)), dtype=np.int64), int(smcf.optimal_cost())


PART_MIN_ARCS = 50_000


def _solve_part(tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, unit_costs: np.ndarray, n_mentees: int
                ) -> tuple[np.ndarray, int, int, int]:
    """The three objectives on one part whose nodes 0, 1, 2 are the sources and the sink; (flow, matched,
    young matched, cost)."""
    # objective 1: the most mentees matched: maximum flow from both sources (joined by one extra arc)
    matched = _max_flow(np.append(tails, OTHER_SOURCE), np.append(heads, YOUNG_SOURCE), np.append(caps, n_mentees),
                        OTHER_SOURCE, SINK_NODE)
    if matched == 0:
        return np.zeros(len(tails), np.int64), 0, 0, 0
    # objective 2: among those, the most young specialists: a maximum matching can always be grown from a
    # maximum set of matched young specialists, so that count is the maximum flow from their source alone
    young = _max_flow(tails, heads, caps, YOUNG_SOURCE, SINK_NODE)
    # objective 3: least total cost with exactly those numbers
    supplies = {YOUNG_SOURCE: young, OTHER_SOURCE: matched - young, SINK_NODE: -matched}
    flow, optimum = _min_cost_flow(tails, heads, caps, unit_costs, supplies)
    return flow, matched, young, optimum


def _solve_parts(g: FlowGraph, n_mentees: int) -> tuple[np.ndarray, int, int, int]:
    """Solve every independent part of the graph (small ones batched), nodes renumbered compactly per part."""
    flow = np.zeros(len(g.tails), np.int64)
    matched = young = optimum = 0
    terminals = max(OTHER_SOURCE, SINK_NODE, YOUNG_SOURCE) + 1
    for arcs in arc_parts(g.tails, g.heads, g.n_nodes, terminals, PART_MIN_ARCS):
        nodes, local = np.unique(np.concatenate([np.arange(terminals), g.tails[arcs], g.heads[arcs]]),
                                 return_inverse=True)
        local = local[terminals:]
        part_flow, m, y, c = _solve_part(local[: len(arcs)], local[len(arcs):], g.capacities[arcs], g.costs[arcs],
                                         n_mentees)
        flow[arcs] = part_flow
        matched, young, optimum = matched + m, young + y, optimum + c
    return flow, matched, young, optimum


def _split(node: np.ndarray, origin: np.ndarray, amount: np.ndarray, tails: np.ndarray, heads: np.ndarray,
           flow: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Push parcels (node, origin, amount) along the out-flows of their nodes; inflow equals outflow per node."""
    by_node, by_tail = np.argsort(node, kind="stable"), np.argsort(tails, kind="stable")
    parcel_end, arc_end = np.cumsum(amount[by_node]), np.cumsum(flow[by_tail])
    if len(parcel_end) != 0 and (len(arc_end) == 0 or parcel_end[-1] != arc_end[-1]):
        raise SolverFailed("BAD_RESULT", "flow is not conserved")
    ends = np.union1d(parcel_end, arc_end)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)[: len(ends)]
    parcel = by_node[np.searchsorted(parcel_end, starts, "right")]
    arc = by_tail[np.searchsorted(arc_end, starts, "right")]
    return heads[arc], origin[parcel], ends - starts


def class_paths(g: FlowGraph, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decompose the flow into (mentee class, mentor class, units), layer by layer from the source."""
    live = flow > 0
    tails, heads, flows = g.tails[live], g.heads[live], flow[live]
    amount = flow[g.source_arcs]
    start = amount > 0
    node, origin, amount = g.heads[g.source_arcs][start], np.flatnonzero(start), amount[start]
    for layer in (CLASS, ENTRY, HUB, SPREAD, LOCAL):
        here, out = g.rank[node] == layer, g.rank[tails] == layer
        moved = _split(node[here], origin[here], amount[here], tails[out], heads[out], flows[out])
        node, origin, amount = (np.concatenate([a[~here], b]) for a, b in zip((node, origin, amount), moved,
                                                                            strict=True))
    if not np.all(g.rank[node] == MENTOR):
        raise SolverFailed("BAD_RESULT", "a path does not end at a mentor")
    return origin, node - g.mentor_class_node[0], amount


def concrete_pairs(p: MatchingProblem, g: FlowGraph, mentee_class: np.ndarray, mentor_class: np.ndarray,
                   units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concrete (mentee, mentor, load before) per unit; a class's units fill its mentors' lowest slots first."""
    unit = np.repeat(np.arange(len(units)), units)
    members = np.argsort(g.mentee_class, kind="stable")
    first = np.searchsorted(g.mentee_class[members], np.arange(len(g.class_young)))
    mentee = np.empty(len(unit), np.int64)
    order = np.argsort(mentee_class[unit], kind="stable")
    ordered = mentee_class[unit][order]
    mentee[order] = members[first[ordered] + np.arange(len(order)) - np.searchsorted(ordered, ordered)]
    n_classes = len(g.mentor_class_node)
    inflow = np.bincount(mentor_class, weights=units, minlength=n_classes).astype(np.int64)
    active = np.flatnonzero(g.mentor_class >= 0)
    active = active[np.lexsort((-p.mentor_free[active], g.mentor_class[active]))]
    free = p.mentor_free[active]
    owner, seq = np.repeat(active, free), np.repeat(np.arange(len(active)), free)
    level = np.arange(len(owner)) - np.repeat(np.cumsum(free) - free, free)
    cls = g.mentor_class[owner]
    slots = np.lexsort((seq, level, cls))
    owner, level, cls = owner[slots], level[slots], cls[slots]
    class_first = np.searchsorted(cls, np.arange(n_classes))
    chosen = np.arange(len(cls)) - class_first[cls] < inflow[cls]
    owner, level = owner[chosen], level[chosen]
    taken_first = np.concatenate([[0], np.cumsum(inflow)[:-1]])
    mentor, load = np.empty(len(unit), np.int64), np.empty(len(unit), np.int64)
    order = np.argsort(mentor_class[unit], kind="stable")
    ordered = mentor_class[unit][order]
    at = taken_first[ordered] + np.arange(len(order)) - np.searchsorted(ordered, ordered)
    mentor[order], load[order] = owner[at], p.mentor_load[owner[at]] + level[at]
    return mentee, mentor, load


def _solution(p: MatchingProblem, w: Weights, mentee: np.ndarray, mentor: np.ndarray, load: np.ndarray,
              **figures: Any) -> Solution:
    order = np.argsort(mentee, kind="stable")
    mentee, mentor, load = mentee[order], mentor[order], load[order]
    cost = costs.total_cost(p, mentee, mentor, load, w)
    return Solution(mentee, mentor, cost, int(p.mentee_young[mentee].sum()), weights=w.as_dict(), **figures)


def solve(problem: MatchingProblem, weights: Weights = Weights(), *, time_limit_s: float | None = None) -> Solution:
    """Most mentees matched, young specialists first when mentors are scarce, then least total cost."""
    started = time.perf_counter()
    if problem.n_mentees == 0 or not (problem.mentor_free > 0).any():
        return _solution(problem, weights, *(np.zeros(0, np.int64),) * 3, nodes=0, arcs=0, build_seconds=0.0,
                         solve_seconds=0.0, method="flow")
    # data, variables (arcs) and constraints: see graph.build_graph, one comment per rule there
    g = build_graph(problem, weights)
    built = time.perf_counter()
    # the objective is a sum over independent parts (components without sources and sink): solve each part
    flow, matched, young, optimum = _solve_parts(g, problem.n_mentees)
    solved = time.perf_counter()
    # read the solution: class paths, then concrete pairs, then check the cost against the solver's optimum
    mentee, mentor, load = concrete_pairs(problem, g, *class_paths(g, flow))
    solution = _solution(problem, weights, mentee, mentor, load, nodes=g.n_nodes, arcs=len(g.tails),
                         build_seconds=built - started, solve_seconds=solved - built, method="flow",
                         over_time_limit=time_limit_s is not None and solved - started > time_limit_s)
    if solution.total_cost != optimum or solution.matched != matched or solution.young_matched != young:
        raise SolverFailed("BAD_RESULT", "pairs do not add up to the optimum")
    return solution


def solve_bipartite(problem: MatchingProblem, weights: Weights = Weights()) -> Solution:
    """Reference formulation with one arc per eligible pair and one arc per mentor slot; same objective."""
    started = time.perf_counter()
    p, w = problem, weights
    # data: every eligible pair; nodes are source 0, sink 1, mentees, then mentors
    i, j = candidate_pairs(p, w)
    mentee_node, mentor_node = 2 + np.arange(p.n_mentees), 2 + p.n_mentees + np.arange(p.n_mentors)
    owner = np.repeat(np.arange(p.n_mentors), p.mentor_free.clip(0))
    level = np.arange(len(owner)) - np.repeat(np.cumsum(p.mentor_free.clip(0)) - p.mentor_free.clip(0),
                                              p.mentor_free.clip(0))
    bonus = young_bonus(p, w)
    # constraint: a mentee is matched once (young specialists carry the priority bonus); a pair at most once;
    # a mentor's slots are unit arcs whose cost grows with the slot
    tails = np.concatenate([np.zeros(p.n_mentees, np.int64), mentee_node[i], mentor_node[owner]])
    heads = np.concatenate([mentee_node, mentor_node[j], np.ones(len(owner), np.int64)])
    unit_costs = np.concatenate([np.where(p.mentee_young, -bonus, 0), costs.pairwise_cost(p, i, j, w),
                                 costs.mentor_quality(p, owner, w) + costs.slot_cost(p.mentor_load[owner] + level, w)])
    if len(i) == 0:
        return _solution(p, w, *(np.zeros(0, np.int64),) * 3, nodes=0, arcs=0, build_seconds=0.0,
                         solve_seconds=0.0, method="bipartite")
    built = time.perf_counter()
    flow, optimum = _min_cost_flow(tails, heads, np.ones(len(tails), np.int64), unit_costs,
                                   {0: p.n_mentees, 1: -p.n_mentees}, max_flow=True)
    solved = time.perf_counter()
    used = flow[p.n_mentees:p.n_mentees + len(i)] > 0
    mentee, mentor = i[used], j[used]
    order = np.argsort(mentor, kind="stable")
    rank_in_mentor = np.arange(len(order)) - np.searchsorted(mentor[order], mentor[order])
    load = np.empty(len(order), np.int64)
    load[order] = p.mentor_load[mentor[order]] + rank_in_mentor
    solution = _solution(p, w, mentee, mentor, load, nodes=2 + p.n_mentees + p.n_mentors, arcs=len(tails),
                         build_seconds=built - started, solve_seconds=solved - built, method="bipartite")
    if solution.total_cost - bonus * solution.young_matched != optimum:
        raise SolverFailed("BAD_RESULT", "pair costs do not add up to the optimum")
    return solution


def _greedy_units(g: FlowGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class pairs taken greedily: always the globally cheapest pair left, young specialists first."""
    inf = np.iinfo(np.int64).max
    rank, tails, heads, arc_costs = g.rank, g.tails.astype(np.int64), g.heads.astype(np.int64), g.costs
    slot = rank[tails] == MENTOR
    first_slot = np.full(g.n_nodes, inf, np.int64)
    np.minimum.at(first_slot, tails[slot], arc_costs[slot])
    left = np.bincount(tails[slot], weights=g.capacities[slot], minlength=g.n_nodes).astype(np.int64).tolist()
    to_mentor = (rank[heads] == MENTOR) & (rank[tails] >= CLASS)
    value = arc_costs[to_mentor] + first_slot[heads[to_mentor]]
    order = np.lexsort((value, tails[to_mentor]))
    own_tail, own_head, own_value = tails[to_mentor][order], heads[to_mentor][order].tolist(), value[order].tolist()
    pointer = np.searchsorted(own_tail, np.arange(g.n_nodes)).tolist()
    end = np.searchsorted(own_tail, np.arange(g.n_nodes), "right").tolist()
    to_hub = (rank[heads] >= ENTRY) & (rank[heads] <= LOCAL) & (rank[tails] >= CLASS)
    by_tail = np.argsort(tails[to_hub], kind="stable")
    kid_tail, kid, kid_cost = tails[to_hub][by_tail], heads[to_hub][by_tail], arc_costs[to_hub][by_tail]
    kid_start = np.searchsorted(kid_tail, np.arange(g.n_nodes)).tolist()
    kid_end = np.searchsorted(kid_tail, np.arange(g.n_nodes), "right").tolist()
    kid, kid_cost = kid.tolist(), kid_cost.tolist()
    heaps: dict[int, list[tuple[int, int, int]]] = {}

    def best(node: int) -> tuple[int, int]:
        at, stop = pointer[node], end[node]
        while at < stop and left[own_head[at]] == 0:
            at += 1
        pointer[node] = at
        found = (own_value[at], own_head[at]) if at < stop else (inf, -1)
        if kid_start[node] == kid_end[node]:
            return found
        if node not in heaps:
            heaps[node] = [(c + best(k)[0], k, c) for k, c in zip(kid[kid_start[node]:kid_end[node]],
                                                                   kid_cost[kid_start[node]:kid_end[node]],
                                                                   strict=True)]
            heaps[node] = [entry for entry in heaps[node] if entry[0] < inf // 2]
            heapq.heapify(heaps[node])
        heap = heaps[node]
        while heap:
            value, child, cost = heap[0]
            child_value, mentor = best(child)
            if child_value == inf:
                heapq.heappop(heap)
            elif cost + child_value != value:
                heapq.heapreplace(heap, (cost + child_value, child, cost))
            else:
                return (value, mentor) if value < found[0] else found
        return found

    class_nodes = g.heads[g.source_arcs].astype(np.int64)
    remaining = g.class_size.tolist()
    queue = [(0 if young else 1, best(int(node))[0], c) for c, (node, young) in
             enumerate(zip(class_nodes.tolist(), g.class_young.tolist(), strict=True))]
    heapq.heapify(queue)
    taken: list[tuple[int, int, int]] = []
    while queue:
        young, value, c = queue[0]
        current, mentor = best(int(class_nodes[c]))
        if current == inf:
            heapq.heappop(queue)
        elif current != value:
            heapq.heapreplace(queue, (young, current, c))
        else:
            units = min(remaining[c], left[mentor])
            taken.append((c, mentor, units))
            remaining[c] -= units
            left[mentor] -= units
            if remaining[c] == 0:
                heapq.heappop(queue)
    result = np.array(taken, dtype=np.int64).reshape(-1, 3)
    return result[:, 0], result[:, 1] - g.mentor_class_node[0], result[:, 2]


def solve_greedy(problem: MatchingProblem, weights: Weights = Weights()) -> Solution:
    """Baseline an operator would use: pairs by (young first, cost), each taken if both sides are still free."""
    started = time.perf_counter()
    if problem.n_mentees == 0 or not (problem.mentor_free > 0).any():
        return _solution(problem, weights, *(np.zeros(0, np.int64),) * 3, nodes=0, arcs=0, build_seconds=0.0,
                         solve_seconds=0.0, method="greedy")
    g = build_graph(problem, weights)
    built = time.perf_counter()
    units = _greedy_units(g)
    solved = time.perf_counter()
    mentee, mentor, load = concrete_pairs(problem, g, *units)
    return _solution(problem, weights, mentee, mentor, load, nodes=g.n_nodes, arcs=len(g.tails),
                     build_seconds=built - started, solve_seconds=solved - built, method="greedy")
