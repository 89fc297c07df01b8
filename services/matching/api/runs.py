"""Matching HTTP API: bulk runs (queued, never solved in the request), proposals, status, suggestions."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from flask_openapi3 import APIBlueprint, Tag

from services.matching.adapters.suggestion_cache import SuggestionCache
from services.matching.api.responses import MatchingStatus, ProposalList, RunList, RunOut, Suggestions
from services.matching.api.review_responses import ProposalFacets
from services.matching.api.run_schemas import ProposalsQuery, RunAccepted, RunIn, RunPath, RunsQuery, SuggestQuery
from services.matching.use_cases import runs
from services.matching.use_cases.run_facets import proposal_facets
from services.matching.use_cases.run_proposals import run_proposals as explained_proposals
from services.matching.use_cases.status import matching_status
from services.matching.use_cases.suggestions import suggestions
from shared.web import SECURITY, Problem, context, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
runs_tag = Tag(name="Подбор", description="Массовый подбор пар: запуски и предложения")
suggest_tag = Tag(name="Рекомендации", description="Лучшие наставники для одного наставляемого")


def build_api() -> APIBlueprint:
    """The runs, status and suggestion endpoints (`/api/v1`)."""
    api = APIBlueprint("matching_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)
    cache = SuggestionCache()

    @api.post("/runs", tags=[runs_tag], summary="Запустить подбор", responses={202: RunAccepted},
              description="Возвращает 202 с id; подбор выполняет отдельный процесс, ход виден в GET /runs/{id}. "
                          "Черновик (draft) хранит предложения с запуском до проверки и публикации.")
    def create_run(body: RunIn) -> Response:
        with context().uow() as uow:
            run = runs.request_run(uow, principal(), body.scope, body.checked_options(), body.dry_run, body.draft)
        href = url_for("matching_api.get_run", id=run.id)
        response = jsonify({"id": run.id, "status": run.status, "scope": run.scope, "href": href})
        response.status_code = 202
        response.headers["Location"] = href
        return response

    @api.get("/runs", tags=[runs_tag], summary="Запуски подбора", responses={200: RunList},
             description="Новые сверху, страницами: next_cursor ведёт на следующую. Фильтры: состояние (status), "
                         "область ровно такая (scope), черновики или обычные запуски (draft).")
    def list_runs(query: RunsQuery) -> Response:
        with context().uow() as uow:
            items, cursor = runs.list_runs(uow.session, principal(), cursor=query.cursor, limit=query.limit,
                                           status=query.status, scope=query.scope, draft=query.draft,
                                           parent_id=query.parent_id, top_level=query.top_level)
            return jsonify({"items": items, "next_cursor": cursor})

    @api.get("/runs/<id>", tags=[runs_tag], summary="Состояние и итоги запуска", responses={200: RunOut})
    def get_run(path: RunPath) -> Response:
        with context().uow() as uow:
            return jsonify(runs.read_run(uow.session, principal(), path.id))

    @api.get("/runs/<id>/proposals", tags=[runs_tag], summary="Предложенные пары запуска с составляющими стоимости",
             responses={200: ProposalList},
             description="Черновик: его предложения с решением, изменением и закреплением (фильтры decision, "
                         "change); обычный запуск: созданные им пары. Фильтры organization_id (школа "
                         "наставляемого) и subject; total — сколько подходит под фильтры на всех страницах.")
    def run_proposals(path: RunPath, query: ProposalsQuery) -> Response:
        with context().uow() as uow:
            items, cursor, total = explained_proposals(
                uow.session, principal(), path.id, query.cursor, query.limit, decision=query.decision,
                change=query.change, organization_id=query.organization_id, subject=query.subject)
            return jsonify({"items": items, "next_cursor": cursor, "total": total})

    @api.get("/runs/<id>/proposals/facets", tags=[runs_tag], summary="Предложения запуска по школам, предметам и "
             "решениям", responses={200: ProposalFacets},
             description="Для списков фильтров: сколько предложений у каждой школы наставляемого, каждого предмета "
                         "и (черновик) каждого решения; числа каждого списка в сумме дают все предложения.")
    def run_proposal_facets(path: RunPath) -> Response:
        with context().uow() as uow:
            return jsonify(proposal_facets(uow.session, principal(), path.id))

    @api.get("/status", tags=[runs_tag], summary="Что знает сервис подбора: наставники, наставляемые, пары",
             responses={200: MatchingStatus})
    def status() -> Response:
        with context().uow() as uow:
            return jsonify(matching_status(uow.session, principal()))

    @api.get("/mentees/<id>/suggestions", tags=[suggest_tag], summary="Лучшие наставники для наставляемого",
             responses={200: Suggestions})
    def mentee_suggestions(path: RunPath, query: SuggestQuery) -> Response:
        with context().uow() as uow:
            return jsonify(suggestions(uow.session, principal(), cache, path.id, query.limit))

    return api
