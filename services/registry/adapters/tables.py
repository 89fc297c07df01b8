"""Tables owned by the registry service (its own metadata: no service reads another's tables)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.consumer import inbox_table
from shared.events import utcnow
from shared.outbox import Outbox, outbox_table
from shared.types import code_list_column, new_id, timestamp_column


class RegistryModel(SQLModel, registry=registry()):
    """Base of every registry table."""


class Municipality(RegistryModel, table=True):
    __tablename__ = "registry_municipality"
    __table_args__ = (UniqueConstraint("region_id", "normalized_name", name="uq_registry_municipality_name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)


class Organization(RegistryModel, table=True):
    __tablename__ = "registry_organization"
    __table_args__ = (UniqueConstraint("region_id", "normalized_name", name="uq_registry_organization_name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region_id: str = Field(max_length=36, index=True)
    municipality_id: str = Field(max_length=36, index=True, foreign_key="registry_municipality.id")
    name: str = Field(max_length=500)
    normalized_name: str = Field(max_length=500)
    kind: str = Field(default="school", max_length=30)
    teachers: int = 0
    young_specialists: int = 0
    students: int = 0
    mentoring_page_url: str | None = Field(default=None, max_length=500)
    has_curator: bool = False
    curator_name: str | None = Field(default=None, max_length=300)
    curator_position: str | None = Field(default=None, max_length=300)
    curator_trained: bool = False
    curator_trained_on: date | None = None
    head_name: str | None = Field(default=None, max_length=300)
    head_position: str | None = Field(default=None, max_length=300)
    status: str = Field(default="active", max_length=20)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_by: str = Field(default="system", max_length=200)


class Mentor(RegistryModel, table=True):
    """A bank entry: the columns of the seed's model bank plus what matching and reports need."""

    __tablename__ = "registry_mentor"
    __table_args__ = (
        Index("ix_registry_mentor_key", "organization_id", "normalized_name"),
        Index("ix_registry_mentor_list", "region_id", "normalized_name", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36, index=True)
    organization_id: str = Field(max_length=36, foreign_key="registry_organization.id")
    full_name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)
    subjects: list[str] = Field(default_factory=list, sa_column=code_list_column())
    stages: list[str] = Field(default_factory=list, sa_column=code_list_column())
    directions: list[str] = Field(default_factory=list, sa_column=code_list_column())
    mentee_categories: list[str] = Field(default_factory=list, sa_column=code_list_column())
    mentee_experience_min: int | None = None
    mentee_experience_max: int | None = None
    mentee_qualification: str | None = Field(default=None, max_length=20)
    qualification_category: str = Field(default="none", max_length=20)
    experience_years: int | None = None
    honours: str | None = Field(default=None, sa_column=Column(Text))
    formats: list[str] = Field(default_factory=list, sa_column=code_list_column())
    capacity: int = 1
    trained: bool = False
    trained_on: date | None = None
    email: str | None = Field(default=None, max_length=300, index=True)
    page_url: str | None = Field(default=None, max_length=500)
    consent_processing: bool = True
    consent_processing_on: date | None = None
    consent_publication: bool = False
    status: str = Field(default="active", max_length=20)
    erased_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    created_by: str = Field(default="system", max_length=200)
    updated_by: str = Field(default="system", max_length=200)


class Mentee(RegistryModel, table=True):
    """A mentee with the request (directions, deficits) the matching reads."""

    __tablename__ = "registry_mentee"
    __table_args__ = (
        Index("ix_registry_mentee_key", "organization_id", "normalized_name"),
        Index("ix_registry_mentee_list", "region_id", "normalized_name", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36, index=True)
    organization_id: str = Field(max_length=36, foreign_key="registry_organization.id")
    full_name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)
    subject: str | None = Field(default=None, max_length=50)
    extra_subjects: list[str] = Field(default_factory=list, sa_column=code_list_column())
    stage: str | None = Field(default=None, max_length=30)
    experience_years: int | None = None
    category: str = Field(default="young_specialist", max_length=50)
    qualification_category: str | None = Field(default=None, max_length=20)
    is_student: bool = False
    directions: list[str] = Field(default_factory=list, sa_column=code_list_column())
    deficits: str | None = Field(default=None, sa_column=Column(Text))
    formats: list[str] = Field(default_factory=list, sa_column=code_list_column())
    preferred_mentor_name: str | None = Field(default=None, max_length=300)
    preferred_mentor_ids: list[str] = Field(default_factory=list, sa_column=code_list_column())
    email: str | None = Field(default=None, max_length=300)
    consent_processing: bool = True
    consent_processing_on: date | None = None
    status: str = Field(default="active", max_length=20)
    erased_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    created_by: str = Field(default="system", max_length=200)
    updated_by: str = Field(default="system", max_length=200)


class Application(RegistryModel, table=True):
    """A teacher's application from the public bank, waiting for a school's curator: a nomination (to become a
    mentor: the applicant's school decides) or a request for a published mentor (the mentor's school decides)."""

    __tablename__ = "registry_application"
    __table_args__ = (
        Index("ix_registry_application_list", "organization_id", "status", "created_at"),
        Index("ix_registry_application_sender", "sender_key", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=20)
    status: str = Field(default="new", max_length=20)
    region_id: str = Field(max_length=36)
    municipality_id: str = Field(max_length=36, index=True)
    organization_id: str = Field(max_length=36, foreign_key="registry_organization.id")
    applicant_organization_id: str = Field(max_length=36, foreign_key="registry_organization.id")
    mentor_id: str | None = Field(default=None, max_length=36, foreign_key="registry_mentor.id")
    full_name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)
    email: str = Field(max_length=300)
    subjects: list[str] = Field(default_factory=list, sa_column=code_list_column())
    stages: list[str] = Field(default_factory=list, sa_column=code_list_column())
    directions: list[str] = Field(default_factory=list, sa_column=code_list_column())
    formats: list[str] = Field(default_factory=list, sa_column=code_list_column())
    experience_years: int | None = None
    qualification_category: str | None = Field(default=None, max_length=20)
    capacity: int | None = None
    mentee_category: str | None = Field(default=None, max_length=50)
    message: str | None = Field(default=None, sa_column=Column(Text))
    consent_processing_on: date
    consent_publication: bool = False
    sender_key: str = Field(max_length=64)
    person_id: str | None = Field(default=None, max_length=36)
    decline_reason: str | None = Field(default=None, sa_column=Column(Text))
    decided_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    decided_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    erased_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class AuditRecord(RegistryModel, table=True):
    """Who changed which record, when, and what changed."""

    __tablename__ = "registry_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False, index=True))
    actor: str = Field(max_length=200, index=True)
    entity: str = Field(max_length=30)
    entity_id: str = Field(max_length=36, index=True)
    action: str = Field(max_length=30)
    changes: str | None = Field(default=None, sa_column=Column(Text))


metadata = RegistryModel.metadata
outbox = Outbox(outbox_table(metadata, "registry"))
inbox = inbox_table(metadata, "registry")
