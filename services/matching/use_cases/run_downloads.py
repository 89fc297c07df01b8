"""A run as workbooks for the schools: its proposals (or pairs) with the cost in words, and its unmatched mentees."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, OrganizationView, Pair, RunProposal
from services.matching.domain.run_figures import NO_STAGE_LABEL, NO_SUBJECT_LABEL, STAGE_LABELS, SUBJECT_LABELS
from services.matching.domain.weights import Weights
from services.matching.domain.workflow import STATE_LABELS, State
from services.matching.use_cases.run_proposals import explained
from services.matching.use_cases.runs import visible_run
from shared.auth import Principal
from shared.xlsx import for_people, one_sheet, to_bytes

CHUNK = 2000
DECISION_LABELS = {"pending": "не рассмотрено", "approved": "одобрено", "dropped": "отклонено"}
PROPOSAL_HEADER = ("Школа наставляемого", "Наставляемый", "Наставник", "Школа наставника", "Предмет",
                   "Уровень образования", "Решение", "Состояние пары", "Стоимость", "Почему эта пара")
PROPOSAL_WIDTHS = (36, 32, 32, 36, 22, 22, 16, 22, 11, 70)
UNMATCHED_HEADER = ("Наставляемый", "Школа", "Предмет", "Уровень образования", "Причина")
UNMATCHED_WIDTHS = (32, 36, 22, 22, 70)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _subject(code: str | None) -> str:
    return SUBJECT_LABELS.get(code, code) if code else NO_SUBJECT_LABEL


def _stage(code: str | None) -> str:
    return STAGE_LABELS.get(code, code) if code else NO_STAGE_LABEL


def proposals_workbook(session: Session, principal: Principal, run_id: str) -> bytes:
    """One row per proposal of a draft (its decision) or pair of a run (its state), by school and mentee."""
    run = visible_run(session, principal, run_id)
    model: Any = RunProposal if run.draft else Pair
    records = list(session.exec(select(model).where(model.run_id == run.id).order_by(model.cost, model.id)).all())
    weights = Weights(**json.loads(run.result).get("weights", {})) if run.result else Weights()  # none: a parent run
    items = [item for chunk in _chunks(records) for item in explained(session, list(chunk), weights)]
    items.sort(key=lambda i: (i["mentee_organization"], i["mentee_name"], i["mentor_name"]))
    rows = [(i["mentee_organization"], i["mentee_name"], i["mentor_name"], i["mentor_organization"],
             _subject(i["subject"]), _stage(i["stage"]), DECISION_LABELS.get(i["decision"] or "", ""),
             STATE_LABELS[State(i["state"])] if i["state"] else "", i["cost"],
             "; ".join(f"{t['label']} ({t['value']:+d})" for t in i["terms"])) for i in items]
    return to_bytes(one_sheet("Предложения", PROPOSAL_HEADER, rows, PROPOSAL_WIDTHS, write_cell=for_people))


def unmatched_workbook(session: Session, principal: Principal, run_id: str) -> bytes:
    """One row per mentee the run left without a mentor, with the school, the request and the reason."""
    run = visible_run(session, principal, run_id)
    unmatched = json.loads(run.result).get("unmatched", []) if run.result else []
    mentees: dict[str, MenteeView] = {}
    for chunk in _chunks([u["mentee_id"] for u in unmatched]):
        mentees.update((m.id, m) for m in session.exec(select(MenteeView).where(MenteeView.id.in_(chunk))))
    schools = dict(session.exec(select(OrganizationView.id, OrganizationView.name).where(
        OrganizationView.id.in_({m.organization_id for m in mentees.values()}))).all())
    rows = []
    for u in unmatched:
        mentee = mentees.get(u["mentee_id"])
        rows.append((u["full_name"], schools.get(mentee.organization_id, "") if mentee else "",
                     _subject(mentee.subject) if mentee else "", _stage(mentee.stage) if mentee else "",
                     u["reason"]))
    rows.sort(key=lambda row: (row[1], row[0]))
    return to_bytes(one_sheet("Без наставника", UNMATCHED_HEADER, rows, UNMATCHED_WIDTHS, write_cell=for_people))
