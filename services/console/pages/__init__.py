"""The console's pages, one blueprint each, plus the health probes."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text

from services.console.context import console


def register_pages(app: Flask) -> None:
    from services.console.pages import (
        bank,
        home,
        indicators,
        mentees,
        monitoring,
        order_templates,
        pairs,
        runs,
        upload,
        users,
    )
    from services.console.pages.nav_extra import install_nav

    for module in (home, bank, mentees, upload, users, pairs, indicators, runs, monitoring, order_templates):
        app.register_blueprint(module.blueprint())
    install_nav(app)

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
