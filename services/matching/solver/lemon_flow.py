"""LEMON's network simplex (PyPI `pylmcf`) on a one-solve lexicographic formulation of one part.

OR-Tools needs three solves per part (max flow, max young flow, min-cost flow); here one min-cost flow gives
the same optimum. A super source S supplies the part's N mentees and the sink takes N; S feeds the young
specialists' source at cost 0, the others' source at cost B, and the sink directly at cost P (a mentee left
unmatched). Each source's arc from S carries at most the mentees it feeds.

Non-negative costs (LEMON requires them): every arc goes up in rank (source → class → … → mentor → sink), so
adding K·(rank(head) − rank(tail)), K = max(0, −least arc cost), makes every arc cost ≥ 0 and adds the same
K·(rank(sink) − rank(source)) to every source-to-sink path. These are node potentials: with the number matched
fixed, every flow's cost moves by the same constant, so the least-cost flow is unchanged.

Why the optimum is lexicographic. Let U be the longest shifted source-to-sink path (computed rank by rank; the
graph is acyclic), so a flow's path cost C lies in [0, m·U] ⊆ [0, N·U]. A flow matching m mentees, y of them
young specialists, costs Z = C + B·(m − y) + P·(N − m). Let (m*, y*, C*) be the lexicographic optimum (most
matched, then most young, then least cost). Every flow has y ≤ Y, the maximum flow from the young source alone,
and y* = Y: the sets of mentees that can be matched together form a matroid (a gammoid), so a largest set of young
specialists grows into a maximum matching (OR-Tools' second step relies on the same fact). With B = N·U + 1 and
P = B + N·U + 1, for any flow f against the optimum f*:
- m < m*: Z(f) − Z(f*) = (C − C*) + (P − B)(m* − m) + B(y* − y) ≥ −N·U + (N·U + 1) + 0 > 0;
- m = m*, y < y*: Z(f) − Z(f*) = (C − C*) + B(y* − y) ≥ −N·U + (N·U + 1) > 0;
- m = m*, y = y*: Z(f) − Z(f*) = C − C*.
So every minimiser of Z has the optimum's (m*, y*, C*). Overflow: no feasible flow costs more than N·P; when
N·P exceeds COST_LIMIT (2^60: below int64's 2^63 and LEMON's artificial arc cost 2^62, with room for its
potentials), or an arc does not go up in rank, the part is left to OR-Tools (`solve_part_lemon` returns None).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pylmcf.pylmcf_cpp import lmcf

from services.matching.domain.arrays import IntArray
from services.matching.solver.nodes import OTHER_SOURCE, SINK_NODE, YOUNG_SOURCE
from services.matching.solver.ortools_flow import PartOptimum
from services.matching.solver.solution import SolverFailed

COST_LIMIT = 2**60


@dataclass(frozen=True)
class Lexicographic:
    """The figures of the one-solve formulation of a part."""

    mentees: int  # N: mentees the part's two sources feed
    young: int  # young specialists among them
    longest_path: int  # U: the longest shifted source-to-sink path
    other_cost: int  # B: cost of the arc into the others' source
    unmatched_cost: int  # P: cost of leaving a mentee unmatched


def shifted_costs(tails: IntArray, heads: IntArray, costs: IntArray, rank: IntArray) -> IntArray | None:
    """Costs made non-negative by the potentials −K·rank; None when an arc does not go up in rank."""
    rise = rank[heads] - rank[tails]
    if len(rise) and rise.min() < 1:
        return None
    lowest = int(costs.min(initial=0))
    return costs + max(0, -lowest) * rise


def longest_path(tails: IntArray, heads: IntArray, costs: IntArray, rank: IntArray) -> int:
    """Longest source-to-sink path over non-negative costs, relaxing arcs rank by rank (0 if none)."""
    distance = np.full(len(rank), -1, np.int64)  # -1: not reached from a source
    distance[[OTHER_SOURCE, YOUNG_SOURCE]] = 0
    tail_rank = rank[tails]
    for layer in np.unique(tail_rank):
        arcs = np.flatnonzero(tail_rank == layer)
        arcs = arcs[distance[tails[arcs]] >= 0]
        np.maximum.at(distance, heads[arcs], distance[tails[arcs]] + costs[arcs])
    return max(int(distance[SINK_NODE]), 0)


def formulation(tails: IntArray, capacities: IntArray, longest: int) -> Lexicographic | None:
    """N, B and P of a part (Python integers, so the overflow check cannot overflow); None above COST_LIMIT."""
    young = int(capacities[tails == YOUNG_SOURCE].sum())
    mentees = young + int(capacities[tails == OTHER_SOURCE].sum())
    other_cost = mentees * longest + 1
    unmatched_cost = other_cost + mentees * longest + 1
    if mentees * unmatched_cost > COST_LIMIT:
        return None
    return Lexicographic(mentees, young, longest, other_cost, unmatched_cost)


def solve_part_lemon(tails: IntArray, heads: IntArray, capacities: IntArray, unit_costs: IntArray,
                     rank: IntArray) -> PartOptimum | None:
    """The three objectives on one part (nodes 0, 1, 2 are the sources and the sink, `rank` per node) in one
    network simplex solve; None when the formulation does not fit (then OR-Tools solves the part)."""
    # data: arcs as int64 (pylmcf takes one dtype), costs shifted to non-negative, the bounds B and P
    tails, heads = tails.astype(np.int64), heads.astype(np.int64)
    capacities, unit_costs = capacities.astype(np.int64), unit_costs.astype(np.int64)
    costs = shifted_costs(tails, heads, unit_costs, rank)
    if costs is None:
        return None
    lex = formulation(tails, capacities, longest_path(tails, heads, costs, rank))
    if lex is None:
        return None
    # variables: the part's arcs, then S → young source, S → others' source, S → sink (unmatched)
    super_source = len(rank)
    all_tails = np.concatenate([tails, np.full(3, super_source)])
    all_heads = np.concatenate([heads, [YOUNG_SOURCE, OTHER_SOURCE, SINK_NODE]])
    all_capacities = np.concatenate([capacities, [lex.young, lex.mentees - lex.young, lex.mentees]])
    all_costs = np.concatenate([costs, [0, lex.other_cost, lex.unmatched_cost]])
    # constraint: every mentee of the part leaves S and reaches the sink, matched or not
    supply = np.zeros(super_source + 1, np.int64)
    supply[super_source], supply[SINK_NODE] = lex.mentees, -lex.mentees
    # objective and solve: most matched, then most young specialists, then least cost (module docstring)
    try:
        flow = np.asarray(lmcf(supply, all_tails, all_heads, all_capacities, all_costs), dtype=np.int64)
    except (RuntimeError, ValueError) as failure:
        raise SolverFailed("LEMON_FAILED", str(failure)) from failure
    # read the solution: the part's flow, the counts from the three arcs out of S, the cost in original units
    inner = flow[: len(tails)]
    young, unmatched = int(flow[-3]), int(flow[-1])
    return inner, lex.mentees - unmatched, young, int(inner @ unit_costs)
