"""The bank of mentors and the base of mentees: one set of views over the registry API for either kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from services.console.auth.forms import ActionForm
from services.console.client import ServiceError
from services.console.pages import exports, person_account
from services.console.pages.common import api, labels, municipalities, organization_choices, roles
from services.console.pages.paging import Pager, parse_stack
from services.console.pages.person_forms import body_of, build_form, show_errors
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, PERSON_ACCOUNT_MAKERS, REGION

EVERYONE = (ADMIN, REGION, MUNICIPAL, CURATOR)
ERASERS = (ADMIN, REGION, MUNICIPAL)  # as the registry allows: operators of the person's district or region
PAGE_SIZE = 25
STATUSES = {"active": "В базе", "withdrawn": "Выбыл", "all": "Все"}
PAIR_LOOKUPS = 10
DOWNLOADS = {("mentors", "xlsx"), ("mentors", "csv"), ("mentees", "xlsx")}  # what the registry exports


@dataclass(frozen=True)
class Kind:
    plural: str
    name: str
    title: str
    one: str
    add_label: str
    withdraw_label: str
    withdrawn_message: str

    @property
    def other(self) -> str:
        return "mentees" if self.plural == "mentors" else "mentors"


MENTORS = Kind("mentors", "bank", "Банк наставников", "Наставник", "Добавить наставника", "Вывести из банка",
               "Наставник выведен из банка.")
MENTEES = Kind("mentees", "mentees", "Наставляемые", "Наставляемый", "Добавить наставляемого",
               "Вывести из базы", "Наставляемый выведен из базы.")


def read_filters() -> dict[str, str]:
    """The list's filters from the query string, each checked against what it may be."""
    args = request.args
    status = args.get("status", "active")
    subject = args.get("subject", "")
    organization, municipality = args.get("organization", ""), args.get("municipality", "")
    return {
        "q": args.get("q", "").strip()[:100],
        "organization": organization if organization in dict(organization_choices()) else "",
        "municipality": municipality if municipality in dict(municipalities()) else "",
        "subject": subject if subject in labels("subjects") else "",
        "status": status if status in STATUSES else "active",
    }


