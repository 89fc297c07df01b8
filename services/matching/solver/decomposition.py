"""Reading a flow back as pairs: paths from mentee classes to mentor classes, then concrete mentees and mentors."""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import IntArray
from services.matching.domain.problem import MatchingProblem
from services.matching.solver.graph import FlowGraph
from services.matching.solver.nodes import CLASS, ENTRY, HUB, LOCAL, MENTOR, SPREAD
from services.matching.solver.solution import SolverFailed


def _push(node: IntArray, origin: IntArray, amount: IntArray, tails: IntArray, heads: IntArray, flow: IntArray
          ) -> tuple[IntArray, IntArray, IntArray]:
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


def class_paths(g: FlowGraph, flow: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Decompose the flow into (mentee class, mentor class, units), layer by layer from the source."""
    live = flow > 0
    tails, heads, flows = g.tails[live].astype(np.int64), g.heads[live].astype(np.int64), flow[live]
    amount = flow[g.source_arcs]
    start = amount > 0
    node, origin, amount = g.heads[g.source_arcs][start].astype(np.int64), np.flatnonzero(start), amount[start]
    for layer in (CLASS, ENTRY, HUB, SPREAD, LOCAL):
        here, out = g.rank[node] == layer, g.rank[tails] == layer
        moved = _push(node[here], origin[here], amount[here], tails[out], heads[out], flows[out])
        node, origin, amount = (np.concatenate([a[~here], b]) for a, b in zip((node, origin, amount), moved,
                                                                            strict=True))
    if not np.all(g.rank[node] == MENTOR):
        raise SolverFailed("BAD_RESULT", "a path does not end at a mentor")
    return origin, node - g.mentor_class_node[0], amount


def concrete_pairs(p: MatchingProblem, g: FlowGraph, mentee_class: IntArray, mentor_class: IntArray,
                   units: IntArray) -> tuple[IntArray, IntArray, IntArray]:
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
    with_room = np.flatnonzero(g.mentor_class >= 0)
    with_room = with_room[np.lexsort((-p.mentor_free[with_room], g.mentor_class[with_room]))]
    free = p.mentor_free[with_room]
    owner, seq = np.repeat(with_room, free), np.repeat(np.arange(len(with_room)), free)
    level = np.arange(len(owner)) - np.repeat(np.cumsum(free) - free, free)
    owner_class = g.mentor_class[owner]
    slots = np.lexsort((seq, level, owner_class))
    owner, level, owner_class = owner[slots], level[slots], owner_class[slots]
    class_first = np.searchsorted(owner_class, np.arange(n_classes))
    chosen = np.arange(len(owner_class)) - class_first[owner_class] < inflow[owner_class]
    owner, level = owner[chosen], level[chosen]
    taken_first = np.concatenate([[0], np.cumsum(inflow)[:-1]])
    mentor, load = np.empty(len(unit), np.int64), np.empty(len(unit), np.int64)
    order = np.argsort(mentor_class[unit], kind="stable")
    ordered = mentor_class[unit][order]
    at = taken_first[ordered] + np.arange(len(order)) - np.searchsorted(ordered, ordered)
    mentor[order], load[order] = owner[at], p.mentor_load[owner[at]] + level[at]
    return mentee, mentor, load
