"""The catalog of event types: one pydantic payload model (and so one JSON Schema) per type.

Payloads carry ids and the fields consumers need, never contact details (email, phone, page), and names only
sealed with the services' key (`*_sealed`, shared/sealing.py): the broker and integrators cannot read them.
A field that is personal data under 152-ФЗ says so in its schema (`x-personal-data`), with why the event needs it;
the AsyncAPI document (shared/asyncapi.py) lists them for integrators.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.sealing import sealed_field

PERSONAL_DATA = "x-personal-data"
HALF_YEAR = r"^20[0-9]{2}-H[12]$"


def personal(why: str) -> dict[str, Any]:
    """The JSON Schema annotation of a field that is personal data under 152-ФЗ: why the event still carries it."""
    return {PERSONAL_DATA: why}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrganizationUpserted(Payload):
    organization_id: str
    version: int
    name: str
    kind: str
    municipality_id: str
    municipality_name: str
    region_id: str
    teachers: int = 0
    young_specialists: int = 0
    students: int = 0
    has_mentoring_page: bool = False
    has_curator: bool = False
    curator_trained: bool = False
    curator_trained_on: date | None = None
    curator_name_sealed: str | None = sealed_field(personal(
        "ФИО куратора школы: сервис подбора печатает его в приказе о закреплении пар"))
    curator_position: str | None = Field(None, json_schema_extra=personal(
        "должность куратора (не имя; школа публикует её на сайте, ст. 29 273-ФЗ): печатается в приказе рядом с ФИО"))
    head_name_sealed: str | None = sealed_field(personal(
        "ФИО руководителя школы: подписывает приказ о закреплении пар (сервис подбора)"))
    head_position: str | None = Field(None, json_schema_extra=personal(
        "должность руководителя (не имя; публикуется на сайте школы, ст. 29 273-ФЗ): печатается в приказе"))
    status: str = "active"


class MentorChanged(Payload):
    mentor_id: str
    version: int
    status: str
    organization_id: str
    municipality_id: str
    region_id: str
    full_name_sealed: str = sealed_field(personal(
        "ФИО: сервис подбора показывает его операторам в предложениях пар, списках и приказах; событие *.erased "
        "заменяет его обезличенным"), required=True)
    subjects: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    directions: list[str] = Field(default_factory=list)
    mentee_categories: list[str] = Field(default_factory=list)
    mentee_experience_min: int | None = None
    mentee_experience_max: int | None = None
    mentee_qualification: str | None = None
    qualification_category: str = "none"
    experience_years: int | None = None
    trained: bool = False
    trained_on: date | None = None
    formats: list[str] = Field(default_factory=list)
    capacity: int = 1
    consent_publication: bool = False
    consent_processing: bool = Field(True, description="согласие на обработку ПДн: без него наставник не "
                                                        "подбирается")
    registered_at: datetime


class MenteeChanged(Payload):
    mentee_id: str
    version: int
    status: str
    organization_id: str
    municipality_id: str
    region_id: str
    full_name_sealed: str = sealed_field(personal(
        "ФИО: сервис подбора показывает его операторам в предложениях пар, списках и приказах; событие *.erased "
        "заменяет его обезличенным"), required=True)
    subject: str | None = None
    stage: str | None = None
    experience_years: int | None = None
    qualification_category: str | None = None
    category: str
    is_student: bool = False
    directions: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    preferred_mentor_ids: list[str] = Field(default_factory=list)
    consent_processing: bool = Field(True, description="согласие на обработку ПДн: без него наставляемый не "
                                                        "подбирается")
    registered_at: datetime


class RunRequested(Payload):
    run_id: str
    scope: str
    dry_run: bool = False
    options: dict[str, Any] = Field(default_factory=dict)
    requested_by: str = Field(json_schema_extra=personal(
        "кто запустил подбор (роль:идентификатор учётной записи, без имени): журнал действий"))
    parent_id: str | None = None  # a region's run inside a run over several regions


class RegistryCheckpoint(Payload):
    """The registry's answer to a run request: every registry event committed before it precedes it in the
    stream; `position` is the registry's last outbox sequence number at that moment."""

    run_id: str
    position: int


class RunCompleted(Payload):
    run_id: str
    scope: str
    dry_run: bool = False
    mentees_in_scope: int
    matched: int
    unmatched: int
    total_cost: int


class RunFailed(Payload):
    run_id: str
    scope: str
    error: str


class PairChanged(Payload):
    """Every pair transition carries the pair as it is after the transition."""

    pair_id: str
    version: int
    state: str
    mentor_id: str
    mentee_id: str
    organization_id: str
    municipality_id: str
    region_id: str
    mentor_organization_id: str
    mentee_category: str
    mentee_subject: str | None = None
    mentee_stage: str | None = None
    mentee_is_student: bool = False
    form: str
    role_model: str
    group_id: str | None = None
    run_id: str | None = None
    occurred_at: datetime
    proposed_at: datetime | None = None
    confirmed_at: datetime | None = None
    started_on: date | None = None
    planned_end_on: date | None = None
    ended_at: datetime | None = None
    result: str | None = None
    reason: str | None = None
    actor: str | None = Field(None, json_schema_extra=personal(
        "кто перевёл пару (роль:идентификатор учётной записи, без имени): журнал действий"))


