"""Writing a run's proposals: keep those still possible now (the cheapest win), insert them and their events."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import numpy as np

from services.matching.adapters.bulk_writes import insert_pairs
from services.matching.adapters.capacity_lock import lock_capacity
from services.matching.adapters.pair_events import proposed_events
from services.matching.adapters.problem_columns import take
from services.matching.adapters.problem_loading import LoadedProblem, mentees_with_open_pairs, open_load
from services.matching.adapters.read_model import bump_pair_seq
from services.matching.adapters.tables import Run
from services.matching.domain.arrays import AnyArray, IntArray
from services.matching.solver.solution import Solution
from shared.config import Settings
from shared.db import UnitOfWork
from shared.events import fast_ids, utcnow


def accept(solution: Solution, mentee_ids: Any, mentor_ids: Any, capacity: AnyArray, current: dict[str, int],
           busy: set[str]) -> tuple[IntArray, IntArray]:
    """Proposals still possible now, in cost order: (their positions in the solution, rejected mentees).

    The cheapest proposals win: a mentee paired meanwhile by someone else is dropped, and each mentor
    keeps the first `capacity - current load` of the rest. Vectorised form of a loop in cost order.
    """
    order = np.argsort(solution.cost, kind="stable")
    mentee_at = solution.mentee_index[order]
    mentor_at = solution.mentor_index[order].astype(np.int64)
    ok = np.ones(len(order), dtype=bool)
    if busy:
        ok = ~np.fromiter((m in busy for m in take(mentee_ids, mentee_at)), dtype=bool, count=len(order))
    if current:
        ids = mentor_ids.tolist() if isinstance(mentor_ids, np.ndarray) else mentor_ids
        load = np.fromiter((current.get(m, 0) for m in ids), dtype=np.int64, count=len(capacity))
    else:
        load = np.zeros(len(capacity), dtype=np.int64)
    candidates = np.flatnonzero(ok)
    mentors = mentor_at[candidates]
    by_mentor = np.argsort(mentors, kind="stable")  # grouped by mentor, cost order inside a group
    grouped = mentors[by_mentor]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
    sizes = np.diff(np.r_[starts, len(grouped)])
    rank = np.empty(len(grouped), dtype=np.int64)
    rank[by_mentor] = np.arange(len(grouped)) - np.repeat(starts, sizes)
    ok[candidates] = rank < (np.asarray(capacity, dtype=np.int64) - load)[mentors]
    return order[ok], mentee_at[~ok]


def proposal_columns(loaded: LoadedProblem, i: IntArray, j: IntArray) -> dict[str, list[Any]]:
    """What a proposal of mentee rows `i` and mentor rows `j` carries besides its ids and cost: the people and the
    place of the mentee (its pair is located there), by the catalog's field names."""
    mentees, mentors = loaded.mentees, loaded.mentors
    return {"mentor_id": take(mentors["id"], j), "mentee_id": take(mentees["id"], i),
            "organization_id": take(mentees["organization_id"], i),
            "municipality_id": take(mentees["municipality_id"], i), "region_id": take(mentees["region_id"], i),
            "mentor_organization_id": take(mentors["organization_id"], j),
            "mentee_category": take(mentees["category"], i), "mentee_subject": take(mentees["subject"], i),
            "mentee_stage": take(mentees["stage"], i),
            "mentee_is_student": np.asarray(mentees["is_student"], dtype=bool)[i].tolist()}


def write_pairs(uow: UnitOfWork, run: Run, columns: dict[str, list[Any]], cost: list[int], settings: Settings,
                actor: str | None = None, pair_ids: list[str] | None = None) -> list[str]:
    """Insert proposed pairs of a run (`proposal_columns`, in cost order) with their `mentoring.pair.proposed`
    events, in bulk; returns the pair ids (new ones unless given). `actor` is who published a draft (else the
    run's requester)."""
    session = uow.session
    n = len(cost)
    now, expires = utcnow(), utcnow() + timedelta(days=settings.proposal_ttl_days)
    event = {"pair_id": pair_ids if pair_ids is not None else fast_ids(n), **columns}
    rep = itertools.repeat
    rows = zip(event["pair_id"], rep(1), rep("proposed"), event["mentor_id"], event["mentee_id"], rep(run.id),
               rep("traditional"), rep("teacher_teacher"), cost, event["region_id"],
               event["municipality_id"], event["organization_id"], event["mentor_organization_id"],
               event["mentee_category"], event["mentee_subject"], event["mentee_stage"], event["mentee_is_student"],
               rep(now), rep(expires), rep(now), rep(actor or f"run:{run.id}"), strict=False)
    insert_pairs(session, rows)
    bump_pair_seq(session)
    stamp = now.isoformat().replace("+00:00", "Z")
    uow.outbox.add_encoded(session, "mentoring.pair.proposed", proposed_events(run, stamp, event, n, actor=actor))
    return event["pair_id"]


def write_proposals(uow: UnitOfWork, run: Run, loaded: LoadedProblem, solution: Solution,
                    settings: Settings) -> tuple[IntArray, list[int]]:
    """Insert the proposals and their events; drop any that a concurrent writer made impossible. Returns the
    positions in the solution written and the mentee rows dropped."""
    session = uow.session
    mentees, mentors = loaded.mentees, loaded.mentors
    regions = sorted(set(take(mentees["region_id"], np.unique(
        np.asarray(loaded.problem.mentee_region), return_index=True)[1])))
    for region_id in regions:
        lock_capacity(session, region_id)
    load: dict[str, int] = {}
    busy: set[str] = set()
    for region_id in regions:  # one region: a run's mentees and mentors never leave it
        load.update(open_load(session, region_id=region_id))
        busy |= mentees_with_open_pairs(session, region_id=region_id)
    chosen, rejected = accept(solution, mentees["id"], mentors["id"], np.asarray(mentors["capacity"]), load, busy)
    if len(chosen):  # in cost order: the (run, cost, id) index then grows at its end, like those of the ids
        columns = proposal_columns(loaded, solution.mentee_index[chosen], solution.mentor_index[chosen])
        write_pairs(uow, run, columns, solution.cost[chosen].tolist(), settings)
    return chosen, list(rejected.tolist())
