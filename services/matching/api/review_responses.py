"""Response models of a run's review: decisions, publication, withdrawal, and the figures a run adds for it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DecisionCounts(BaseModel):
    pending: int
    approved: int
    dropped: int


class PinRefused(BaseModel):
    mentor_id: str
    mentee_id: str
    reason: str = Field(description="почему пару нельзя закрепить")


class RunChanges(BaseModel):
    previous_run_id: str | None = Field(description="прошлый успешный запуск той же области (не пробный)")
    added: int
    removed: int
    kept: int


class UnmetDemandOut(BaseModel):
    subject: str | None
    subject_label: str
    stage: str | None
    stage_label: str
    count: int


class PublishSkipped(BaseModel):
    mentee_id: str
    mentee_name: str
    reason: str


class PublishOut(BaseModel):
    created: int = Field(description="создано предложенных пар")
    skipped: list[PublishSkipped] = Field(description="одобренные, но уже невозможные предложения")
    dropped: int = Field(description="отклонённых при проверке предложений")
    pending_left_out: int = Field(description="нерассмотренных предложений, не вошедших в публикацию")


class WithdrawOut(BaseModel):
    withdrawn: int


class OrganizationFacet(BaseModel):
    id: str
    name: str
    count: int


class SubjectFacet(BaseModel):
    code: str | None = Field(description="null — без предмета (направления деятельности)")
    label: str
    count: int


class ProposalFacets(BaseModel):
    """A run's proposals counted by each value of the list's filters; every list adds up to all proposals."""

    organizations: list[OrganizationFacet] = Field(description="по школе наставляемого, по названию")
    subjects: list[SubjectFacet]
    decisions: DecisionCounts = Field(description="черновик: по решению; обычный запуск: нули (решений нет)")
