"""What a curator should look at in a working pair: overdue plan items and a missing diary for last month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol


class PlanItemFacts(Protocol):
    """What the rule reads of a plan item."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def due_on(self) -> date: ...

    @property
    def done_on(self) -> date | None: ...


def previous_month(today: date) -> str:
    """The month before `today` as ГГГГ-ММ."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def attention(state: str, started_on: date | None, items: Iterable[PlanItemFacts], diary_months: set[str],
              today: date) -> dict[str, Any]:
    """Overdue plan items, and last month's diary when an active pair that had started by then has none."""
    overdue = [{"id": i.id, "title": i.title, "due_on": i.due_on.isoformat()} for i in items
               if i.done_on is None and i.due_on < today]
    last = previous_month(today)
    started = started_on.strftime("%Y-%m") if started_on else None
    missing = state == "active" and started is not None and started <= last and last not in diary_months
    return {"overdue_plan_items": overdue, "missing_diary_month": last if missing else None,
            "needs_attention": bool(overdue) or missing}
