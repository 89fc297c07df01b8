"""Matching HTTP API: bulk runs (queued, never solved in the request), proposals, suggestions."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, Literal

from flask import Response, jsonify, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field, create_model
from sqlmodel import select

from services.matching import runs
from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Run
from services.matching.costs import Weights
from services.matching.responses import MatchingStatus, ProposalList, RunList, RunOut, Suggestions
from services.matching.suggestions import SuggestionCache, suggestions
from shared.auth import Role
from shared.errors import NotFound
from shared.fields import Body, Kept, Query, Scope, integer
from shared.web import SECURITY, Problem, context, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
runs_tag = Tag(name="Подбор", description="Массовый подбор пар: запуски и предложения")
suggest_tag = Tag(name="Рекомендации", description="Лучшие наставники для одного наставляемого")


Weight = integer(-10_000, 10_000)
# Overrides of the cost weights, by name; only `adjacent_stage` may be null (an adjacent stage is then not a candidate).
WeightOverrides = create_model("WeightOverrides", __base__=Body, **{
    f.name: (Weight | None if "None" in str(f.type) else Kept[Weight], None) for f in fields(Weights)})


class RunOptions(Body):
    weights: WeightOverrides = Field(None, description="например {\"load_step\": 8}")


class RunIn(Body):
    scope: Scope
    options: RunOptions = Field(default_factory=RunOptions)
    dry_run: bool = Field(False, description="только посчитать, ничего не записывать")


class RunAccepted(BaseModel):
    id: str
    status: str
    scope: str
    href: str


class RunPath(BaseModel):
    id: str = Field(max_length=36)


class PageQuery(Query):
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=500)


class RunsQuery(PageQuery):
    status: Literal["queued", "running", "succeeded", "failed"] | None = None


class SuggestQuery(Query):
    limit: int = Field(5, ge=1, le=50)


def build_api() -> APIBlueprint:
    api = APIBlueprint("matching_api", __name__, url_prefix="/api/v1", abp_security=SECURITY, abp_responses=PROBLEMS)
    cache = SuggestionCache()

    @api.post("/runs", tags=[runs_tag], summary="Запустить подбор", responses={202: RunAccepted},
              description="Возвращает 202 с id; подбор выполняет отдельный процесс, ход виден в GET /runs/{id}.")
    def create_run(body: RunIn) -> Response:
        with context().uow() as uow:
            run = runs.request_run(uow, principal(), body.scope, body.options.model_dump(exclude_unset=True),
                                   body.dry_run)
        href = url_for("matching_api.get_run", id=run.id)
        response = jsonify({"id": run.id, "status": run.status, "scope": run.scope, "href": href})
        response.status_code = 202
        response.headers["Location"] = href
        return response

    @api.get("/runs", tags=[runs_tag], summary="Запуски подбора", responses={200: RunList})
    def list_runs(query: RunsQuery) -> Response:
        p = principal()
        p.require(*runs.OPERATORS, Role.INTEGRATOR)
        with context().uow() as uow:
            stmt = select(Run).order_by(Run.requested_at.desc(), Run.id)
            if query.status:
                stmt = stmt.where(Run.status == query.status)
            stmt = stmt.where(runs.visible_runs(p))
            rows = [r for r in uow.session.exec(stmt.limit(query.limit)).all()]
            items = [{k: v for k, v in runs.run_view(r).items() if k != "unmatched"} for r in rows]
            return jsonify({"items": items, "next_cursor": None})

    @api.get("/runs/<id>", tags=[runs_tag], summary="Состояние и итоги запуска", responses={200: RunOut})
    def get_run(path: RunPath) -> Response:
        with context().uow() as uow:
            return jsonify(runs.run_view(runs.visible_run(uow.session, principal(), path.id)))

    @api.get("/runs/<id>/proposals", tags=[runs_tag], summary="Предложенные пары запуска с составляющими стоимости",
             responses={200: ProposalList})
    def run_proposals(path: RunPath, query: PageQuery) -> Response:
        with context().uow() as uow:
            run = runs.visible_run(uow.session, principal(), path.id)
            pairs, cursor = runs.proposals_page(uow.session, run, query.cursor, query.limit)
            weights = Weights(**json.loads(run.result)["weights"]) if run.result else Weights()
            return jsonify({"items": proposal_items(uow.session, pairs, weights), "next_cursor": cursor})

    @api.get("/status", tags=[runs_tag], summary="Что знает сервис подбора: наставники, наставляемые, пары",
             responses={200: MatchingStatus})
    def status() -> Response:
        from sqlalchemy import func

        from services.matching.adapters.tables import OPEN_STATES, Pair

        principal().require(*runs.OPERATORS, Role.INTEGRATOR)
        with context().uow() as uow:
            count = lambda model, *where: int(uow.session.scalar(  # noqa: E731
                select(func.count()).select_from(model).where(*where)) or 0)
            return jsonify({
                "organizations": count(OrganizationView), "mentors": count(MentorView, MentorView.status == "active"),
                "mentees": count(MenteeView, MenteeView.status == "active"),
                "open_pairs": count(Pair, Pair.state.in_(OPEN_STATES)), "runs": count(Run),
            })

    @api.get("/mentees/<id>/suggestions", tags=[suggest_tag], summary="Лучшие наставники для наставляемого",
             responses={200: Suggestions})
    def mentee_suggestions(path: RunPath, query: SuggestQuery) -> Response:
        p = principal()
        p.require(*runs.OPERATORS)
        with context().uow() as uow:
            mentee = uow.session.get(MenteeView, path.id)
            if mentee is not None and not p.covers(organization_id=mentee.organization_id,
                                                   municipality_id=mentee.municipality_id, region_id=mentee.region_id):
                raise NotFound(f"Наставляемый {path.id} не найден в сервисе подбора")
            return jsonify(suggestions(uow.session, cache, path.id, query.limit, Weights()))

    return api


def proposal_items(session: Any, pairs: list[Any], weights: Weights) -> list[dict[str, Any]]:
    """Pairs with names and the cost terms in Russian words."""
    from services.matching import domain
    from services.matching.problem import MENTEE_COLUMNS, MENTOR_COLUMNS, build_problem, columns_of

    mentors = {m.id: m for m in session.exec(select(MentorView).where(
        MentorView.id.in_({p.mentor_id for p in pairs}))).all()}
    mentees = {m.id: m for m in session.exec(select(MenteeView).where(
        MenteeView.id.in_({p.mentee_id for p in pairs}))).all()}
    orgs = {o.id: o.name for o in session.exec(select(OrganizationView).where(OrganizationView.id.in_(
        {p.mentor_organization_id for p in pairs} | {p.organization_id for p in pairs}))).all()}
    items = []
    for pair in pairs:
        mentor, mentee = mentors.get(pair.mentor_id), mentees.get(pair.mentee_id)
        terms = []
        if mentor and mentee:
            problem = build_problem(columns_of([mentor], MENTOR_COLUMNS), columns_of([mentee], MENTEE_COLUMNS),
                                    {}, [])
            terms = [{"name": t.name, "label": t.label_ru, "value": t.value}
                     for t in domain.explain_pair(problem, 0, 0, weights) if t.name != "load"]
        items.append({
            "pair_id": pair.id, "state": pair.state, "cost": pair.cost, "mentee_id": pair.mentee_id,
            "mentee_name": mentee.full_name if mentee else "", "mentor_id": pair.mentor_id,
            "mentor_name": mentor.full_name if mentor else "",
            "mentee_organization": orgs.get(pair.organization_id, ""),
            "mentor_organization": orgs.get(pair.mentor_organization_id, ""), "subject": pair.mentee_subject,
            "stage": pair.mentee_stage, "terms": terms,
        })
    return items

