"""Tables owned by the matching service: its read model of the registry, runs, and pairs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ColumnElement, Index, Text, false, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.matching.domain.workflow import OPEN
from shared.consumer import inbox_table
from shared.events import utcnow
from shared.outbox import Outbox, outbox_table
from shared.types import code_list_column, new_id, timestamp_column

OPEN_STATES = tuple(state.value for state in OPEN)  # proposed, confirmed, active
# An open pair, written out: SQLite uses the partial unique index of open pairs per mentee only for this condition in
# literals (a bound `state IN (?, ?, ?)` scans every pair per mentee: 100 s, not 30 ms, for 10k mentees, 1M pairs)
OPEN_PAIR = "state IN (" + ", ".join(f"'{state}'" for state in OPEN_STATES) + ")"


def is_open_pair() -> ColumnElement[bool]:
    """`matching_pair.state IN ('proposed', 'confirmed', 'active')`, as the partial index states it."""
    return text(f"matching_pair.{OPEN_PAIR}")  # type: ignore[return-value]


class MatchingModel(SQLModel, registry=registry()):
    """Base of every matching table."""


class OrganizationView(MatchingModel, table=True):
    """What matching needs of an organization, fed by `mentoring.organization.upserted`."""

    __tablename__ = "matching_organization"

    id: str = Field(primary_key=True, max_length=36)
    version: int
    name: str = Field(max_length=500)
    kind: str = Field(max_length=30)
    municipality_id: str = Field(max_length=36)
    municipality_name: str = Field(max_length=300)
    region_id: str = Field(max_length=36)
    status: str = Field(default="active", max_length=20)
    head_name: str | None = Field(default=None, max_length=300)
    head_position: str | None = Field(default=None, max_length=300)
    curator_name: str | None = Field(default=None, max_length=300)
    curator_position: str | None = Field(default=None, max_length=300)


class MentorView(MatchingModel, table=True):
    """A mentor as the matching reads it; `seq` grows on every change so caches refresh incrementally."""
    __tablename__ = "matching_mentor"
    __table_args__ = (Index("ix_matching_mentor_scope", "region_id", "municipality_id", "status"),)

    id: str = Field(primary_key=True, max_length=36)
    version: int
    seq: int = Field(default=0, index=True)
    status: str = Field(max_length=20)
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    organization_id: str = Field(max_length=36, index=True)
    full_name: str = Field(max_length=300)
    subjects: list[str] = Field(default_factory=list, sa_column=code_list_column())
    stages: list[str] = Field(default_factory=list, sa_column=code_list_column())
    directions: list[str] = Field(default_factory=list, sa_column=code_list_column())
    mentee_categories: list[str] = Field(default_factory=list, sa_column=code_list_column())
    mentee_experience_min: int | None = None
    mentee_experience_max: int | None = None
    mentee_qualification: str | None = Field(default=None, max_length=20)
    qualification_category: str = Field(default="none", max_length=20)
    experience_years: int | None = None
    trained: bool = False
    formats: list[str] = Field(default_factory=list, sa_column=code_list_column())
    capacity: int = 1
    consent_processing: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})


class MenteeView(MatchingModel, table=True):
    """A mentee as the matching reads it."""

    __tablename__ = "matching_mentee"
    __table_args__ = (Index("ix_matching_mentee_scope", "region_id", "municipality_id", "status"),)

    id: str = Field(primary_key=True, max_length=36)
    version: int
    status: str = Field(max_length=20)
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    organization_id: str = Field(max_length=36, index=True)
    full_name: str = Field(max_length=300)
    subject: str | None = Field(default=None, max_length=50)
    stage: str | None = Field(default=None, max_length=30)
    experience_years: int | None = None
    qualification_category: str | None = Field(default=None, max_length=20)
    category: str = Field(max_length=50)
    is_student: bool = False
    directions: list[str] = Field(default_factory=list, sa_column=code_list_column())
    formats: list[str] = Field(default_factory=list, sa_column=code_list_column())
    preferred_mentor_ids: list[str] = Field(default_factory=list, sa_column=code_list_column())
    consent_processing: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    registered_at: datetime = Field(sa_column=timestamp_column(nullable=False))


class ReadModelClock(MatchingModel, table=True):
    """One row of counters: mentor changes and pair changes (suggestion caches compare against them)."""

    __tablename__ = "matching_clock"

    id: int = Field(default=1, primary_key=True)
    mentor_seq: int = 0
    pair_seq: int = 0


class Run(MatchingModel, table=True):
    """A bulk matching job and, when done, its figures."""

    __tablename__ = "matching_run"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    scope: str = Field(max_length=100)
    scope_kind: str = Field(max_length=20)
    scope_id: str = Field(max_length=36)
    dry_run: bool = False
    options: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", max_length=20, index=True)
    phase: str | None = Field(default=None, max_length=50)
    progress: float = 0.0
    attempts: int = 0
    requested_by: str = Field(max_length=200)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    result: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    draft: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    publication: str | None = Field(default=None, max_length=20)  # drafts: review, published, discarded
    input_hash: str | None = Field(default=None, max_length=64)  # drafts: what the solve read (run_inputs)
    reviewed_by: str | None = Field(default=None, max_length=200)
    reviewed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    published_by: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # a run over several regions is a parent (scope "all" or "regions", its regions listed) with a child per region
    parent_id: str | None = Field(default=None, max_length=36, index=True)
    regions: str | None = Field(default=None, sa_column=Column(Text))
    # the registry's position once the read model held every registry change committed before the request
    registry_position: int | None = Field(default=None, sa_column=Column(BigInteger))


class RunProposal(MatchingModel, table=True):
    """A proposal kept with its draft run until the operators publish it: placed like the pair it may become."""

    __tablename__ = "matching_run_proposal"
    __table_args__ = (
        Index("ix_matching_run_proposal_page", "run_id", "cost", "id"),
        Index("uq_matching_run_proposal_mentee", "run_id", "mentee_id", unique=True),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    run_id: str = Field(max_length=36)
    mentor_id: str = Field(max_length=36)
    mentee_id: str = Field(max_length=36)
    cost: int = 0
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    organization_id: str = Field(max_length=36)
    mentor_organization_id: str = Field(max_length=36)
    mentee_category: str = Field(max_length=50)
    mentee_subject: str | None = Field(default=None, max_length=50)
    mentee_stage: str | None = Field(default=None, max_length=30)
    mentee_is_student: bool = False
    decision: str = Field(default="pending", max_length=20)  # pending, approved, dropped
    change: str = Field(default="new", max_length=10)  # against the previous run of the scope: new, kept
    pinned: bool = False
    pair_id: str | None = Field(default=None, max_length=36)  # the pair it became on publication


class Pair(MatchingModel, table=True):
    """A mentoring pair from proposal to its end; a group is several pairs with one mentor and a group id."""

    __tablename__ = "matching_pair"
    __table_args__ = (
        Index("uq_matching_pair_open_mentee", "mentee_id", unique=True,
              postgresql_where=text(OPEN_PAIR), sqlite_where=text(OPEN_PAIR)),
        Index("ix_matching_pair_mentor_state", "mentor_id", "state"),
        Index("ix_matching_pair_run", "run_id", "cost", "id"),
        Index("ix_matching_pair_scope", "region_id", "municipality_id", "organization_id", "state"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    version: int = 1
    state: str = Field(default="proposed", max_length=20)
    mentor_id: str = Field(max_length=36)
    mentee_id: str = Field(max_length=36)
    run_id: str | None = Field(default=None, max_length=36)
    group_id: str | None = Field(default=None, max_length=36, index=True)
    form: str = Field(default="traditional", max_length=30)
    role_model: str = Field(default="teacher_teacher", max_length=30)
    cost: int = 0
    cost_terms: str | None = Field(default=None, sa_column=Column(Text))
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    organization_id: str = Field(max_length=36)
    mentor_organization_id: str = Field(max_length=36)
    mentee_category: str = Field(max_length=50)
    mentee_subject: str | None = Field(default=None, max_length=50)
    mentee_stage: str | None = Field(default=None, max_length=30)
    mentee_is_student: bool = False
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    confirmed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    mentor_consent_on: date | None = None
    mentee_consent_on: date | None = None
    order_number: str | None = Field(default=None, max_length=100)
    order_date: date | None = None
    curator_name: str | None = Field(default=None, max_length=300)
    started_on: date | None = None
    planned_end_on: date | None = None
    ended_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    result: str | None = Field(default=None, max_length=30)
    result_text: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    ended_by: str | None = Field(default=None, max_length=30)
    override_reason: str | None = Field(default=None, sa_column=Column(Text))
    extensions: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_by: str = Field(default="system", max_length=200)


class Program(MatchingModel, table=True):
    """The personalized mentoring program of a pair (персонализированная программа наставничества)."""

    __tablename__ = "matching_program"

    pair_id: str = Field(primary_key=True, max_length=36)
    goals: str = Field(sa_column=Column(Text, nullable=False))
    deficits: str | None = Field(default=None, sa_column=Column(Text))
    form: str = Field(default="traditional", max_length=30)
    role_model: str = Field(default="teacher_teacher", max_length=30)
    format: str = Field(default="in_person", max_length=20)
    meeting_schedule: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_by: str = Field(default="system", max_length=200)


class PlanItem(MatchingModel, table=True):
    """One item of a program's plan, with its due day and the day it was done."""

    __tablename__ = "matching_plan_item"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pair_id: str = Field(max_length=36, index=True)
    title: str = Field(max_length=500)
    due_on: date
    done_on: date | None = None


class DiaryEntry(MatchingModel, table=True):
    """A monthly diary entry of the mentor (one per pair and month)."""

    __tablename__ = "matching_diary_entry"
    __table_args__ = (Index("uq_matching_diary_month", "pair_id", "month", unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pair_id: str = Field(max_length=36)
    month: str = Field(max_length=7)
    text: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class HalfYearReport(MatchingModel, table=True):
    """A half-year report that the curator accepts or returns."""

    __tablename__ = "matching_half_year_report"
    __table_args__ = (Index("uq_matching_report_period", "pair_id", "period", unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    pair_id: str = Field(max_length=36)
    period: str = Field(max_length=7)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="submitted", max_length=20)
    curator_comment: str | None = Field(default=None, sa_column=Column(Text))
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


metadata = MatchingModel.metadata
outbox = Outbox(outbox_table(metadata, "matching"))
inbox = inbox_table(metadata, "matching")


class OrderTemplate(MatchingModel, table=True):
    """A municipality's own order template (a docxtpl .docx, checked on upload); the orders of its schools use it."""
    __tablename__ = "matching_order_template"
    municipality_id: str = Field(primary_key=True, max_length=36)
    content: bytes
    filename: str = Field(max_length=300)
    uploaded_by: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
