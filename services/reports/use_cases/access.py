"""Who may read which scope of the indicators, and which self-assessments a caller sees."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import AssessmentRow, OrganizationRow
from shared.auth import Principal, Role
from shared.errors import Forbidden
from shared.scopes import Scope, visible_rows

READERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR, Role.INTEGRATOR)
OUTSIDE = "Показатели вне вашей зоны ответственности"


def require_scope(p: Principal, session: Session, scope: Scope, refusal: str = OUTSIDE) -> None:
    """Operators and curators read their own scope and what lies inside it; anything else is a 403."""
    p.require(*READERS)
    if p.role in (Role.ADMIN, Role.INTEGRATOR):
        return
    if scope.kind == p.scope_kind and scope.id == p.scope_id:
        return
    org = None
    if scope.kind == "organization":
        org = session.get(OrganizationRow, scope.id)
    elif scope.kind == "municipality":
        org = session.exec(select(OrganizationRow).where(OrganizationRow.municipality_id == scope.id)).first()
    if org is not None and p.covers(organization_id=org.id if scope.kind == "organization" else None,
                                    municipality_id=org.municipality_id, region_id=org.region_id):
        return
    raise Forbidden(refusal)


def visible_assessments(p: Principal) -> tuple[Any, ...]:
    """WHERE clauses: the self-assessments of the municipalities inside the caller's scope (none lie inside an
    organization); the region of an assessment is that of its municipality's organizations."""
    region = (select(OrganizationRow.region_id).where(OrganizationRow.municipality_id == AssessmentRow.municipality_id)
              .limit(1).scalar_subquery())
    return visible_rows(p, region=region, municipality=AssessmentRow.municipality_id, organization=None)
