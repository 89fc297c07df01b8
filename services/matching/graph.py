"""The aggregated flow graph: classes of interchangeable mentees and mentors joined through distance hubs.

Paths are source → mentee class → (same organization) mentor class, or mentee class → entry (municipality,
subject, stage, requested directions, distance format) → hub U (municipality, subject, stage, direction) or hub
G (region, ...) → local hub V (municipality, ..., distance-format mentors) → mentor class → slot arcs → sink.
Every path joins an eligible pair and costs at least that pair's cost; the cheapest path costs exactly it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.matching import costs
from services.matching.costs import DISTANCE_FORMATS, NO_SUBJECT, Weights
from services.matching.domain import MatchingProblem

SOURCE, CLASS, ENTRY, HUB, SPREAD, LOCAL, MENTOR, SINK = range(-1, 7)
OTHER_SOURCE, SINK_NODE, YOUNG_SOURCE = 0, 1, 2
STAGE_COUNT = 5
DIRECTION_SLOTS = 65


@dataclass
class FlowGraph:
    """Arcs (parallel arrays) and the bookkeeping needed to read a flow back as pairs."""

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    rank: np.ndarray
    class_size: np.ndarray
    class_young: np.ndarray
    source_arcs: np.ndarray
    mentee_class: np.ndarray
    mentor_class: np.ndarray
    mentor_class_node: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.rank)


def group_rows(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group id per row (rows equal in every column share it) and one representative row per group."""
    n = len(cols[0])
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(cols[::-1])
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for col in cols:
        ordered = col[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return inverse, order[change]


def in_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of keys in a sorted unique array."""
    return lookup(sorted_keys, keys) >= 0


def lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in a sorted unique array, or -1."""
    if len(sorted_keys) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == keys, pos, -1)


def join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (left row, right row) pairs with equal keys."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    lo = np.searchsorted(ordered, left, "left")
    count = np.searchsorted(ordered, left, "right") - lo
    li = np.repeat(np.arange(len(left)), count)
    offset = np.arange(len(li)) - np.repeat(np.cumsum(count) - count, count)
    return li, order[np.repeat(lo, count) + offset]


def set_bits(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, bit) for every set bit of uint64 masks."""
    as_bytes = np.ascontiguousarray(masks, dtype="<u8").view(np.uint8).reshape(-1, 8)
    return np.nonzero(np.unpackbits(as_bytes, axis=1, bitorder="little"))


def pack(cols: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Mixed-radix int64 key of small non-negative columns."""
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for col, size in zip(cols, sizes, strict=True):
        key = key * size + np.asarray(col, dtype=np.int64)
    return key


def exclusions(p: MatchingProblem) -> tuple[np.ndarray, np.ndarray]:
    """Pairs never matched apart from the rules: declined before, and the same person on both sides."""
    li, ri = join(p.mentee_person, p.mentor_person)
    keys = np.unique(np.concatenate([p.declined_keys, costs.pair_keys(li, ri, p.n_mentors)]))
    return keys // max(p.n_mentors, 1), keys % max(p.n_mentors, 1)


def entry_options(subject: np.ndarray, requested: np.ndarray, w: Weights) -> tuple[np.ndarray, ...]:
    """(row, direction slot, extra cost): the generic hub (slot 0) and one hub per requested direction."""
    generic = np.flatnonzero(subject != NO_SUBJECT)
    row, bit = set_bits(requested)
    extra = np.where(requested[generic] != 0, w.direction_uncovered, 0)
    return (np.concatenate([generic, row]), np.concatenate([np.zeros(len(generic), np.int64), bit + 1]),
            np.concatenate([extra, np.zeros(len(row), np.int64)]))


def mentor_offers(subjects: np.ndarray, stages: np.ndarray, directions: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, subject slot, stage) a mentor teaches; subject slot 0 serves direction-only requests."""
    row, bit = set_bits(subjects)
    with_directions = np.flatnonzero(directions != 0)
    row = np.concatenate([row, with_directions])
    slot = np.concatenate([bit + 1, np.zeros(len(with_directions), np.int64)])
    stage_row, stage = set_bits(stages)
    left, right = join(row, stage_row)
    return row[left], slot[left], stage[right]


def stage_targets(stage: np.ndarray, w: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, mentor stage, stage cost): the mentee's own stage and, when allowed, the adjacent ones."""
    rows = [np.arange(len(stage))]
    targets, cost = [stage], [np.zeros(len(stage), np.int64)]
    if w.adjacent_stage is not None:
        for step in (-1, 1):
            bit = (stage + step).clip(0).astype(np.uint64)
            near = np.flatnonzero((costs.ADJACENT_STAGES[stage] >> bit) & np.uint64(1))
            rows.append(near)
            targets.append(stage[near] + step)
            cost.append(np.full(len(near), w.adjacent_stage, np.int64))
    return np.concatenate(rows), np.concatenate(targets), np.concatenate(cost)


