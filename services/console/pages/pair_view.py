"""The pair page: the pair with names, its program and records, and a form for each action its state allows."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from flask import render_template, request
from flask_login import current_user

from services.console.client import ServiceError
from services.console.pages import pair_words
from services.console.pages.common import api, organizations
from services.console.pages.pair_forms import (
    ActivateForm,
    CompleteForm,
    ConfirmForm,
    ConsentsForm,
    DecisionForm,
    DeclineForm,
    DiaryForm,
    ExtendForm,
    PlanDoneForm,
    ProgramForm,
    ReportForm,
    TerminateForm,
    with_choices,
)
from services.console.pages.pair_words import (
    DONE_MESSAGES,
    OPERATOR_ROLES,
    REPORT_DECIDERS,
    add_months,
    half_years,
    previous_month,
    records_allowed,
)

BLANK_PLAN_ROWS = 3
TRANSITION_FORMS = {"decline": DeclineForm, "activate": ActivateForm, "extend": ExtendForm,
                    "complete": CompleteForm, "terminate": TerminateForm}


class Names:
    """Names beside the ids of pairs: the API's `mentor_name`/`mentee_name` when it gives them, else the
    registry (once per person and request); someone outside the reader's scope stays unnamed."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], dict[str, Any] | None] = {}

    @cached_property
    def schools(self) -> dict[str, str]:
        """School names by id, read only when an answer came without them (the matching API names them)."""
        return {o["id"]: o["name"] for o in organizations()}

    def person(self, plural: str, ident: str) -> dict[str, Any] | None:
        key = (plural, ident)
        if key not in self.seen:
            try:
                self.seen[key] = api().person(plural, ident)
            except ServiceError as exc:
                if exc.status >= 500:
                    raise
                self.seen[key] = None
        return self.seen[key]

    def fill(self, pair: dict[str, Any]) -> dict[str, Any]:
        for side, plural in (("mentor", "mentors"), ("mentee", "mentees")):
            if not pair.get(f"{side}_name"):
                record = self.person(plural, pair[f"{side}_id"])
                pair[f"{side}_name"] = record["full_name"] if record else None
        for key in ("organization", "mentor_organization"):
            if not pair.get(f"{key}_name"):
                pair[f"{key}_name"] = self.schools.get(pair.get(f"{key}_id", ""), "")
        return pair


def default_forms(pair: dict[str, Any], mentee: dict[str, Any] | None, today: date) -> dict[str, Any]:
    """A blank form for each action and record the pair's state allows, filled with sensible defaults."""
    forms: dict[str, Any] = {}
    allowed = pair.get("allowed_actions") or []
    if "confirm" in allowed:
        consents = ConsentsForm(request.args)
        if request.args.get("mentor_consent_on") and consents.validate():
            forms["confirm"] = ConfirmForm(formdata=None, prefix="confirm", data={
                **consents.data, "curator_name": current_user.full_name, "order_date": today})
        else:
            if not request.args.get("mentor_consent_on"):
                consents = ConsentsForm(formdata=None)
            forms["consents"] = consents
    for action, cls in TRANSITION_FORMS.items():
        if action in allowed:
            forms[action] = cls(formdata=None, prefix=action, data=transition_defaults(action, pair, today))
    records = records_allowed(pair["state"])
    if records["program"]:
        forms["program"] = program_form(pair, mentee)
        forms["plan_done"] = PlanDoneForm(formdata=None, prefix="plan_done", data={"done_on": today})
    if records["diary"]:
        forms["diary"] = DiaryForm(formdata=None, prefix="diary", data={"month": previous_month(today),
                                                        "author": pair.get("mentor_name") or ""})
    if records["report"]:
        forms["report"] = report_form(pair, today)
        if current_user.role in REPORT_DECIDERS and any(r["status"] == "submitted" for r in pair["reports"]):
            forms["decision"] = DecisionForm(formdata=None, prefix="decision")
    return forms


def transition_defaults(action: str, pair: dict[str, Any], today: date) -> dict[str, Any]:
    if action == "activate":
        return {"started_on": today, "planned_end_on": add_months(today, 9)}
    if action == "extend" and pair.get("planned_end_on"):
        return {"planned_end_on": add_months(date.fromisoformat(pair["planned_end_on"]), 3)}
    return {}


def program_form(pair: dict[str, Any], mentee: dict[str, Any] | None, formdata: Any = None) -> ProgramForm:
    """The program as saved (or the pair's form and role model and the mentee's deficits), its open plan items
    and three blank rows for new ones."""
    program = pair.get("program") or {}
    data = {"goals": program.get("goals") or "", "form": program.get("form") or pair["form"],
            "role_model": program.get("role_model") or pair["role_model"], "format": program.get("format"),
            "deficits": program.get("deficits") or (mentee or {}).get("deficits"),
            "meeting_schedule": program.get("meeting_schedule")}
    open_items = [{"title": i["title"], "due_on": date.fromisoformat(i["due_on"])}
                  for i in pair.get("plan", []) if not i.get("done_on")]
    data["plan"] = [*open_items, *({} for _ in range(BLANK_PLAN_ROWS))]
    form = ProgramForm(formdata=formdata, prefix="program", data=None if formdata is not None else data)
    return with_choices(form)


def report_form(pair: dict[str, Any], today: date, formdata: Any = None) -> ReportForm:
    form = ReportForm(formdata=formdata, prefix="report")
    form.period.choices = half_years(pair.get("started_on"), today)
    return form


def load_pair(ident: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The pair (404 outside the scope, as a missing one) with names, and its mentee's record when readable."""
    pair = api().pair(ident)  # with the names of both people and schools from the matching read model
    names = Names()
    names.fill(pair)
    return pair, names.person("mentees", pair["mentee_id"])


def render_pair(ident: str, *, failed: str | None = None, form: Any = None, problems: list[str] | None = None,
                status: int = 200) -> tuple[str, int]:
    """The page; after a refused action, that action's form with its errors and the reasons at the top."""
    pair, mentee = load_pair(ident)
    today = date.today()
    forms = default_forms(pair, mentee, today)
    if failed and form is not None:
        forms[failed] = form
        if failed == "confirm":
            forms.pop("consents", None)
    done = request.args.get("done")
    if request.headers.get("HX-Request") and status != 200:
        status = 200  # htmx swaps only successful answers; the errors are in the page it swaps in
    page = render_template("pairs/page.html", pair=pair, mentee=mentee, forms=forms, failed=failed,
                           problems=problems or [], done=DONE_MESSAGES.get(done or ""),
                           operator=current_user.role in OPERATOR_ROLES, today=today, words=pair_words)
    return page, status
