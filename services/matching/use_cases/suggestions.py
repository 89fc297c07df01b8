"""Explained suggestions for one mentee, answered from the in-process cache of the region's mentor arrays."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from services.matching.adapters.problem_columns import select_columns
from services.matching.adapters.problem_encoding import MENTEE_COLUMNS
from services.matching.adapters.suggestion_cache import SuggestionCache
from services.matching.adapters.tables import MenteeView, OrganizationView, Pair
from services.matching.domain.suggestions import suggest
from services.matching.domain.weights import Weights
from services.matching.use_cases.manual_pair import refuse_without_consent
from services.matching.use_cases.runs import OPERATORS
from shared.auth import Principal
from shared.errors import NotFound


@dataclass(frozen=True)
class _Reads:
    """The statements of a suggestion, built once: only their parameters change from one request to the next."""

    mentee: Any
    consent: Any
    declined: Any
    organizations: Any


@functools.cache
def _reads() -> _Reads:
    return _Reads(
        mentee=select_columns(MenteeView, MENTEE_COLUMNS).where(MenteeView.id == bindparam("mentee_id")),
        consent=select(MenteeView.consent_processing).where(MenteeView.id == bindparam("mentee_id")),
        declined=select(Pair.mentor_id).where(Pair.mentee_id == bindparam("mentee_id"), Pair.state == "declined"),
        organizations=select(OrganizationView.id, OrganizationView.name, OrganizationView.municipality_name)
        .where(OrganizationView.id.in_(bindparam("ids", expanding=True))))


def suggestions(session: Session, principal: Principal, cache: SuggestionCache, mentee_id: str, limit: int,
                weights: Weights = Weights()) -> dict[str, Any]:
    """The `limit` best mentors for a mentee, each with its cost terms in Russian and its free load; a mentee
    outside the principal's scope reads as not found. Every read is a plain column query (no ORM objects)."""
    principal.require(*OPERATORS)
    reads, connection = _reads(), session.connection()
    row = connection.execute(reads.mentee, {"mentee_id": mentee_id}).first()
    mentee = dict(zip(MENTEE_COLUMNS, row, strict=True)) if row is not None else None
    if mentee is None or not principal.covers(organization_id=mentee["organization_id"],
                                              municipality_id=mentee["municipality_id"],
                                              region_id=mentee["region_id"]):
        raise NotFound(f"Наставляемый {mentee_id} не найден в сервисе подбора")
    refuse_without_consent(mentee=connection.execute(reads.consent, {"mentee_id": mentee_id}).first())
    region = cache.region(session, mentee["region_id"])
    declined = list(connection.execute(reads.declined, {"mentee_id": mentee_id}).scalars())
    problem = region.with_mentee(mentee, declined)
    ranked = suggest(problem, 0, limit, weights, region.candidates(problem)) if problem.n_mentors else []
    m = region.mentors
    orgs = {org_id: (name, municipality) for org_id, name, municipality in connection.execute(
        reads.organizations, {"ids": list({m["organization_id"][s.mentor_index] for s in ranked})})}
    items = []
    for rank, s in enumerate(ranked, start=1):
        j = s.mentor_index
        org_name, municipality_name = orgs.get(m["organization_id"][j], ("", ""))
        items.append({
            "rank": rank, "mentor_id": m["id"][j], "full_name": m["full_name"][j],
            "organization_id": m["organization_id"][j], "organization_name": org_name,
            "municipality_name": municipality_name,
            "subjects": [c for c in m["subjects"][j].split("|") if c],
            "stages": [c for c in m["stages"][j].split("|") if c], "capacity": int(m["capacity"][j]),
            "free_load": int(problem.mentor_free[j]), "cost": s.cost,
            "terms": [{"name": t.name, "label": t.label_ru, "value": t.value} for t in s.terms],
        })
    return {"mentee_id": mentee["id"], "full_name": mentee["full_name"], "items": items, "weights": weights.as_dict()}
