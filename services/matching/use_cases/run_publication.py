"""A draft's approved proposals become proposed pairs (unless its inputs changed: then it is solved again), and a
run's proposals still unanswered are withdrawn."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlmodel import Session, select, update

from services.matching.adapters.capacity_lock import lock_capacity
from services.matching.adapters.pair_events import PAIR_EVENT_FIELDS, STAMPED, changed_events
from services.matching.adapters.problem_loading import mentees_with_open_pairs, open_load, region_of_scope
from services.matching.adapters.read_model import bump_pair_seq
from services.matching.adapters.run_inputs import MENTEE_BUSY, input_hash
from services.matching.adapters.tables import MenteeView, MentorView, Pair, Run, RunProposal
from services.matching.domain.pins import MENTOR_FULL
from services.matching.domain.workflow import Action, Command, PairFacts, State, decide
from services.matching.solver.solution import Solution
from services.matching.use_cases.proposal_writing import accept, write_pairs
from services.matching.use_cases.run_claim import queue
from services.matching.use_cases.run_parents import MULTI_REGION
from services.matching.use_cases.run_review import refuse, require_open_draft, reviewed_run
from services.matching.use_cases.runs import decision_counts
from shared.auth import Principal
from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import Conflict
from shared.events import utcnow
from shared.scopes import Scope

CHANGED = "Данные изменились после подбора: подбор пересчитан, проверьте предложения ещё раз"
COLUMNS = ("mentor_id", "mentee_id", "organization_id", "municipality_id", "region_id", "mentor_organization_id",
           "mentee_category", "mentee_subject", "mentee_stage", "mentee_is_student")


def _solve_again(uow: UnitOfWork, run: Run) -> None:
    """Queue the draft again with the same options; its decisions stay with the pairs that come back."""
    run.status, run.phase, run.progress, run.attempts, run.error = "queued", None, 0.0, 0, None
    run.started_at, run.finished_at, run.publication = None, None, None
    queue(uow, run)


def _places(session: Session, region_id: str, mentor_ids: list[str]) -> np.ndarray[Any, Any]:
    """Each mentor's capacity now (0 for one no longer active), read for the whole region (no long IN list)."""
    found = dict(session.exec(select(MentorView.id, MentorView.capacity).where(
        MentorView.region_id == region_id, MentorView.status == "active")).all())
    return np.array([found.get(m, 0) for m in mentor_ids], np.int64)


def _names(session: Session, mentee_ids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for start in range(0, len(mentee_ids), 1000):
        names.update(session.exec(select(MenteeView.id, MenteeView.full_name).where(
            MenteeView.id.in_(mentee_ids[start:start + 1000]))).all())
    return names


def publish(uow: UnitOfWork, principal: Principal, run_id: str, settings: Settings) -> dict[str, Any]:
    """Turn the approved proposals of a draft into proposed pairs with their events, capacity-safe: a mentee
    paired meanwhile or a mentor now full is skipped and reported. When what the draft read has changed since
    it was solved, nothing is published: the draft is queued again and the answer is a 409."""
    session = uow.session
    run = reviewed_run(session, principal, run_id)
    require_open_draft(run)
    counts = decision_counts(session, [run.id])[run.id]
    if not counts["approved"]:
        raise refuse(run, "Нет одобренных предложений: одобрите хотя бы одно")
    scope = Scope(run.scope_kind, run.scope_id)  # type: ignore[arg-type]
    region = region_of_scope(session, scope)
    lock_capacity(session, region)
    if input_hash(session, scope, region) != run.input_hash:
        _solve_again(uow, run)
        uow.commit()
        raise Conflict(CHANGED, resolved_again=True, run_status=run.status, draft=True, publication=None)
    rows = session.execute(select(RunProposal.id, RunProposal.cost, *(getattr(RunProposal, c) for c in COLUMNS))
                           .where(RunProposal.run_id == run.id, RunProposal.decision == "approved")
                           .order_by(RunProposal.cost, RunProposal.id)).all()
    mentee_ids = [r.mentee_id for r in rows]
    mentors = sorted({r.mentor_id for r in rows})
    at = {mentor_id: j for j, mentor_id in enumerate(mentors)}
    busy = mentees_with_open_pairs(session, region_id=region)
    approved = Solution(np.arange(len(rows)), np.array([at[r.mentor_id] for r in rows], np.int64),
                        np.array([r.cost for r in rows], np.int64), 0, 0, 0, 0.0, 0.0, "publication")
    chosen, rejected = accept(approved, mentee_ids, mentors, _places(session, region, mentors),
                              open_load(session, region_id=region), busy)
    picked = [rows[k] for k in chosen.tolist()]
    if picked:  # a pair takes its proposal's id: the proposal then names it in one statement
        write_pairs(uow, run, {c: [getattr(r, c) for r in picked] for c in COLUMNS}, [r.cost for r in picked],
                    settings, actor=principal.actor, pair_ids=[r.id for r in picked])
        session.execute(update(RunProposal).where(RunProposal.run_id == run.id, RunProposal.id.in_(
            select(Pair.id).where(Pair.run_id == run.id))).values(pair_id=RunProposal.id))
    left = [mentee_ids[k] for k in rejected.tolist()]
    names = _names(session, left)
    run.publication, run.published_by, run.published_at = "published", principal.actor, utcnow()
    uow.commit()
    return {"created": len(picked), "dropped": counts["dropped"], "pending_left_out": counts["pending"],
            "skipped": [{"mentee_id": m, "mentee_name": names.get(m, ""),
                         "reason": MENTEE_BUSY if m in busy else MENTOR_FULL} for m in left]}


def withdraw(uow: UnitOfWork, principal: Principal, run_id: str, today: date) -> int:
    """Every pair of the run still `proposed` becomes `withdrawn`, each with its event; the number withdrawn.

    A withdrawal is no decline: later runs may propose the same pairs again."""
    session = uow.session
    run = reviewed_run(session, principal, run_id)
    if run.dry_run:
        raise refuse(run, "Пробный запуск не создавал пар")
    if run.draft and run.publication != "published":
        raise refuse(run, "Черновик не опубликован: отзывать нечего")
    if run.status in ("queued", "running"):
        raise refuse(run, "Подбор ещё выполняется: дождитесь его окончания")
    if run.scope_kind in MULTI_REGION:
        raise refuse(run, "Общий запуск сам пар не создавал: пары отзываются в запусках его регионов")
    lock_capacity(session, region_of_scope(session, Scope(run.scope_kind, run.scope_id)))  # type: ignore[arg-type]
    target, changes = decide(PairFacts(State.PROPOSED), Command(Action.WITHDRAW), today)
    names = ["id", *(name for name in PAIR_EVENT_FIELDS if name not in STAMPED and name != "pair_id")]
    found = session.execute(select(*(getattr(Pair, name) for name in names)).where(
        Pair.run_id == run.id, Pair.state == State.PROPOSED.value).with_for_update()).mappings().all()
    if not found:
        return 0
    now = utcnow()
    session.execute(update(Pair).where(Pair.run_id == run.id, Pair.state == State.PROPOSED.value).values(
        state=target.value, version=Pair.version + 1, updated_at=now, updated_by=principal.actor, **changes))
    after = [{**row, "state": target.value, "version": row["version"] + 1, **changes} for row in found]
    uow.outbox.add_encoded(session, f"mentoring.pair.{target.value}", changed_events(target.value, after,
                                                                                    principal.actor))
    bump_pair_seq(session)
    uow.commit()
    return len(found)
