"""What the indicator formulas return: an indicator with its target, and a group of the unmet demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reports.domain.period import Period


@dataclass(frozen=True)
class Indicator:
    """One indicator for one scope and period, with its target and whether it is met."""

    code: str
    label_ru: str
    value: float | None
    numerator: int | None
    denominator: int | None
    unit: str
    target: float | None
    met: bool | None
    as_of: datetime
    period: Period | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    number: int | None = None
    deadline_ru: str | None = None


@dataclass(frozen=True)
class DemandGroup:
    """Mentees without an open pair who share a subject, a stage and a municipality."""

    subject: str | None
    stage: str | None
    municipality_id: str
    mentees: int
