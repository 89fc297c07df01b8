"""Indicators, reports and self-assessments as the JSON the API answers with (see `responses`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.reports.domain.catalog import SPECS_BY_CODE
from services.reports.domain.results import Indicator
from services.reports.use_cases.assessments import SavedAssessment
from services.reports.use_cases.indicators import Report


def plain(value: Any) -> Any:
    """Dataclasses, collections and dates as JSON values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def indicator_json(indicator: Indicator) -> dict[str, Any]:
    """One indicator as `IndicatorOut`."""
    spec = SPECS_BY_CODE.get(indicator.code)
    return {"code": indicator.code, "number": indicator.number, "kind": spec.source if spec else "data",
            "label": indicator.label_ru, "value": indicator.value,
            "numerator": indicator.numerator, "denominator": indicator.denominator, "unit": indicator.unit,
            "target": indicator.target, "met": indicator.met, "as_of": indicator.as_of.isoformat(),
            "deadline": indicator.deadline_ru, "details": plain(dict(indicator.details))}


def report_json(report: Report) -> dict[str, Any]:
    """A report as `Indicators`."""
    period = report.period
    return {"scope": str(report.scope), "scope_name": report.scope_name,
            "period": None if period is None else {"start": period.start.isoformat(), "end": period.end.isoformat()},
            "as_of": report.as_of.isoformat(), "indicators": [indicator_json(i) for i in report.indicators],
            "freshness": report.freshness}


def assessment_json(saved: SavedAssessment) -> dict[str, Any]:
    """A stored self-assessment as `AssessmentOut`."""
    result = saved.result
    return {"municipality_id": saved.municipality_id, "period": saved.period, "answers": dict(saved.answers),
            "total": result.total, "band": result.band, "band_label": result.band_label_ru,
            "missing": list(result.missing), "updated_at": saved.updated_at.isoformat(),
            "updated_by": saved.updated_by}
