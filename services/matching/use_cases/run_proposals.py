"""A run's proposals, cheapest first, page by page, each with names and its cost explained in Russian words: the
pairs an ordinary run wrote, or the proposals a draft keeps (with their decision, change and pin)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import false, func
from sqlmodel import Session, select

from services.matching.adapters.problem_loading import pair_problem
from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, Run, RunProposal
from services.matching.domain.explanations import explain_pair
from services.matching.domain.weights import Weights
from services.matching.use_cases.runs import visible_run
from shared.auth import Principal
from shared.errors import BadRequest


def proposal_clauses(run: Run, **equal: str | None) -> tuple[Any, list[Any]]:
    """The table of a run's proposals (a draft's own, or the pairs it wrote) and the WHERE clauses of its filters:
    `organization_id` (the mentee's school), `subject`, and a draft's `decision` or `change` (an ordinary run's
    pairs have neither, so those filters leave none of them)."""
    model: Any = RunProposal if run.draft else Pair
    clauses = [model.run_id == run.id]
    for name, value in equal.items():
        if not value:
            continue
        if name in ("decision", "change") and not run.draft:
            clauses.append(false())
        else:
            clauses.append(getattr(model, "mentee_subject" if name == "subject" else name) == value)
    return model, clauses


def proposals_page(session: Session, run: Run, cursor: str | None, limit: int, **equal: str | None
                   ) -> tuple[list[Any], str | None, int]:
    """Proposals of a run, cheapest first, filtered by `equal` (`proposal_clauses`); the next page's cursor
    (`cost:id` of the last one shown) and how many match the filters in all (one COUNT)."""
    model, clauses = proposal_clauses(run, **equal)
    query = select(model).where(*clauses)
    if cursor:
        cost, _, last_id = cursor.partition(":")
        if not cost.lstrip("-").isdigit() or not last_id:
            raise BadRequest("Некорректный курсор страницы")
        query = query.where((model.cost > int(cost)) | ((model.cost == int(cost)) & (model.id > last_id)))
    rows = list(session.exec(query.order_by(model.cost, model.id).limit(limit + 1)).all())
    next_cursor = f"{rows[limit - 1].cost}:{rows[limit - 1].id}" if len(rows) > limit else None
    total = int(session.exec(select(func.count()).select_from(model).where(*clauses)).one())
    return rows[:limit], next_cursor, total


def explained(session: Session, pairs: list[Any], weights: Weights) -> list[dict[str, Any]]:
    """Pairs (or a draft's proposals) with names and the cost terms in Russian words (the load term aside: it
    changed since); a proposal also carries its decision, change, pin and, once published, its pair's state."""
    mentors = {m.id: m for m in session.exec(select(MentorView).where(
        MentorView.id.in_({p.mentor_id for p in pairs}))).all()}
    mentees = {m.id: m for m in session.exec(select(MenteeView).where(
        MenteeView.id.in_({p.mentee_id for p in pairs}))).all()}
    orgs = {o.id: o.name for o in session.exec(select(OrganizationView).where(OrganizationView.id.in_(
        {p.mentor_organization_id for p in pairs} | {p.organization_id for p in pairs}))).all()}
    published = {p.pair_id for p in pairs if isinstance(p, RunProposal) and p.pair_id}
    states = dict(session.exec(select(Pair.id, Pair.state).where(Pair.id.in_(published))).all()) if published else {}
    items = []
    for pair in pairs:
        mentor, mentee = mentors.get(pair.mentor_id), mentees.get(pair.mentee_id)
        terms = []
        if mentor and mentee:
            terms = [{"name": t.name, "label": t.label_ru, "value": t.value}
                     for t in explain_pair(pair_problem(mentor, mentee), 0, 0, weights) if t.name != "load"]
        own = _draft_fields(pair, states) if isinstance(pair, RunProposal) else {
            "pair_id": pair.id, "state": pair.state, "proposal_id": None, "decision": None, "change": None,
            "pinned": False}
        items.append({
            **own, "cost": pair.cost, "mentee_id": pair.mentee_id,
            "mentee_name": mentee.full_name if mentee else "", "mentor_id": pair.mentor_id,
            "mentor_name": mentor.full_name if mentor else "",
            "organization_id": pair.organization_id, "mentor_organization_id": pair.mentor_organization_id,
            "mentee_organization": orgs.get(pair.organization_id, ""),
            "mentor_organization": orgs.get(pair.mentor_organization_id, ""), "subject": pair.mentee_subject,
            "stage": pair.mentee_stage, "terms": terms,
        })
    return items


def _draft_fields(proposal: RunProposal, states: dict[str, str]) -> dict[str, Any]:
    return {"pair_id": proposal.pair_id, "state": states.get(proposal.pair_id or ""), "proposal_id": proposal.id,
            "decision": proposal.decision, "change": proposal.change, "pinned": proposal.pinned}


def run_proposals(session: Session, principal: Principal, run_id: str, cursor: str | None, limit: int,
                  **equal: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
    """One page of a run's proposals, explained with the weights the run used, the next page's cursor and the
    number matching the filters (`equal`: decision, change, organization_id, subject; see `proposal_clauses`)."""
    run = visible_run(session, principal, run_id)
    pairs, next_cursor, total = proposals_page(session, run, cursor, limit, **equal)
    weights = Weights(**json.loads(run.result).get("weights", {})) if run.result else Weights()  # none: a parent run
    return explained(session, pairs, weights), next_cursor, total
