"""Routes of the organizations: list, add, read, change, withdraw."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.registry.adapters.filters import Filters
from services.registry.api.schemas.common import IdPath, ListQuery, WithdrawIn
from services.registry.api.schemas.organizations import (
    OrganizationIn,
    OrganizationList,
    OrganizationOut,
    OrganizationPatch,
)
from services.registry.api.tags import organizations_tag
from services.registry.use_cases import organizations
from services.registry.use_cases.results import OrganizationCard
from shared.web import context, etag_response, expected_version, principal

FILTERS = {"region", "municipality", "organization", "q", "status"}


def organization_out(card: OrganizationCard) -> dict[str, Any]:
    """The organization as `OrganizationOut` JSON."""
    data = OrganizationOut(municipality_name=card.municipality_name, **card.organization.model_dump())
    return data.model_dump(mode="json")


def organization_response(card: OrganizationCard, status: int = 200) -> Response:
    """An organization with its municipality's name, versioned by ETag."""
    return etag_response(organization_out(card), card.organization.version, status)


def register(api: APIBlueprint) -> None:
    """The five routes of organizations under /organizations."""

    @api.get("/organizations", tags=[organizations_tag], summary="Список организаций",
             responses={200: OrganizationList})
    def list_organizations(query: ListQuery) -> Response:
        with context().uow() as uow:
            page = organizations.list_organizations(uow, principal(), Filters(**query.model_dump(include=FILTERS)),
                                                    query.cursor, query.limit)
            return jsonify({"items": [organization_out(card) for card in page.items],
                            "next_cursor": page.next_cursor, "total": page.total})

    @api.post("/organizations", tags=[organizations_tag], summary="Добавить организацию",
              responses={201: OrganizationOut})
    def create_organization(body: OrganizationIn) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            card = organizations.create_organization(uow, ctx.settings, principal(), body.model_dump())
            return organization_response(card, 201)

    @api.get("/organizations/<id>", tags=[organizations_tag], summary="Организация",
             responses={200: OrganizationOut})
    def get_organization(path: IdPath) -> Response:
        with context().uow() as uow:
            return organization_response(organizations.get_organization(uow, principal(), path.id))

    @api.patch("/organizations/<id>", tags=[organizations_tag], summary="Изменить организацию",
               description="Оптимистическая блокировка: версия в `If-Match` или в поле `version`; устаревшая → 409.",
               responses={200: OrganizationOut})
    def patch_organization(path: IdPath, body: OrganizationPatch) -> Response:
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        ctx = context()
        with ctx.uow() as uow:
            card = organizations.patch_organization(uow, ctx.settings, principal(), path.id, changes,
                                                    expected_version(body.version))
            return organization_response(card)

    @api.post("/organizations/<id>/withdraw", tags=[organizations_tag], summary="Исключить организацию",
              responses={200: OrganizationOut})
    def withdraw_organization(path: IdPath, body: WithdrawIn) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            card = organizations.withdraw_organization(uow, ctx.settings, principal(), path.id,
                                                       expected_version(body.version), body.reason)
            return organization_response(card)
