"""A mentor's and a mentee's own pages: «Мои пары» (the diary of the month, the half-year report) and «Моя программа»
(the mentor, the program, the plan and its items marked done); their consent to processing is `own_consent`.

Every call goes to the services with the person's own `mentor:<id>` or `mentee:<id>` token, so what they see and
change is what the services let the person see and change: their own record and their own pairs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from services.console.client import ServiceError
from services.console.pages import pair_words
from services.console.pages.common import api, roles
from services.console.pages.own_forms import OwnDiaryForm, OwnReportForm, PlanItemDoneForm
from services.console.pages.pair_forms import body_of, place_errors
from services.console.pages.pair_words import half_years, previous_month, records_allowed
from services.console.roles import MENTEE, MENTOR

WORKING_FIRST = {"active": 0, "confirmed": 1, "proposed": 2}
NOT_SHOWN = ("declined", "expired", "withdrawn")  # proposals that never became a pair


def own_pairs() -> list[dict[str, Any]]:
    """The person's pairs, the working ones first, without proposals that never became a pair (the services list
    only the pairs naming them)."""
    shown = [pair for pair in api().pairs() if pair["state"] not in NOT_SHOWN]
    return sorted(shown, key=lambda p: (WORKING_FIRST.get(p["state"], 3), p.get("proposed_at") or ""))


def diary_form(pair: dict[str, Any], today: date) -> OwnDiaryForm:
    """A blank entry for last month (the diary is written for a month that has passed), or for this month once last
    month's is written."""
    month = previous_month(today)
    if month in {entry["month"] for entry in pair.get("diary") or []}:
        month = today.strftime("%Y-%m")
    return OwnDiaryForm(formdata=None, prefix="diary", data={"month": month})


def report_form(pair: dict[str, Any], today: date, formdata: Any = None) -> OwnReportForm:
    form = OwnReportForm(formdata=formdata, prefix="report")
    form.period.choices = half_years(pair.get("started_on"), today)
    return form


def mentor_pair(ident: str, *, failed: str | None = None, form: Any = None, problems: list[str] | None = None,
                status: int = 200) -> tuple[str, int]:
    """The mentor's page of one pair; after a refused form, that form with its errors."""
    pair, today = api().pair(ident), date.today()
    allowed = records_allowed(pair["state"])
    forms = {"diary": diary_form(pair, today) if allowed["diary"] else None,
             "report": report_form(pair, today) if allowed["report"] else None}
    if failed:
        forms[failed] = form
    return render_template("own/pair.html", pair=pair, forms=forms, failed=failed, problems=problems or [],
                           today=today, words=pair_words), status


def blueprint() -> Blueprint:
    bp = Blueprint("own", __name__, url_prefix="/my")

    @bp.get("/pairs")
    @roles(MENTOR)
    def pairs():
        return render_template("own/pairs.html", pairs=own_pairs())

    @bp.get("/pairs/<ident>")
    @roles(MENTOR)
    def pair(ident: str):
        return mentor_pair(ident)

    @bp.post("/pairs/<ident>/<any(diary, report):what>")
    @roles(MENTOR)
    def record(ident: str, what: str):
        form = OwnDiaryForm(prefix="diary") if what == "diary" else report_form(api().pair(ident), date.today(),
                                                                                request.form)
        if not form.validate_on_submit():
            return mentor_pair(ident, failed=what, form=form, problems=["Исправьте отмеченные поля."], status=422)
        body = body_of(form)
        if what == "diary":
            body["author"] = current_user.full_name
        try:
            api().pair_write("POST", ident, "diary" if what == "diary" else "reports", body)
        except ServiceError as exc:
            return mentor_pair(ident, failed=what, form=form, problems=place_errors(form, exc),
                               status=409 if exc.status == 409 else 422)
        flash("Запись дневника сохранена." if what == "diary" else
              "Отчёт за полугодие передан куратору: он примет его или вернёт с комментарием.", "success")
        return redirect(url_for(".pair", ident=ident))

    @bp.get("/program")
    @roles(MENTEE)
    def program():
        shown = [api().pair(p["id"]) for p in own_pairs()[:3]]
        return render_template("own/program.html", pairs=shown, today=date.today())

    @bp.post("/program/<ident>/plan/<item>")
    @roles(MENTEE)
    def plan_done(ident: str, item: str):
        if PlanItemDoneForm().validate_on_submit():
            api().pair_write("PATCH", ident, f"plan/{item}", {"done_on": date.today().isoformat()})
            flash("Пункт плана отмечен выполненным.", "success")
        else:
            flash("Форма устарела: обновите страницу и повторите.", "error")
        return redirect(url_for(".program"))

    return bp
