"""The small forms of the pair page (each with CSRF), the body each sends to the matching API, and the API's
refusals placed beside the fields or at the top."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from services.console.auth.forms import REQUIRED, RussianForm
from services.console.client import ServiceError
from services.console.pages.common import choices
from services.console.pages.pair_words import DECLINED_BY, RESULTS, TERMINATED_BY

DAY = "Введите дату, например 05.03.2026"
MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"


def day_field(label: str, required: bool = True) -> DateField:
    check = [DataRequired(DAY)] if required else [Optional()]
    return DateField(label, validators=check, format="%Y-%m-%d")


def text_field(label: str, high: int, required: bool = True, area: bool = True) -> Any:
    check = [DataRequired(REQUIRED)] if required else [Optional()]
    kind = TextAreaField if area else StringField
    return kind(label, validators=[*check, Length(max=high, message=f"Не длиннее {high} символов")])


class Versioned(RussianForm):
    version = HiddenField()


class ConsentsForm(RussianForm):
    """Step one of the confirmation: both consents (a GET form: it only carries the dates to step two)."""

    class Meta:
        csrf = False

    mentor_consent_on = day_field("Дата согласия наставника")
    mentee_consent_on = day_field("Дата согласия наставляемого")


class ConfirmForm(Versioned):
    mentor_consent_on = day_field("Дата согласия наставника")
    mentee_consent_on = day_field("Дата согласия наставляемого")
    order_number = text_field("Номер приказа", 100, area=False)
    order_date = day_field("Дата приказа")
    curator_name = text_field("Куратор (ФИО)", 300, area=False)


class DeclineForm(Versioned):
    by = RadioField("Кто отказался", choices=list(DECLINED_BY.items()), validators=[DataRequired(REQUIRED)])
    reason = text_field("Причина", 4000)


class ActivateForm(Versioned):
    started_on = day_field("Дата начала программы")
    planned_end_on = day_field("Плановая дата окончания")
    override_reason = text_field("Причина выйти за срок 3–12 месяцев (только оператор)", 1000, required=False)


class ExtendForm(Versioned):
    planned_end_on = day_field("Новая плановая дата окончания")
    mentor_consent = BooleanField("Наставник согласен на продление")
    mentee_consent = BooleanField("Наставляемый согласен на продление")
    override_reason = text_field("Причина выйти за срок 3–12 месяцев (только оператор)", 1000, required=False)


class CompleteForm(Versioned):
    result = RadioField("Итог программы", choices=list(RESULTS.items()), validators=[DataRequired(REQUIRED)])
    result_text = text_field("Что достигнуто (необязательно)", 4000, required=False)


class TerminateForm(Versioned):
    by = RadioField("Основание прекращения (положение о наставничестве)", choices=list(TERMINATED_BY.items()),
                    validators=[DataRequired(REQUIRED)])
    reason = text_field("Обстоятельства", 4000)


class PlanRow(Form):
    title = StringField("Пункт плана", validators=[Optional(), Length(max=500, message="Не длиннее 500 символов")])
    due_on = DateField("Срок", validators=[Optional()], format="%Y-%m-%d")


class ProgramForm(RussianForm):
    goals = text_field("Цели программы", 4000)
    deficits = text_field("Профессиональные дефициты наставляемого", 4000, required=False)
    form = SelectField("Форма наставничества", validate_choice=False)
    role_model = SelectField("Ролевая модель", validate_choice=False)
    format = SelectField("Формат встреч", validate_choice=False)
    meeting_schedule = text_field("График встреч", 2000, required=False)
    plan = FieldList(FormField(PlanRow), min_entries=0)


class PlanDoneForm(RussianForm):
    done_on = day_field("Дата выполнения")


class DiaryForm(RussianForm):
    month = StringField("Месяц", validators=[DataRequired(REQUIRED), Regexp(MONTH, message="Месяц в виде ГГГГ-ММ, "
                                                                                        "например 2026-03")])
    text = text_field("Что сделано за месяц", 4000)
    author = text_field("Кто ведёт дневник (наставник)", 300, area=False)


class ReportForm(RussianForm):
    period = SelectField("Полугодие", validate_choice=False, validators=[DataRequired(REQUIRED)])
    text = text_field("Текст отчёта", 4000)


class DecisionForm(RussianForm):
    comment = text_field("Комментарий куратора", 2000, required=False)


class ProposeForm(RussianForm):
    mentor_id = HiddenField(validators=[DataRequired(REQUIRED)])
    form = SelectField("Форма наставничества", validate_choice=False)
    role_model = SelectField("Ролевая модель", validate_choice=False)


def with_choices(form: Any) -> Any:
    """Fill the dictionary selects of a form (forms, role models, meeting formats) with Russian labels."""
    for name, dictionary in (("form", "forms"), ("role_model", "role_models"), ("format", "formats")):
        if name in form:
            form[name].choices = choices(dictionary)
    return form


def body_of(form: Any) -> dict[str, Any]:
    """The JSON body of a form: dates as ISO text, blanks as null, no token, no version."""
    body: dict[str, Any] = {}
    for field in form:
        if field.short_name in ("csrf_token", "version") or field.type == "FieldList":
            continue
        value = field.data
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, date):
            value = value.isoformat()
        body[field.short_name] = value
    return body


def plan_of(form: ProgramForm) -> list[dict[str, Any]]:
    """The filled rows of the plan; a row with a title but no date (or a date alone) is an error beside it."""
    rows, complete = [], True
    for row in form.plan:
        title, due = (row.form.title.data or "").strip(), row.form.due_on.data
        if title and due:
            rows.append({"title": title, "due_on": due.isoformat()})
        elif title or due:
            target = row.form.due_on if title else row.form.title
            target.errors = [*target.errors, "Заполните и пункт, и срок"]
            complete = False
    if not complete:
        raise ValueError("incomplete plan rows")
    return rows


def place_errors(form: Any, exc: ServiceError) -> list[str]:
    """A refusal of the API for the top of the form: 404 and failures become their pages; a message naming a
    field also goes beside it; an illegal action's 409 and a stale version are said as the API says them."""
    if exc.status == 404 or exc.status >= 500:
        raise exc
    placed, rest = [], []
    for name, messages in exc.errors.items():
        if name and name in form and name not in ("csrf_token", "version"):
            form[name].errors = [*form[name].errors, *messages]
            placed.append(f"«{form[name].label.text}»: {'; '.join(messages)}")
        else:
            rest.extend(m for m in messages if m != exc.detail)
    top = ["Исправьте отмеченные поля.", *placed] if placed else [exc.detail]
    if exc.status == 409 and "изменена другим" in exc.detail:
        top.append("Ниже — пара как она есть сейчас: проверьте её и повторите действие.")
    return [*top, *rest]
