"""«Подбор»: the runs of the operator's scope and «Новый подбор», a run's page (its progress live while it runs,
then its figures, proposals, the unmatched with reasons, where mentors are missing, and its record) and its
workbooks. The review's actions are in `run_review`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, SelectField

from services.console import formatting
from services.console.auth.forms import ActionForm, RussianForm
from services.console.client import ServiceError
from services.console.context import console
from services.console.pages import exports, run_review, run_words
from services.console.pages.common import api, roles
from services.console.pages.paging import Pager, parse_stack
from services.console.pages.pair_words import STATES, reasons
from services.console.pages.run_view import (
    People,
    named_run,
    proposal_filters,
    proposals_page,
    scope_choices,
    scope_names,
)
from services.console.roles import ADMIN, MUNICIPAL, REGION
from services.console.run_picks import MarkStore

OPERATORS = (ADMIN, REGION, MUNICIPAL)
RUNS_PAGE = 25
KINDS = {"draft": "черновики", "ordinary": "без черновика (пары сразу)"}
TABS = {"proposals": "Предложения", "unmatched": "Без пары и нехватка наставников", "record": "Сведения о запуске"}
FILES = {"proposals.xlsx": "Предложения подбора", "unmatched.xlsx": "Наставляемые без пары"}


class NewRunForm(RussianForm):
    scope = SelectField("Где подбирать пары", validate_choice=False)
    draft = BooleanField("Черновик (с проверкой перед отправкой в школы)", default=True)
    carry = BooleanField("Перенести закреплённые и исключённые пары из последнего подбора этой области")


def marks() -> MarkStore:
    return MarkStore(console().settings.var_dir / "console" / "run-marks")


def latest_of(scope: str) -> dict[str, Any] | None:
    """The newest solved run of exactly this scope."""
    return next(iter(api().runs(scope=scope, status="succeeded", limit=1)["items"]), None)


def carried_options(scope: str) -> dict[str, Any]:
    """The pins and exclusions of the scope's last solved run, with the person's marks on it."""
    previous = latest_of(scope)
    if previous is None:
        return {}
    kept = marks().load(current_user.id, previous["id"])
    return run_words.next_options(previous.get("options") or {}, kept.pins, kept.exclusions)


def list_filters(scopes: list[tuple[str, str]]) -> dict[str, str]:
    """The list's filters from the query string: one of the person's scopes (exactly), drafts or ordinary runs."""
    scope, kind = request.args.get("scope", ""), request.args.get("kind", "")
    return {"scope": scope if scope in dict(scopes) else "", "kind": kind if kind in KINDS else ""}


def list_page(form: NewRunForm, status: int = 200, problems: list[str] | None = None) -> tuple[str, int]:
    """One page of the runs, newest first, as the matching API pages and filters them."""
    names, people, scopes = scope_names(), People(), scope_choices()
    filters = list_filters(scopes)
    cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
    draft = {"draft": "true", "ordinary": "false"}.get(filters["kind"])
    # an administrator sees a run over several regions once, its regions' runs on its page
    top_level = "true" if current_user.role == ADMIN and not filters["scope"] else None
    page = api().runs(cursor=cursor, limit=RUNS_PAGE, scope=filters["scope"], draft=draft, top_level=top_level)
    items = [named_run(run, names, people) for run in page["items"]]
    pager = Pager(filters, cursor, back, page.get("next_cursor"))
    return render_template("runs/index.html", items=items, form=form, problems=problems or [], words=run_words,
                           filters=filters, pager=pager, scopes=scopes, kinds=KINDS), status


def run_page(ident: str) -> tuple[str, int]:
    run = named_run(api().run(ident), scope_names(), People())
    if run_words.is_parent(run):
        return render_template("runs/parent.html", run=run, words=run_words, action=ActionForm()), 200
    tab = request.args.get("tab", "proposals")
    tab = tab if tab in TABS else "proposals"
    kept = marks().load(current_user.id, run["id"])
    context: dict[str, Any] = {"run": run, "tab": tab, "tabs": TABS, "words": run_words, "action": ActionForm(),
                               "review": run_words.in_review(run), "states": STATES, "marks": kept}
    if run["status"] == "succeeded" and tab == "proposals":
        filters = proposal_filters()
        items, pager = proposals_page(run, filters)
        for item in items:
            item["pros"], item["cons"] = reasons(item.get("terms") or [])
            item["mark"] = kept.keys.get(run_words.pair_key(item["mentor_id"], item["mentee_id"]))
        context.update(items=items, pager=pager, filters=filters, facets=api().run_facets(run["id"]))
    if tab == "record":
        context["refused"] = [{**r, "mentee_name": name_of("mentees", r["mentee_id"]),
                               "mentor_name": name_of("mentors", r["mentor_id"])}
                              for r in run.get("pins_refused") or []]
    return render_template("runs/page.html", **context), 200


def blueprint() -> Blueprint:
    bp = Blueprint("runs", __name__, url_prefix="/runs")

    @bp.get("/")
    @roles(*OPERATORS)
    def index():
        form = NewRunForm(formdata=None)
        form.scope.choices = scope_choices()
        return list_page(form)

    @bp.post("/")
    @roles(*OPERATORS)
    def start():
        form = NewRunForm()
        form.scope.choices = scope_choices()
        if not form.validate_on_submit():
            return list_page(form, 400, ["Форма устарела: обновите страницу и повторите."])
        if form.scope.data not in dict(form.scope.choices):
            form.scope.errors = ["Выберите область из списка"]
            return list_page(form, 422)
        if form.scope.data == "all" and form.draft.data:
            form.draft.errors = ["Черновик считается по одной области: снимите отметку или выберите регион"]
            return list_page(form, 422)
        options = carried_options(form.scope.data) if form.carry.data else {}
        try:
            accepted = api().start_run(form.scope.data, draft=bool(form.draft.data), options=options)
        except ServiceError as exc:
            if exc.status == 404 or exc.status >= 500:
                raise
            return list_page(form, 422, [f"Подбор не запущен: {exc.detail}"])
        flash("Подбор запущен. Страница покажет ход подбора и его итоги.", "success")
        return redirect(url_for(".page", ident=accepted["id"]))

    @bp.get("/<ident>")
    @roles(*OPERATORS)
    def page(ident: str):
        return run_page(ident)

    @bp.get("/<ident>/progress")
    @roles(*OPERATORS)
    def progress(ident: str):
        """The live fragment htmx polls every second; once the run has finished the page reloads itself."""
        run = api().run(ident)
        if not request.headers.get("HX-Request"):
            return redirect(url_for(".page", ident=ident))
        response = Response(render_template("runs/_progress.html", run=run, words=run_words))
        if run["status"] in run_words.FINISHED:
            response.headers["HX-Refresh"] = "true"
        return response

    @bp.get("/<ident>/<any('proposals.xlsx', 'unmatched.xlsx'):name>")
    @roles(*OPERATORS)
    def download(ident: str, name: str):
        run = named_run(api().run(ident), scope_names(), People())
        answer = api().run_file(ident, name)
        when = formatting.day(run.get("requested_at"))
        return exports.handed_over(answer, f"{FILES[name]} — {run['scope_name']} — {when}.xlsx")

    run_review.install(bp, marks)
    return bp


def name_of(plural: str, ident: str) -> str:
    """A person's name from the registry («вне вашей области» when the person may not read it or it is gone)."""
    try:
        return api().person(plural, ident)["full_name"]
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        return "не найден или вне вашей области"
