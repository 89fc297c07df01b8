"""The figures of the public dashboard page: indicators, coverage by month, mentor load, unmet demand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.reports.adapters.loading import load_facts, load_organizations, load_targets, read_freshness, region_of
from services.reports.domain.indicators import compute, compute_all
from services.reports.domain.period import months_back
from services.reports.domain.results import Indicator
from services.reports.domain.targets import COVERAGE, MENTOR_LOAD, UNMET_DEMAND
from shared.db import UnitOfWorkFactory
from shared.errors import AppError
from shared.scopes import Scope


@dataclass(frozen=True)
class Place:
    """An organization as the scope picker lists it."""

    id: str
    name: str


@dataclass
class Dashboard:
    """What the page shows; `error` is the reason there are no figures for the scope asked for."""

    scope: str
    regions: list[tuple[str, str]]
    municipalities: list[tuple[str, str]]
    organizations: list[Place]
    freshness: dict[str, Any]
    items: list[Indicator] = field(default_factory=list)
    coverage: list[tuple[str, float | None]] | None = None
    load: list[tuple[int, int]] = field(default_factory=list)
    demand: list[tuple[str | None, int]] = field(default_factory=list)
    error: str | None = None


def dashboard(open_uow: UnitOfWorkFactory, scope_text: str | None,
              region_title: Callable[[str], str] | None = None) -> Dashboard:
    """The dashboard of a scope (by default the first region known); anyone may read it."""
    with open_uow() as uow:
        orgs = load_organizations(uow.session)
        regions = sorted({o.region_id for o in orgs})
        named = [(r, region_title(r) if region_title else "Регион") for r in regions]
        page = Dashboard(scope_text or (f"region:{regions[0]}" if regions else ""), named,
                         sorted({(o.municipality_id, o.municipality_name) for o in orgs}, key=lambda m: m[1]),
                         [Place(o.id, o.name) for o in orgs], read_freshness(uow.session))
        if not page.scope:
            return page
        try:
            scope = Scope.parse(page.scope)
            facts, targets = load_facts(uow.session, region_of(uow.session, scope)), load_targets(uow.session)
        except AppError as exc:
            page.error = exc.detail
            return page
    now = datetime.now(UTC)
    page.items = compute_all(facts, scope, None, targets, now)
    page.coverage = [(p.start.strftime("%m.%Y"), compute(COVERAGE, facts, scope, p, targets, now).value)
                     for p in months_back(now.date(), 12)]
    by_code = {i.code: i for i in page.items}
    page.load = sorted(by_code[MENTOR_LOAD].details.get("distribution", {}).items())
    demand: Counter[str | None] = Counter()
    for group in by_code[UNMET_DEMAND].details.get("groups", []):
        demand[group.subject or None] += group.mentees
    page.demand = demand.most_common(10)
    return page
