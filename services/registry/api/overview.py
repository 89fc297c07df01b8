"""Routes of the caller's area at a glance: its municipalities, and the counts of the bank and the base."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.registry.api.schemas.overview import MunicipalityList, SummaryOut, SummaryQuery
from services.registry.api.tags import organizations_tag
from services.registry.use_cases.overview import list_municipalities, summarize
from shared.scopes import Scope
from shared.web import context, principal


def register(api: APIBlueprint) -> None:
    """GET /municipalities and GET /summary."""

    @api.get("/municipalities", tags=[organizations_tag], summary="Районы вашей зоны",
             description="Районы (муниципалитеты) в вашей зоне ответственности по названию, с числом действующих "
                         "организаций; администратору — все.",
             responses={200: MunicipalityList})
    def municipalities() -> Response:
        with context().uow() as uow:
            return jsonify({"items": [asdict(m) for m in list_municipalities(uow, principal())]})

    @api.get("/summary", tags=[organizations_tag], summary="Сводка: наставники, места, наставляемые, организации",
             description="Действующие наставники и сумма их мест, действующие наставляемые и организации области "
                         "`scope` (пусто — вся ваша зона); область вне вашей зоны → 403.",
             responses={200: SummaryOut})
    def summary(query: SummaryQuery) -> Response:
        scope = Scope.parse(query.scope) if query.scope else None
        with context().uow() as uow:
            return jsonify(asdict(summarize(uow, principal(), scope)))