def build(kind: Kind) -> Blueprint:
    bp = Blueprint(kind.name, __name__, url_prefix=f"/{kind.name}")

    @bp.get("/")
    @roles(*EVERYONE)
    def index():
        filters = read_filters()
        cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
        page = api().people(kind.plural, **filters, cursor=cursor, limit=PAGE_SIZE)
        pager = Pager(filters, cursor, back, page.get("next_cursor"), total=page.get("total"), size=PAGE_SIZE,
                      shown=len(page["items"]))
        return render_template("people/list.html", kind=kind, items=page["items"], filters=filters, pager=pager,
                               organizations=organization_choices("все организации"),
                               municipalities=[("", "все районы"), *municipalities()], statuses=STATUSES,
                               subjects=[("", "все предметы"), *labels("subjects").items()])

    @bp.get("/export.<extension>")
    @roles(*EVERYONE)
    def export(extension: str):
        if (kind.plural, extension) not in DOWNLOADS:
            abort(404)
        answer = api().export(kind.plural, extension, **read_filters())
        return exports.handed_over(answer, f"{kind.title}.{extension}")

    @bp.get("/<ident>")
    @roles(*EVERYONE)
    def card(ident: str):
        record = api().person(kind.plural, ident)
        return render_template("people/card.html", kind=kind, record=record, pairs=pairs_of(kind, ident),
                               statuses=STATUSES, erasers=ERASERS, account_makers=PERSON_ACCOUNT_MAKERS,
                               account=person_account.account_of(kind.plural[:-1], ident))

    @bp.route("/new", methods=["GET", "POST"])
    @roles(*EVERYONE)
    def create():
        form = build_form(kind.plural, creating=True)
        problems: list[str] = []
        if form.validate_on_submit():
            try:
                record = api().send("registry", "POST", f"/api/v1/{kind.plural}", body_of(form))
            except ServiceError as exc:
                problems = refusal(form, exc)
            else:
                flash(f"Запись «{record['full_name']}» добавлена.", "success")
                return redirect(url_for(".card", ident=record["id"]))
        return render_template("people/form.html", kind=kind, form=form, problems=problems, record=None)

    @bp.route("/<ident>/edit", methods=["GET", "POST"])
    @roles(*EVERYONE)
    def edit(ident: str):
        record = api().person(kind.plural, ident)
        form = build_form(kind.plural, record, creating=False)
        problems: list[str] = []
        if form.validate_on_submit():
            version = int(form.version.data) if (form.version.data or "").isdigit() else record["version"]
            try:
                api().send("registry", "PATCH", f"/api/v1/{kind.plural}/{ident}", body_of(form), version)
            except ServiceError as exc:
                problems = refusal(form, exc)
            else:
                flash("Изменения сохранены.", "success")
                return redirect(url_for(".card", ident=ident))
        return render_template("people/form.html", kind=kind, form=form, problems=problems, record=record)

    @bp.route("/<ident>/withdraw", methods=["GET", "POST"])
    @roles(*EVERYONE)
    def withdraw(ident: str):
        record = api().person(kind.plural, ident)
        form = ActionForm()
        if form.validate_on_submit():
            reason = (request.form.get("reason") or "").strip()[:1000] or None
            api().send("registry", "POST", f"/api/v1/{kind.plural}/{ident}/withdraw", {"reason": reason},
                       record["version"])
            flash(kind.withdrawn_message, "success")
            return redirect(url_for(".card", ident=ident))
        return render_template("people/withdraw.html", kind=kind, record=record, form=form)

    @bp.route("/<ident>/erase", methods=["GET", "POST"])
    @roles(*ERASERS)
    def erase(ident: str):
        """Erasure on the person's request (152-ФЗ): the registry replaces the name with a pseudonym everywhere."""
        record = api().person(kind.plural, ident)
        if record.get("erased_at"):
            flash("Персональные данные этого человека уже удалены.", "info")
            return redirect(url_for(".card", ident=ident))
        form = ActionForm()
        reason, problem = (request.form.get("reason") or "").strip()[:1000], None
        if form.validate_on_submit():
            if not reason:
                problem = "Укажите основание: заявление субъекта персональных данных (номер, дата) или иное."
            else:
                api().send("registry", "POST", f"/api/v1/{kind.plural}/{ident}/erase", {"reason": reason})
                flash("Персональные данные удалены: ФИО заменено псевдонимом, контакты стёрты во всех сервисах.",
                      "success")
                return redirect(url_for(".card", ident=ident))
        return render_template("people/erase.html", kind=kind, record=record, form=form, reason=reason,
                               problem=problem), 422 if problem else 200

    person_account.install(bp, kind.plural)
    return bp


def refusal(form: Any, exc: ServiceError) -> list[str]:
    """A refused write: 404 and 503 become their pages; field errors go beside the fields."""
    if exc.status in (404, 503) or exc.status >= 500:
        raise exc
    rest = show_errors(form, exc.errors)
    placed = [f"«{form[name].label.text}»: {'; '.join(form[name].errors)}" for name in exc.errors
              if name and name in form]
    return ["Исправьте отмеченные поля.", *placed, *rest] if placed else [exc.detail, *rest]


def pairs_of(kind: Kind, ident: str) -> list[dict[str, Any]]:
    """The person's pairs with the other side's name (the matching API gives ids only)."""
    if current_user.role not in EVERYONE:
        return []
    side = "mentor" if kind.plural == "mentors" else "mentee"
    try:
        found = list(api().pairs(**{side: ident}))
    except ServiceError:
        return []
    other = "mentee_id" if side == "mentor" else "mentor_id"
    for number, pair in enumerate(found):
        pair["other_name"] = None
        if number < PAIR_LOOKUPS:
            try:
                pair["other_name"] = api().person(kind.other, pair[other])["full_name"]
            except ServiceError:
                pair["other_name"] = None
    return found
