"""Independent parts of one region's graph, each solved by the backend its size suits; when several parts are
large they are solved at once in separate processes (OR-Tools and LEMON hold the GIL, so threads would not help).

Exact: the objective is a sum over parts that share no node but the sources and the sink (`components`).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext

import numpy as np

from services.matching.domain.arrays import IntArray
from services.matching.solver.components import arc_parts
from services.matching.solver.graph import FlowGraph
from services.matching.solver.lemon_flow import solve_part_lemon
from services.matching.solver.nodes import OTHER_SOURCE, TERMINALS, YOUNG_SOURCE
from services.matching.solver.ortools_flow import solve_part_ortools
from services.matching.solver.solution import SolverFailed

BACKENDS = ("auto", "ortools", "lemon")
PART_MIN_ARCS = 50_000  # small independent parts are batched into one solve of at least this many arcs
# LEMON's network simplex on the one-solve formulation was 2-3x faster than OR-Tools up to ~180k nodes and
# stopped scaling above about 300-400k nodes (FINDINGS, second round): "auto" takes OR-Tools above this
LEMON_MAX_NODES = 300_000
# a part goes to another process only from this many arcs. Measured here (2 cores, generated regions, LEMON):
# a new pool plus sending a part and its flow back costs 0.04-0.06 s + about 0.4 us per arc (0.34-0.38 s for the
# first pool of a process: the forkserver starts and preloads the solver), while solving in-process takes
# 0.06 s at 47k arcs, 0.14 s at 81k, 0.31 s at 153k, 1.1 s at 301k: from about 100k arcs a process pays
PROCESS_MIN_ARCS = 100_000


@dataclass(frozen=True)
class Part:
    """One part renumbered compactly (nodes 0, 1, 2 are the sources and the sink), as parallel arrays."""

    tails: IntArray
    heads: IntArray
    capacities: IntArray
    costs: IntArray
    rank: IntArray  # rank of each node of the part (nodes.SOURCE … nodes.SINK)

    @property
    def mentees(self) -> int:
        """Mentees the part's two sources feed."""
        return int(self.capacities[(self.tails == OTHER_SOURCE) | (self.tails == YOUNG_SOURCE)].sum())


@dataclass(frozen=True)
class PartResult:
    """The optimum of one part: flow per arc, the three objectives, and the backend that found it."""

    flow: IntArray
    matched: int
    young: int
    cost: int
    backend: str


def split_parts(g: FlowGraph) -> list[tuple[IntArray, Part]]:
    """(arcs of the whole graph, the part on them) for every part that joins a source to the sink."""
    parts = []
    for arcs in arc_parts(g.tails, g.heads, g.n_nodes, TERMINALS, PART_MIN_ARCS):
        tails, heads = g.tails[arcs], g.heads[arcs]
        used = np.zeros(g.n_nodes, dtype=bool)  # the part's nodes keep their order: terminals first, as 0, 1, 2
        used[:TERMINALS] = used[tails] = used[heads] = True
        local = np.cumsum(used) - 1
        parts.append((arcs, Part(local[tails], local[heads], g.capacities[arcs], g.costs[arcs], g.rank[used])))
    return parts


def backend_for(part: Part, backend: str) -> str:
    """The backend that solves a part: the one asked for, or by size for "auto"."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown matching solver backend {backend!r}, expected one of {BACKENDS}")
    if backend == "auto":
        return "lemon" if len(part.rank) < LEMON_MAX_NODES else "ortools"
    return backend


def solve_part(part: Part, backend: str) -> PartResult:
    """Solve one part with "lemon" or "ortools"; LEMON falls back to OR-Tools when its formulation would
    overflow (lemon_flow)."""
    if backend == "lemon":
        found = solve_part_lemon(part.tails, part.heads, part.capacities, part.costs, part.rank)
        if found is not None:
            return PartResult(*found, backend="lemon")
    flow, matched, young, cost = solve_part_ortools(part.tails, part.heads, part.capacities, part.costs,
                                                    part.mentees)
    return PartResult(flow, matched, young, cost, backend="ortools")


def _context() -> BaseContext:
    """forkserver (a clean process, the solver modules preloaded once) where there is one, else spawn: never a
    plain fork of a caller that runs threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _collect(future: Future[PartResult]) -> PartResult:
    """A part solved in another process; any failure there is a SolverFailed here."""
    try:
        return future.result()
    except SolverFailed:
        raise
    except Exception as failure:  # a crashed process, or an error of any kind in the child
        raise SolverFailed("PROCESS_FAILED", repr(failure)) from failure


def solve_parts(parts: list[Part], backend: str, processes: int = 1) -> list[PartResult]:
    """Every part's optimum, in order. With processes > 1 and at least two parts of PROCESS_MIN_ARCS arcs, the
    largest is solved here while the other large ones are solved at once in up to processes - 1 other
    processes (a pool per call); the small ones are solved here too."""
    backends = [backend_for(part, backend) for part in parts]
    large = sorted((i for i, part in enumerate(parts) if len(part.tails) >= PROCESS_MIN_ARCS),
                   key=lambda i: -len(parts[i].tails))
    if processes < 2 or len(large) < 2:
        return [solve_part(part, chosen) for part, chosen in zip(parts, backends, strict=True)]
    away = large[1:]  # the largest stays: its arrays are not copied
    results: dict[int, PartResult] = {}
    with ProcessPoolExecutor(max_workers=min(processes - 1, len(away)), mp_context=_context()) as pool:
        try:
            futures = {i: pool.submit(solve_part, parts[i], backends[i]) for i in away}
        except OSError as failure:  # no process could be started (limits, memory)
            raise SolverFailed("PROCESS_FAILED", repr(failure)) from failure
        for i in (i for i in range(len(parts)) if i not in futures):
            results[i] = solve_part(parts[i], backends[i])
        results.update({i: _collect(future) for i, future in futures.items()})
    return [results[i] for i in range(len(parts))]
