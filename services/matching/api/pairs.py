"""Pair workflow HTTP API: list, manual create, read, one endpoint per action, the program and its records; the
documents (`documents`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag

from services.matching.adapters.tables import Pair
from services.matching.api import documents
from services.matching.api.pair_schemas import (
    ActivateIn,
    AttentionQuery,
    CompleteIn,
    ConfirmIn,
    DeclineIn,
    DiaryIn,
    ExtendIn,
    ItemPath,
    PairIn,
    PairPath,
    PairsQuery,
    PlanMarkIn,
    ProgramIn,
    ReportDecisionIn,
    ReportIn,
    ReportPath,
    TerminateIn,
    Versioned,
)
from services.matching.api.responses import (
    AttentionList,
    DiaryOut,
    PairDetail,
    PairList,
    PairOut,
    PairsSummary,
    ProgramView,
    ReportOut,
)
from services.matching.api.run_schemas import SummaryQuery
from services.matching.domain.workflow import STATE_LABELS, Action, State, allowed_actions
from services.matching.use_cases import pair_lists, programs
from services.matching.use_cases.manual_pair import create_pair
from services.matching.use_cases.pair_access import visible_pair
from services.matching.use_cases.pair_workflow import transition
from shared.auth import Role
from shared.json_provider import moments, timestamp_names
from shared.web import SECURITY, Problem, context, etag_response, expected_version, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
pairs_tag = Tag(name="Пары", description="Наставнические пары: от предложения до завершения программы")
program_tag = Tag(name="Программа", description="Персонализированная программа, дневник, отчёты")
STATE_FIELDS: dict[str, dict[str, Any]] = {}
PAIR_STAMPS = timestamp_names(Pair.__table__)


def pair_out(pair: Pair) -> dict[str, Any]:
    """A pair as the API shows it: its row, its state in Russian, the actions a person may take next."""
    body = pair.model_dump(mode="json", exclude={"cost_terms"})
    body["state_label"] = STATE_LABELS[State(pair.state)]
    body["allowed_actions"] = [a.value for a in allowed_actions(State(pair.state)) if a is not Action.EXPIRE]
    return body


def _state_fields(state: str) -> dict[str, Any]:
    """`state_label` and `allowed_actions` of a state, as `pair_out` writes them."""
    found = STATE_FIELDS.get(state)
    if found is None:
        found = STATE_FIELDS[state] = {
            "state_label": STATE_LABELS[State(state)],
            "allowed_actions": [a.value for a in allowed_actions(State(state)) if a is not Action.EXPIRE]}
    return found


def listed_pair_out(row: dict[str, Any]) -> dict[str, Any]:
    """A pair of a list, from its plain row (`pair_lists.list_pairs`): the same JSON as `pair_out` plus its names."""
    return {**moments(row, PAIR_STAMPS), **_state_fields(row["state"])}


def _shown(body: dict[str, Any]) -> dict[str, Any]:
    """A pair's program as the caller may read it: the mentee sees the mentor, the program and the plan, not the
    mentor's diary and reports."""
    if principal().role is Role.MENTEE:
        body.update(diary=[], reports=[])
    return body


def _with_etag(pair: Pair, status: int = 200) -> Response:
    return etag_response(pair_out(pair), pair.version, status)


