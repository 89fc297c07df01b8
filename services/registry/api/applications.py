"""Routes of applications: sent from the public bank without a token; read and decided by a school's curator (or an
operator above them) with one."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_openapi3 import APIBlueprint, Tag

from services.registry.api.schemas.applications import (
    ApplicationList,
    ApplicationOut,
    ApplicationQuery,
    DeclineIn,
    NominationIn,
    RequestIn,
    SubmittedOut,
)
from services.registry.api.schemas.common import IdPath
from services.registry.domain import applications as rules
from services.registry.use_cases import applications
from shared.web import Problem, context, principal

applications_tag = Tag(name="Заявки", description="Заявки в наставники и просьбы о наставнике из публичного банка")
PUBLIC_RESPONSES = {404: Problem, 409: Problem, 429: Problem}
RECEIVED = {rules.NOMINATION: "Заявка отправлена куратору вашей школы. Ответ придёт на указанную почту.",
            rules.REQUEST: "Просьба отправлена куратору школы наставника. Ответ придёт на указанную почту."}
LIMIT = ("Без капчи: с одного адреса — не больше PUBLIC_APPLICATIONS_PER_HOUR заявок в час (429 с Retry-After); "
         "с одной почты одна заявка ждёт решения (409).")


def application_out(card: applications.ApplicationCard) -> dict[str, Any]:
    a = card.application
    return ApplicationOut(organization_name=card.organization_name, municipality_name=card.municipality_name,
                          applicant_organization_name=card.applicant_organization_name, mentor_name=card.mentor_name,
                          **a.model_dump()).model_dump(mode="json")


def submit(kind: str, data: dict[str, Any]) -> Response:
    """Record an application sent without a token; the answer tells the sender where it went."""
    ctx = context()
    with ctx.uow() as uow:
        row = applications.submit(uow, ctx.settings, kind, data, request.remote_addr or "")
    return jsonify({"id": row.id, "status": row.status, "detail": RECEIVED[kind]}), 201


def nomination_data(body: NominationIn) -> dict[str, Any]:
    return body.model_dump()


def request_data(body: RequestIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"subject", "stage", "category"})
    return {**data, "subjects": [body.subject] if body.subject else [], "stages": [body.stage] if body.stage else [],
            "mentee_category": body.category}


def register_public(bp: APIBlueprint, tag: Tag) -> None:
    """The two forms' JSON twins, beside the public bank."""

    @bp.post("/api/v1/bank/nominations", tags=[tag], summary="Заявка в наставники (без токена)",
             description=LIMIT, responses={201: SubmittedOut, **PUBLIC_RESPONSES})
    def nominate(body: NominationIn) -> Response:
        return submit(rules.NOMINATION, nomination_data(body))

    @bp.post("/api/v1/bank/requests", tags=[tag], summary="Просьба к наставнику из банка (без токена)",
             description=LIMIT, responses={201: SubmittedOut, **PUBLIC_RESPONSES})
    def ask(body: RequestIn) -> Response:
        return submit(rules.REQUEST, request_data(body))


def register(api: APIBlueprint) -> None:
    """A curator's inbox: list, read, select into the bank, accept a request, decline."""

    @api.get("/applications", tags=[applications_tag], summary="Заявки в вашей зоне",
             responses={200: ApplicationList})
    def list_applications(query: ApplicationQuery) -> Response:
        with context().uow() as uow:
            page = applications.list_applications(uow, principal(), status=query.status, kind=query.kind,
                                                  cursor=query.cursor, limit=query.limit)
        return jsonify({"items": [application_out(c) for c in page.items], "next_cursor": page.next_cursor,
                        "total": page.total})

    @api.get("/applications/<id>", tags=[applications_tag], summary="Заявка", responses={200: ApplicationOut})
    def get_application(path: IdPath) -> Response:
        with context().uow() as uow:
            return jsonify(application_out(applications.get_application(uow, principal(), path.id)))

    @api.post("/applications/<id>/select", tags=[applications_tag], summary="Включить кандидата в банк наставников",
              description="Наставник добавляется в школу заявителя; в публичном банке — только с согласием на "
                          "публикацию.", responses={200: ApplicationOut})
    def select_candidate(path: IdPath) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return jsonify(application_out(applications.select_candidate(uow, ctx.settings, principal(), path.id)))

    @api.post("/applications/<id>/accept", tags=[applications_tag], summary="Принять просьбу о наставнике",
              description="Учитель вносится в базу наставляемых своей школы с желаемым наставником; `person_id` — "
                          "его id для предложения пары (POST /api/v1/pairs сервиса подбора).",
              responses={200: ApplicationOut})
    def accept_request(path: IdPath) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return jsonify(application_out(applications.accept_request(uow, ctx.settings, principal(), path.id)))

    @api.post("/applications/<id>/decline", tags=[applications_tag], summary="Отклонить заявку с причиной",
              responses={200: ApplicationOut})
    def decline(path: IdPath, body: DeclineIn) -> Response:
        with context().uow() as uow:
            return jsonify(application_out(applications.decline(uow, principal(), path.id, body.reason)))
