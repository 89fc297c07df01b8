"""The program of a pair: goals, plan with due dates, monthly diary, half-year reports, and what is overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.matching.adapters.program_events import diary_entry_added, program_set, report_changed
from services.matching.adapters.tables import DiaryEntry, HalfYearReport, MentorView, Pair, PlanItem, Program
from services.matching.domain.program_attention import attention
from services.matching.use_cases.pair_access import WRITERS, covers, lock_pair
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound
from shared.events import utcnow

WORKING = ("confirmed", "active")


def _writable_pair(uow: UnitOfWork, principal: Principal, pair_id: str, states: tuple[str, ...] = WORKING,
                   people: tuple[Role, ...] = ()) -> Pair:
    """The pair, locked, for a writer in scope or for one of its own `people` (the mentor or the mentee it names)."""
    principal.require(*WRITERS, *people)
    pair = lock_pair(uow.session, pair_id)
    if not covers(principal, pair):
        raise NotFound(f"Пара {pair_id} не найдена")
    if pair.state not in states:
        raise Conflict(f"Программа ведётся для утверждённых и работающих пар; эта пара: {pair.state}",
                       current_state=pair.state)
    return pair


def save_program(uow: UnitOfWork, principal: Principal, pair_id: str, data: dict[str, Any]) -> Program:
    """Create or replace the program; plan items given here replace the open ones."""
    pair = _writable_pair(uow, principal, pair_id)
    session = uow.session
    program = session.get(Program, pair.id) or Program(pair_id=pair.id, goals="")
    for name in ("goals", "deficits", "form", "role_model", "format", "meeting_schedule"):
        if name in data and data[name] is not None:
            setattr(program, name, data[name])
    program.updated_at, program.updated_by = utcnow(), principal.actor
    session.add(program)
    pair.form, pair.role_model = program.form, program.role_model
    if data.get("plan") is not None:
        for item in session.exec(select(PlanItem).where(PlanItem.pair_id == pair.id, PlanItem.done_on.is_(None))):
            session.delete(item)
        for item in data["plan"]:
            session.add(PlanItem(pair_id=pair.id, title=item["title"], due_on=item["due_on"],
                                 done_on=item.get("done_on")))
    items = session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.pair_id == pair.id)) or 0
    uow.publish(program_set(pair, program, int(items), principal.actor))
    uow.commit()
    return program


def mark_plan_item(uow: UnitOfWork, principal: Principal, pair_id: str, item_id: str, done_on: date | None) -> None:
    """Mark a plan item done on a day (or not done, with None): the curators, and the pair's mentee."""
    pair = _writable_pair(uow, principal, pair_id, people=(Role.MENTEE,))
    item = uow.session.get(PlanItem, item_id)
    if item is None or item.pair_id != pair.id:
        raise NotFound(f"Пункт плана {item_id} не найден")
    item.done_on = done_on
    uow.commit()


def add_diary(uow: UnitOfWork, principal: Principal, pair_id: str, month: str, text: str, author: str) -> DiaryEntry:
    """One diary entry a month (the mentor's monthly diary); a second one for the month is a 409. The pair's mentor
    writes it under their own name, whatever `author` says."""
    pair = _writable_pair(uow, principal, pair_id, ("active",), people=(Role.MENTOR,))
    if principal.role is Role.MENTOR:
        mentor = uow.session.get(MentorView, pair.mentor_id)
        author = mentor.full_name if mentor is not None and mentor.full_name else author
    if uow.session.exec(select(DiaryEntry.id).where(DiaryEntry.pair_id == pair.id, DiaryEntry.month == month)).first():
        raise Conflict(f"Запись дневника за {month} уже есть")
    entry = DiaryEntry(pair_id=pair.id, month=month, text=text, author=author)
    uow.session.add(entry)
    uow.publish(diary_entry_added(pair, entry, principal.actor))
    uow.commit()
    return entry


