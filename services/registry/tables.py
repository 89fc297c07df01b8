"""Tables owned by the registry service (its own metadata: no service reads another's tables)."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.outbox import Outbox, outbox_table


class RegistryModel(SQLModel, registry=registry()):
    """Base of every registry table."""


metadata = RegistryModel.metadata
outbox = Outbox(outbox_table(metadata, "registry"))
