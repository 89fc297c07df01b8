"""Tables owned by the matching service (its own metadata: no service reads another's tables)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.consumer import inbox_table
from shared.outbox import Outbox, outbox_table


class MatchingModel(SQLModel, registry=registry()):
    """Base of every matching table."""


metadata = MatchingModel.metadata
outbox = Outbox(outbox_table(metadata, "matching"))
inbox = inbox_table(metadata, "matching")
