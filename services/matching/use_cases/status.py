"""What the matching service knows: organizations, active mentors and mentees, open pairs, runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.matching.adapters.tables import OPEN_STATES, MenteeView, MentorView, OrganizationView, Pair, Run
from services.matching.use_cases.runs import OPERATORS
from shared.auth import Principal, Role


def matching_status(session: Session, principal: Principal) -> dict[str, int]:
    """Counts of what the read model and the pair table hold."""
    principal.require(*OPERATORS, Role.INTEGRATOR)

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "organizations": count(OrganizationView), "mentors": count(MentorView, MentorView.status == "active"),
        "mentees": count(MenteeView, MenteeView.status == "active"),
        "open_pairs": count(Pair, Pair.state.in_(OPEN_STATES)), "runs": count(Run),
    }
