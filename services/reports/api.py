"""Reports HTTP API: indicators (JSON and XLSX), unmet demand, targets, self-assessments, the dashboard."""

from __future__ import annotations

import json

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from services.reports import service
from services.reports.assessment import CRITERIA, AssessmentError, score
from services.reports.tables import AssessmentRow, OrganizationRow
from shared.auth import Principal, Role
from shared.errors import Forbidden, ValidationFailed
from shared.events import utcnow
from shared.web import SECURITY, Problem, context, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
READERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR, Role.INTEGRATOR)
indicators_tag = Tag(name="Показатели", description="Целевые показатели модели наставничества")
assessment_tag = Tag(name="Самооценка", description="Самооценка муниципалитета: 10 критериев по 0–2 балла")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorsQuery(Strict):
    scope: str = Field(max_length=100, description="region:<id>, municipality:<id> или organization:<id>")
    period: str | None = Field(None, max_length=10, description="now, 2026, 2026-H1 или 2026-H2")


class TargetIn(Strict):
    code: str = Field(max_length=50)
    value: float | None = Field(None, ge=0, le=100_000)
    scope: str | None = Field(None, max_length=100, description="пусто — для всех")
    year: int | None = Field(None, ge=2000, le=2100)


class AssessmentIn(Strict):
    municipality_id: str = Field(max_length=36)
    period: str = Field(pattern=r"^20\d\d(-H[12])?$")
    answers: dict[str, int] = Field(description="код критерия → 0, 1 или 2")


class AssessmentQuery(Strict):
    municipality_id: str | None = Field(None, max_length=36)
    period: str | None = Field(None, pattern=r"^20\d\d(-H[12])?$")


def check_scope(p: Principal, session, scope) -> None:  # noqa: ANN001
    """Operators and curators read their own scope and what lies inside it."""
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
    raise Forbidden("Показатели вне вашей зоны ответственности")


def build_api() -> APIBlueprint:
    api = APIBlueprint("reports_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)

    @api.get("/indicators", tags=[indicators_tag], summary="Показатели уровня на сейчас или за период")
    def indicators(query: IndicatorsQuery) -> Response:
        scope, period = service.parse_scope(query.scope), service.parse_period(query.period)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            return jsonify(service.indicators(uow.session, scope, period))

    @api.get("/indicators.xlsx", tags=[indicators_tag], summary="Показатели в XLSX: лист на каждый уровень",
             responses={200: None})
    def indicators_xlsx(query: IndicatorsQuery) -> Response:
        from services.reports.workbook import indicators_workbook

        scope, period = service.parse_scope(query.scope), service.parse_period(query.period)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            body = indicators_workbook(uow.session, scope, period)
        response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers["Content-Disposition"] = "attachment; filename=indicators.xlsx"
        return response

    @api.get("/unmet-demand", tags=[indicators_tag], summary="Где не хватает наставников: предмет, уровень, район")
    def unmet(query: IndicatorsQuery) -> Response:
        scope = service.parse_scope(query.scope)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            body = service.indicators(uow.session, scope, None)
        demand = next(i for i in body["indicators"] if i["code"] == "unmet_demand")
        return jsonify({"scope": body["scope"], "total": demand["value"], "groups": demand["details"].get("groups", []),
                        "freshness": body["freshness"]})

    @api.put("/targets", tags=[indicators_tag], summary="Задать целевое значение (уровень и год — по желанию)")
    def put_target(body: TargetIn) -> Response:
        principal().require(Role.REGION_OPERATOR)
        with context().uow() as uow:
            service.set_target(uow.session, body.code, body.value, body.scope, body.year)
            uow.commit()
        return jsonify(body.model_dump())

    @api.post("/assessments", tags=[assessment_tag], summary="Сохранить самооценку муниципалитета за период")
    def post_assessment(body: AssessmentIn) -> Response:
        p = principal()
        p.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
        if p.role is Role.MUNICIPAL_OPERATOR and p.scope_id != body.municipality_id:
            raise Forbidden("Самооценку заполняет оператор своего муниципалитета")
        try:
            result = score(body.answers)
        except AssessmentError as exc:
            raise ValidationFailed(str(exc), errors=[{"field": f"answers.{exc.criterion}", "message": str(exc)}]) \
                from None
        with context().uow() as uow:
            row = uow.session.exec(select(AssessmentRow).where(AssessmentRow.municipality_id == body.municipality_id,
                                                               AssessmentRow.period == body.period)).first()
            row = row or AssessmentRow(municipality_id=body.municipality_id, period=body.period, answers="{}",
                                       total=0, band="low", updated_by=p.actor)
            row.answers, row.total, row.band = json.dumps(body.answers), result.total, result.band
            row.updated_at, row.updated_by = utcnow(), p.actor
            uow.session.add(row)
            uow.commit()
            return jsonify(assessment_json(row))

    @api.get("/assessments", tags=[assessment_tag], summary="Самооценки с баллами и уровнем")
    def get_assessments(query: AssessmentQuery) -> Response:
        p = principal()
        p.require(*READERS)
        with context().uow() as uow:
            stmt = select(AssessmentRow).order_by(AssessmentRow.period, AssessmentRow.municipality_id)
            if query.municipality_id:
                stmt = stmt.where(AssessmentRow.municipality_id == query.municipality_id)
            if query.period:
                stmt = stmt.where(AssessmentRow.period == query.period)
            if p.role is Role.MUNICIPAL_OPERATOR:
                stmt = stmt.where(AssessmentRow.municipality_id == p.scope_id)
            return jsonify({"criteria": [{"code": c.code, "number": c.number, "label": c.label_ru} for c in CRITERIA],
                            "items": [assessment_json(r) for r in uow.session.exec(stmt).all()]})

    return api


def assessment_json(row: AssessmentRow) -> dict:
    result = score(json.loads(row.answers))
    return {"municipality_id": row.municipality_id, "period": row.period, "answers": json.loads(row.answers),
            "total": result.total, "band": result.band, "band_label": result.band_label_ru,
            "missing": list(result.missing), "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}

