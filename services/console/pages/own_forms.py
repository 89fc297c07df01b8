"""Forms of a mentor's and a mentee's own pages: the month's diary entry, the half-year report, a plan item done,
and the consent to processing (each with CSRF)."""

from __future__ import annotations

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Regexp

from services.console.auth.forms import REQUIRED, RussianForm
from services.console.pages.pair_forms import MONTH, ReportForm, text_field

CONSENT_TEXT = ("Я даю согласие на обработку моих персональных данных (ФИО, место работы, контакты, сведения о "
                "наставничестве) в целях организации наставничества (152-ФЗ)")


class OwnDiaryForm(RussianForm):
    """The mentor's entry for a month: the mentor is its author, so there is no author field."""

    month = StringField("Месяц", validators=[DataRequired(REQUIRED), Regexp(MONTH, message="Месяц в виде ГГГГ-ММ, "
                                                                                        "например 2026-03")])
    text = text_field("Что сделано за месяц", 4000)


class OwnReportForm(ReportForm):
    """The half-year report the mentor drafts for the curator."""


class PlanItemDoneForm(RussianForm):
    """«Отмечено выполненным» today: only the button."""


class ConsentForm(RussianForm):
    agree = BooleanField(CONSENT_TEXT, validators=[DataRequired("Отметьте согласие, чтобы сохранить его")])