def young_bonus(p: MatchingProblem, w: Weights) -> int:
    """Bonus per matched young specialist that outweighs any difference in total cost between matchings."""
    if not p.mentee_young.any():
        return 0
    low, high = w.pair_cost_bounds(max(int((p.mentor_load + p.mentor_free).max(initial=1)) - 1, 0))
    return (high - low) * max(min(p.n_mentees, int(p.mentor_free.clip(0).sum())), 1) + 1


def _codes(mentee_col: np.ndarray, mentor_col: np.ndarray, *more: tuple[np.ndarray, np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray, int]:
    """Compact codes of values shared by both sides (rows equal in every given column share a code)."""
    both = [np.concatenate([a, b]) for a, b in [(mentee_col, mentor_col), *more]]
    code, first = group_rows(*both)
    return code[: len(mentee_col)], code[len(mentee_col):], len(first)


def build_graph(p: MatchingProblem, w: Weights) -> FlowGraph:
    """Aggregate mentees and mentors into classes, join them through hubs, emit every arc as arrays."""
    # data: compact codes, who has free load, which mentees and mentors need a node of their own
    reg_e, reg_m, n_reg = _codes(p.mentee_region, p.mentor_region)
    mun_e, mun_m, n_mun = _codes(p.mentee_region, p.mentor_region, (p.mentee_municipality, p.mentor_municipality))
    org_e, org_m, n_org = _codes(p.mentee_org, p.mentor_org)
    dist_e = (p.mentee_formats & DISTANCE_FORMATS) != 0
    dist_m = (p.mentor_formats & DISTANCE_FORMATS) != 0
    active = np.flatnonzero(p.mentor_free > 0)
    ex_i, ex_j = exclusions(p)
    ex_i, ex_j = ex_i[p.mentor_free[ex_j] > 0], ex_j[p.mentor_free[ex_j] > 0]
    pref = costs.eligible_pairs(p, p.preference_mentee, p.preference_mentor, w)
    pref_i, pref_j = p.preference_mentee[pref], p.preference_mentor[pref]
    single_e = np.full(p.n_mentees, -1, np.int64)
    single_e[np.concatenate([ex_i, pref_i])] = np.concatenate([ex_i, pref_i])
    single_m = np.full(p.n_mentors, -1, np.int64)
    single_m[np.concatenate([ex_j, pref_j])] = np.concatenate([ex_j, pref_j])
    s1_e, t_e, req = p.mentee_subject + 1, p.mentee_stage, p.mentee_directions
    quality = costs.mentor_quality(p, np.arange(p.n_mentors), w)

    m_row, m_s1, _ = mentor_offers(p.mentor_subjects[active], np.full(len(active), np.uint64(1)),
                                   p.mentor_directions[active])
    li, ri = join(pack([org_e, s1_e], [n_org, 65]), pack([org_m[active[m_row]], m_s1], [n_org, 65]))
    at_home = np.zeros(p.n_mentees, dtype=bool)
    at_home[li[costs.eligible_pairs(p, li, active[m_row[ri]], w)]] = True

    # variables: nodes for mentee classes (the organization matters only to mentees with a mentor there),
    # entries, hubs and mentor classes; arcs follow, one rule each
    cls_e, rep_e = group_rows(np.where(at_home, org_e, -1), mun_e, s1_e, t_e, req.view(np.int64), dist_e,
                              p.mentee_young, single_e)
    size_c = np.bincount(cls_e, minlength=len(rep_e))
    cls_ma, rep_ma = group_rows(org_m[active], mun_m[active], p.mentor_subjects[active].view(np.int64),
                                p.mentor_stages[active].view(np.int64), p.mentor_directions[active].view(np.int64),
                                dist_m[active], quality[active], p.mentor_load[active], single_m[active])
    rep_m = active[rep_ma]
    mentor_class = np.full(p.n_mentors, -1, np.int64)
    mentor_class[active] = cls_ma
    private = np.zeros(len(rep_e), dtype=bool)
    private[cls_e[ex_i]] = True
    shared = rep_e[~private]
    cls_k, rep_k = group_rows(mun_e[shared], s1_e[shared], t_e[shared], req[shared].view(np.int64), dist_e[shared])
    entry = np.concatenate([shared[rep_k], rep_e[private]])
    row, d1, extra = entry_options(p.mentee_subject[entry], req[entry], w)
    who = entry[row]
    hub_sizes = [65, STAGE_COUNT, DIRECTION_SLOTS]
    u_key = pack([mun_e[who], s1_e[who], t_e[who], d1], [n_mun, *hub_sizes])
    g_key = pack([reg_e[who], s1_e[who], t_e[who], d1], [n_reg, *hub_sizes])
    u_keys, g_keys = np.unique(u_key), np.unique(g_key[dist_e[who]])
    u_row, x_t, u_stage_cost = stage_targets(u_keys // DIRECTION_SLOTS % STAGE_COUNT, w)
    g_row, gs_t, g_stage_cost = stage_targets(g_keys // DIRECTION_SLOTS % STAGE_COUNT, w)
    x_key = _restage(u_keys[u_row], x_t)
    gs_key = _restage(g_keys[g_row], gs_t)
    o_row, o_s1, o_t = mentor_offers(p.mentor_subjects[rep_m], p.mentor_stages[rep_m], p.mentor_directions[rep_m])
    d_row, d_bit = set_bits(p.mentor_directions[rep_m])
    left, right = join(o_row, d_row)
    generic = np.flatnonzero(o_s1 > 0)
    o = np.concatenate([generic, left])
    o_d1 = np.concatenate([np.zeros(len(generic), np.int64), d_bit[right] + 1])
    om, who_m = o_row[o], rep_m[o_row[o]]
    om_x = pack([mun_m[who_m], o_s1[o], o_t[o], o_d1], [n_mun, *hub_sizes])
    om_gs = pack([reg_m[who_m], o_s1[o], o_t[o], o_d1], [n_reg, *hub_sizes])
    x_keys = np.intersect1d(x_key, om_x)
    gs_keys = np.intersect1d(gs_key, om_gs[dist_m[who_m]])
    om_in_x, om_in_gs = lookup(x_keys, om_x), np.where(dist_m[who_m], lookup(gs_keys, om_gs), -1)
    local = dist_m[who_m] & ((om_in_x >= 0) | (om_in_gs >= 0))
    v_keys, v_first = np.unique(om_x[local], return_index=True)
    v_gs = om_gs[local][v_first]
    sizes = [len(rep_e), len(rep_k), len(u_keys), len(g_keys), len(x_keys), len(gs_keys), len(v_keys), len(rep_m)]
    ranks = [CLASS, ENTRY, HUB, HUB, SPREAD, SPREAD, LOCAL, MENTOR]
    base = np.cumsum([3, *sizes[:-1]])
    c_node, k_node, u_node, g_node, x_node, gs_node, v_node, m_node = (
        b + np.arange(n) for b, n in zip(base, sizes, strict=True))
    rank = np.concatenate([[SOURCE, SINK, SOURCE], *(np.full(n, r) for n, r in zip(sizes, ranks, strict=True))])
    arcs: list[tuple[np.ndarray, ...]] = []

    def add(tails: np.ndarray, heads: np.ndarray, cost: np.ndarray | int, cap: np.ndarray | int = p.n_mentees
            ) -> None:
        arcs.append(tuple(np.broadcast_to(np.asarray(x, np.int64), len(tails)) for x in (tails, heads, cap, cost)))

    # constraint: each mentee is matched at most once: its class gets one unit per mentee from the source
    # (young specialists from their own source, so the solver can serve them first)
    young_c = p.mentee_young[rep_e]
    add(np.where(young_c, YOUNG_SOURCE, OTHER_SOURCE), c_node, 0, size_c)
    # rule: a mentee class enters through its shared entry (municipality, subject, stage, request, formats)
    add(c_node[~private], k_node[cls_k], 0, size_c[~private])
    # rule: same municipality through hub U; elsewhere in the region only when both accept a distance format;
    # the generic hub costs a direction penalty when the mentee asked for directions
    entry_node = np.concatenate([k_node, c_node[private]])
    far = dist_e[who]
    to_u = (entry_node[row], u_node[lookup(u_keys, u_key)], w.same_municipality + extra)
    to_g = (entry_node[row[far]], g_node[lookup(g_keys, g_key[far])], w.elsewhere_in_region + extra[far])
    for tails, heads, cost in (to_u, to_g):
        add(tails[rank[tails] == ENTRY], heads[rank[tails] == ENTRY], cost[rank[tails] == ENTRY])
    # rule: the mentee's stage, or an adjacent stage at a penalty when allowed
    at_x, at_gs = lookup(x_keys, x_key), lookup(gs_keys, gs_key)
    add(u_node[u_row[at_x >= 0]], x_node[at_x[at_x >= 0]], u_stage_cost[at_x >= 0])
    add(g_node[g_row[at_gs >= 0]], gs_node[at_gs[at_gs >= 0]], g_stage_cost[at_gs >= 0])
    # rule: the mentor teaches the subject (or covers a requested direction) at that stage; a direction hub
    # reaches only mentors covering the direction; distance-format mentors hang on local hubs V
    near = ~dist_m[who_m] & (om_in_x >= 0)
    add(x_node[om_in_x[near]], m_node[om[near]], 0)
    add(v_node[lookup(v_keys, om_x[local])], m_node[om[local]], 0)
    vx, vg = lookup(x_keys, v_keys), lookup(gs_keys, v_gs)
    add(x_node[vx[vx >= 0]], v_node[vx >= 0], 0)
    add(gs_node[vg[vg >= 0]], v_node[vg >= 0], 0)
    # rule: same organization: direct class arcs at the exact cost, declined and self pairs left out
    m_row, m_s1, _ = mentor_offers(p.mentor_subjects[rep_m], np.full(len(rep_m), np.uint64(1)),
                                   p.mentor_directions[rep_m])
    rep_local = rep_e[at_home[rep_e]]
    ci, mi = join(pack([org_e[rep_local], s1_e[rep_local]], [n_org, 65]),
                  pack([org_m[rep_m[m_row]], m_s1], [n_org, 65]))
    ci = np.flatnonzero(at_home[rep_e])[ci]
    mj = m_row[mi]
    ok = costs.eligible_pairs(p, rep_e[ci], rep_m[mj], w)
    add(c_node[ci[ok]], m_node[mj[ok]], costs.pairwise_cost(p, rep_e[ci[ok]], rep_m[mj[ok]], w))
    # rule: the mentee's preferred mentor is cheaper: a direct arc carrying the preference bonus
    add(c_node[cls_e[pref_i]], m_node[mentor_class[pref_j]], costs.pairwise_cost(p, pref_i, pref_j, w))
    # constraint: a mentor takes at most its free load; each further slot costs more, so load spreads
    free = p.mentor_free[active]
    k = np.arange(free.sum()) - np.repeat(np.cumsum(free) - free, free)
    width = int(free.max(initial=1))
    level, count = np.unique(np.repeat(cls_ma, free) * width + k, return_counts=True)
    cls, k = level // width, level % width
    add(m_node[cls], np.full(len(cls), SINK_NODE), quality[rep_m[cls]] + costs.slot_cost(
        p.mentor_load[rep_m[cls]] + k, w), count)
    # rule: a declined or self pair is never proposed: those mentees route through private copies of hubs
    tails, heads, caps, cost = (np.concatenate([a[x] for a in arcs]) for x in range(4))
    from_class = [tuple(x[rank[part[0]] == CLASS] for x in part) for part in (to_u, to_g)]
    entry_class, entry_hub, entry_cost = (np.concatenate([part[x] for part in from_class]) for x in range(3))
    more, rank = private_routes(tails, heads, cost, rank, (entry_class, entry_hub, entry_cost),
                                (c_node[cls_e[ex_i]], m_node[mentor_class[ex_j]]), p.n_mentees)
    tails, heads, caps, cost = (np.concatenate([a, b]) for a, b in zip((tails, heads, caps, cost), more,
                                                                        strict=True))
    return FlowGraph(tails.astype(np.int32), heads.astype(np.int32), caps, cost, rank, size_c, young_c,
                     np.arange(len(rep_e)), cls_e, mentor_class, m_node)


def _restage(keys: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """The same hub key with another stage."""
    old = keys // DIRECTION_SLOTS % STAGE_COUNT
    return keys + (stage - old) * DIRECTION_SLOTS


def private_routes(tails: np.ndarray, heads: np.ndarray, cost: np.ndarray, rank: np.ndarray,
                   entries: tuple[np.ndarray, np.ndarray, np.ndarray], excluded: tuple[np.ndarray, np.ndarray],
                   capacity: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Arcs from each entry (class node, hub, cost) to the hub itself or, when the hub leads to a mentor node
    excluded for that class (excluded holds (class node, mentor node) pairs), to the class's own copy of it:
    every hub on the way to an excluded mentor is copied once per class, without the arcs to excluded mentors."""
    n = max(len(rank), 1)
    tails, heads = np.asarray(tails, np.int64), np.asarray(heads, np.int64)
    entry_class, entry_hub, entry_cost = (np.asarray(x, np.int64) for x in entries)
    ex_keys = np.unique(np.asarray(excluded[0], np.int64) * n + np.asarray(excluded[1], np.int64))
    by_head, by_tail = np.argsort(heads, kind="stable"), np.argsort(tails, kind="stable")

    def step(keys: np.ndarray, upward: bool) -> tuple[np.ndarray, np.ndarray]:
        """(class, neighbour node, arc) for every in-arc (upward) or out-arc of the nodes in (class, node) keys."""
        order, ends = (by_head, heads) if upward else (by_tail, tails)
        li, ai = join(keys % n, ends[order])
        arc = order[ai]
        return keys[li] // n, (tails if upward else heads)[arc], arc

    # tainted: per class, the hub nodes (HUB to LOCAL) from which one of its excluded mentors can be reached
    tainted = np.zeros(0, np.int64)
    frontier = ex_keys
    while len(frontier):
        c, node, _ = step(frontier, upward=True)
        hub = (rank[node] >= HUB) & (rank[node] < MENTOR)
        found = np.unique(c[hub] * n + node[hub])
        frontier = found[~in_sorted(tainted, found)]
        tainted = np.union1d(tainted, frontier)
    # copies: tainted hubs a class reaches from its entries through tainted hubs only
    start = entry_class * n + entry_hub
    reach = np.unique(start[in_sorted(tainted, start)])
    frontier = reach
    while len(frontier):
        c, node, _ = step(frontier, upward=False)
        found = np.unique(c * n + node)
        found = found[in_sorted(tainted, found) & ~in_sorted(reach, found)]
        frontier = found
        reach = np.union1d(reach, found)
    copy_of = np.append(len(rank) + np.arange(len(reach)), -1)
    # arcs of the copies: the original's out-arcs without excluded mentors, tainted heads replaced by copies
    c, head, arc = step(reach, upward=False)
    tail = copy_of[np.searchsorted(reach, c * n + tails[arc])]
    key = c * n + head
    keep = ~in_sorted(ex_keys, key)
    at = lookup(reach, key)
    head = np.where(at >= 0, copy_of[at], head)
    entry_at = lookup(reach, start)
    entry_target = np.where(entry_at >= 0, copy_of[entry_at], entry_hub)
    out_tails = np.concatenate([tail[keep], entry_class])
    out_heads = np.concatenate([head[keep], entry_target])
    out_costs = np.concatenate([cost[arc][keep], entry_cost])
    out = (out_tails, out_heads, np.full(len(out_tails), capacity, np.int64), out_costs)
    return out, np.concatenate([rank, rank[reach % n]])


def _request_keys(p: MatchingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mentee key, mentor row, mentor key) on region and subject slot, for joining candidate pairs."""
    reg_e, reg_m, n_reg = _codes(p.mentee_region, p.mentor_region)
    row, bit = set_bits(p.mentor_subjects)
    with_directions = np.flatnonzero(p.mentor_directions != 0)
    row = np.concatenate([row, with_directions])
    slot = np.concatenate([bit + 1, np.zeros(len(with_directions), np.int64)])
    return (pack([reg_e, p.mentee_subject + 1], [n_reg, 65]), row, pack([reg_m[row], slot], [n_reg, 65]))


def candidate_bound(p: MatchingProblem) -> int:
    """Upper bound on eligible pairs: pairs in the same region sharing the subject (or any direction)."""
    left, _, right = _request_keys(p)
    keys, count = np.unique(right, return_counts=True)
    at = lookup(keys, left)
    return int(np.where(at >= 0, count[at], 0).sum())


def candidate_pairs(p: MatchingProblem, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Every eligible (mentee, mentor) pair, as for the plain bipartite formulation."""
    left, row, right = _request_keys(p)
    li, ri = join(left, right)
    mj = row[ri]
    ok = costs.eligible_pairs(p, li, mj, w)
    return li[ok], mj[ok]
