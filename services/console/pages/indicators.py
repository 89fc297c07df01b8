"""Indicators for operators: the target model's indicators of a level (seed 000's 13 with their targets and
deadlines, then the others) with bar charts, the workbook download, the municipal facts recorded on a form (a
value, a date, a link or a document) and the municipal self-assessment (10 criteria, 0–2 points, the band)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from services.console.auth.forms import RussianForm
from services.console.client import ServiceError
from services.console.context import console
from services.console.pages.common import api, labels, municipalities, organization_choices, roles
from services.console.pages.indicator_charts import (
    SCORES,
    band_word,
    demand_bars,
    fact_choices,
    latest_facts,
    load_bars,
    percent_bars,
    periods,
)
from services.console.roles import ADMIN, MUNICIPAL, REGION

OPERATORS = (ADMIN, REGION, MUNICIPAL)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def own_scope() -> tuple[str, str]:
    """The person's level; an admin's is the installation's region."""
    settings = console().settings
    if current_user.role == ADMIN or not current_user.scope:
        return f"region:{settings.region_id}", settings.region_name
    return current_user.scope, current_user.scope_name or ""


def scope_options() -> dict[str, list[tuple[str, str]]]:
    """The levels one may open: one's own, the districts and the organizations inside it."""
    scope, name = own_scope()
    groups = {"Ваш уровень": [(scope, name)]}
    if not scope.startswith("municipality:"):
        groups["Районы"] = [(f"municipality:{ident}", title) for ident, title in municipalities()]
    groups["Организации"] = [(f"organization:{ident}", title) for ident, title in organization_choices()]
    return groups


def chosen(value: str | None, options: list[tuple[str, str]], default: str) -> str:
    return value if value in dict(options) else default


def read_choice() -> tuple[str, str, str]:
    """The level and the period from the query string, each one of the options."""
    flat = [option for group in scope_options().values() for option in group]
    scope = chosen(request.args.get("scope"), flat, own_scope()[0])
    period = chosen(request.args.get("period"), periods(date.today().year), "now")
    return scope, dict(flat)[scope], period


def assessment_form(criteria: list[dict[str, Any]], answers: dict[str, int]) -> RussianForm:
    """A radio group of 0, 1 and 2 points for each criterion (a criterion left blank is not assessed yet)."""
    fields = {c["code"]: RadioField(f"{c['number']}. {c['label']}", choices=SCORES, coerce=int,
                                    validators=[Optional()]) for c in criteria}
    fields["municipality_id"] = SelectField("Район", validate_choice=False)
    fields["period"] = SelectField("Период", validate_choice=False)
    form_class = type("AssessmentForm", (RussianForm,), fields)
    return form_class(data=answers)


class FactForm(RussianForm):
    """A record of a municipal fact (seed 000 rows 4, 5, 7–12): the reports service checks it again."""

    code = SelectField("Показатель", validate_choice=False, validators=[DataRequired("Выберите показатель")])
    municipality_id = SelectField("Район", validate_choice=False, validators=[DataRequired("Выберите район")])
    value = DecimalField("Значение: 1 — да, 0 — нет; для № 11 и № 12 — количество", places=None,
                         validators=[InputRequired("Укажите значение"),
                                     NumberRange(0, 10_000, "Значение — от 0 до 10 000")])
    recorded_on = DateField("Дата", validators=[InputRequired("Укажите дату")])
    evidence_url = StringField("Ссылка на подтверждение", validators=[Optional(), Length(max=2000)])
    file = FileField("Документ-подтверждение (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS, до 2 МБ)")


def districts() -> list[tuple[str, str]]:
    """The districts one records facts for: a municipal operator's own, else those of one's scope."""
    if current_user.role == MUNICIPAL:
        return [(current_user.scope.partition(":")[2], current_user.scope_name or "Ваш район")]
    return municipalities()


def fact_form(items: list[dict[str, Any]], scope: str) -> FactForm:
    form = FactForm()
    form.code.choices, form.municipality_id.choices = fact_choices(items), districts()
    if request.method == "GET" and scope.startswith("municipality:"):
        form.municipality_id.data = scope.partition(":")[2]
    if request.method == "GET":
        form.recorded_on.data = date.today()
    return form


def render_index(form: FactForm | None = None, problems: list[str] | None = None, status: int = 200) -> Any:
    scope, scope_name, period = read_choice()
    body = api().indicators(scope, None if period == "now" else period)
    items = body.get("indicators", [])
    form = form or fact_form(items, scope)
    district = scope.partition(":")[2] if scope.startswith("municipality:") else None
    records = api().get("reports", "/api/v1/municipal-facts", municipality_id=district)["items"] if district else []
    return render_template("indicators/index.html", body=body, items=items, scope=scope, scope_name=scope_name,
                           period=period, scopes=scope_options(), periods=periods(date.today().year),
                           shares=percent_bars(items), loads=load_bars(items),
                           demand=demand_bars(items, labels("subjects")), form=form, problems=problems or [],
                           records=latest_facts(records), just_saved=request.args.get("saved") == "1"), status


