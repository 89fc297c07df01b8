"""Reading the indicators of a scope: all of them for a period (or now), the unmet demand, the XLSX workbook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from services.reports.adapters import workbook
from services.reports.adapters.loading import (
    computed_once,
    load_facts,
    load_organizations,
    load_targets,
    municipality_names,
    read_freshness,
    region_of,
)
from services.reports.adapters.tables import OrganizationRow
from services.reports.domain.indicators import compute_all
from services.reports.domain.period import Period
from services.reports.domain.results import Indicator
from services.reports.domain.targets import UNMET_DEMAND
from services.reports.use_cases.access import require_scope
from shared.auth import Principal
from shared.db import UnitOfWorkFactory
from shared.scopes import Scope

RegionTitle = Callable[[str], str]


@dataclass(frozen=True)
class Report:
    """Every indicator of one scope and period, when it was computed and how fresh the projection was."""

    scope: Scope
    period: Period | None
    as_of: datetime
    indicators: list[Indicator]
    freshness: dict[str, Any]
    scope_name: str = ""

    def indicator(self, code: str) -> Indicator:
        """One indicator of the report by its code."""
        return next(i for i in self.indicators if i.code == code)


def indicators_report(open_uow: UnitOfWorkFactory, p: Principal, scope: Scope, period: Period | None,
                      region_title: RegionTitle | None = None) -> Report:
    """The indicators of a scope the caller may read, as of now (no period) or over a period, with its name."""
    now = datetime.now(UTC)
    with open_uow() as uow:
        require_scope(p, uow.session, scope)
        region, targets = region_of(uow.session, scope), load_targets(uow.session)
        facts = load_facts(uow.session, region)
        minute = now.replace(second=0, microsecond=0)
        key = ("indicators", str(scope), period, repr(targets), minute, facts.municipal)
        items = computed_once(uow.session, region, key, lambda: compute_all(facts, scope, period, targets, now))
        return Report(scope, period, now, items, read_freshness(uow.session, now),
                      scope_name(uow.session, scope, region_title))


def scope_name(session: Session, scope: Scope, region_title: RegionTitle | None = None) -> str:
    """The name of a region (from the settings), a municipality or an organization (from the organization events)."""
    if scope.kind == "region":
        return region_title(scope.id) if region_title else "Регион"
    if scope.kind == "municipality":
        return municipality_names(session).get(scope.id, "Район")
    org = session.get(OrganizationRow, scope.id)
    return f"{org.name} ({org.municipality_name})" if org else "Организация"


def unmet_demand_report(open_uow: UnitOfWorkFactory, p: Principal, scope: Scope) -> tuple[Indicator, Report]:
    """The unmet demand indicator of a scope (always as of now), with the report it belongs to."""
    report = indicators_report(open_uow, p, scope, None)
    return report.indicator(UNMET_DEMAND), report


def indicators_workbook(open_uow: UnitOfWorkFactory, p: Principal, scope: Scope, period: Period | None,
                        region_title: RegionTitle | None = None) -> bytes:
    """The XLSX workbook of a scope: its own sheet, then one per lower level (municipalities, organizations)."""
    now = datetime.now(UTC)
    with open_uow() as uow:
        require_scope(p, uow.session, scope)
        region = region_of(uow.session, scope)
        facts, targets = load_facts(uow.session, region), load_targets(uow.session)
        return workbook.indicators_workbook(scope, load_organizations(uow.session, region),
                                            lambda inner: compute_all(facts, inner, period, targets, now),
                                            region_title)