class PairFollowUp(Payload):
    """Inside a working pair (program, diary, half-year reports): ids, codes, the pair's place; texts: the API."""

    pair_id: str
    organization_id: str
    municipality_id: str
    region_id: str
    occurred_at: datetime
    actor: str | None = Field(None, json_schema_extra=personal(
        "кто внёс изменение (роль:идентификатор учётной записи, без имени): журнал действий"))


class ProgramSet(PairFollowUp):
    program_id: str = Field(description="программа у пары одна: её идентификатор — идентификатор пары")
    form: str
    role_model: str
    format: str
    started_on: date | None = None
    planned_end_on: date | None = None
    plan_items: int = Field(ge=0, description="пунктов в плане программы")


class DiaryEntryAdded(PairFollowUp):
    entry_id: str
    month: str = Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="месяц записи, ГГГГ-ММ")


class HalfYearReportChanged(PairFollowUp):
    report_id: str
    period: str = Field(pattern=HALF_YEAR, description="полугодие, например 2026-H2")
    state: str = Field(description="submitted, accepted или returned (причина возврата — в API)")


class SubmissionChanged(Payload):
    """A municipality's frozen half-year monitoring report submitted, or reopened by the region (reason in the API)."""

    submission_id: str
    municipality_id: str
    region_id: str
    period: str = Field(pattern=HALF_YEAR, description="полугодие, например 2026-H1")
    period_start: date
    period_end: date
    version: int = Field(ge=1, description="новая версия сдаётся после возврата на доработку")
    state: str = Field(description="submitted или reopened")
    sha256: str = Field(description="SHA-256 замороженного XLSX, который отдаёт API")
    occurred_at: datetime
    actor: str | None = Field(None, json_schema_extra=personal(
        "кто сдал или вернул отчёт (роль:идентификатор учётной записи, без имени): журнал действий"))


SCHEMA_DIR = Path(__file__).parent / "schemas"

CATALOG: dict[str, type[Payload]] = {
    "mentoring.organization.upserted": OrganizationUpserted,
    "mentoring.mentor.registered": MentorChanged,
    "mentoring.mentor.updated": MentorChanged,
    "mentoring.mentor.withdrawn": MentorChanged,
    "mentoring.mentor.erased": MentorChanged,  # name pseudonymised on request or by retention: replace it everywhere
    "mentoring.mentee.registered": MenteeChanged,
    "mentoring.mentee.updated": MenteeChanged,
    "mentoring.mentee.withdrawn": MenteeChanged,
    "mentoring.mentee.erased": MenteeChanged,
    "mentoring.run.requested": RunRequested,
    "mentoring.run.completed": RunCompleted,
    "mentoring.run.failed": RunFailed,
    "mentoring.registry.checkpoint": RegistryCheckpoint,
    "mentoring.pair.proposed": PairChanged,
    "mentoring.pair.declined": PairChanged,
    "mentoring.pair.confirmed": PairChanged,
    "mentoring.pair.activated": PairChanged,
    "mentoring.pair.extended": PairChanged,
    "mentoring.pair.completed": PairChanged,
    "mentoring.pair.terminated": PairChanged,
    "mentoring.pair.expired": PairChanged,
    "mentoring.pair.withdrawn": PairChanged,
    "mentoring.pair.program_set": ProgramSet,
    "mentoring.pair.diary_entry_added": DiaryEntryAdded,
    "mentoring.pair.report_submitted": HalfYearReportChanged,
    "mentoring.pair.report_accepted": HalfYearReportChanged,
    "mentoring.pair.report_returned": HalfYearReportChanged,
    "mentoring.submission.submitted": SubmissionChanged,
    "mentoring.submission.reopened": SubmissionChanged,
}


# Who may publish what: each service's relay publishes its own subjects and nothing else (the broker's permissions
# in every configuration are generated from this table). Keep it in step with CATALOG
# (tests/unit/test_event_catalog.py).
PUBLISHERS: dict[str, tuple[str, ...]] = {
    "registry": ("mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>", "mentoring.registry.>"),
    "matching": ("mentoring.run.>", "mentoring.pair.>"),
    "reports": ("mentoring.submission.>",),
}

# The subjects an integrator may subscribe to. Run requests and the registry's checkpoints are the services' own
# hand-over (who asked for a run, where the registry stood) and stay internal.
INTERNAL_TYPES = frozenset({"mentoring.run.requested", "mentoring.registry.checkpoint"})
PUBLIC_SUBJECTS: tuple[str, ...] = (
    "mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>", "mentoring.pair.>",
    "mentoring.run.completed", "mentoring.run.failed", "mentoring.submission.>",
)


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, a final `>` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or (token != "*" and token != have[index]):
            return False
    return len(want) == len(have)


def json_schema(type_: str) -> dict[str, Any]:
    """The JSON Schema of one event type's `data`, as published in `shared/schemas/`."""
    schema = CATALOG[type_].model_json_schema()
    schema["$id"] = f"urn:mentoring:event:{type_}"
    schema["title"] = type_
    return schema
