"""Reports HTTP API: indicators (JSON and XLSX), unmet demand, targets, self-assessments, the dashboard."""

from __future__ import annotations

import json
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import Field, create_model
from sqlalchemy import false, true
from sqlmodel import select

from services.reports import service
from services.reports.adapters.tables import AssessmentRow, OrganizationRow
from services.reports.assessment import CRITERIA, AssessmentError, score
from services.reports.responses import AssessmentOut, Assessments, Indicators, TargetOut, UnmetDemand
from services.reports.targets import DEFAULT_TARGETS, TARGETABLE
from shared.auth import Principal, Role
from shared.errors import Forbidden, ValidationFailed
from shared.events import utcnow
from shared.fields import Body, Kept, Query, Scope, integer
from shared.openapi import file_answer
from shared.web import SECURITY, Problem, context, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
READERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR, Role.INTEGRATOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGET_CODES = tuple(sorted(set(DEFAULT_TARGETS) & TARGETABLE))
PERIOD = r"^20[0-9]{2}(-H[12])?$"
indicators_tag = Tag(name="Показатели", description="Целевые показатели модели наставничества")
assessment_tag = Tag(name="Самооценка", description="Самооценка муниципалитета: 10 критериев по 0–2 балла")


class IndicatorsQuery(Query):
    scope: Scope
    period: str | None = Field(None, max_length=10, pattern=r"^(now|20[0-9]{2}(-H[12])?)?$",
                               description="now, 2026, 2026-H1 или 2026-H2")


class TargetIn(Body):
    code: Literal[TARGET_CODES]
    value: float | None = Field(None, ge=0, le=100_000)
    scope: Scope | None = Field(None, description="пусто — для всех")
    year: integer(2000, 2100) | None = None


# The ten criteria as optional fields (0, 1 or 2 points; a criterion left out is not assessed yet).
Answers = create_model("Answers", __base__=Body, **{c.code: (Kept[integer(0, 2)], Field(None, description=c.label_ru))
                                                   for c in CRITERIA})


class AssessmentIn(Body):
    municipality_id: str = Field(min_length=1, max_length=36)
    period: str = Field(pattern=PERIOD)
    answers: Answers = Field(description="код критерия → 0, 1 или 2")


class AssessmentQuery(Query):
    municipality_id: str | None = Field(None, max_length=36)
    period: str | None = Field(None, pattern=PERIOD)


def check_scope(p: Principal, session, scope, refusal: str = "Показатели вне вашей зоны ответственности") -> None:
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
    raise Forbidden(refusal)


def assessments_in_scope(p: Principal) -> Any:
    """Self-assessments of the municipalities inside the caller's scope; none lie inside one organization."""
    if p.role in (Role.ADMIN, Role.INTEGRATOR):
        return true()
    if p.scope_kind == "municipality":
        return AssessmentRow.municipality_id == p.scope_id
    if p.scope_kind == "region":
        return AssessmentRow.municipality_id.in_(
            select(OrganizationRow.municipality_id).where(OrganizationRow.region_id == p.scope_id))
    return false()


