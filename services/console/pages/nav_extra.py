"""Menu items of the pair, matching-run, indicator and monitoring pages, placed after «Наставляемые» in the menu
of each role."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION, NavItem

EXTRA = (
    NavItem("pairs.index", "Пары", (ADMIN, REGION, MUNICIPAL, CURATOR)),
    NavItem("applications.index", "Заявки", (ADMIN, REGION, MUNICIPAL, CURATOR)),
    NavItem("indicators.index", "Показатели", (ADMIN, REGION, MUNICIPAL)),
    NavItem("runs.index", "Подбор", (ADMIN, REGION, MUNICIPAL)),
    NavItem("monitoring.index", "Мониторинг", (ADMIN, REGION, MUNICIPAL)),
    NavItem("mail.index", "Почта", (ADMIN,)),
)
AFTER = "mentees.index"


def with_extra_pages(items: list[NavItem], role: str | None) -> list[NavItem]:
    """The role's menu with the extra items after «Наставляемые» (at the end when that is missing)."""
    extra = [item for item in EXTRA if role in item.roles]
    endpoints = [item.endpoint for item in items]
    at = endpoints.index(AFTER) + 1 if AFTER in endpoints else len(items)
    return [*items[:at], *extra, *items[at:]]


def install_nav(app: Flask) -> None:
    @app.template_filter("with_extra_pages")
    def _extra(items: list[NavItem]) -> list[NavItem]:
        role = current_user.role if current_user.is_authenticated else None
        return with_extra_pages(list(items or []), role) if items else []
