"""Matching service: bulk runs, suggestions, the pair workflow."""

from __future__ import annotations

from flask_openapi3 import OpenAPI

from services.matching.adapters import tables
from shared.asyncapi import asyncapi_blueprint
from shared.config import Settings, load_settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None) -> OpenAPI:
    """Build the matching app (gunicorn: `services.matching.app:create_app()`)."""
    settings = settings or load_settings("matching")
    app = create_service_app("matching", settings, tables.metadata, title="Подбор наставников и пары",
                             outbox=tables.outbox)
    from services.matching.api.pairs import build_pairs_api
    from services.matching.api.run_review import build_review_api
    from services.matching.api.runs import build_api

    app.register_api(build_api())
    app.register_api(build_review_api())
    app.register_api(build_pairs_api())
    app.register_api(asyncapi_blueprint())
    return app
