"""The municipal facts of seed 000 (rows 4, 5, 7–12) as indicators: what an operator recorded, with evidence.

A municipality's value is its record in force on the day of the figures (the period's end, else today): the
latest by (`recorded_on`, id) among the records dated up to that day. A yearly fact (row 9, the municipal
event, and row 11, the programs of the year) counts only records dated in that day's year. A municipality that
never recorded a yes/no fact or a count has no value (None, "not entered"); one whose records do not apply (dated
later, another year) has 0. Row 12 without a record is 0 organizations (its share stays a share).

- yes/no facts (4, 5, 7, 8, 9, 10): 1 or 0 against the target 1;
- row 11: the number of mentor-training programs of the year against the target 2;
- row 12: the organizations with the section «Ресурсный центр наставнических практик» (a count the operator
  records) / the municipality's active organizations, in per cent, against 50 %.

A region (or no scope: every municipality of the facts) aggregates its municipalities — those with an active
organization: for row 12 the recorded organizations over all the region's organizations; for the other facts the
share of municipalities whose own value reaches their own target (a municipality without a record does not),
against 100 % unless a target was set for the region itself. An organization has no municipal facts: None, unit
«ед.», no target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.reports.domain.catalog import FACT_CODES, SPECS_BY_CODE, IndicatorSpec
from services.reports.domain.context import UNITS, Context
from services.reports.domain.facts import MunicipalFact
from services.reports.domain.results import Indicator
from shared.scopes import Scope

ALL_MUNICIPALITIES = 100.0


def record_in_force(records: Iterable[MunicipalFact], spec: IndicatorSpec, municipality_id: str,
                    ctx: Context) -> tuple[MunicipalFact | None, bool]:
    """The record of a municipality in force on the context's day, and whether it has any record of the code."""
    own = [r for r in records if r.code == spec.code and r.municipality_id == municipality_id]
    day = ctx.day
    usable = [r for r in own if r.recorded_on <= day and (not spec.yearly or r.recorded_on.year == day.year)]
    return max(usable, key=lambda r: (r.recorded_on, r.id), default=None), bool(own)


def evidence(record: MunicipalFact | None) -> dict[str, Any]:
    """The record behind a municipality's value: its id, day and the link or document that proves it."""
    if record is None:
        return {"fact_id": None}
    return {"fact_id": record.id, "recorded_on": record.recorded_on, "evidence_url": record.evidence_url,
            "evidence_name": record.evidence_name}


def municipality_value(ctx: Context, spec: IndicatorSpec, municipality_id: str) -> Indicator:
    """One municipality's figure (see the module's rules)."""
    record, known = record_in_force(ctx.facts.municipal, spec, municipality_id, ctx)
    details = evidence(record)
    if spec.source == "organizations":
        organizations = sum(o.municipality_id == municipality_id for o in ctx.organizations())
        return ctx.ratio(spec.code, int(record.value) if record else 0, organizations, details)
    value = record.value if record else (0.0 if known else None)
    return ctx.measured(spec.code, value, None, None, UNITS, ctx.target(spec.code), details)


def region_value(ctx: Context, spec: IndicatorSpec) -> Indicator:
    """The aggregate over the municipalities of the scope (see the module's rules)."""
    municipalities = sorted({o.municipality_id for o in ctx.organizations()})
    if spec.source == "organizations":
        counted = {m: _recorded(ctx, spec, m) for m in municipalities}
        total = sum(int(v or 0) for v in counted.values())
        return ctx.ratio(spec.code, total, len(ctx.organizations()), {"municipalities": counted})
    reached: dict[str, bool] = {}
    values: dict[str, float | None] = {}
    for municipality_id in municipalities:
        own = municipality_value(ctx.__class__(ctx.facts, Scope("municipality", municipality_id), ctx.period,
                                               ctx.targets, ctx.as_of), spec, municipality_id)
        values[municipality_id], reached[municipality_id] = own.value, bool(own.met)
    scoped = ctx.targets.scoped(spec.code, ctx.scope, ctx.day.year) if ctx.scope else None
    details = {"municipalities": values, "reached": sorted(m for m, ok in reached.items() if ok),
               "total": sum(v or 0 for v in values.values())}
    return ctx.ratio(spec.code, sum(reached.values()), len(municipalities), details,
                     ALL_MUNICIPALITIES if scoped is None else scoped)


def _recorded(ctx: Context, spec: IndicatorSpec, municipality_id: str) -> float | None:
    record, _ = record_in_force(ctx.facts.municipal, spec, municipality_id, ctx)
    return None if record is None else record.value


def fact_formula(code: str) -> Callable[[Context], Indicator]:
    """The formula of one municipal fact for any scope."""
    spec = SPECS_BY_CODE[code]

    def formula(ctx: Context) -> Indicator:
        scope = ctx.scope
        if scope is None or scope.kind == "region":
            return region_value(ctx, spec)
        if scope.kind == "municipality":
            return municipality_value(ctx, spec, scope.id)
        return ctx.measured(code, None, None, None, UNITS, None, {"level": "municipality"})

    return formula


FACT_FORMULAS: Mapping[str, Callable[[Context], Indicator]] = {code: fact_formula(code) for code in FACT_CODES}
