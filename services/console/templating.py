"""Jinja filters (Babel formatting, dictionary labels), the menu by role, and the security headers of every page."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_login import current_user

from services.console import formatting
from services.console.context import console
from services.console.roles import nav_for

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def install_templating(app: Flask) -> None:
    zone = console_zone(app)
    app.jinja_env.filters.update(
        number=formatting.number, percent=formatting.percent, day=formatting.day, month=formatting.month,
        moment=lambda value: formatting.moment(value, zone), plural=formatting.plural,
        label=dictionary_label, labels=lambda codes, name: ", ".join(dictionary_label(c, name) for c in codes or []),
    )

    @app.context_processor
    def _menu() -> dict[str, Any]:
        items = nav_for(current_user.role) if current_user.is_authenticated else []
        return {"nav": items, "region_name": console().settings.region_name}

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"  # a one-time link never leaks through Referer
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def console_zone(app: Flask) -> str:
    return app.extensions["console"].settings.console_timezone


def dictionary_label(code: str | None, dictionary: str) -> str:
    """The Russian label of a dictionary code (the code itself when the registry does not know it)."""
    if not code:
        return "—"
    from services.console.pages.common import labels

    return labels(dictionary).get(code, code)
