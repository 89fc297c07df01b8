"""WHERE clauses of lists and exports: the caller's scope and the filters a request names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.registry.adapters.person_kinds import MENTORS, PersonKind
from services.registry.adapters.tables import Mentee, Mentor, Organization
from shared.auth import Principal
from shared.dictionaries import normalize
from shared.scopes import visible_rows
from shared.types import contains_code


def visible_to(principal: Principal, model: Any) -> tuple[Any, ...]:
    """Rows of `model` inside the caller's scope (an organization is located by its own id; a mentor or a mentee
    sees their own record)."""
    organization = model.id if model is Organization else model.organization_id
    return visible_rows(principal, region=model.region_id, municipality=model.municipality_id,
                        organization=organization, mentor=model.id if model is Mentor else None,
                        mentee=model.id if model is Mentee else None)


@dataclass(frozen=True)
class Filters:
    """What a list or an export narrows by; `status="all"` keeps withdrawn records too.

    The last four narrow mentors and mentees only (codes of the dictionaries).
    """

    region: str | None = None
    municipality: str | None = None
    organization: str | None = None
    q: str | None = None
    status: str = "active"
    subject: str | None = None
    stage: str | None = None
    direction: str | None = None
    category: str | None = None

    def common(self, model: Any) -> list[Any]:
        """Clauses every registry list shares: place, name and status."""
        clauses: list[Any] = []
        if self.region:
            clauses.append(model.region_id == self.region)
        if self.municipality:
            clauses.append(model.municipality_id == self.municipality)
        if self.organization:
            clauses.append((model.id if model is Organization else model.organization_id) == self.organization)
        if self.q:
            clauses.append(model.normalized_name.contains(normalize(self.q)))
        if self.status != "all":
            clauses.append(model.status == self.status)
        return clauses

    def of_people(self, kind: PersonKind) -> list[Any]:
        """The common clauses plus subject, stage, direction and mentee category."""
        model, clauses = kind.model, self.common(kind.model)
        if kind is MENTORS:
            if self.subject:
                clauses.append(contains_code(model.subjects, self.subject))
            if self.stage:
                clauses.append(contains_code(model.stages, self.stage))
            if self.category:
                clauses.append(contains_code(model.mentee_categories, self.category))
        else:
            if self.subject:
                clauses.append(model.subject == self.subject)
            if self.stage:
                clauses.append(model.stage == self.stage)
            if self.category:
                clauses.append(model.category == self.category)
        if self.direction:
            clauses.append(contains_code(model.directions, self.direction))
        return clauses