def submit_report(uow: UnitOfWork, principal: Principal, pair_id: str, period: str, text: str) -> HalfYearReport:
    """Submit (or resubmit, unless accepted) the half-year report of a period: the curators, and the pair's
    mentor who drafts it for the curator to accept or return."""
    pair = _writable_pair(uow, principal, pair_id, ("active", "completed"), people=(Role.MENTOR,))
    report = uow.session.exec(select(HalfYearReport).where(HalfYearReport.pair_id == pair.id,
                                                           HalfYearReport.period == period)).first()
    if report is not None and report.status == "accepted":
        raise Conflict(f"Отчёт за {period} уже принят")
    report = report or HalfYearReport(pair_id=pair.id, period=period, text=text)
    report.text, report.status, report.submitted_at, report.decided_at = text, "submitted", utcnow(), None
    uow.session.add(report)
    uow.publish(report_changed(pair, report, principal.actor))
    uow.commit()
    return report


def decide_report(uow: UnitOfWork, principal: Principal, pair_id: str, report_id: str, accept: bool,
                  comment: str | None) -> HalfYearReport:
    """The curator accepts the half-year report or returns it with a comment."""
    principal.require(Role.SCHOOL_CURATOR, Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    pair = _writable_pair(uow, principal, pair_id, ("active", "completed"))
    report = uow.session.get(HalfYearReport, report_id)
    if report is None or report.pair_id != pair.id:
        raise NotFound(f"Отчёт {report_id} не найден")
    if report.status != "submitted":
        raise Conflict(f"Отчёт уже {'принят' if report.status == 'accepted' else 'возвращён'}",
                       current_state=report.status)
    report.status = "accepted" if accept else "returned"
    report.curator_comment, report.decided_at = comment, utcnow()
    uow.publish(report_changed(pair, report, principal.actor))
    uow.commit()
    return report


def program_view(session: Session, pair: Pair, today: date) -> dict[str, Any]:
    """The program, plan, diary and reports of a pair, and what needs the curator's attention."""
    program = session.get(Program, pair.id)
    items = list(session.exec(select(PlanItem).where(PlanItem.pair_id == pair.id).order_by(PlanItem.due_on)).all())
    diary = list(session.exec(select(DiaryEntry).where(DiaryEntry.pair_id == pair.id).order_by(DiaryEntry.month)).all())
    reports = list(session.exec(select(HalfYearReport).where(HalfYearReport.pair_id == pair.id)
                                .order_by(HalfYearReport.period)).all())
    return {
        "program": program.model_dump(mode="json") if program else None,
        "plan": [i.model_dump(mode="json") for i in items],
        "diary": [d.model_dump(mode="json") for d in diary],
        "reports": [r.model_dump(mode="json") for r in reports],
        "attention": attention(pair.state, pair.started_on, items, {d.month for d in diary}, today),
    }


def needing_attention(session: Session, pairs: list[Pair], today: date) -> list[dict[str, Any]]:
    """Active pairs with overdue plan items or a missing diary for last month, with what is wrong."""
    ids = [p.id for p in pairs]
    items: dict[str, list[PlanItem]] = {}
    for item in session.exec(select(PlanItem).where(PlanItem.pair_id.in_(ids))):
        items.setdefault(item.pair_id, []).append(item)
    months: dict[str, set[str]] = {}
    for pair_id, month in session.exec(select(DiaryEntry.pair_id, DiaryEntry.month).where(DiaryEntry.pair_id.in_(ids))):
        months.setdefault(pair_id, set()).add(month)
    out = []
    for pair in pairs:
        flags = attention(pair.state, pair.started_on, items.get(pair.id, []), months.get(pair.id, set()), today)
        if flags["needs_attention"]:
            out.append({"pair_id": pair.id, "mentor_id": pair.mentor_id, "mentee_id": pair.mentee_id,
                        "organization_id": pair.organization_id, **flags})
    return out
