"""«Заявки»: what teachers send from the public bank, for the curator who decides it (and the operators above).

A nomination is selected into the bank or declined; a request is accepted (the registry adds the teacher to the
base of mentees) and the console proposes the pair in matching at once, or declined. Each decline says why, and
the applicant gets the answer by e-mail.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from services.console.auth.forms import ActionForm, RussianForm
from services.console.client import ServiceError
from services.console.context import console
from services.console.pages.common import api, roles
from services.console.pages.paging import Pager, parse_stack
from services.console.reminders.answer import send_answer
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION

DECIDERS = (ADMIN, REGION, MUNICIPAL, CURATOR)
PAGE_SIZE = 25
KINDS = {"": "все", "nomination": "в наставники", "request": "просьбы о наставнике"}
STATUSES = {"new": "ждут решения", "selected": "включены в банк", "accepted": "приняты", "declined": "отклонены",
            "all": "все"}
KIND_TITLES = {"nomination": "Заявка в наставники", "request": "Просьба о наставнике"}
STATUS_BADGES = {"new": "ждёт решения", "selected": "включён в банк", "accepted": "принята", "declined": "отклонена"}
READ_MODEL_WAIT_S = 15.0
"""How long «Принять» waits for matching to learn of the new mentee from the registry's event (under a second as
a rule) before it asks the curator to propose the pair again."""


class DeclineForm(RussianForm):
    reason = TextAreaField("Причина отказа (её увидит заявитель)", validators=[
        DataRequired("Укажите причину отказа"), Length(max=1000, message="Не больше 1000 символов")])


def propose_pair(application: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Propose the requested pair in matching: (the pair, None), or (None, why not). A mentee matching has not yet
    heard of (404) is asked for again until `READ_MODEL_WAIT_S` has passed."""
    body = {"mentor_id": application["mentor_id"], "mentee_id": application["person_id"]}
    deadline = time.monotonic() + READ_MODEL_WAIT_S
    while True:
        try:
            return api().send("matching", "POST", "/api/v1/pairs", body), None
        except ServiceError as exc:
            if exc.status == 404 and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            if exc.status >= 500:
                raise
            if exc.status == 404:
                return None, ("сервис подбора ещё не получил нового наставляемого из реестра; нажмите «Предложить "
                              "пару» через минуту")
            messages = [exc.detail, *(m for ms in exc.errors.values() for m in ms if m != exc.detail)]
            return None, "; ".join(messages)


def answered(application: dict[str, Any], *, pair_proposed: bool = False) -> bool:
    """Tell the applicant by e-mail (the public page promised it); a failed send is said to the curator."""
    problem = send_answer(console().settings, application, pair_proposed=pair_proposed)
    if problem:
        flash(problem[0].upper() + problem[1:] + ".", "error")
    return problem is None


def after_proposal(application: dict[str, Any], *, answer: bool) -> Any:
    pair, problem = propose_pair(application)
    if answer:
        answered(application, pair_proposed=pair is not None)
    if pair:
        flash(f"Пара предложена: {application['mentor_name']} — {application['full_name']}. Дальше — согласия "
              "и приказ на странице пары.", "success")
        return redirect(url_for("pairs.page", ident=pair["id"], done="proposed", _anchor="pair"))
    flash(f"{application['full_name']} внесён(а) в базу наставляемых, но пара не предложена: {problem}", "error")
    return redirect(url_for(".card", ident=application["id"]))


def blueprint() -> Blueprint:
    bp = Blueprint("applications", __name__, url_prefix="/applications")

    @bp.get("/")
    @roles(*DECIDERS)
    def index():
        filters = {"status": request.args.get("status", "new"), "kind": request.args.get("kind", "")}
        if filters["status"] not in STATUSES:
            filters["status"] = "new"
        if filters["kind"] not in KINDS:
            filters["kind"] = ""
        cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
        status = None if filters["status"] == "all" else filters["status"]
        page = api().get("registry", "/api/v1/applications", status=status, kind=filters["kind"] or None,
                         cursor=cursor, limit=PAGE_SIZE)
        pager = Pager(filters, cursor, back, page.get("next_cursor"), total=page.get("total"), size=PAGE_SIZE,
                      shown=len(page["items"]))
        return render_template("applications/list.html", items=page["items"], filters=filters, pager=pager,
                               kinds=KINDS, statuses=STATUSES, titles=KIND_TITLES, badges=STATUS_BADGES)

    def render_card(ident: str, form: DeclineForm | None = None, status: int = 200) -> tuple[str, int]:
        record = api().get("registry", f"/api/v1/applications/{ident}")
        return render_template("applications/card.html", record=record, titles=KIND_TITLES, badges=STATUS_BADGES,
                               form=form or DeclineForm(formdata=None), action=ActionForm()), status

    @bp.get("/<ident>")
    @roles(*DECIDERS)
    def card(ident: str):
        return render_card(ident)

    @bp.post("/<ident>/select")
    @roles(*DECIDERS)
    def select(ident: str):
        if not ActionForm().validate_on_submit():
            return render_card(ident, status=400)
        record = api().send("registry", "POST", f"/api/v1/applications/{ident}/select", {})
        answered(record)
        flash(f"{record['full_name']} включён(а) в банк наставников"
              f"{'' if record['consent_publication'] else ' (без публикации: согласия на неё нет)'}.", "success")
        return redirect(url_for("bank.card", ident=record["person_id"]))

    @bp.post("/<ident>/accept")
    @roles(*DECIDERS)
    def accept(ident: str):
        if not ActionForm().validate_on_submit():
            return render_card(ident, status=400)
        return after_proposal(api().send("registry", "POST", f"/api/v1/applications/{ident}/accept", {}),
                              answer=True)

    @bp.post("/<ident>/propose")
    @roles(*DECIDERS)
    def propose(ident: str):
        if not ActionForm().validate_on_submit():
            return render_card(ident, status=400)
        return after_proposal(api().get("registry", f"/api/v1/applications/{ident}"), answer=False)

    @bp.post("/<ident>/decline")
    @roles(*DECIDERS)
    def decline(ident: str):
        form = DeclineForm()
        if not form.validate_on_submit():
            return render_card(ident, form, 422)
        record = api().send("registry", "POST", f"/api/v1/applications/{ident}/decline",
                            {"reason": form.reason.data.strip()})
        told = answered(record)
        flash(f"Заявка отклонена: {record['full_name']}.{' Ответ с причиной отправлен заявителю.' if told else ''}",
              "success")
        return redirect(url_for(".index"))

    return bp
