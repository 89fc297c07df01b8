"""The aggregated flow graph: classes of interchangeable mentees and mentors joined through distance hubs.

Paths are source → mentee class → (same organization) mentor class, or mentee class → entry (municipality,
subject, stage, requested directions, distance format, kind class and expectation profiles) → municipality hub
or region hub (kind class, a mentor's experience wish, the mentee's category profile, place, subject, stage,
direction) → spread (the same with a mentor's category wish and stage) → local hub (distance-format mentors of
a municipality) → mentor class → slot arcs → sink (kind classes, profiles and wishes: `mentee_fit`). Every path
joins an eligible pair and costs at least that pair's cost; the cheapest path costs exactly it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.matching.domain.arrays import BoolArray, IntArray, lookup
from services.matching.domain.costs import mentor_quality, pairwise_cost, slot_cost
from services.matching.domain.eligibility import accepts_distance, eligible_pairs
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.arrays import group_rows, join, pack, set_bits, shared_codes
from services.matching.solver.mentee_fit import experience_routes, mentee_fit, spread_steps
from services.matching.solver.nodes import (
    CLASS,
    ENTRY,
    HUB,
    LOCAL,
    MENTOR,
    OTHER_SOURCE,
    SINK,
    SINK_NODE,
    SOURCE,
    SPREAD,
    TERMINALS,
    YOUNG_SOURCE,
)
from services.matching.solver.private_routes import private_routes
from services.matching.solver.routes import (
    DIRECTION_SLOTS,
    HUB_SIZES,
    SUBJECT_SLOTS,
    entry_options,
    excluded_pairs,
    hub_stage,
    mentor_offers,
    restage,
    stage_targets,
)


@dataclass
class FlowGraph:
    """Arcs (parallel arrays) and the bookkeeping needed to read a flow back as pairs."""

    tails: npt.NDArray[np.int32]
    heads: npt.NDArray[np.int32]
    capacities: IntArray
    costs: IntArray
    rank: IntArray  # layer of each node (nodes.SOURCE … nodes.SINK)
    class_size: IntArray  # mentees per mentee class
    class_young: BoolArray  # whether a mentee class holds young specialists
    source_arcs: IntArray  # the arc from a source into each mentee class
    mentee_class: IntArray  # class of each mentee
    mentor_class: IntArray  # class of each mentor, -1 for a mentor without free load
    mentor_class_node: IntArray  # node of each mentor class

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.rank)


def build_graph(p: MatchingProblem, w: Weights) -> FlowGraph:
    """Aggregate mentees and mentors into classes, join them through hubs, emit every arc as arrays."""
    # data: compact codes of places, who accepts distance, who has free load, pairs excluded or preferred
    region_of_mentee, region_of_mentor, n_regions = shared_codes(p.mentee_region, p.mentor_region)
    municipality_of_mentee, municipality_of_mentor, n_municipalities = shared_codes(
        p.mentee_region, p.mentor_region, (p.mentee_municipality, p.mentor_municipality))
    org_of_mentee, org_of_mentor, n_orgs = shared_codes(p.mentee_org, p.mentor_org)
    remote_mentee, remote_mentor = accepts_distance(p.mentee_formats), accepts_distance(p.mentor_formats)
    with_room = np.flatnonzero(p.mentor_free > 0)
    excluded_mentee, excluded_mentor = excluded_pairs(p)
    has_room = p.mentor_free[excluded_mentor] > 0
    excluded_mentee, excluded_mentor = excluded_mentee[has_room], excluded_mentor[has_room]
    preferred = eligible_pairs(p, p.preference_mentee, p.preference_mentor, w)
    preferred_mentee, preferred_mentor = p.preference_mentee[preferred], p.preference_mentor[preferred]
    own_class_mentee = np.full(p.n_mentees, -1, np.int64)  # a mentee in an excluded or preferred pair stands alone
    own_class_mentee[np.concatenate([excluded_mentee, preferred_mentee])] = np.concatenate(
        [excluded_mentee, preferred_mentee])
    own_class_mentor = np.full(p.n_mentors, -1, np.int64)
    own_class_mentor[np.concatenate([excluded_mentor, preferred_mentor])] = np.concatenate(
        [excluded_mentor, preferred_mentor])
    subject_slot, stage, requested = p.mentee_subject + 1, p.mentee_stage, p.mentee_directions
    quality = mentor_quality(p, np.arange(p.n_mentors), w)
    fit = mentee_fit(p, w)  # kind classes, the experience and category profiles of mentees and wishes of mentors
    n_fronts, n_categories = fit.n_kind_classes * fit.n_experience_wishes, fit.category_cost.shape
    # data: the mentees with an eligible mentor in their own organization (only they are told apart by it)
    room_row, room_subject, _ = mentor_offers(p.mentor_subjects[with_room], np.full(len(with_room), np.uint64(1)),
                                              p.mentor_directions[with_room])
    mentee_at, room_at = join(pack([org_of_mentee, subject_slot], [n_orgs, SUBJECT_SLOTS]),
                              pack([org_of_mentor[with_room[room_row]], room_subject], [n_orgs, SUBJECT_SLOTS]))
    at_home = np.zeros(p.n_mentees, dtype=bool)
    at_home[mentee_at[eligible_pairs(p, mentee_at, with_room[room_row[room_at]], w)]] = True

    # variables: mentee classes, their entries, hubs, spreads, local hubs and mentor classes (one node each)
    mentee_class, class_mentee = group_rows(
        np.where(at_home, org_of_mentee, -1), municipality_of_mentee, subject_slot, stage, requested.view(np.int64),
        remote_mentee, p.mentee_young, *fit.mentee_columns(), own_class_mentee)  # one representative per class
    class_size = np.bincount(mentee_class, minlength=len(class_mentee))
    class_of_room, room_class_first = group_rows(
        org_of_mentor[with_room], municipality_of_mentor[with_room], p.mentor_subjects[with_room].view(np.int64),
        p.mentor_stages[with_room].view(np.int64), p.mentor_directions[with_room].view(np.int64),
        remote_mentor[with_room], quality[with_room], p.mentor_load[with_room],
        *(column[with_room] for column in fit.mentor_columns()), own_class_mentor[with_room])
    class_mentor = with_room[room_class_first]  # one representative mentor per mentor class
    mentor_class = np.full(p.n_mentors, -1, np.int64)
    mentor_class[with_room] = class_of_room
    private = np.zeros(len(class_mentee), dtype=bool)  # classes with an excluded mentor: they are their own entry
    private[mentee_class[excluded_mentee]] = True
    shared = class_mentee[~private]
    entry_of_shared, entry_first = group_rows(municipality_of_mentee[shared], subject_slot[shared], stage[shared],
                                              requested[shared].view(np.int64), remote_mentee[shared],
                                              *(column[shared] for column in fit.mentee_columns()))
    entry_mentee = np.concatenate([shared[entry_first], class_mentee[private]])
    # what each mentor class offers: (subject slot, stage) generically, and once more per covered direction
    taught_class, taught_subject, taught_stage = mentor_offers(
        p.mentor_subjects[class_mentor], p.mentor_stages[class_mentor], p.mentor_directions[class_mentor])
    covered_class, covered_direction = set_bits(p.mentor_directions[class_mentor])
    taught_at, covered_at = join(taught_class, covered_class)
    with_subject = np.flatnonzero(taught_subject > 0)
    offer = np.concatenate([with_subject, taught_at])
    offer_direction = np.concatenate([np.zeros(len(with_subject), np.int64), covered_direction[covered_at] + 1])
    offer_kind = np.zeros(len(offer), np.int64)
    if not (fit.n_kind_classes == 1 and fit.everyone_taken):  # once per kind class the mentor class takes
        kind_class, kind_taken = set_bits(fit.mentor_kind_classes[class_mentor])
        offer_at, kind_at = join(taught_class[offer], kind_class)
        offer, offer_direction, offer_kind = offer[offer_at], offer_direction[offer_at], kind_taken[kind_at]
    offer_class = taught_class[offer]
    offer_mentor = class_mentor[offer_class]
    offer_remote = remote_mentor[offer_mentor]
    offer_front = offer_kind * fit.n_experience_wishes + fit.experience_wish[offer_mentor]
    offer_tags, offer_sizes = [offer_front, fit.category_wish[offer_mentor]], [n_fronts, n_categories[1]]
    offer_slot = taught_subject[offer] * DIRECTION_SLOTS + offer_direction
    offer_municipality_key = pack([*offer_tags, municipality_of_mentor[offer_mentor], taught_subject[offer],
                                   taught_stage[offer], offer_direction], [*offer_sizes, n_municipalities, *HUB_SIZES])
    offer_region_key = pack([*offer_tags, region_of_mentor[offer_mentor], taught_subject[offer], taught_stage[offer],
                             offer_direction], [*offer_sizes, n_regions, *HUB_SIZES])
    option_entry, option_direction, option_extra = entry_options(p.mentee_subject[entry_mentee],
                                                                 requested[entry_mentee], w)
    option_mentee = entry_mentee[option_entry]
    # an option reaches a hub per experience wish offered to its kind class there, paying that experience cost
    option = [fit.mentee_kind_class[option_mentee], fit.experience_profile[option_mentee],
              subject_slot[option_mentee] * DIRECTION_SLOTS + option_direction]
    offered = [offer_kind, fit.experience_wish[offer_mentor], offer_slot]
    to_near = experience_routes([*option, municipality_of_mentee[option_mentee]],
                             [*offered, municipality_of_mentor[offer_mentor]], fit)
    remote = np.flatnonzero(remote_mentee[option_mentee])
    to_far = experience_routes([*(x[remote] for x in option), region_of_mentee[option_mentee[remote]]],
                            [*(x[offer_remote] for x in offered), region_of_mentor[offer_mentor[offer_remote]]], fit)
    to_far = (remote[to_far[0]], *to_far[1:])

    def hub_keys(route: tuple[IntArray, IntArray, IntArray], place: IntArray, n_places: int) -> IntArray:
        row, wish, _ = route
        mentee = option_mentee[row]
        return pack([fit.mentee_kind_class[mentee] * fit.n_experience_wishes + wish, fit.category_profile[mentee],
                     place[mentee], subject_slot[mentee], stage[mentee], option_direction[row]],
                    [n_fronts, n_categories[0], n_places, *HUB_SIZES])

    municipality_hub_key = hub_keys(to_near, municipality_of_mentee, n_municipalities)
    region_hub_key = hub_keys(to_far, region_of_mentee, n_regions)
    municipality_hubs, region_hubs = np.unique(municipality_hub_key), np.unique(region_hub_key)
    municipality_step_hub, municipality_step_stage, municipality_step_cost = stage_targets(
        hub_stage(municipality_hubs), w)
    region_step_hub, region_step_stage, region_step_cost = stage_targets(hub_stage(region_hubs), w)
    municipality_step_key = restage(municipality_hubs[municipality_step_hub], municipality_step_stage)
    region_step_key = restage(region_hubs[region_step_hub], region_step_stage)
    hub_size = int(np.prod(HUB_SIZES))
    municipality_step, municipality_step_spread, municipality_fit_cost, municipality_spreads = spread_steps(
        municipality_step_key, offer_municipality_key, fit.category_cost, n_municipalities * hub_size)
    region_step, region_step_spread, region_fit_cost, region_spreads = spread_steps(
        region_step_key, offer_region_key[offer_remote], fit.category_cost, n_regions * hub_size)
    offer_municipality_spread = lookup(municipality_spreads, offer_municipality_key)
    offer_region_spread = np.where(offer_remote, lookup(region_spreads, offer_region_key), -1)
    on_local_hub = offer_remote & ((offer_municipality_spread >= 0) | (offer_region_spread >= 0))
    local_hubs, local_first = np.unique(offer_municipality_key[on_local_hub], return_index=True)
    local_hub_region_key = offer_region_key[on_local_hub][local_first]
    sizes = [len(class_mentee), len(entry_first), len(municipality_hubs), len(region_hubs), len(municipality_spreads),
             len(region_spreads), len(local_hubs), len(class_mentor)]
    ranks = [CLASS, ENTRY, HUB, HUB, SPREAD, SPREAD, LOCAL, MENTOR]
    first_node = np.cumsum([TERMINALS, *sizes[:-1]])
    (class_node, entry_node, municipality_hub_node, region_hub_node, municipality_spread_node, region_spread_node,
     local_hub_node, mentor_node) = (first + np.arange(n) for first, n in zip(first_node, sizes, strict=True))
    rank = np.concatenate([[SOURCE, SINK, SOURCE], *(np.full(n, r) for n, r in zip(sizes, ranks, strict=True))])
    arcs: list[tuple[IntArray, ...]] = []

    def add(tails: IntArray, heads: IntArray, cost: IntArray | int, capacity: IntArray | int = p.n_mentees) -> None:
        arcs.append(tuple(np.broadcast_to(np.asarray(x, np.int64), len(tails))
                          for x in (tails, heads, capacity, cost)))

    # constraint: each mentee is matched at most once: its class gets one unit per mentee from the source
    # (young specialists from their own source, so the solver can serve them first)
    class_young = p.mentee_young[class_mentee]
    add(np.where(class_young, YOUNG_SOURCE, OTHER_SOURCE), class_node, 0, class_size)
    # rule: a mentee class enters through its shared entry (municipality, subject, stage, request, formats)
    add(class_node[~private], entry_node[entry_of_shared], 0, class_size[~private])
    # rule: same municipality through a municipality hub; elsewhere in the region (a region hub) only when both
    # accept a distance format; the generic hub costs a direction penalty when the mentee asked for directions
    entry_or_private = np.concatenate([entry_node, class_node[private]])
    to_municipality = (entry_or_private[option_entry[to_near[0]]],
                       municipality_hub_node[lookup(municipality_hubs, municipality_hub_key)],
                       w.same_municipality + option_extra[to_near[0]] + to_near[2])
    to_region = (entry_or_private[option_entry[to_far[0]]], region_hub_node[lookup(region_hubs, region_hub_key)],
                 w.elsewhere_in_region + option_extra[to_far[0]] + to_far[2])
    for tails, heads, cost in (to_municipality, to_region):
        from_entry = rank[tails] == ENTRY  # private classes get their own routes below
        add(tails[from_entry], heads[from_entry], cost[from_entry])
    # rule: the mentee's stage, or an adjacent stage at a penalty when allowed; only to mentors taking the
    # mentee's kind (its kind class), at the cost of the category those mentors expect (the experience they
    # expect was paid on the way into the hub)
    add(municipality_hub_node[municipality_step_hub[municipality_step]],
        municipality_spread_node[municipality_step_spread],
        municipality_step_cost[municipality_step] + municipality_fit_cost)
    add(region_hub_node[region_step_hub[region_step]], region_spread_node[region_step_spread],
        region_step_cost[region_step] + region_fit_cost)
    # rule: the mentor teaches the subject (or covers a requested direction) at that stage; a direction hub
    # reaches only mentors covering the direction; distance-format mentors hang on local hubs
    in_person = ~offer_remote & (offer_municipality_spread >= 0)
    add(municipality_spread_node[offer_municipality_spread[in_person]], mentor_node[offer_class[in_person]], 0)
    add(local_hub_node[lookup(local_hubs, offer_municipality_key[on_local_hub])],
        mentor_node[offer_class[on_local_hub]], 0)
    near, far = lookup(municipality_spreads, local_hubs), lookup(region_spreads, local_hub_region_key)
    add(municipality_spread_node[near[near >= 0]], local_hub_node[near >= 0], 0)
    add(region_spread_node[far[far >= 0]], local_hub_node[far >= 0], 0)
    # rule: same organization: direct class arcs at the exact cost, declined and self pairs left out
    subject_class, subject_offered, _ = mentor_offers(
        p.mentor_subjects[class_mentor], np.full(len(class_mentor), np.uint64(1)), p.mentor_directions[class_mentor])
    home_classes = np.flatnonzero(at_home[class_mentee])
    home_mentee = class_mentee[home_classes]
    home_at, offered_at = join(
        pack([org_of_mentee[home_mentee], subject_slot[home_mentee]], [n_orgs, SUBJECT_SLOTS]),
        pack([org_of_mentor[class_mentor[subject_class]], subject_offered], [n_orgs, SUBJECT_SLOTS]))
    pair_mentee_class, pair_mentor_class = home_classes[home_at], subject_class[offered_at]
    ok = eligible_pairs(p, class_mentee[pair_mentee_class], class_mentor[pair_mentor_class], w)
    pair_mentee_class, pair_mentor_class = pair_mentee_class[ok], pair_mentor_class[ok]
    add(class_node[pair_mentee_class], mentor_node[pair_mentor_class],
        pairwise_cost(p, class_mentee[pair_mentee_class], class_mentor[pair_mentor_class], w))
    # rule: the mentee's preferred mentor is cheaper: a direct arc carrying the preference bonus
    add(class_node[mentee_class[preferred_mentee]], mentor_node[mentor_class[preferred_mentor]],
        pairwise_cost(p, preferred_mentee, preferred_mentor, w))
    # constraint: a mentor takes at most its free load; each further slot costs more, so load spreads
    free = p.mentor_free[with_room]
    slot = np.arange(free.sum()) - np.repeat(np.cumsum(free) - free, free)  # k-th free slot of each mentor
    width = int(free.max(initial=1))
    class_slot, mentors_with_slot = np.unique(np.repeat(class_of_room, free) * width + slot, return_counts=True)
    slot_class, slot_number = class_slot // width, class_slot % width
    slot_mentor = class_mentor[slot_class]
    add(mentor_node[slot_class], np.full(len(slot_class), SINK_NODE),
        quality[slot_mentor] + slot_cost(p.mentor_load[slot_mentor] + slot_number, w), mentors_with_slot)
    # rule: a declined or self pair is never proposed: those mentees route through private copies of hubs
    tails, heads, capacities, costs = (np.concatenate([a[x] for a in arcs]) for x in range(4))
    from_class = [tuple(x[rank[part[0]] == CLASS] for x in part) for part in (to_municipality, to_region)]
    entry_class, entry_hub, entry_cost = (np.concatenate([part[x] for part in from_class]) for x in range(3))
    private_arcs, rank = private_routes(
        tails, heads, costs, rank, (entry_class, entry_hub, entry_cost),
        (class_node[mentee_class[excluded_mentee]], mentor_node[mentor_class[excluded_mentor]]), p.n_mentees)
    tails, heads, capacities, costs = (np.concatenate([a, b]) for a, b in zip(
        (tails, heads, capacities, costs), private_arcs, strict=True))
    return FlowGraph(tails.astype(np.int32), heads.astype(np.int32), capacities, costs, rank, class_size, class_young,
                     np.arange(len(class_mentee)), mentee_class, mentor_class, mentor_node)
