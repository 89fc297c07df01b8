"""Routes around excluded pairs: a mentee class with a declined (or its own person's) mentor gets private copies
of the hubs that lead to that mentor, without the arcs to it."""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import IntArray, in_sorted, lookup
from services.matching.solver.arrays import sorted_join
from services.matching.solver.nodes import HUB, MENTOR

Arcs = tuple[IntArray, IntArray, IntArray, IntArray]  # tails, heads, capacities, unit costs


def private_routes(tails: IntArray, heads: IntArray, cost: IntArray, rank: IntArray,
                   entries: tuple[IntArray, IntArray, IntArray], excluded: tuple[IntArray, IntArray],
                   capacity: int) -> tuple[Arcs, IntArray]:
    """Arcs from each entry (class node, hub, cost) to the hub itself or, when the hub leads to a mentor node
    excluded for that class (excluded holds (class node, mentor node) pairs), to the class's own copy of it:
    every hub on the way to an excluded mentor is copied once per class, without the arcs to excluded mentors.
    Returns the arcs and the ranks of all nodes, copies included."""
    n = max(len(rank), 1)
    tails, heads = np.asarray(tails, np.int64), np.asarray(heads, np.int64)
    entry_class, entry_hub, entry_cost = (np.asarray(x, np.int64) for x in entries)
    excluded_keys = np.unique(np.asarray(excluded[0], np.int64) * n + np.asarray(excluded[1], np.int64))
    # only arcs out of hubs are ever walked (up from a mentor to the hubs, down from a hub): sort those once
    from_hub = np.flatnonzero((rank[tails] >= HUB) & (rank[tails] < MENTOR))
    by_head = from_hub[np.argsort(heads[from_hub], kind="stable")]
    by_tail = from_hub[np.argsort(tails[from_hub], kind="stable")]
    sorted_heads, sorted_tails = heads[by_head], tails[by_tail]

    def step(keys: IntArray, upward: bool) -> tuple[IntArray, IntArray, IntArray]:
        """(class, neighbour node, arc) for every in-arc (upward) or out-arc of the hub nodes in (class, node) keys;
        upward, only arcs from hubs."""
        order, ends = (by_head, sorted_heads) if upward else (by_tail, sorted_tails)
        key_row, at = sorted_join(keys % n, ends)
        arc = order[at]
        return keys[key_row] // n, (tails if upward else heads)[arc], arc

    # tainted: per class, the hub nodes (HUB to LOCAL) from which one of its excluded mentors can be reached
    tainted = np.zeros(0, np.int64)
    frontier = excluded_keys
    while len(frontier):
        owner, node, _ = step(frontier, upward=True)
        hub = (rank[node] >= HUB) & (rank[node] < MENTOR)
        found = np.unique(owner[hub] * n + node[hub])
        frontier = found[~in_sorted(tainted, found)]
        tainted = np.union1d(tainted, frontier)
    # copies: tainted hubs a class reaches from its entries through tainted hubs only
    start = entry_class * n + entry_hub
    reach = np.unique(start[in_sorted(tainted, start)])
    frontier = reach
    while len(frontier):
        owner, node, _ = step(frontier, upward=False)
        found = np.unique(owner * n + node)
        found = found[in_sorted(tainted, found) & ~in_sorted(reach, found)]
        frontier = found
        reach = np.union1d(reach, found)
    copy_of = np.append(len(rank) + np.arange(len(reach)), -1)
    # arcs of the copies: the original's out-arcs without excluded mentors, tainted heads replaced by copies
    owner, head, arc = step(reach, upward=False)
    tail = copy_of[np.searchsorted(reach, owner * n + tails[arc])]
    key = owner * n + head
    keep = ~in_sorted(excluded_keys, key)
    at = lookup(reach, key)
    head = np.where(at >= 0, copy_of[at], head)
    entry_at = lookup(reach, start)
    entry_target = np.where(entry_at >= 0, copy_of[entry_at], entry_hub)
    out_tails = np.concatenate([tail[keep], entry_class])
    out_heads = np.concatenate([head[keep], entry_target])
    out_costs = np.concatenate([cost[arc][keep], entry_cost])
    arcs = (out_tails, out_heads, np.full(len(out_tails), capacity, np.int64), out_costs)
    return arcs, np.concatenate([rank, rank[reach % n]])
