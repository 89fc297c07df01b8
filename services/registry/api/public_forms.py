"""The public bank's two forms (no account, no captcha): «Стать наставником» and «Попросить о наставничестве».

Each form is the page of its JSON twin (`POST /api/v1/bank/nominations`, `/requests`): the same model checks it,
the same use case records it, and a refusal is shown beside the field it concerns.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request
from flask_openapi3 import APIBlueprint
from pydantic import BaseModel, ValidationError

from services.registry.api.applications import RECEIVED, nomination_data, request_data
from services.registry.api.schemas.applications import NominationIn, RequestIn
from services.registry.domain import applications as rules
from services.registry.use_cases import applications
from services.registry.use_cases.bank import bank_mentor, schools_by_district
from shared.dictionaries import as_json, labels
from shared.errors import AppError, NotFound
from shared.problems import russian_message
from shared.web import context

LISTS = ("subjects", "stages", "directions", "formats")
NUMBERS = ("experience_years", "capacity")
TICKS = ("consent_processing", "consent_publication")
NO_CONSENT = "без согласия на обработку персональных данных заявку принять нельзя"


def form_data() -> dict[str, Any]:
    """The posted form as the JSON body its model reads: lists from repeated fields, numbers from digits, ticks as
    true; an empty field is left out."""
    form, data = request.form, {}
    for key in form:
        if key in LISTS:
            data[key] = [value for value in form.getlist(key) if value]
        elif (value := form.get(key, "").strip()) and key in TICKS:
            data[key] = True
        elif value:
            data[key] = int(value) if key in NUMBERS and value.isdigit() else value
    return data


def field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        errors.setdefault(field, NO_CONSENT if field == "consent_processing" else russian_message(err))
    return errors


def receive(kind: str, model: type[BaseModel], to_data: Any, **fixed: str) -> tuple[dict[str, str], int]:
    """Check and record the posted application (`fixed`: fields the page's address gives): ({}, 201), or the errors
    by field ("" for the form) and the status."""
    try:
        body = model.model_validate({**form_data(), **fixed})
    except ValidationError as exc:
        return field_errors(exc), 422
    ctx = context()
    try:
        with ctx.uow() as uow:
            applications.submit(uow, ctx.settings, kind, to_data(body), request.remote_addr or "")
    except AppError as exc:
        errors = {e.get("field") or "": e.get("message", exc.detail) for e in exc.errors}
        return errors or {"": exc.detail}, exc.status
    return {}, 201


def page(template: str, status: int = 200, **values: Any) -> Response:
    with context().uow() as uow:
        region = values["mentor"].person.region_id if values.get("mentor") else None
        values["schools"] = schools_by_district(uow, region)
    values.setdefault("errors", {})
    html = render_template(template, dicts=as_json(), labels=labels, form=request.form, **values)
    return Response(html, status=status, mimetype="text/html")


def register_forms(bp: APIBlueprint) -> None:

    def apply_page() -> Response:
        if request.method == "POST":
            errors, status = receive(rules.NOMINATION, NominationIn, nomination_data)
            if not errors:
                return redirect(f"/bank/sent?kind={rules.NOMINATION}", 303)
            return page("apply.html", status, errors=errors)
        return page("apply.html")

    def ask_page(mentor_id: str) -> Response:
        try:
            with context().uow() as uow:
                mentor = bank_mentor(uow, mentor_id)
        except NotFound as exc:
            return Response(render_template("sent.html", title="Наставник не найден", message=exc.detail), 404,
                            mimetype="text/html")
        if request.method == "POST":
            errors, status = receive(rules.REQUEST, RequestIn, request_data, mentor_id=mentor_id)
            if not errors:
                return redirect(f"/bank/sent?kind={rules.REQUEST}", 303)
            return page("ask.html", status, mentor=mentor, errors=errors)
        return page("ask.html", mentor=mentor)

    def sent_page() -> Response:
        message = RECEIVED.get(request.args.get("kind", ""), RECEIVED[rules.NOMINATION])
        return Response(render_template("sent.html", title="Заявка отправлена", message=message),
                        mimetype="text/html")

    # pages, not operations: plain Flask rules, outside the OpenAPI document
    bp.add_url_rule("/bank/apply", view_func=apply_page, methods=["GET", "POST"])
    bp.add_url_rule("/bank/ask/<mentor_id>", view_func=ask_page, methods=["GET", "POST"])
    bp.add_url_rule("/bank/sent", view_func=sent_page, methods=["GET"])
