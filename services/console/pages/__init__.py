"""The console's pages, one blueprint each, plus the health probes."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text

from services.console.context import console

# The console's JSON endpoints are its two probes (its pages are HTML forms, tested in a browser): their contract,
# published like the services' ones, so the same schemathesis run covers them.
_HEALTH = {"type": "object", "required": ["status"], "additionalProperties": False, "properties": {
    "status": {"type": "string", "enum": ["ok", "ready", "not ready"]},
    "checks": {"type": "object", "additionalProperties": {"type": "boolean"}}}}
_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}
HEALTH_OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Консоль: служебные адреса", "version": "1.0"},
    "paths": {
        "/healthz": {"get": {"summary": "Процесс жив", "operationId": "healthz", "tags": ["Служебное"],
                             "responses": {"200": {"description": "OK", "content": _JSON}}}},
        "/readyz": {"get": {"summary": "База данных консоли доступна", "operationId": "readyz", "tags": ["Служебное"],
                            "responses": {"200": {"description": "OK", "content": _JSON},
                                          "503": {"description": "Service Unavailable", "content": _JSON}}}},
    },
    "components": {"schemas": {"HealthStatus": _HEALTH}},
}


def register_pages(app: Flask) -> None:
    from services.console.pages import (
        applications,
        bank,
        home,
        indicators,
        mentees,
        monitoring,
        order_templates,
        own,
        own_consent,
        pairs,
        reminders,
        runs,
        upload,
        users,
    )
    from services.console.pages.nav_extra import install_nav

    for module in (home, bank, mentees, upload, users, pairs, applications, indicators, runs, monitoring,
                   order_templates, own, own_consent):
        app.register_blueprint(module.blueprint())
    reminders.install(app)
    install_nav(app)

    @app.get("/openapi.json")
    def openapi_json():
        return jsonify(HEALTH_OPENAPI)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        try:
            with console().engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any driver failure means "not ready"
            return jsonify({"status": "not ready", "checks": {"database": False}}), 503
        return jsonify({"status": "ready", "checks": {"database": True}})
