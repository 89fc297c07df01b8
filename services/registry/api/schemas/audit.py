"""Models of the audit log's route."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.registry.api.schemas.common import Page
from shared.fields import Query


class AuditQuery(Query):
    entity_id: str | None = Field(None, max_length=36)
    actor: str | None = Field(None, max_length=200)
    cursor: str | None = Field(None, pattern=r"^[0-9]{1,18}$", description="next_cursor предыдущей страницы")
    limit: int = Field(100, ge=1, le=500)


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict | None


class AuditList(Page):
    items: list[AuditOut]
