"""The dashboard page: indicators against targets, coverage over time, mentor load, unmet demand (Russian)."""

from __future__ import annotations

from datetime import datetime

from flask import Response, render_template, request
from flask_openapi3 import APIBlueprint

from services.reports.adapters.russian import amount, day, number, target_text
from services.reports.api.charts import bars, line
from services.reports.use_cases.dashboard import dashboard as figures
from shared.dictionaries import label
from shared.web import context


def build_dashboard() -> APIBlueprint:
    """The `/dashboard` blueprint (public, not in the OpenAPI document)."""
    bp = APIBlueprint("reports_dashboard", __name__, template_folder="templates")

    @bp.get("/dashboard", summary="Панель показателей", doc_ui=False)
    def dashboard() -> Response:
        ctx = context()
        page = figures(ctx.uow, request.args.get("scope"), ctx.settings.region_title)
        html = render_template(
            "dashboard.html", scope=page.scope, regions=page.regions, municipalities=page.municipalities,
            organizations=page.organizations, items=page.items, freshness=page.freshness, error=page.error,
            amount=amount, target_text=target_text, number=number, day=day, moment=moment,
            series=None if page.coverage is None else line(page.coverage),
            load_bars=bars([(f"{k} наст.", float(v)) for k, v in page.load]),
            demand_bars=bars([(label("subjects", s) if s else "без предмета", float(n)) for s, n in page.demand]))
        return Response(html, mimetype="text/html")

    return bp


def moment(text: str | None) -> str:
    """An ISO time stamp of the freshness mark as `26.11.2026 10:15 UTC`."""
    if not text:
        return "—"
    stamp = datetime.fromisoformat(text)
    return f"{day(stamp)} {stamp:%H:%M} UTC"
