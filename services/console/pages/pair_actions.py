"""The pair page's forms posted to the console: each calls the matching API as the signed-in person (a
transition with If-Match: the version the page showed), then back to the page with what was done, or the page
again with the API's Russian refusal beside the field or at the top."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, request, url_for

from services.console.client import ServiceError
from services.console.pages.common import api, roles
from services.console.pages.pair_forms import (
    ConfirmForm,
    DecisionForm,
    DiaryForm,
    PlanDoneForm,
    body_of,
    place_errors,
    plan_of,
)
from services.console.pages.pair_view import TRANSITION_FORMS, program_form, render_pair, report_form
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION

WORKERS = (ADMIN, REGION, MUNICIPAL, CURATOR)
ACTIONS = {"confirm": ConfirmForm, **TRANSITION_FORMS}


def done(ident: str, what: str) -> Any:
    return redirect(url_for("pairs.page", ident=ident, done=what, _anchor="pair"))


def version_of(form: Any) -> int | None:
    raw = (form.version.data or "").strip()
    return int(raw) if raw.isdigit() else None


def refused(ident: str, what: str, form: Any, exc: ServiceError) -> Any:
    problems = place_errors(form, exc)
    return render_pair(ident, failed=what, form=form, problems=problems, status=409 if exc.status == 409 else 422)


def invalid(ident: str, what: str, form: Any) -> Any:
    stale = "csrf_token" in form.errors
    problem = "Форма устарела: обновите страницу и повторите." if stale else "Исправьте отмеченные поля."
    return render_pair(ident, failed=what, form=form, problems=[problem], status=422)


def install(bp: Blueprint) -> None:
    """The POST routes of the pair page (and a GET of their addresses, as after reloading a refused form)."""

    @bp.get("/pairs/<ident>/<path:rest>")
    @roles(*WORKERS)
    def back_to_pair(ident: str, rest: str):
        return redirect(url_for("pairs.page", ident=ident))

    @bp.post("/pairs/<ident>/<action>")
    @roles(*WORKERS)
    def transition(ident: str, action: str):
        cls = ACTIONS.get(action)
        if cls is None:
            return render_pair(ident, problems=["Такого действия с парой нет."], status=404)
        form = cls(prefix=action)
        if not form.validate_on_submit():
            return invalid(ident, action, form)
        body = body_of(form)
        if "override_reason" in body and not body["override_reason"]:
            body.pop("override_reason")
        try:
            api().pair_write("POST", ident, action, body, version_of(form))
        except ServiceError as exc:
            return refused(ident, action, form, exc)
        return done(ident, action)

    @bp.post("/pairs/<ident>/program")
    @roles(*WORKERS)
    def program(ident: str):
        pair = api().pair(ident)
        form = program_form(pair, None, request.form)
        if not form.validate_on_submit():
            return invalid(ident, "program", form)
        try:
            plan = plan_of(form)
        except ValueError:
            return invalid(ident, "program", form)
        body = {**body_of(form), "plan": plan}
        try:
            api().pair_write("PUT", ident, "program", body)
        except ServiceError as exc:
            return refused(ident, "program", form, exc)
        return done(ident, "program")

    @bp.post("/pairs/<ident>/plan/<item>")
    @roles(*WORKERS)
    def plan_done(ident: str, item: str):
        form = PlanDoneForm(prefix="plan_done")
        if not form.validate_on_submit():
            return invalid(ident, "plan_done", form)
        try:
            api().pair_write("PATCH", ident, f"plan/{item}", {"done_on": form.done_on.data.isoformat()})
        except ServiceError as exc:
            return refused(ident, "plan_done", form, exc)
        return done(ident, "plan")

    @bp.post("/pairs/<ident>/diary")
    @roles(*WORKERS)
    def diary(ident: str):
        form = DiaryForm(prefix="diary")
        if not form.validate_on_submit():
            return invalid(ident, "diary", form)
        try:
            api().pair_write("POST", ident, "diary", body_of(form))
        except ServiceError as exc:
            return refused(ident, "diary", form, exc)
        return done(ident, "diary")

    @bp.post("/pairs/<ident>/reports")
    @roles(*WORKERS)
    def report(ident: str):
        form = report_form(api().pair(ident), date.today(), request.form)
        if not form.validate_on_submit():
            return invalid(ident, "report", form)
        try:
            api().pair_write("POST", ident, "reports", body_of(form))
        except ServiceError as exc:
            return refused(ident, "report", form, exc)
        return done(ident, "report")

    @bp.post("/pairs/<ident>/reports/<report_id>/decision")
    @roles(*WORKERS)
    def decision(ident: str, report_id: str):
        form = DecisionForm(prefix="decision")
        if not form.validate_on_submit():
            return invalid(ident, "decision", form)
        body = {"accept": request.form.get("accept") == "1", "comment": body_of(form)["comment"]}
        try:
            api().pair_write("POST", ident, f"reports/{report_id}/decision", body)
        except ServiceError as exc:
            return refused(ident, "decision", form, exc)
        return done(ident, "decision")
