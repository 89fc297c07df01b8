"""The forms of a mentor and a mentee: choices from the registry's dictionaries, the API body, its field errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from services.console.auth.forms import REQUIRED, RussianForm
from services.console.pages.common import choices, organization_choices


class Checkboxes(SelectMultipleField):
    """Several codes of a dictionary as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def whole(label: str, low: int, high: int, *, required: bool = False) -> IntegerField:
    check = [DataRequired(REQUIRED)] if required else [Optional()]
    return IntegerField(label, validators=[*check, NumberRange(low, high, f"От {low} до {high}")])


class PersonForm(RussianForm):
    full_name = StringField("ФИО", validators=[DataRequired(REQUIRED)])
    organization_id = SelectField("Образовательная организация", validate_choice=False)
    directions = Checkboxes("Направления совместной деятельности", validate_choice=False)
    formats = Checkboxes("Формат", validate_choice=False)
    email = StringField("Электронная почта")
    consent_processing = BooleanField("Согласие на обработку персональных данных")
    consent_processing_on = DateField("Дата согласия", validators=[Optional()], format="%Y-%m-%d")
    version = HiddenField()


class MentorForm(PersonForm):
    subjects = Checkboxes("Предметы", validate_choice=False)
    stages = Checkboxes("Уровни образования", validate_choice=False)
    mentee_categories = Checkboxes("Кого может вести", validate_choice=False)
    mentee_experience_min = whole("Стаж наставляемого, от (лет)", 0, 60)
    mentee_experience_max = whole("Стаж наставляемого, до (лет)", 0, 60)
    mentee_qualification = SelectField("Категория наставляемого", validate_choice=False)
    qualification_category = SelectField("Квалификационная категория наставника", validate_choice=False)
    experience_years = whole("Педагогический стаж наставника (лет)", 0, 70)
    honours = TextAreaField("Звания и награды")
    capacity = whole("Сколько наставляемых одновременно", 1, 20, required=True)
    trained = BooleanField("Прошёл обучение на курсах повышения квалификации")
    trained_on = DateField("Дата обучения", validators=[Optional()], format="%Y-%m-%d")
    page_url = StringField("Страница в интернете")
    consent_publication = BooleanField("Согласие на публикацию в открытом банке")


class MenteeForm(PersonForm):
    subject = SelectField("Предмет", validate_choice=False)
    extra_subjects = Checkboxes("Другие предметы", validate_choice=False)
    stage = SelectField("Уровень образования", validate_choice=False)
    experience_years = whole("Педагогический стаж (лет)", 0, 70)
    category = SelectField("Категория наставляемого", validate_choice=False)
    is_student = BooleanField("Обучающийся (а не педагог)")
    deficits = TextAreaField("Запрос: профессиональные дефициты")


DICTIONARY_FIELDS = {
    "subjects": "subjects", "extra_subjects": "subjects", "stages": "stages", "directions": "directions",
    "mentee_categories": "mentee_categories", "formats": "formats", "qualification_category":
    "qualification_categories", "category": "mentee_categories",
}
BLANK_FIELDS = {"mentee_qualification": ("qualification_categories", "не важно"),
                "subject": ("subjects", "не указан"), "stage": ("stages", "не указан")}


def build_form(kind: str, record: dict[str, Any] | None = None, *, creating: bool) -> PersonForm:
    """The form of `mentors` or `mentees`, filled from the record when editing, with its choices set."""
    cls = MentorForm if kind == "mentors" else MenteeForm
    data = dict(record or {})
    if record is None:
        data.update(consent_processing=True, formats=["in_person"], capacity=1)
        data.setdefault("category", "young_specialist")
    for day in ("trained_on", "consent_processing_on"):
        if data.get(day):
            data[day] = date.fromisoformat(str(data[day]))
    form = cls(data=data)
    for name, dictionary in DICTIONARY_FIELDS.items():
        if name in form:
            form[name].choices = choices(dictionary)
    for name, (dictionary, blank) in BLANK_FIELDS.items():
        if name in form:
            form[name].choices = choices(dictionary, blank)
    if creating:
        form.organization_id.choices = organization_choices("— выберите организацию —")
    else:
        del form.organization_id
    return form


def body_of(form: PersonForm) -> dict[str, Any]:
    """The JSON body for the registry: blanks become null, dates ISO text, the version left out."""
    body: dict[str, Any] = {}
    for field in form:
        if field.name in ("csrf_token", "version"):
            continue
        value = field.data
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, date):
            value = value.isoformat()
        body[field.name] = value
    for name in ("full_name", "organization_id"):
        if name in body and body[name] is None:
            body[name] = ""
    if not body.get("consent_processing"):
        body["consent_processing_on"] = None  # no consent keeps no day (an unticked box leaves the day shown)
    if "category" in body and body["category"] is None:
        body.pop("category")
    return body


def show_errors(form: PersonForm, errors: dict[str, list[str]]) -> list[str]:
    """Put the API's field errors beside the fields; what names no field is returned for the top of the form."""
    rest: list[str] = []
    for name, messages in errors.items():
        target = "organization_id" if name == "organization" else name
        if target and target in form and target != "csrf_token":
            form[target].errors = [*form[target].errors, *messages]
        else:
            rest.extend(messages)
    return rest
