"""Tables owned by the reports service: the projection of registry and pair events, assessments, the monitoring
submissions and the outbox of their events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.consumer import inbox_table
from shared.events import utcnow
from shared.outbox import Outbox, outbox_table
from shared.types import timestamp_column


class ReportsModel(SQLModel, registry=registry()):
    """Base of every reports table."""


class OrganizationRow(ReportsModel, table=True):
    __tablename__ = "reports_organization"

    id: str = Field(primary_key=True, max_length=36)
    version: int
    name: str = Field(max_length=500)
    municipality_id: str = Field(max_length=36, index=True)
    municipality_name: str = Field(max_length=300)
    region_id: str = Field(max_length=36, index=True)
    teachers: int = 0
    young_specialists: int = 0
    students: int = 0
    has_mentoring_page: bool = False
    status: str = Field(default="active", max_length=20)
    has_curator: bool = False
    curator_trained: bool = False
    curator_trained_on: date | None = None


class MentorRow(ReportsModel, table=True):
    __tablename__ = "reports_mentor"

    id: str = Field(primary_key=True, max_length=36)
    version: int
    organization_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    region_id: str = Field(max_length=36, index=True)
    trained: bool = False
    trained_on: date | None = None
    capacity: int = 1
    status: str = Field(max_length=20)
    registered_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class MenteeRow(ReportsModel, table=True):
    __tablename__ = "reports_mentee"

    id: str = Field(primary_key=True, max_length=36)
    version: int
    organization_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    region_id: str = Field(max_length=36, index=True)
    category: str = Field(max_length=50)
    is_student: bool = False
    subject: str | None = Field(default=None, max_length=50)
    stage: str | None = Field(default=None, max_length=30)
    status: str = Field(max_length=20)
    registered_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class PairRow(ReportsModel, table=True):
    """The latest known state of each pair, with the dates the period rules need."""

    __tablename__ = "reports_pair"
    __table_args__ = (Index("ix_reports_pair_scope", "region_id", "municipality_id", "organization_id"),)

    id: str = Field(primary_key=True, max_length=36)
    version: int
    state: str = Field(max_length=20)
    mentor_id: str = Field(max_length=36)
    mentee_id: str = Field(max_length=36)
    organization_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36)
    region_id: str = Field(max_length=36)
    mentee_category: str = Field(max_length=50)
    mentee_is_student: bool = False
    mentee_subject: str | None = Field(default=None, max_length=50)
    mentee_stage: str | None = Field(default=None, max_length=30)
    result: str | None = Field(default=None, max_length=30)
    proposed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    confirmed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class Freshness(ReportsModel, table=True):
    """One row: the last event applied, its own time and when it was applied (for the lag)."""

    __tablename__ = "reports_freshness"

    id: int = Field(default=1, primary_key=True)
    events_applied: int = 0
    last_event_id: str | None = Field(default=None, max_length=36)
    last_event_type: str | None = Field(default=None, max_length=100)
    last_event_time: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    applied_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class AssessmentRow(ReportsModel, table=True):
    """A municipal self-assessment (seed 000: 10 criteria, 0–2 points) for one period."""

    __tablename__ = "reports_assessment"
    __table_args__ = (Index("uq_reports_assessment", "municipality_id", "period", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: str = Field(max_length=36)
    period: str = Field(max_length=10)
    answers: str = Field(sa_column=Column(Text, nullable=False))
    total: int
    band: str = Field(max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_by: str = Field(max_length=200)


class TargetRow(ReportsModel, table=True):
    """A configured target of one indicator for a scope (or everywhere) and a year (or every year)."""

    __tablename__ = "reports_target"
    __table_args__ = (Index("uq_reports_target", "code", "scope", "year", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50)
    scope: str = Field(default="*", max_length=100)
    year: int = Field(default=0)
    value: float | None = None


class MunicipalFactRow(ReportsModel, table=True):
    """One record of a municipal fact of seed 000 (rows 4, 5, 7–12) with its evidence: a link or a small document
    kept in the row. Records are never overwritten: the latest one in force wins (`domain.municipal`)."""

    __tablename__ = "reports_municipal_fact"
    __table_args__ = (Index("ix_reports_municipal_fact_place", "region_id", "municipality_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50)
    municipality_id: str = Field(max_length=36)
    region_id: str = Field(max_length=36)
    value: float
    recorded_on: date
    evidence_url: str | None = Field(default=None, max_length=2000)
    evidence_name: str | None = Field(default=None, max_length=255)
    evidence_type: str | None = Field(default=None, max_length=100)
    evidence: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


metadata = ReportsModel.metadata
inbox = inbox_table(metadata, "reports")
outbox = Outbox(outbox_table(metadata, "reports"))
PROJECTION_TABLES = (OrganizationRow, MentorRow, MenteeRow, PairRow, Freshness)


class SubmissionRow(ReportsModel, table=True):
    """One frozen version of a municipality's half-year monitoring report: the figures and the XLSX as they were
    when submitted. The unique (municipality, period, version) lets at most one live version exist: a new version
    is stored only after the live one was reopened, and two submissions racing for it cannot both commit."""

    __tablename__ = "reports_submission"
    __table_args__ = (Index("uq_reports_submission", "municipality_id", "period", "version", unique=True),
                      Index("ix_reports_submission_region", "region_id", "period"))

    id: str = Field(primary_key=True, max_length=36)
    municipality_id: str = Field(max_length=36)
    municipality_name: str = Field(max_length=300)
    region_id: str = Field(max_length=36)
    period: str = Field(max_length=7)
    period_start: date
    period_end: date
    version: int
    status: str = Field(max_length=20)
    figures: str = Field(sa_column=Column(Text, nullable=False))
    workbook: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    submitted_by: str = Field(max_length=200)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


class SubmissionEventRow(ReportsModel, table=True):
    """The audit of the monitoring reports: who submitted, reopened (with the reason) or resubmitted, and when."""

    __tablename__ = "reports_submission_event"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: str = Field(max_length=36, index=True, foreign_key="reports_submission.id")
    action: str = Field(max_length=20)
    actor: str = Field(max_length=200)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
