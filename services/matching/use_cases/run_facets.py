"""What a run's proposals can be filtered by, with how many proposals each choice holds: the mentees' schools, the
subjects and a draft's decisions (one GROUP BY each), for the selects of a review table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.matching.adapters.tables import OrganizationView
from services.matching.domain.run_figures import NO_SUBJECT_LABEL, SUBJECT_LABELS
from services.matching.use_cases.run_proposals import proposal_clauses
from services.matching.use_cases.runs import DECISIONS, visible_run
from shared.auth import Principal


def proposal_facets(session: Session, principal: Principal, run_id: str) -> dict[str, Any]:
    """The run's proposals counted by the mentee's school (by name), by subject (by label; `code` null for those
    without one) and, for a draft, by decision (every decision named, zeros too; an ordinary run's pairs have no
    decision, so all three are zero). Each list's counts add up to the run's proposals."""
    run = visible_run(session, principal, run_id)
    model, clauses = proposal_clauses(run)
    schools = session.execute(
        select(model.organization_id, OrganizationView.name, func.count())
        .outerjoin(OrganizationView, OrganizationView.id == model.organization_id)
        .where(*clauses).group_by(model.organization_id, OrganizationView.name)).all()
    organizations = sorted(({"id": ident, "name": name or ident, "count": int(n)} for ident, name, n in schools),
                           key=lambda o: (o["name"], o["id"]))
    by_subject = session.execute(select(model.mentee_subject, func.count()).where(*clauses)
                                 .group_by(model.mentee_subject)).all()
    subjects = sorted(({"code": code, "label": SUBJECT_LABELS.get(code, code) if code else NO_SUBJECT_LABEL,
                        "count": int(n)} for code, n in by_subject), key=lambda s: (s["code"] is None, s["label"]))
    decisions = dict.fromkeys(DECISIONS, 0)
    if run.draft:
        decisions.update({decision: int(n) for decision, n in session.execute(
            select(model.decision, func.count()).where(*clauses).group_by(model.decision)).all()})
    return {"organizations": organizations, "subjects": subjects, "decisions": decisions}