def build_api() -> APIBlueprint:
    api = APIBlueprint("reports_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)

    @api.get("/indicators", tags=[indicators_tag], summary="Показатели уровня на сейчас или за период",
             responses={200: Indicators})
    def indicators(query: IndicatorsQuery) -> Response:
        scope, period = service.parse_scope(query.scope), service.parse_period(query.period)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            return jsonify(service.indicators(uow.session, scope, period))

    @api.get("/indicators.xlsx", tags=[indicators_tag], summary="Показатели в XLSX: лист на каждый уровень",
             responses={200: file_answer(XLSX, "Показатели (XLSX)")})
    def indicators_xlsx(query: IndicatorsQuery) -> Response:
        from services.reports.workbook import indicators_workbook

        scope, period = service.parse_scope(query.scope), service.parse_period(query.period)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            body = indicators_workbook(uow.session, scope, period)
        response = Response(body, mimetype=XLSX)
        response.headers["Content-Disposition"] = "attachment; filename=indicators.xlsx"
        return response

    @api.get("/unmet-demand", tags=[indicators_tag], summary="Где не хватает наставников: предмет, уровень, район",
             responses={200: UnmetDemand})
    def unmet(query: IndicatorsQuery) -> Response:
        scope = service.parse_scope(query.scope)
        with context().uow() as uow:
            check_scope(principal(), uow.session, scope)
            body = service.indicators(uow.session, scope, None)
        demand = next(i for i in body["indicators"] if i["code"] == "unmet_demand")
        return jsonify({"scope": body["scope"], "total": demand["value"], "groups": demand["details"].get("groups", []),
                        "freshness": body["freshness"]})

    @api.put("/targets", tags=[indicators_tag], summary="Задать целевое значение (уровень и год — по желанию)",
             responses={200: TargetOut})
    def put_target(body: TargetIn) -> Response:
        p = principal()
        p.require(Role.REGION_OPERATOR)
        with context().uow() as uow:
            if p.role is not Role.ADMIN:
                if body.scope is None:
                    raise Forbidden("Целевое значение для всех регионов задаёт администратор; укажите уровень")
                check_scope(p, uow.session, service.parse_scope(body.scope), "Уровень вне вашей зоны ответственности")
            service.set_target(uow.session, body.code, body.value, body.scope, body.year)
            uow.commit()
        return jsonify(body.model_dump())

    @api.post("/assessments", tags=[assessment_tag], summary="Сохранить самооценку муниципалитета за период",
              responses={200: AssessmentOut})
    def post_assessment(body: AssessmentIn) -> Response:
        p = principal()
        p.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
        if p.role is Role.MUNICIPAL_OPERATOR and p.scope_id != body.municipality_id:
            raise Forbidden("Самооценку заполняет оператор своего муниципалитета")
        with context().uow() as uow:
            if p.role is Role.REGION_OPERATOR:
                check_scope(p, uow.session, service.parse_scope(f"municipality:{body.municipality_id}"),
                            "Муниципалитет вне вашего региона")
            try:
                result = score(body.answers.model_dump(exclude_unset=True))
            except AssessmentError as exc:
                raise ValidationFailed(str(exc), errors=[{"field": f"answers.{exc.criterion}",
                                                          "message": str(exc)}]) from None
            row = uow.session.exec(select(AssessmentRow).where(AssessmentRow.municipality_id == body.municipality_id,
                                                               AssessmentRow.period == body.period)).first()
            row = row or AssessmentRow(municipality_id=body.municipality_id, period=body.period, answers="{}",
                                       total=0, band="low", updated_by=p.actor)
            row.answers = json.dumps(body.answers.model_dump(exclude_unset=True))
            row.total, row.band = result.total, result.band
            row.updated_at, row.updated_by = utcnow(), p.actor
            uow.session.add(row)
            uow.commit()
            return jsonify(assessment_json(row))

    @api.get("/assessments", tags=[assessment_tag], summary="Самооценки с баллами и уровнем",
             responses={200: Assessments})
    def get_assessments(query: AssessmentQuery) -> Response:
        p = principal()
        p.require(*READERS)
        with context().uow() as uow:
            stmt = select(AssessmentRow).order_by(AssessmentRow.period, AssessmentRow.municipality_id)
            if query.municipality_id:
                stmt = stmt.where(AssessmentRow.municipality_id == query.municipality_id)
            if query.period:
                stmt = stmt.where(AssessmentRow.period == query.period)
            stmt = stmt.where(assessments_in_scope(p))
            return jsonify({"criteria": [{"code": c.code, "number": c.number, "label": c.label_ru} for c in CRITERIA],
                            "items": [assessment_json(r) for r in uow.session.exec(stmt).all()]})

    return api


def assessment_json(row: AssessmentRow) -> dict:
    result = score(json.loads(row.answers))
    return {"municipality_id": row.municipality_id, "period": row.period, "answers": json.loads(row.answers),
            "total": result.total, "band": result.band, "band_label": result.band_label_ru,
            "missing": list(result.missing), "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}