def send_fact(form: FactForm) -> list[str]:
    """Send the form to the reports service; its refusals go beside the fields (the rest are returned)."""
    upload = form.file.data
    files = {"file": (upload.filename, upload.read(), upload.mimetype)} if upload and upload.filename else None
    data = {"code": form.code.data, "municipality_id": form.municipality_id.data, "value": str(form.value.data),
            "recorded_on": form.recorded_on.data.isoformat(), "evidence_url": (form.evidence_url.data or "").strip()}
    try:
        api().request("reports", "POST", "/api/v1/municipal-facts",
                      data={k: v for k, v in data.items() if v}, files=files)
    except ServiceError as exc:
        if exc.status == 404 or exc.status >= 500:
            raise
        rest = [exc.detail] if not exc.errors else []
        for name, messages in exc.errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, *messages]
            else:
                rest += messages
        return rest or [exc.detail]
    return []


def blueprint() -> Blueprint:
    bp = Blueprint("indicators", __name__, url_prefix="/indicators")

    @bp.get("/")
    @roles(*OPERATORS)
    def index():
        return render_index()

    @bp.post("/facts")
    @roles(*OPERATORS)
    def record_fact():
        scope, _, period = read_choice()
        form = fact_form(api().indicators(scope, None).get("indicators", []), scope)
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                return render_index(form, ["Форма устарела: обновите страницу и повторите."], 400)
            return render_index(form, ["Исправьте поля, отмеченные ниже."], 422)
        problems = send_fact(form)
        if problems:
            return render_index(form, problems, 422)
        return redirect(url_for(".index", scope=f"municipality:{form.municipality_id.data}", period=period, saved=1,
                                _anchor="facts"))

    @bp.get("/facts/<int:fact_id>/evidence")
    @roles(*OPERATORS)
    def evidence(fact_id: int):
        answer = api().request("reports", "GET", f"/api/v1/municipal-facts/{fact_id}/evidence")
        response = Response(answer.content, mimetype=answer.headers.get("Content-Type", "application/octet-stream"))
        response.headers["Content-Disposition"] = answer.headers.get("Content-Disposition", "attachment")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.get("/indicators.xlsx")
    @roles(*OPERATORS)
    def workbook():
        scope, scope_name, period = read_choice()
        answer = api().indicators_xlsx(scope, None if period == "now" else period)
        response = Response(answer.content, mimetype=XLSX)
        name = quote(f"Показатели — {scope_name}.xlsx")
        response.headers["Content-Disposition"] = f"attachment; filename=\"indicators.xlsx\"; filename*=UTF-8''{name}"
        return response

    @bp.route("/assessment", methods=["GET", "POST"])
    @roles(*OPERATORS)
    def assessment():
        districts = ([(current_user.scope.partition(":")[2], current_user.scope_name or "Ваш район")]
                     if current_user.role == MUNICIPAL else municipalities())
        years = [(code, label) for code, label in periods(date.today().year) if code != "now"]
        source = request.form if request.method == "POST" else request.args
        district = chosen(source.get("municipality_id"), districts, districts[0][0] if districts else "")
        period = chosen(source.get("period"), years, str(date.today().year))
        saved = api().assessments(municipality_id=district, period=period) if district else {"criteria": [],
                                                                                               "items": []}
        current = saved["items"][0] if saved["items"] else None
        form = assessment_form(saved["criteria"], dict(current["answers"]) if current else {})
        form.municipality_id.choices, form.period.choices = districts, years
        form.municipality_id.data, form.period.data = district, period
        problems: list[str] = []
        if request.method == "POST" and form.validate_on_submit():
            answers = {c["code"]: form[c["code"]].data for c in saved["criteria"] if form[c["code"]].data is not None}
            try:
                api().send("reports", "POST", "/api/v1/assessments",
                           {"municipality_id": district, "period": period, "answers": answers})
            except ServiceError as exc:
                if exc.status == 404 or exc.status >= 500:
                    raise
                problems = [exc.detail, *(m for ms in exc.errors.values() for m in ms if m != exc.detail)]
            else:
                return redirect(url_for(".assessment", municipality_id=district, period=period, saved=1,
                                        _anchor="result"))
        elif request.method == "POST":
            problems = ["Форма устарела или заполнена неверно: обновите страницу и повторите."]
        return render_template("indicators/assessment.html", form=form, criteria=saved["criteria"], current=current,
                               band=band_word(current["band"]) if current else None, districts=districts,
                               years=years, district=district, period=period, problems=problems,
                               just_saved=request.args.get("saved") == "1"), 422 if problems else 200

    return bp
