"""Reports service: the indicators of the target model, projected from events."""

from __future__ import annotations

from flask_openapi3 import OpenAPI

from services.reports.adapters import tables
from shared.config import Settings, load_settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None) -> OpenAPI:
    """Build the reports app (gunicorn: `services.reports.app:create_app()`)."""
    settings = settings or load_settings("reports")
    app = create_service_app("reports", settings, tables.metadata, title="Показатели целевой модели",
                             outbox=tables.outbox)
    from services.reports.api import build_api
    from services.reports.api.dashboard import build_dashboard

    app.register_api(build_api())
    app.register_api(build_dashboard())
    return app
