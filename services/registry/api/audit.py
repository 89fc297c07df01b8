"""The audit log route (administrator only)."""

from __future__ import annotations

import json

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.registry.api.schemas.audit import AuditList, AuditQuery
from services.registry.api.tags import misc_tag
from services.registry.use_cases.audit import read_audit
from shared.web import context, principal


def register(api: APIBlueprint) -> None:
    """GET /audit, newest first."""

    @api.get("/audit", tags=[misc_tag], summary="Журнал изменений (администратор)", responses={200: AuditList})
    def audit(query: AuditQuery) -> Response:
        with context().uow() as uow:
            page = read_audit(uow, principal(), entity_id=query.entity_id, actor=query.actor, cursor=query.cursor,
                              limit=query.limit)
            items = [{**r.model_dump(mode="json"), "changes": json.loads(r.changes) if r.changes else None}
                     for r in page.items]
            return jsonify({"items": items, "next_cursor": page.next_cursor})
