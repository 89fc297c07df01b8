"""The mentee's page for a curator: the card, the pair in work if there is one, and the best mentors the matching
service suggests, each with why (its cost terms in words), the mentor's free places and «Предложить пару»."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from services.console.client import ServiceError
from services.console.pages.common import api, roles
from services.console.pages.pair_forms import ProposeForm, body_of, with_choices
from services.console.pages.pair_view import Names
from services.console.pages.pair_words import OPEN_STATES, reasons
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION

WORKERS = (ADMIN, REGION, MUNICIPAL, CURATOR)
SHOWN = 5


def default_role_model(mentee: dict[str, Any]) -> str:
    return "teacher_student" if mentee.get("is_student") else "teacher_teacher"


def render_mentee(ident: str, form: ProposeForm | None = None, problems: list[str] | None = None,
                  status: int = 200) -> tuple[str, int]:
    mentee = api().person("mentees", ident)  # another school's mentee is «не найдено», like a missing one
    names = Names()
    pairs = [names.fill(p) for p in api().pairs(mentee=ident)]
    in_work = next((p for p in pairs if p["state"] in OPEN_STATES), None)
    offered, refusal = [], None
    try:
        offered = [] if in_work else api().suggestions(ident, SHOWN)["items"]
    except ServiceError as exc:
        if exc.status >= 500:
            raise
        refusal = exc.detail if exc.status != 404 else ("Сервис подбора ещё не получил этого наставляемого из "
                                                         "реестра. Обновите страницу через минуту.")
    for item in offered:
        item["pros"], item["cons"] = reasons(item.get("terms") or [])
    form = form or with_choices(ProposeForm(formdata=None, data={"form": "traditional",
                                                                 "role_model": default_role_model(mentee)}))
    return render_template("pairs/mentee.html", mentee=mentee, pairs=pairs, in_work=in_work, offered=offered,
                           refusal=refusal, form=form, problems=problems or []), status


def install(bp: Blueprint) -> None:
    """The mentee's page and its «Предложить пару» (a manual pair under the matching rules)."""

    @bp.get("/mentees/<ident>/match")
    @roles(*WORKERS)
    def mentee(ident: str):
        return render_mentee(ident)

    @bp.post("/mentees/<ident>/match")
    @roles(*WORKERS)
    def propose(ident: str):
        form = with_choices(ProposeForm())
        if not form.validate_on_submit():
            return render_mentee(ident, form, ["Выберите наставника из списка и повторите."], 422)
        body = {**body_of(form), "mentee_id": ident}
        try:
            pair = api().send("matching", "POST", "/api/v1/pairs", body)
        except ServiceError as exc:
            if exc.status == 404 and "Наставляемый" in exc.detail:
                raise
            messages = [exc.detail, *(m for ms in exc.errors.values() for m in ms if m != exc.detail)]
            return render_mentee(ident, form, [f"Пара не предложена: {messages[0]}", *messages[1:]],
                                 409 if exc.status == 409 else 422)
        return redirect(url_for("pairs.page", ident=pair["id"], done="proposed", _anchor="pair"))
