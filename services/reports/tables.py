"""Tables owned by the reports service (its own metadata: no service reads another's tables)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.consumer import inbox_table


class ReportsModel(SQLModel, registry=registry()):
    """Base of every reports table."""


metadata = ReportsModel.metadata
inbox = inbox_table(metadata, "reports")
