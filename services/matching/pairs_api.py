"""Pair workflow HTTP API: list, manual create, read, one endpoint per action, the program and its records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlmodel import select

from services.matching import pairs, programs
from services.matching.adapters.tables import Pair
from services.matching.responses import AttentionList, DiaryOut, PairDetail, PairList, PairOut, ProgramView, ReportOut
from services.matching.workflow import Action
from shared.auth import Principal, Role
from shared.fields import Body, Day, Query, integer, text
from shared.openapi import file_answer
from shared.web import SECURITY, Problem, context, etag_response, expected_version, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
pairs_tag = Tag(name="Пары", description="Наставнические пары: от предложения до завершения программы")
program_tag = Tag(name="Программа", description="Персонализированная программа, дневник, отчёты")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Text = text(1, 4000)
Form = Literal["traditional", "group", "flash", "network", "reverse", "virtual", "situational", "short_term"]
RoleModel = Literal["teacher_teacher", "head_teacher", "head_head", "team_team", "employer_student",
                    "university_teacher", "teacher_student", "student_student"]


class PairPath(BaseModel):
    id: str = Field(max_length=36)


class ItemPath(PairPath):
    item_id: str = Field(max_length=36)


class PairsQuery(Query):
    region: str | None = Field(None, max_length=36)
    municipality: str | None = Field(None, max_length=36)
    organization: str | None = Field(None, max_length=36)
    state: Literal["proposed", "confirmed", "active", "completed", "declined", "terminated", "expired"] | None = None
    mentor: str | None = Field(None, max_length=36)
    mentee: str | None = Field(None, max_length=36)
    form: Form | None = None
    proposed_from: Day | None = None
    proposed_to: Day | None = None
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=500)


class PairIn(Body):
    mentor_id: str = Field(max_length=36)
    mentee_id: str = Field(max_length=36)
    form: Form = "traditional"
    role_model: RoleModel = "teacher_teacher"
    group_id: str | None = Field(None, max_length=36, description="общий id пар групповой формы")


class Versioned(Body):
    version: integer(1, description="ожидаемая версия пары (или заголовок If-Match)") | None = None


class ConfirmIn(Versioned):
    mentor_consent_on: Day
    mentee_consent_on: Day
    order_number: text(1, 100)
    order_date: Day
    curator_name: text(2, 300)


class DeclineIn(Versioned):
    by: Literal["mentor", "mentee", "curator"]
    reason: Text


class ActivateIn(Versioned):
    started_on: Day
    planned_end_on: Day
    override_reason: text(0, 1000, description="оператор: причина выйти за 3–12 мес.") | None = None


class ExtendIn(Versioned):
    planned_end_on: Day
    mentor_consent: bool
    mentee_consent: bool
    override_reason: text(0, 1000) | None = None


class CompleteIn(Versioned):
    result: Literal["reached", "partly", "not_reached"]
    result_text: text(0, 4000) | None = None


class TerminateIn(Versioned):
    by: Literal["mentor", "mentee", "both", "curator"]
    reason: Text


class PlanItemIn(Body):
    title: text(1, 500)
    due_on: Day
    done_on: Day | None = None


class ProgramIn(Body):
    goals: Text
    deficits: text(0, 4000) | None = None
    form: Form = "traditional"
    role_model: RoleModel = "teacher_teacher"
    format: Literal["in_person", "remote", "blended"] = "in_person"
    meeting_schedule: text(0, 2000) | None = None
    plan: list[PlanItemIn] | None = Field(None, max_length=200)


class PlanMarkIn(Body):
    done_on: Day | None


class DiaryIn(Body):
    month: str = Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="ГГГГ-ММ")
    text: Text
    author: text(2, 300, description="наставник, который ведёт дневник")


class ReportIn(Body):
    period: str = Field(pattern=r"^20[0-9]{2}-H[12]$", description="полугодие, например 2026-H2")
    text: Text


class ReportDecisionIn(Body):
    accept: bool
    comment: text(0, 2000) | None = None


class ReportPath(PairPath):
    report_id: str = Field(max_length=36)


class OrderQuery(Query):
    organization: str = Field(max_length=36, description="id организации")
    year: int | None = Field(None, ge=2000, le=2100, description="начало учебного года")


def pair_out(pair: Pair) -> dict[str, Any]:
    from services.matching.workflow import STATE_LABELS, State, allowed_actions

    body = pair.model_dump(mode="json", exclude={"cost_terms"})
    body["state_label"] = STATE_LABELS[State(pair.state)]
    body["allowed_actions"] = [a.value for a in allowed_actions(State(pair.state)) if a is not Action.EXPIRE]
    return body


def _with_etag(pair: Pair, status: int = 200) -> Response:
    return etag_response(pair_out(pair), pair.version, status)


def _in_scope(stmt: Any, p: Principal) -> Any:
    """Pairs located (by the mentee's organization) inside the caller's scope; admin and integrator see all."""
    if p.role in (Role.ADMIN, Role.INTEGRATOR):
        return stmt
    column = {"region": Pair.region_id, "municipality": Pair.municipality_id,
              "organization": Pair.organization_id}[p.scope_kind or ""]
    return stmt.where(column == p.scope_id)


def build_pairs_api() -> APIBlueprint:
    api = APIBlueprint("pairs_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)

    @api.get("/pairs", tags=[pairs_tag], summary="Пары: фильтры по области, состоянию, наставнику, форме, периоду",
             responses={200: PairList})
    def list_pairs(query: PairsQuery) -> Response:
        p = principal()
        p.require(*pairs.WRITERS, Role.INTEGRATOR)
        with context().uow() as uow:
            stmt = _in_scope(select(Pair), p)
            for column, value in ((Pair.region_id, query.region), (Pair.municipality_id, query.municipality),
                                  (Pair.organization_id, query.organization), (Pair.state, query.state),
                                  (Pair.mentor_id, query.mentor), (Pair.mentee_id, query.mentee),
                                  (Pair.form, query.form)):
                if value:
                    stmt = stmt.where(column == value)
            if query.proposed_from:
                stmt = stmt.where(Pair.proposed_at >= datetime.combine(query.proposed_from, datetime.min.time()))
            if query.proposed_to:
                stmt = stmt.where(Pair.proposed_at < datetime.combine(query.proposed_to, datetime.max.time()))
            if query.cursor:
                stmt = stmt.where(Pair.id > query.cursor)
            rows = list(uow.session.exec(stmt.order_by(Pair.id).limit(query.limit + 1)).all())
            cursor = rows[query.limit - 1].id if len(rows) > query.limit else None
            return jsonify({"items": [pair_out(r) for r in rows[: query.limit]], "next_cursor": cursor})

    @api.get("/pairs/attention", tags=[program_tag], summary="Пары, требующие внимания куратора",
             responses={200: AttentionList},
             description="Работающие пары области с просроченными пунктами плана или без записи дневника "
                         "за прошлый месяц.")
    def attention_list() -> Response:
        p = principal()
        p.require(*pairs.WRITERS)
        with context().uow() as uow:
            stmt = _in_scope(select(Pair).where(Pair.state == "active"), p)
            return jsonify({"items": programs.needing_attention(uow.session, list(uow.session.exec(stmt)),
                                                                date.today())})

    @api.post("/pairs", tags=[pairs_tag], summary="Создать пару вручную (по тем же правилам подбора и загрузки)",
              responses={201: PairOut})
    def create(body: PairIn) -> Response:
        with context().uow() as uow:
            pair = pairs.create_pair(uow, principal(), **body.model_dump())
            return _with_etag(pair, 201)

    @api.get("/pairs/<id>", tags=[pairs_tag], summary="Пара с программой, дневником и отчётами",
             responses={200: PairDetail})
    def read(path: PairPath) -> Response:
        with context().uow() as uow:
            pair = pairs.visible_pair(uow.session, principal(), path.id)
            response = _with_etag(pair)
            body = response.get_json()
            body.update(programs.program_view(uow.session, pair, date.today()))
            response.set_data(jsonify(body).get_data())
            return response

    def action_route(action: Action, model: type[Versioned], summary: str) -> None:
        def act(path: PairPath, body: Any) -> Response:
            data = body.model_dump(exclude={"version", "override_reason"})
            override = getattr(body, "override_reason", None)
            with context().uow() as uow:
                pair = pairs.transition(uow, principal(), path.id, action, data, override, date.today(),
                                        expected_version(body.version))
                return _with_etag(pair)

        act.__name__ = act.__qualname__ = f"pair_{action.value}"
        act.__annotations__["body"] = model
        api.post(f"/pairs/<id>/{action.value}", tags=[pairs_tag], summary=summary,
                 responses={200: PairOut, 409: Problem})(act)

    action_route(Action.CONFIRM, ConfirmIn, "Утвердить: согласия обеих сторон, приказ, куратор")
    action_route(Action.DECLINE, DeclineIn, "Отклонить (наставник, наставляемый или куратор), с причиной")
    action_route(Action.ACTIVATE, ActivateIn, "Начать программу: даты 3–12 месяцев")
    action_route(Action.EXTEND, ExtendIn, "Продлить по взаимному согласию")
    action_route(Action.COMPLETE, CompleteIn, "Завершить с итогом")
    action_route(Action.TERMINATE, TerminateIn, "Прекратить досрочно (§4.12), с причиной")

    @api.put("/pairs/<id>/program", tags=[program_tag], summary="Персонализированная программа и план",
             responses={200: ProgramView})
    def program(path: PairPath, body: ProgramIn) -> Response:
        with context().uow() as uow:
            programs.save_program(uow, principal(), path.id, body.model_dump())
            return jsonify(programs.program_view(uow.session, uow.session.get(Pair, path.id), date.today()))

    @api.patch("/pairs/<id>/plan/<item_id>", tags=[program_tag], summary="Отметить пункт плана выполненным",
               responses={200: ProgramView})
    def plan_mark(path: ItemPath, body: PlanMarkIn) -> Response:
        with context().uow() as uow:
            programs.mark_plan_item(uow, principal(), path.id, path.item_id, body.done_on)
            return jsonify(programs.program_view(uow.session, uow.session.get(Pair, path.id), date.today()))

    @api.post("/pairs/<id>/diary", tags=[program_tag], summary="Запись дневника наставника за месяц",
              responses={201: DiaryOut})
    def diary(path: PairPath, body: DiaryIn) -> Response:
        with context().uow() as uow:
            entry = programs.add_diary(uow, principal(), path.id, body.month, body.text, body.author)
            response = jsonify(entry.model_dump(mode="json"))
            response.status_code = 201
            return response

    @api.post("/pairs/<id>/reports", tags=[program_tag], summary="Полугодовой отчёт", responses={201: ReportOut})
    def report(path: PairPath, body: ReportIn) -> Response:
        with context().uow() as uow:
            saved = programs.submit_report(uow, principal(), path.id, body.period, body.text)
            response = jsonify(saved.model_dump(mode="json"))
            response.status_code = 201
            return response

    @api.post("/pairs/<id>/reports/<report_id>/decision", tags=[program_tag], summary="Куратор: принять или вернуть",
              responses={200: ReportOut})
    def report_decision(path: ReportPath, body: ReportDecisionIn) -> Response:
        with context().uow() as uow:
            saved = programs.decide_report(uow, principal(), path.id, path.report_id, body.accept, body.comment)
            return jsonify(saved.model_dump(mode="json"))

    @api.get("/documents/order.docx", tags=[pairs_tag], summary="Проект приказа о закреплении наставнических пар",
             responses={200: file_answer(DOCX, "Проект приказа (DOCX)")})
    def order_document(query: OrderQuery) -> Response:
        from services.matching.orders import order_for_organization

        with context().uow() as uow:
            body = order_for_organization(uow.session, principal(), query.organization, query.year)
        response = Response(body, mimetype=DOCX)
        response.headers["Content-Disposition"] = "attachment; filename=order.docx"
        return response

    return api
