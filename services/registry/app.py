"""Registry service: organizations, the bank of mentors, the base of mentees."""

from __future__ import annotations

from flask_openapi3 import OpenAPI

from services.registry.adapters import tables
from shared.asyncapi import asyncapi_blueprint
from shared.config import Settings, load_settings
from shared.sealing import check_keys
from shared.web import create_service_app


def create_app(settings: Settings | None = None) -> OpenAPI:
    """Build the registry app (gunicorn: `services.registry.app:create_app()`)."""
    settings = settings or load_settings("registry")
    check_keys(settings)  # a malformed PERSONAL_DATA_KEYS stops the start, not the first write
    app = create_service_app("registry", settings, tables.metadata, title="Реестр наставничества",
                             outbox=tables.outbox)
    from services.registry.api.public import build_public
    from services.registry.api.routes import build_api

    app.register_api(build_api())
    app.register_api(build_public())
    app.register_api(asyncapi_blueprint())
    return app
