"""An erased person's name in the matching service beyond its read model: the unmatched lists of runs' results,
and the free texts of the person's pairs (programs, plans, diaries, half-year reports, reasons), where it may
have been typed. The read model's copy is replaced by the `erased` event itself (`read_model`)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from services.matching.adapters.tables import DiaryEntry, HalfYearReport, Pair, PlanItem, Program, Run

PAIR_TEXTS: tuple[tuple[Any, Any, tuple[str, ...]], ...] = (
    (Pair, Pair.id, ("reason", "result_text", "override_reason")),
    (Program, Program.pair_id, ("goals", "deficits", "meeting_schedule")),
    (PlanItem, PlanItem.pair_id, ("title",)),
    (DiaryEntry, DiaryEntry.pair_id, ("text", "author")),
    (HalfYearReport, HalfYearReport.pair_id, ("text", "curator_comment")),
)


def scrub_run_results(session: Session, mentee_id: str, name: str) -> int:
    """Rewrite the name of this mentee in every run result listing them (`unmatched`: id, name, reason)."""
    runs = session.exec(select(Run).where(Run.result.contains(f'"{mentee_id}"'))).all()  # type: ignore[union-attr]
    for run in runs:
        result = json.loads(run.result or "{}")
        for entry in result.get("unmatched", []):
            if entry.get("mentee_id") == mentee_id:
                entry["full_name"] = name
        run.result = json.dumps(result, ensure_ascii=False)
        session.add(run)
    return len(runs)


def scrub_pair_texts(session: Session, person: Any, person_id: str, old_name: str, name: str) -> None:
    """Replace the old name by the pseudonym in the free texts of every pair of the person (`person`: the pair's
    mentor or mentee column): SQL `replace`, so untouched texts are not read."""
    if not old_name or old_name == name:
        return
    pairs = select(Pair.id).where(person == person_id).scalar_subquery()
    for model, pair_column, columns in PAIR_TEXTS:
        for column_name in columns:
            column = getattr(model, column_name)
            session.execute(update(model).where(pair_column.in_(pairs), column.contains(old_name))
                            .values({column_name: func.replace(column, old_name, name)}))