def _created(body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = 201
    return response


def build_pairs_api() -> APIBlueprint:
    """The pair, program and order endpoints (`/api/v1`)."""
    api = APIBlueprint("pairs_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)

    @api.get("/pairs", tags=[pairs_tag], summary="Пары: фильтры по области, состоянию, наставнику, форме, периоду",
             responses={200: PairList})
    def list_pairs(query: PairsQuery) -> Response:
        with context().uow() as uow:
            rows, cursor = pair_lists.list_pairs(uow.session, principal(), **query.model_dump())
        return jsonify({"items": [listed_pair_out(row) for row in rows], "next_cursor": cursor})

    @api.get("/pairs/summary", tags=[pairs_tag], summary="Число пар по состояниям в области",
             responses={200: PairsSummary},
             description="scope: region:…, municipality:… или organization:…; без него — ваша область. "
                         "run_id: только пары этого запуска подбора (например, ждущие ответа школ перед отзывом).")
    def summary(query: SummaryQuery) -> Response:
        with context().uow() as uow:
            return jsonify(pair_lists.pairs_summary(uow.session, principal(), query.scope, query.run_id))

    @api.get("/pairs/attention", tags=[program_tag], summary="Пары, требующие внимания куратора",
             responses={200: AttentionList},
             description="Работающие пары области с просроченными пунктами плана или без записи дневника "
                         "за прошлый месяц. on: день, на который считать (рассылка напоминаний за этот день).")
    def attention_list(query: AttentionQuery) -> Response:
        with context().uow() as uow:
            return jsonify({"items": pair_lists.pairs_needing_attention(uow.session, principal(),
                                                                        query.on or date.today())})

    @api.post("/pairs", tags=[pairs_tag], summary="Создать пару вручную (по тем же правилам подбора и загрузки)",
              responses={201: PairOut})
    def create(body: PairIn) -> Response:
        with context().uow() as uow:
            pair = create_pair(uow, principal(), **body.model_dump())
            return _with_etag(pair, 201)

    @api.get("/pairs/<id>", tags=[pairs_tag], summary="Пара с программой, дневником и отчётами",
             responses={200: PairDetail},
             description="Наставник и наставляемый видят только свои пары; наставляемому дневник и отчёты "
                         "не показываются.")
    def read(path: PairPath) -> Response:
        with context().uow() as uow:
            pair = visible_pair(uow.session, principal(), path.id)
            body = pair_out(pair)
            body.update(programs.program_view(uow.session, pair, date.today()))
            body.update(pair_lists.pair_names(uow.session, pair))
            return etag_response(_shown(body), pair.version)

    def action_route(action: Action, model: type[Versioned], summary: str) -> None:
        def act(path: PairPath, body: Any) -> Response:
            data = body.model_dump(exclude={"version", "override_reason"})
            override = getattr(body, "override_reason", None)
            with context().uow() as uow:
                pair = transition(uow, principal(), path.id, action, data, override, date.today(),
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
               responses={200: ProgramView}, description="Кураторы в своей зоне и наставляемый своей пары.")
    def plan_mark(path: ItemPath, body: PlanMarkIn) -> Response:
        with context().uow() as uow:
            programs.mark_plan_item(uow, principal(), path.id, path.item_id, body.done_on)
            return jsonify(_shown(programs.program_view(uow.session, uow.session.get(Pair, path.id), date.today())))

    @api.post("/pairs/<id>/diary", tags=[program_tag], summary="Запись дневника наставника за месяц",
              responses={201: DiaryOut}, description="Кураторы в своей зоне и наставник своей пары (автор записи — "
                                                     "он сам).")
    def diary(path: PairPath, body: DiaryIn) -> Response:
        with context().uow() as uow:
            entry = programs.add_diary(uow, principal(), path.id, body.month, body.text, body.author)
            return _created(entry.model_dump(mode="json"))

    @api.post("/pairs/<id>/reports", tags=[program_tag], summary="Полугодовой отчёт", responses={201: ReportOut},
              description="Составляет наставник своей пары (или куратор); куратор принимает или возвращает.")
    def report(path: PairPath, body: ReportIn) -> Response:
        with context().uow() as uow:
            saved = programs.submit_report(uow, principal(), path.id, body.period, body.text)
            return _created(saved.model_dump(mode="json"))

    @api.post("/pairs/<id>/reports/<report_id>/decision", tags=[program_tag], summary="Куратор: принять или вернуть",
              responses={200: ReportOut})
    def report_decision(path: ReportPath, body: ReportDecisionIn) -> Response:
        with context().uow() as uow:
            saved = programs.decide_report(uow, principal(), path.id, path.report_id, body.accept, body.comment)
            return jsonify(saved.model_dump(mode="json"))

    documents.install(api)
    return api
