"""Reference baselines the flow solver is checked and measured against: the plain bipartite min-cost flow
(one arc per eligible pair, the same objective) and the greedy choice an operator would make by hand."""

from __future__ import annotations

import heapq
import time

import numpy as np

from services.matching.domain.arrays import IntArray
from services.matching.domain.costs import mentor_quality, pairwise_cost, slot_cost
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.candidates import candidate_pairs
from services.matching.solver.decomposition import concrete_pairs
from services.matching.solver.graph import FlowGraph, build_graph
from services.matching.solver.nodes import CLASS, ENTRY, LOCAL, MENTOR
from services.matching.solver.ortools_flow import min_cost_flow
from services.matching.solver.solution import Solution, SolverFailed, empty_solution, solution_of

INFINITE = int(np.iinfo(np.int64).max)


def young_bonus(p: MatchingProblem, w: Weights) -> int:
    """Bonus per matched young specialist that outweighs any difference in total cost between matchings."""
    if not p.mentee_young.any():
        return 0
    low, high = w.pair_cost_bounds(max(int((p.mentor_load + p.mentor_free).max(initial=1)) - 1, 0))
    return (high - low) * max(min(p.n_mentees, int(p.mentor_free.clip(0).sum())), 1) + 1


def solve_bipartite(problem: MatchingProblem, weights: Weights = Weights()) -> Solution:
    """Reference formulation with one arc per eligible pair and one arc per mentor slot; same objective."""
    started = time.perf_counter()
    p, w = problem, weights
    # data: every eligible pair; nodes are source 0, sink 1, mentees, then mentors
    i, j = candidate_pairs(p, w)
    mentee_node, mentor_node = 2 + np.arange(p.n_mentees), 2 + p.n_mentees + np.arange(p.n_mentors)
    free = p.mentor_free.clip(0)
    owner = np.repeat(np.arange(p.n_mentors), free)
    level = np.arange(len(owner)) - np.repeat(np.cumsum(free) - free, free)
    bonus = young_bonus(p, w)
    # constraints: a mentee is matched once (young specialists carry the priority bonus); a pair at most once;
    # a mentor's slots are unit arcs whose cost grows with the slot
    tails = np.concatenate([np.zeros(p.n_mentees, np.int64), mentee_node[i], mentor_node[owner]])
    heads = np.concatenate([mentee_node, mentor_node[j], np.ones(len(owner), np.int64)])
    unit_costs = np.concatenate([np.where(p.mentee_young, -bonus, 0), pairwise_cost(p, i, j, w),
                                 mentor_quality(p, owner, w) + slot_cost(p.mentor_load[owner] + level, w)])
    if len(i) == 0:
        return empty_solution(p, w, "bipartite")
    built = time.perf_counter()
    # objective and solve: the maximum flow of least cost
    flow, optimum = min_cost_flow(tails, heads, np.ones(len(tails), np.int64), unit_costs,
                                  {0: p.n_mentees, 1: -p.n_mentees}, maximum=True)
    solved = time.perf_counter()
    # read the solution: the pair arcs carrying flow, slots in order within each mentor
    used = flow[p.n_mentees:p.n_mentees + len(i)] > 0
    mentee, mentor = i[used], j[used]
    order = np.argsort(mentor, kind="stable")
    rank_in_mentor = np.arange(len(order)) - np.searchsorted(mentor[order], mentor[order])
    load = np.empty(len(order), np.int64)
    load[order] = p.mentor_load[mentor[order]] + rank_in_mentor
    solution = solution_of(p, w, mentee, mentor, load, nodes=2 + p.n_mentees + p.n_mentors, arcs=len(tails),
                           build_seconds=built - started, solve_seconds=solved - built, method="bipartite")
    if solution.total_cost - bonus * solution.young_matched != optimum:
        raise SolverFailed("BAD_RESULT", "pair costs do not add up to the optimum")
    return solution


