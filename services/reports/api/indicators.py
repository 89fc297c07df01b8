"""Views of the indicators: JSON and XLSX for a scope and period, the unmet demand, setting a target."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.reports.api.responses import Indicators, TargetOut, UnmetDemand
from services.reports.api.schemas import IndicatorsQuery, TargetIn, indicators_tag
from services.reports.api.serialize import plain, report_json
from services.reports.domain.period import parse_period
from services.reports.use_cases import indicators as reading
from services.reports.use_cases.targets import set_target
from shared.openapi import file_answer
from shared.scopes import Scope
from shared.web import context, principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register(api: APIBlueprint) -> None:
    """Add the indicator and target operations to the `/api/v1` blueprint."""

    @api.get("/indicators", tags=[indicators_tag], summary="Показатели уровня на сейчас или за период",
             responses={200: Indicators})
    def indicators(query: IndicatorsQuery) -> Response:
        scope, period = Scope.parse(query.scope), parse_period(query.period)
        ctx = context()
        return jsonify(report_json(reading.indicators_report(ctx.uow, principal(), scope, period,
                                                             ctx.settings.region_title)))

    @api.get("/indicators.xlsx", tags=[indicators_tag], summary="Показатели в XLSX: лист на каждый уровень",
             responses={200: file_answer(XLSX, "Показатели (XLSX)")})
    def indicators_xlsx(query: IndicatorsQuery) -> Response:
        scope, period = Scope.parse(query.scope), parse_period(query.period)
        ctx = context()
        content = reading.indicators_workbook(ctx.uow, principal(), scope, period, ctx.settings.region_title)
        response = Response(content, mimetype=XLSX)
        response.headers["Content-Disposition"] = "attachment; filename=indicators.xlsx"
        return response

    @api.get("/unmet-demand", tags=[indicators_tag], summary="Где не хватает наставников: предмет, уровень, район",
             responses={200: UnmetDemand})
    def unmet(query: IndicatorsQuery) -> Response:
        demand, report = reading.unmet_demand_report(context().uow, principal(), Scope.parse(query.scope))
        return jsonify({"scope": str(report.scope), "total": demand.value,
                        "groups": plain(list(demand.details.get("groups", []))), "freshness": report.freshness})

    @api.put("/targets", tags=[indicators_tag], summary="Задать целевое значение (уровень и год — по желанию)",
             responses={200: TargetOut})
    def put_target(body: TargetIn) -> Response:
        set_target(context().uow, principal(), body.code, body.value, body.scope, body.year)
        return jsonify(body.model_dump())
