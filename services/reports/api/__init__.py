"""The reports HTTP API: one blueprint for indicators, targets and self-assessments; the dashboard page apart."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint

from services.reports.api import assessments, indicators, municipal_facts, submissions
from services.reports.api.schemas import PROBLEMS
from shared.web import SECURITY


def build_api() -> APIBlueprint:
    """The `/api/v1` blueprint (its name, `reports_api`, is part of every operation id)."""
    api = APIBlueprint("reports_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)
    indicators.register(api)
    assessments.register(api)
    municipal_facts.register(api)
    submissions.register(api)
    return api