class _Cheapest:
    """The cheapest mentor class each node of the graph still reaches, kept up to date as slots run out."""

    def __init__(self, g: FlowGraph) -> None:
        rank, tails, heads, arc_costs = g.rank, g.tails.astype(np.int64), g.heads.astype(np.int64), g.costs
        slot = rank[tails] == MENTOR
        first_slot = np.full(g.n_nodes, INFINITE, np.int64)
        np.minimum.at(first_slot, tails[slot], arc_costs[slot])
        nodes = np.arange(g.n_nodes)
        self.left: list[int] = np.bincount(tails[slot], weights=g.capacities[slot], minlength=g.n_nodes).astype(
            np.int64).tolist()  # free slots per mentor class node
        to_mentor = (rank[heads] == MENTOR) & (rank[tails] >= CLASS)
        value = arc_costs[to_mentor] + first_slot[heads[to_mentor]]
        order = np.lexsort((value, tails[to_mentor]))
        own_tail = tails[to_mentor][order]
        self.own_head: list[int] = heads[to_mentor][order].tolist()
        self.own_value: list[int] = value[order].tolist()
        self.pointer: list[int] = np.searchsorted(own_tail, nodes).tolist()
        self.end: list[int] = np.searchsorted(own_tail, nodes, "right").tolist()
        to_hub = (rank[heads] >= ENTRY) & (rank[heads] <= LOCAL) & (rank[tails] >= CLASS)
        by_tail = np.argsort(tails[to_hub], kind="stable")
        kid_tail = tails[to_hub][by_tail]
        self.kid: list[int] = heads[to_hub][by_tail].tolist()
        self.kid_cost: list[int] = arc_costs[to_hub][by_tail].tolist()
        self.kid_start: list[int] = np.searchsorted(kid_tail, nodes).tolist()
        self.kid_end: list[int] = np.searchsorted(kid_tail, nodes, "right").tolist()
        self.heaps: dict[int, list[tuple[int, int, int]]] = {}

    def best(self, node: int) -> tuple[int, int]:
        """(cost, mentor class node) of the cheapest path from `node` to a mentor class with a free slot."""
        at, stop = self.pointer[node], self.end[node]
        while at < stop and self.left[self.own_head[at]] == 0:
            at += 1
        self.pointer[node] = at
        found = (self.own_value[at], self.own_head[at]) if at < stop else (INFINITE, -1)
        start, end = self.kid_start[node], self.kid_end[node]
        if start == end:
            return found
        if node not in self.heaps:
            entries = [(c + self.best(k)[0], k, c) for k, c in zip(self.kid[start:end], self.kid_cost[start:end],
                                                                     strict=True)]
            self.heaps[node] = [entry for entry in entries if entry[0] < INFINITE // 2]
            heapq.heapify(self.heaps[node])
        heap = self.heaps[node]
        while heap:
            value, child, cost = heap[0]
            child_value, mentor = self.best(child)
            if child_value == INFINITE:
                heapq.heappop(heap)
            elif cost + child_value != value:
                heapq.heapreplace(heap, (cost + child_value, child, cost))
            else:
                return (value, mentor) if value < found[0] else found
        return found


def _greedy_units(g: FlowGraph) -> tuple[IntArray, IntArray, IntArray]:
    """Class pairs taken greedily: always the globally cheapest pair left, young specialists first."""
    cheapest = _Cheapest(g)
    class_nodes = g.heads[g.source_arcs].astype(np.int64)
    remaining = g.class_size.tolist()
    queue = [(0 if young else 1, cheapest.best(int(node))[0], c) for c, (node, young) in
             enumerate(zip(class_nodes.tolist(), g.class_young.tolist(), strict=True))]
    heapq.heapify(queue)
    taken: list[tuple[int, int, int]] = []
    while queue:
        young, value, c = queue[0]
        current, mentor = cheapest.best(int(class_nodes[c]))
        if current == INFINITE:
            heapq.heappop(queue)
        elif current != value:
            heapq.heapreplace(queue, (young, current, c))
        else:
            units = min(remaining[c], cheapest.left[mentor])
            taken.append((c, mentor, units))
            remaining[c] -= units
            cheapest.left[mentor] -= units
            if remaining[c] == 0:
                heapq.heappop(queue)
    result = np.array(taken, dtype=np.int64).reshape(-1, 3)
    return result[:, 0], result[:, 1] - g.mentor_class_node[0], result[:, 2]


def solve_greedy(problem: MatchingProblem, weights: Weights = Weights()) -> Solution:
    """Baseline an operator would use: pairs by (young first, cost), each taken if both sides are still free."""
    started = time.perf_counter()
    if problem.n_mentees == 0 or not (problem.mentor_free > 0).any():
        return empty_solution(problem, weights, "greedy")
    graph = build_graph(problem, weights)
    built = time.perf_counter()
    units = _greedy_units(graph)
    solved = time.perf_counter()
    mentee, mentor, load = concrete_pairs(problem, graph, *units)
    return solution_of(problem, weights, mentee, mentor, load, nodes=graph.n_nodes, arcs=len(graph.tails),
                       build_seconds=built - started, solve_seconds=solved - built, method="greedy")
