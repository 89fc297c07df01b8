"""«Мониторинг»: the half-year monitoring report. A municipal operator picks the half-year, checks the figures and
submits them with a confirmation (the report is then frozen: who, when, the XLSX as sent); the region sees every
district side by side and returns a submitted report for correction with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from services.console.auth.forms import RussianForm
from services.console.client import ServiceError
from services.console.context import console
from services.console.errors import error_page
from services.console.pages import pair_words as words
from services.console.pages.common import api, roles
from services.console.pages.exports import handed_over
from services.console.pages.run_view import People
from services.console.roles import ADMIN, MUNICIPAL, REGION

OPERATORS = (ADMIN, REGION, MUNICIPAL)
REOPENERS = (ADMIN, REGION)
HALVES_SHOWN = 4


class SubmitForm(RussianForm):
    period = HiddenField()
    municipality = HiddenField()
    confirm = BooleanField("Я проверил(а) показатели: после сдачи отчёт замораживается и изменить его сможет только "
                           "регион, вернув на доработку", validators=[DataRequired("Подтвердите сдачу отчёта")])


class ReopenForm(RussianForm):
    reason = TextAreaField("Причина возврата на доработку", validators=[
        DataRequired("Укажите причину возврата"), Length(max=2000, message="Не больше 2000 символов")])


def half_years(today: date) -> list[tuple[str, str]]:
    """The current half-year and the three before it, newest first: («2026-H2», «2-е полугодие 2026 г.»)."""
    return words.half_years(words.add_months(today.replace(day=1), -6 * (HALVES_SHOWN - 1)).isoformat(), today)


def chosen_period(value: str | None) -> tuple[str, str]:
    options = half_years(date.today())
    return next(((code, label) for code, label in options if code == value), options[0])


def region_of_person() -> str | None:
    """The region the overview is asked for: the admin's is the installation's; a region operator's own."""
    return console().settings.region_id if current_user.role == ADMIN else None


def district_view(municipality: str, period: str) -> dict[str, Any]:
    """One district's half-year: its versions (newest first), and the live figures while nothing is frozen."""
    versions = api().get("reports", "/api/v1/submissions", period=period, municipality=municipality)["items"]
    live = versions[0] if versions and versions[0]["status"] == "submitted" else None
    current = api().get("reports", f"/api/v1/submissions/{live['id']}") if live else None
    returned = api().get("reports", f"/api/v1/submissions/{versions[0]['id']}") if versions and not live else None
    figures = (current or {}).get("figures") or api().indicators(f"municipality:{municipality}", period).get(
        "indicators", [])
    return {"versions": versions, "current": current, "returned": returned, "figures": figures}


def own_district() -> tuple[str, str] | None:
    """The municipal operator's district, or the one a region operator or admin opened from the overview."""
    if current_user.role == MUNICIPAL:
        return current_user.scope.partition(":")[2], current_user.scope_name or "Ваш район"
    ident = request.values.get("municipality")
    return (ident, request.values.get("name") or ident) if ident else None


def blueprint() -> Blueprint:
    bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

    @bp.get("/")
    @roles(*OPERATORS)
    def index() -> Any:
        period, label = chosen_period(request.args.get("period"))
        district = own_district()
        if district is None:
            overview = api().get("reports", "/api/v1/submissions/overview", period=period, region=region_of_person())
            return render_template("monitoring/overview.html", overview=overview, period=period, label=label,
                                   periods=half_years(date.today()), who=People().name)
        return district_page(district, period, label, SubmitForm(period=period, municipality=district[0]), [])

    def district_page(district: tuple[str, str], period: str, label: str, form: SubmitForm,
                      problems: list[str], status: int = 200) -> Any:
        return render_template("monitoring/district.html", district=district, period=period, label=label,
                               periods=half_years(date.today()), form=form, problems=problems, who=People().name,
                               **district_view(district[0], period)), status

    @bp.post("/submit")
    @roles(*OPERATORS)
    def submit() -> Any:
        period, label = chosen_period(request.form.get("period"))
        district = own_district()
        if district is None:
            return redirect(url_for(".index", period=period))
        form = SubmitForm()
        if not form.validate_on_submit():
            return district_page(district, period, label, form, [], 422)
        body = {"period": period, **({} if current_user.role == MUNICIPAL else {"municipality": district[0]})}
        try:
            saved = api().send("reports", "POST", "/api/v1/submissions", body)
        except ServiceError as exc:
            if exc.status not in (409, 422):
                raise
            return district_page(district, period, label, form, [exc.detail], 409 if exc.status == 409 else 422)
        return redirect(url_for(".submission", ident=saved["id"], submitted=1))

    @bp.route("/submissions/<ident>", methods=["GET", "POST"])
    @roles(*OPERATORS)
    def submission(ident: str) -> Any:
        form, status = ReopenForm(), 200
        if request.method == "POST":
            if current_user.role not in REOPENERS:
                return error_page(403, "Вернуть отчёт на доработку может только регион")
            if form.validate_on_submit():
                try:
                    api().send("reports", "POST", f"/api/v1/submissions/{ident}/reopen", {"reason": form.reason.data})
                except ServiceError as exc:
                    if exc.status not in (409, 422):
                        raise
                    form.reason.errors = list(exc.errors.get("reason") or [exc.detail])
                else:
                    return redirect(url_for(".submission", ident=ident, reopened=1))
            status = 422
        current = api().get("reports", f"/api/v1/submissions/{ident}")
        return render_template("monitoring/submission.html", item=current, form=form, who=People().name,
                               may_reopen=current_user.role in REOPENERS and current["status"] == "submitted",
                               just_submitted=request.args.get("submitted") == "1",
                               just_reopened=request.args.get("reopened") == "1"), status

    @bp.get("/submissions/<ident>.xlsx")
    @roles(*OPERATORS)
    def frozen_file(ident: str) -> Any:
        item = api().get("reports", f"/api/v1/submissions/{ident}")
        answer = api().request("reports", "GET", f"/api/v1/submissions/{ident}.xlsx")
        return handed_over(answer, f"Мониторинг, {item['period_label']} — {item['municipality_name']} "
                                   f"(версия {item['version']}).xlsx")

    @bp.get("/overview.xlsx")
    @roles(*REOPENERS)
    def overview_file() -> Any:
        period, label = chosen_period(request.args.get("period"))
        params = {"period": period, **({"region": region} if (region := region_of_person()) else {})}
        answer = api().request("reports", "GET", "/api/v1/submissions/overview.xlsx", params=params, timeout=120)
        return handed_over(answer, f"Мониторинг, {label} — сводка по районам.xlsx")

    return bp
