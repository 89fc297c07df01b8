"""The dashboard page: indicators against targets, coverage over time, mentor load, unmet demand (Russian)."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import UTC, date, datetime

from flask import Response, render_template, request
from flask_openapi3 import APIBlueprint
from sqlmodel import select

from services.reports import service
from services.reports.adapters.tables import OrganizationRow
from services.reports.facts import Period
from services.reports.indicators import compute, compute_all
from shared.dictionaries import label
from shared.errors import AppError
from shared.web import context


def months_back(today: date, count: int) -> list[Period]:
    periods = []
    year, month = today.year, today.month
    for _ in range(count):
        periods.append(Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def bars(values: list[tuple[str, float]], width: int = 560, height: int = 180) -> list[dict]:
    """Bar geometry for an inline SVG chart."""
    top = max((v for _, v in values), default=0) or 1
    step = width / max(len(values), 1)
    return [{"x": round(k * step + 4, 1), "w": round(step - 8, 1), "h": round(v / top * (height - 30), 1),
             "y": round(height - 20 - v / top * (height - 30), 1), "label": name, "value": v}
            for k, (name, v) in enumerate(values)]


def line(values: list[tuple[str, float | None]], width: int = 560, height: int = 180) -> dict:
    step = width / max(len(values) - 1, 1)
    points = [(round(k * step, 1), round(height - 20 - (v or 0) / 100 * (height - 30), 1), name, v)
              for k, (name, v) in enumerate(values)]
    return {"path": " ".join(f"{x},{y}" for x, y, _, _ in points), "points": points}


def build_dashboard() -> APIBlueprint:
    bp = APIBlueprint("reports_dashboard", __name__, template_folder="templates")

    @bp.get("/dashboard", summary="Панель показателей", doc_ui=False)
    def dashboard() -> Response:
        with context().uow() as uow:
            session = uow.session
            orgs = list(session.exec(select(OrganizationRow).order_by(OrganizationRow.municipality_name,
                                                                      OrganizationRow.name)).all())
            regions = sorted({o.region_id for o in orgs})
            scope_text = request.args.get("scope") or (f"region:{regions[0]}" if regions else "")
            error, items, series, load_bars, demand_bars, fresh = None, [], None, [], [], service.freshness(session)
            if scope_text:
                try:
                    scope = service.parse_scope(scope_text)
                    facts = service.load_facts(session, service.region_of(session, scope))
                    targets = service.targets(session)
                    now = datetime.now(UTC)
                    items = compute_all(facts, scope, None, targets, now)
                    series = line([(p.start.strftime("%m.%Y"), compute("coverage", facts, scope, p, targets, now).value)
                                   for p in months_back(now.date(), 12)])
                    by_code = {i.code: i for i in items}
                    distribution = by_code["mentor_load"].details.get("distribution", {})
                    load_bars = bars([(f"{k} наст.", float(v)) for k, v in sorted(distribution.items())])
                    demand = Counter()
                    for group in by_code["unmet_demand"].details.get("groups", []):
                        demand[group.subject or "—"] += group.mentees
                    demand_bars = bars([(label("subjects", s) if s != "—" else "без предмета", float(n))
                                        for s, n in demand.most_common(10)])
                except AppError as exc:
                    error = exc.detail
            municipalities = sorted({(o.municipality_id, o.municipality_name) for o in orgs}, key=lambda m: m[1])
            html = render_template("dashboard.html", scope=scope_text, regions=regions,
                                   municipalities=municipalities, organizations=orgs, items=items, series=series,
                                   load_bars=load_bars, demand_bars=demand_bars, freshness=fresh, error=error)
        return Response(html, mimetype="text/html")

    return bp
