"""Writing a draft run's proposals: kept with the run, never as pairs; decisions already taken stay with their pair."""

from __future__ import annotations

import itertools

import numpy as np
from sqlmodel import delete

from services.matching.adapters.bulk_writes import insert_proposals
from services.matching.adapters.problem_loading import LoadedProblem
from services.matching.adapters.run_inputs import taken_decisions
from services.matching.adapters.tables import Run, RunProposal
from services.matching.domain.arrays import BoolArray
from services.matching.solver.solution import Solution
from services.matching.use_cases.proposal_writing import proposal_columns
from shared.db import UnitOfWork
from shared.events import fast_ids


def write_draft(uow: UnitOfWork, run: Run, loaded: LoadedProblem, solution: Solution, pinned_from: int,
                kept: BoolArray) -> None:
    """Replace the draft's proposals by this solution's (positions from `pinned_from` on are pins; `kept` marks
    those the previous run of the scope made too). A pair solved again keeps its proposal id and decision."""
    session = uow.session
    order = np.argsort(solution.cost, kind="stable")  # cost order: the (run, cost, id) index grows at its end
    columns = proposal_columns(loaded, solution.mentee_index[order], solution.mentor_index[order])
    n = len(order)
    ids, decisions = fast_ids(n), ["pending"] * n
    taken = taken_decisions(session, run.id)
    if taken:
        for k, pair in enumerate(zip(columns["mentor_id"], columns["mentee_id"], strict=True)):
            if pair in taken:
                ids[k], decisions[k] = taken[pair]
        session.execute(delete(RunProposal).where(RunProposal.run_id == run.id))
    rep = itertools.repeat
    rows = zip(ids, rep(run.id), columns["mentor_id"], columns["mentee_id"], solution.cost[order].tolist(),
               columns["region_id"], columns["municipality_id"], columns["organization_id"],
               columns["mentor_organization_id"], columns["mentee_category"], columns["mentee_subject"],
               columns["mentee_stage"], columns["mentee_is_student"], decisions,
               np.where(kept[order], "kept", "new").tolist(), (order >= pinned_from).tolist(), strict=False)
    insert_proposals(session, rows)
