"""Home: the scope at a glance and what needs attention."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from services.console.client import ServiceError
from services.console.context import console
from services.console.pages.common import api, organizations, roles
from services.console.pages.overview import Overview, count_pairs, from_indicators, with_summary
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION

ATTENTION_SHOWN = 10


def home_scope() -> tuple[str, str]:
    """The level the page shows: the person's scope; an admin sees the installation's region."""
    settings = console().settings
    if current_user.role == ADMIN or not current_user.scope:
        return f"region:{settings.region_id}", settings.region_name
    return current_user.scope, current_user.scope_name or ""


def names_for(items: list[dict[str, Any]]) -> None:
    """Put names beside the ids the matching API answers with (a few registry look-ups)."""
    schools = {o["id"]: o["name"] for o in organizations()}
    client = api()
    for item in items:
        item["organization_name"] = schools.get(item.get("organization_id", ""), "организация вне вашей области")
        for side, plural in (("mentor", "mentors"), ("mentee", "mentees")):
            try:
                item[f"{side}_name"] = client.person(plural, item[f"{side}_id"])["full_name"]
            except ServiceError:
                item[f"{side}_name"] = None


def blueprint() -> Blueprint:
    bp = Blueprint("home", __name__)

    @bp.get("/")
    @roles(ADMIN, REGION, MUNICIPAL, CURATOR)
    def index():
        scope, scope_name = home_scope()
        problems: list[str] = []
        try:
            view = from_indicators(api().indicators(scope))
        except ServiceError as exc:
            view = Overview()
            problems.append(f"Показатели: {exc.detail}")
        try:
            with_summary(view, api().summary(scope))
        except ServiceError as exc:
            problems.append(f"Реестр: {exc.detail}")
        try:
            count_pairs(api().pairs(), view)
            attention = api().attention()
        except ServiceError as exc:
            attention = []
            problems.append(f"Пары: {exc.detail}")
        shown = attention[:ATTENTION_SHOWN]
        names_for(shown + view.waiting)
        return render_template("home.html", view=view, scope_name=scope_name, attention=shown,
                               attention_total=len(attention), problems=problems)

    return bp
