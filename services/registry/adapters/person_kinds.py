"""Mentors and mentees side by side: what differs between them for the use cases they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.registry.adapters.events import mentee_event, mentor_event
from services.registry.adapters.tables import Mentee, Mentor
from shared.config import Settings
from shared.events import CloudEvent


@dataclass(frozen=True)
class PersonKind:
    """A Mentor or a Mentee: its table, its name in the audit log, its Russian label and its event."""

    model: type[Mentor] | type[Mentee]
    entity: str
    label: str
    event: Callable[[Settings, Any, str], CloudEvent]  # the event of a row and an action, names sealed


MENTORS = PersonKind(Mentor, "mentor", "Наставник", mentor_event)
MENTEES = PersonKind(Mentee, "mentee", "Наставляемый", mentee_event)
