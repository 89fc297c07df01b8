"""Request schemas of the pair and program endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_openapi3 import FileStorage
from pydantic import BaseModel, Field

from services.matching.domain.workflow import DECLINED_BY, RESULTS, TERMINATED_BY, State
from shared.dictionary_data import DICTIONARIES
from shared.fields import Body, Day, Query, integer, text


def _one_of(dictionary: str) -> Any:
    """A Literal of the codes of a shared dictionary, in its order."""
    return Literal[tuple(code for code, _label, _spellings in DICTIONARIES[dictionary])]


Text = text(1, 4000)
Form = _one_of("forms")
RoleModel = _one_of("role_models")
MeetingFormat = _one_of("formats")
PairState = Literal[tuple(state.value for state in State)]


class PairPath(BaseModel):
    id: str = Field(max_length=36)


class ItemPath(PairPath):
    item_id: str = Field(max_length=36)


class PairsFilter(Query):
    region: str | None = Field(None, max_length=36)
    municipality: str | None = Field(None, max_length=36)
    organization: str | None = Field(None, max_length=36)
    state: PairState | None = None
    mentor: str | None = Field(None, max_length=36)
    mentee: str | None = Field(None, max_length=36)
    form: Form | None = None
    proposed_from: Day | None = None
    proposed_to: Day | None = None


class PairsQuery(PairsFilter):
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=500)


class AttentionQuery(Query):
    on: Day | None = Field(None, description="день, на который считать просрочки (по умолчанию — сегодня)")


class PairIn(Body):
    mentor_id: str = Field(max_length=36)
    mentee_id: str = Field(max_length=36)
    form: Form = "traditional"
    role_model: RoleModel = "teacher_teacher"
    group_id: str | None = Field(None, max_length=36, description="общий id пар групповой формы")


class Versioned(Body):
    version: integer(1, description="ожидаемая версия пары (или заголовок If-Match)") | None = None


class ConfirmIn(Versioned):
    mentor_consent_on: Day
    mentee_consent_on: Day
    order_number: text(1, 100)
    order_date: Day
    curator_name: text(2, 300)


class DeclineIn(Versioned):
    by: Literal[DECLINED_BY]
    reason: Text


class ActivateIn(Versioned):
    started_on: Day
    planned_end_on: Day
    override_reason: text(0, 1000, description="оператор: причина выйти за 3–12 мес.") | None = None


class ExtendIn(Versioned):
    planned_end_on: Day
    mentor_consent: bool
    mentee_consent: bool
    override_reason: text(0, 1000) | None = None


class CompleteIn(Versioned):
    result: Literal[RESULTS]
    result_text: text(0, 4000) | None = None


class TerminateIn(Versioned):
    by: Literal[TERMINATED_BY]
    reason: Text


class PlanItemIn(Body):
    title: text(1, 500)
    due_on: Day
    done_on: Day | None = None


class ProgramIn(Body):
    goals: Text
    deficits: text(0, 4000) | None = None
    form: Form = "traditional"
    role_model: RoleModel = "teacher_teacher"
    format: MeetingFormat = "in_person"
    meeting_schedule: text(0, 2000) | None = None
    plan: list[PlanItemIn] | None = Field(None, max_length=200)


class PlanMarkIn(Body):
    done_on: Day | None


class DiaryIn(Body):
    month: str = Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="ГГГГ-ММ")
    text: Text
    author: text(2, 300, description="наставник, который ведёт дневник")


class ReportIn(Body):
    period: str = Field(pattern=r"^20[0-9]{2}-H[12]$", description="полугодие, например 2026-H2")
    text: Text


class ReportDecisionIn(Body):
    accept: bool
    comment: text(0, 2000) | None = None


class ReportPath(PairPath):
    report_id: str = Field(max_length=36)


class OrderQuery(Query):
    organization: str = Field(max_length=36, description="id организации")
    year: int | None = Field(None, ge=2000, le=2100, description="начало учебного года")
    order_number: str | None = Field(None, min_length=1, max_length=100,
                                     description="подписанный приказ: пары, утверждённые приказом с этим номером")
    pair: list[Annotated[str, Field(max_length=36)]] | None = Field(
        None, max_length=500, description="проект: только эти из предложенных пар (по умолчанию — все ждущие приказа)")


class TemplateQuery(Query):
    municipality: str = Field(max_length=36, description="id муниципалитета")


class TemplateGetQuery(TemplateQuery):
    default: bool = Field(False, description="шаблон по умолчанию, даже если у муниципалитета есть свой")


class TemplateForm(BaseModel):
    file: FileStorage | None = None

