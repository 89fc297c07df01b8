"""Response models of the matching API: what each answer carries, as published in OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.matching.api.review_responses import DecisionCounts, PinRefused, RunChanges, UnmetDemandOut


class Page(BaseModel):
    next_cursor: str | None = Field(None, description="Передайте в `cursor`, чтобы получить следующую страницу")


class CostTermOut(BaseModel):
    name: str
    label: str
    value: int


class UnmatchedOut(BaseModel):
    mentee_id: str
    full_name: str
    reason: str = Field(description="что сделать, чтобы наставляемый нашёл наставника")


class ChildrenCounts(BaseModel):
    total: int = Field(description="регионов в общем запуске")
    succeeded: int
    failed: int


class ChildRunOut(BaseModel):
    """One region's run inside a run over several regions."""

    id: str
    region_id: str
    status: str
    phase: str | None
    progress: float
    attempts: int
    error: str | None
    matched: int | None = None
    mentees_in_scope: int | None = None
    total_s: float | None = None


class RunSummary(BaseModel):
    """A run; figures (`counts` … `unmet_demand`) appear once it has succeeded; a draft's review fields
    (`publication`, `decisions`, …) say where the operators' review stands. A run over several regions
    (`scope` all or regions) counts its regions' runs in `children` and sums their figures as they finish."""

    id: str
    scope: str
    parent_id: str | None = Field(None, description="общий запуск, частью которого является этот запуск региона")
    regions: list[str] | None = Field(None, description="общий запуск по списку: его регионы")
    registry_position: int | None = Field(
        None, description="позиция реестра, изменения до которой запуск видел (ждал их перед подбором)")
    children: ChildrenCounts | None = None
    dry_run: bool
    draft: bool = False
    publication: Literal["review", "published", "discarded"] | None = Field(
        None, description="черновик: review — на проверке, published — опубликован, discarded — отменён; "
                          "обычный запуск: null")
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    input_hash: str | None = Field(None, description="черновик: отпечаток данных, на которых он посчитан")
    decisions: DecisionCounts | None = Field(None, description="черновик: предложения по решениям")
    status: str
    phase: str | None
    progress: float
    attempts: int
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    options: dict[str, Any]
    error: str | None
    counts: dict[str, Any] | None = None
    total_cost: int | None = None
    weights: dict[str, int | None] | None = None
    graph: dict[str, Any] | None = None
    timings: dict[str, float] | None = None
    pins_refused: list[PinRefused] | None = None
    changes: RunChanges | None = None
    unmet_demand: list[UnmetDemandOut] | None = None


class RunOut(RunSummary):
    unmatched: list[UnmatchedOut] | None = None
    child_runs: list[ChildRunOut] | None = Field(None, description="общий запуск: запуски его регионов")


class RunList(Page):
    items: list[RunSummary]


class ProposalOut(BaseModel):
    """A proposal of a run: a pair it wrote, or a draft's proposal (with `proposal_id`, `decision`, `change`,
    `pinned`; `pair_id` and `state` once published)."""

    pair_id: str | None
    state: str | None
    proposal_id: str | None = None
    decision: Literal["pending", "approved", "dropped"] | None = None
    change: Literal["new", "kept"] | None = None
    pinned: bool = False
    cost: int
    mentee_id: str
    mentee_name: str
    mentor_id: str
    mentor_name: str
    organization_id: str = Field(description="школа наставляемого")
    mentor_organization_id: str
    mentee_organization: str
    mentor_organization: str
    subject: str | None
    stage: str | None
    terms: list[CostTermOut]


class ProposalList(Page):
    items: list[ProposalOut]
    total: int = Field(description="сколько предложений подходит под фильтры, на всех страницах")


class MatchingStatus(BaseModel):
    organizations: int
    mentors: int
    mentees: int
    open_pairs: int
    runs: int


class SuggestionOut(BaseModel):
    rank: int
    mentor_id: str
    full_name: str
    organization_id: str
    organization_name: str
    municipality_name: str
    subjects: list[str]
    stages: list[str]
    capacity: int
    free_load: int
    cost: int
    terms: list[CostTermOut]


class Suggestions(BaseModel):
    mentee_id: str
    full_name: str
    items: list[SuggestionOut]
    weights: dict[str, int | None]


class PairOut(BaseModel):
    id: str
    version: int
    state: str
    state_label: str
    allowed_actions: list[str]
    mentor_id: str
    mentee_id: str
    run_id: str | None
    group_id: str | None
    form: str
    role_model: str
    cost: int
    region_id: str
    municipality_id: str
    organization_id: str
    mentor_organization_id: str
    mentee_category: str
    mentee_subject: str | None
    mentee_stage: str | None
    mentee_is_student: bool
    proposed_at: datetime
    expires_at: datetime | None
    confirmed_at: datetime | None
    mentor_consent_on: date | None
    mentee_consent_on: date | None
    order_number: str | None
    order_date: date | None
    curator_name: str | None
    started_on: date | None
    planned_end_on: date | None
    ended_at: datetime | None
    result: str | None
    result_text: str | None
    reason: str | None
    ended_by: str | None
    override_reason: str | None
    extensions: int
    updated_at: datetime
    updated_by: str


class NamedPairOut(PairOut):
    mentor_name: str
    mentee_name: str
    organization_name: str
    mentor_organization_name: str


class PairList(Page):
    items: list[NamedPairOut]


class PairsSummary(BaseModel):
    total: int
    by_state: dict[str, int] = Field(description="число пар в каждом состоянии, нули тоже")


class ProgramOut(BaseModel):
    pair_id: str
    goals: str
    deficits: str | None
    form: str
    role_model: str
    format: str
    meeting_schedule: str | None
    updated_at: datetime
    updated_by: str


class PlanItemOut(BaseModel):
    id: str
    pair_id: str
    title: str
    due_on: date
    done_on: date | None


class DiaryOut(BaseModel):
    id: str
    pair_id: str
    month: str
    text: str
    author: str
    created_at: datetime


class ReportOut(BaseModel):
    id: str
    pair_id: str
    period: str
    text: str
    status: str
    curator_comment: str | None
    submitted_at: datetime
    decided_at: datetime | None


class OverdueItem(BaseModel):
    id: str
    title: str
    due_on: date


class Attention(BaseModel):
    overdue_plan_items: list[OverdueItem]
    missing_diary_month: str | None = Field(description="ГГГГ-ММ прошлого месяца, если записи дневника нет")
    needs_attention: bool


class ProgramView(BaseModel):
    program: ProgramOut | None
    plan: list[PlanItemOut]
    diary: list[DiaryOut]
    reports: list[ReportOut]
    attention: Attention


class PairDetail(NamedPairOut, ProgramView):
    """A pair with its program, plan, diary, reports and what needs the curator's attention."""


class AttentionItem(Attention):
    pair_id: str
    mentor_id: str
    mentee_id: str
    organization_id: str
    mentor_name: str
    mentee_name: str
    organization_name: str
    mentor_organization_name: str


class AttentionList(BaseModel):
    items: list[AttentionItem]
