"""Explained suggestions for one mentee, answered from the in-process cache of the region's mentor arrays."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.suggestion_cache import SuggestionCache
from services.matching.adapters.tables import MenteeView, OrganizationView, Pair
from services.matching.domain.suggestions import suggest
from services.matching.domain.weights import Weights
from services.matching.use_cases.runs import OPERATORS
from shared.auth import Principal
from shared.errors import NotFound


def suggestions(session: Session, principal: Principal, cache: SuggestionCache, mentee_id: str, limit: int,
                weights: Weights = Weights()) -> dict[str, Any]:
    """The `limit` best mentors for a mentee, each with its cost terms in Russian and its free load; a mentee
    outside the principal's scope reads as not found."""
    principal.require(*OPERATORS)
    mentee = session.get(MenteeView, mentee_id)
    if mentee is None or not principal.covers(organization_id=mentee.organization_id,
                                              municipality_id=mentee.municipality_id, region_id=mentee.region_id):
        raise NotFound(f"Наставляемый {mentee_id} не найден в сервисе подбора")
    region = cache.region(session, mentee.region_id)
    declined = list(session.exec(select(Pair.mentor_id).where(Pair.mentee_id == mentee_id,
                                                              Pair.state == "declined")).all())
    problem = region.with_mentee(mentee, declined)
    ranked = suggest(problem, 0, limit, weights, region.candidates(problem)) if problem.n_mentors else []
    m = region.mentors
    orgs = {o.id: o for o in session.exec(select(OrganizationView).where(OrganizationView.id.in_(
        {m["organization_id"][s.mentor_index] for s in ranked}))).all()}
    items = []
    for rank, s in enumerate(ranked, start=1):
        j = s.mentor_index
        org = orgs.get(m["organization_id"][j])
        items.append({
            "rank": rank, "mentor_id": m["id"][j], "full_name": m["full_name"][j],
            "organization_id": m["organization_id"][j], "organization_name": org.name if org else "",
            "municipality_name": org.municipality_name if org else "",
            "subjects": [c for c in m["subjects"][j].split("|") if c],
            "stages": [c for c in m["stages"][j].split("|") if c], "capacity": int(m["capacity"][j]),
            "free_load": int(problem.mentor_free[j]), "cost": s.cost,
            "terms": [{"name": t.name, "label": t.label_ru, "value": t.value} for t in s.terms],
        })
    return {"mentee_id": mentee.id, "full_name": mentee.full_name, "items": items, "weights": weights.as_dict()}
