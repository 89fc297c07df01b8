"""Home: the scope at a glance and what needs attention."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from services.console.client import ServiceError
from services.console.context import console
from services.console.pages.common import api, organizations, roles
from services.console.pages.overview import Overview, count_pairs, from_indicators, with_summary
from services.console.roles import ADMIN, CURATOR, MENTEE, MENTOR, MUNICIPAL, REGION

ATTENTION_SHOWN = 10


def home_scope() -> tuple[str, str]:
    """The level the page shows: the person's scope; an admin sees the installation's region."""
    settings = console().settings
    if current_user.role == ADMIN or not current_user.scope:
        return f"region:{settings.region_id}", settings.region_name
    return current_user.scope, current_user.scope_name or ""


def names_for(items: list[dict[str, Any]]) -> None:
    """Names beside the ids where the matching API gave none (its pair items carry them; older ones may not)."""
    missing = [item for item in items if not item.get("mentee_name")]
    if not missing:
        return
    schools = {o["id"]: o["name"] for o in organizations()}
    client = api()
    for item in missing:
        item["organization_name"] = schools.get(item.get("organization_id", ""), "организация вне вашей области")
        for side, plural in (("mentor", "mentors"), ("mentee", "mentees")):
            try:
                item[f"{side}_name"] = client.person(plural, item[f"{side}_id"])["full_name"]
            except ServiceError:
                item[f"{side}_name"] = None


PROBLEM_LABELS = {"indicators": "Показатели", "summary": "Реестр", "pairs": "Пары", "proposed": "Пары",
                  "attention": "Пары", "applications": "Заявки"}


def fetch_together(calls: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """The home page's answers from three services at once (the page waits for the slowest, not the sum);
    a refusal comes back as its ServiceError, to be shown on the page."""
    def attempt(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ServiceError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {key: pool.submit(attempt, call) for key, call in calls.items()}
        return {key: future.result() for key, future in futures.items()}


def blueprint() -> Blueprint:
    bp = Blueprint("home", __name__)

    @bp.get("/")
    @roles(ADMIN, REGION, MUNICIPAL, CURATOR, MENTOR, MENTEE)
    def index():
        if current_user.role in (MENTOR, MENTEE):  # their own page is their home
            return redirect(url_for("own.pairs" if current_user.role == MENTOR else "own.program"))
        scope, scope_name = home_scope()
        client = api()
        answers = fetch_together({
            "indicators": lambda: client.indicators(scope), "summary": lambda: client.summary(scope),
            "pairs": client.pairs_summary, "attention": client.attention,
            "proposed": lambda: client.get("matching", "/api/v1/pairs", state="proposed", limit=100)["items"],
            "applications": lambda: client.get("registry", "/api/v1/applications", status="new", limit=1)["total"]})
        problems = list(dict.fromkeys(f"{label}: {answers[key].detail}" for key, label in PROBLEM_LABELS.items()
                                      if isinstance(answers[key], ServiceError)))
        view = Overview() if isinstance(answers["indicators"], ServiceError) else from_indicators(answers["indicators"])
        if not isinstance(answers["summary"], ServiceError):
            with_summary(view, answers["summary"])
        attention: list[dict[str, Any]] = []
        if not any(isinstance(answers[key], ServiceError) for key in ("pairs", "proposed", "attention")):
            count_pairs(answers["pairs"], answers["proposed"], view)
            attention = answers["attention"]
        shown = attention[:ATTENTION_SHOWN]
        names_for(shown + view.waiting)
        waiting = answers["applications"] if isinstance(answers["applications"], int) else 0
        return render_template("home.html", view=view, scope_name=scope_name, attention=shown,
                               attention_total=len(attention), problems=problems, applications_waiting=waiting)

    return bp
