"""Independent parts of a flow graph: connected components without the sources and the sink, batched for solving.

The objective (most matched, then most young specialists, then least cost) is a sum over parts that share no
node but the sources and the sink, so solving every part on its own with the same three steps is exact.
"""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import AnyArray, IntArray


def component_labels(n_nodes: int, tails: AnyArray, heads: AnyArray) -> IntArray:
    """Root label per node (the smallest node of its component): roots hook onto smaller roots, then compress."""
    parent = np.arange(n_nodes, dtype=np.int64)
    tails, heads = np.asarray(tails, np.int64), np.asarray(heads, np.int64)
    while len(tails):
        root_t, root_h = parent[tails], parent[heads]
        apart = root_t != root_h
        tails, heads, root_t, root_h = tails[apart], heads[apart], root_t[apart], root_h[apart]
        if not len(tails):
            break
        np.minimum.at(parent, np.maximum(root_t, root_h), np.minimum(root_t, root_h))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def arc_parts(tails: AnyArray, heads: AnyArray, n_nodes: int, terminals: int, min_arcs: int) -> list[IntArray]:
    """Arc indices per part: components of the graph without the first `terminals` nodes (sources and sink),
    keeping only those that touch a source and the sink; small components are batched up to min_arcs arcs."""
    inner = (tails >= terminals) & (heads >= terminals)
    label = component_labels(n_nodes, tails[inner], heads[inner])
    arc_label = label[np.where(tails >= terminals, tails, heads)]
    order = np.argsort(arc_label, kind="stable")
    starts = np.flatnonzero(np.r_[True, arc_label[order][1:] != arc_label[order][:-1]]) if len(order) else order
    spans = np.split(order, starts[1:]) if len(order) else []
    useful = [span for span in spans if (tails[span] < terminals).any() and (heads[span] < terminals).any()]
    useful.sort(key=len, reverse=True)
    parts: list[IntArray] = []
    batch: list[IntArray] = []
    size = 0
    for span in useful:
        batch.append(span)
        size += len(span)
        if size >= min_arcs:
            parts.append(np.sort(np.concatenate(batch)))
            batch, size = [], 0
    if batch:
        parts.append(np.sort(np.concatenate(batch)))
    return parts
