"""Pair use cases: manual creation under the matching rules, and every workflow transition with its event."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.matching import domain
from services.matching.adapters.tables import OPEN_STATES, MenteeView, MentorView, Pair, new_id
from services.matching.pair_events import pair_event
from services.matching.problem import MENTEE_COLUMNS, MENTOR_COLUMNS, build_problem, columns_of, open_load
from services.matching.read_model import bump_pair_seq
from services.matching.worker import lock_capacity
from services.matching.workflow import Action, Command, IllegalTransition, PairFacts, RuleViolation, State, decide
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import utcnow

WRITERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
OVERRIDERS = (Role.ADMIN, Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
EVENT_OF = {Action.CONFIRM: "confirmed", Action.DECLINE: "declined", Action.ACTIVATE: "activated",
            Action.EXTEND: "extended", Action.COMPLETE: "completed", Action.TERMINATE: "terminated",
            Action.EXPIRE: "expired"}
FREES_A_SLOT = {Action.DECLINE, Action.EXPIRE, Action.COMPLETE, Action.TERMINATE}


def lock_pair(session: Session, pair_id: str) -> Pair:
    pair = session.exec(select(Pair).where(Pair.id == pair_id).with_for_update()).first()
    if pair is None:
        raise NotFound(f"Пара {pair_id} не найдена")
    return pair


def visible_pair(session: Session, principal: Principal, pair_id: str) -> Pair:
    principal.require(*WRITERS, Role.INTEGRATOR)
    pair = session.get(Pair, pair_id)
    if pair is None or not covers(principal, pair):
        raise NotFound(f"Пара {pair_id} не найдена")
    return pair


def covers(principal: Principal, pair: Pair) -> bool:
    return principal.covers(organization_id=pair.organization_id, municipality_id=pair.municipality_id,
                            region_id=pair.region_id) or (principal.scope_kind == "organization"
                                                          and principal.scope_id == pair.mentor_organization_id)


def mentor_commitments(session: Session, mentor_id: str, states: tuple[str, ...]) -> int:
    return int(session.scalar(select(func.count()).select_from(Pair).where(Pair.mentor_id == mentor_id,
                                                                          Pair.state.in_(states))) or 0)


def transition(uow: UnitOfWork, principal: Principal, pair_id: str, action: Action, data: dict[str, Any],
               override_reason: str | None, today: date, expected_version: int | None = None) -> Pair:
    """Apply one workflow action: 409 for an illegal one, 422 for broken rules; the event commits with it."""
    principal.require(*WRITERS)
    if override_reason and principal.role not in OVERRIDERS:
        raise Forbidden("Превысить срок программы может только оператор")
    session = uow.session
    region = session.scalar(select(Pair.region_id).where(Pair.id == pair_id))
    if region is None:
        raise NotFound(f"Пара {pair_id} не найдена")
    lock_capacity(session, region)  # the same lock order as the worker: capacity, then the pair row
    pair = lock_pair(session, pair_id)
    if not covers(principal, pair):
        raise NotFound(f"Пара {pair_id} не найдена")
    if expected_version is not None and expected_version != pair.version:
        raise Conflict(f"Пара изменена другим пользователем: версия {pair.version}", current_version=pair.version,
                       current_state=pair.state)
    try:
        target, changes = decide(PairFacts(State(pair.state), pair.started_on, pair.planned_end_on),
                                 Command(action, data, override_reason), today)
    except IllegalTransition as refused:
        raise Conflict(str(refused), current_state=refused.state.value,
                       allowed_actions=[a.value for a in refused.allowed]) from None
    except RuleViolation as broken:
        raise ValidationFailed(str(broken), errors=[{"field": broken.field, "message": str(broken)}]) from None
    if action is Action.CONFIRM:
        mentor = session.get(MentorView, pair.mentor_id)
        taken = mentor_commitments(session, pair.mentor_id, ("confirmed", "active"))
        if mentor is None or mentor.status != "active" or taken >= mentor.capacity:
            raise Conflict(f"У наставника нет свободных мест: утверждено {taken} из {mentor.capacity if mentor else 0}",
                           current_state=pair.state)
    now = utcnow()
    if changes.pop("ended_on", None) is not None:
        pair.ended_at = now
    for name, value in changes.items():
        setattr(pair, name, value)
    if action is Action.CONFIRM:
        pair.confirmed_at = now
    if action is Action.EXTEND:
        pair.extensions += 1
    if override_reason:
        pair.override_reason = override_reason
    pair.state, pair.version, pair.updated_at, pair.updated_by = target.value, pair.version + 1, now, principal.actor
    if action in FREES_A_SLOT:
        bump_pair_seq(session)
    uow.publish(pair_event(pair, EVENT_OF[action], actor=principal.actor))
    uow.commit()
    return pair


def create_pair(uow: UnitOfWork, principal: Principal, *, mentor_id: str, mentee_id: str, form: str,
                role_model: str, group_id: str | None) -> Pair:
    """A curator's own choice of mentor, checked by the same eligibility and load rules as a run."""
    principal.require(*WRITERS)
    session = uow.session
    mentee, mentor = session.get(MenteeView, mentee_id), session.get(MentorView, mentor_id)
    if mentee is None or mentee.status != "active":
        raise NotFound(f"Наставляемый {mentee_id} не найден")
    if mentor is None or mentor.status != "active":
        raise NotFound(f"Наставник {mentor_id} не найден")
    principal.require_scope(organization_id=mentee.organization_id, municipality_id=mentee.municipality_id,
                            region_id=mentee.region_id)
    lock_capacity(session, mentee.region_id)
    if session.exec(select(Pair.id).where(Pair.mentee_id == mentee_id, Pair.state.in_(OPEN_STATES))).first():
        raise Conflict("У наставляемого уже есть пара в работе")
    if group_id:
        others = set(session.exec(select(Pair.mentor_id).where(Pair.group_id == group_id)).all())
        if others and others != {mentor_id}:
            raise ValidationFailed("В группе у всех пар один наставник",
                                   errors=[{"field": "group_id", "message": "группа другого наставника"}])
    declined = session.exec(select(Pair.id).where(Pair.mentee_id == mentee_id, Pair.mentor_id == mentor_id,
                                                  Pair.state == "declined")).first()
    if declined:
        raise Conflict("Эта пара уже была отклонена и не предлагается повторно")
    load = open_load(session, [mentor_id])
    problem = build_problem(columns_of([mentor], MENTOR_COLUMNS), columns_of([mentee], MENTEE_COLUMNS), load, [])
    if problem.mentor_free[0] <= 0:
        raise Conflict(f"У наставника нет свободных мест: {load.get(mentor_id, 0)} из {mentor.capacity}")
    if not domain.eligible(problem, 0, 0):
        raise ValidationFailed("Пара не проходит правила подбора: предмет или направление, уровень образования, "
                               "регион, формат (дистанционно — только если оба согласны)",
                               errors=[{"field": "mentor_id", "message": "наставник не подходит наставляемому"}])
    cost = sum(term.value for term in domain.explain_pair(problem, 0, 0))
    now = utcnow()
    pair = Pair(id=new_id(), mentor_id=mentor_id, mentee_id=mentee_id, form=form, role_model=role_model,
                group_id=group_id or (new_id() if form == "group" else None), cost=cost, region_id=mentee.region_id,
                municipality_id=mentee.municipality_id, organization_id=mentee.organization_id,
                mentor_organization_id=mentor.organization_id, mentee_category=mentee.category,
                mentee_subject=mentee.subject, mentee_stage=mentee.stage, mentee_is_student=mentee.is_student,
                proposed_at=now, updated_at=now, updated_by=principal.actor)
    session.add(pair)
    session.flush()
    bump_pair_seq(session)
    uow.publish(pair_event(pair, "proposed", actor=principal.actor))
    uow.commit()
    return pair


def expire_stale(uow: UnitOfWork, today: date, limit: int = 500) -> int:
    """Proposals nobody answered in time become `expired`; each with its event."""
    session = uow.session
    stale = list(session.exec(select(Pair).where(Pair.state == "proposed", Pair.expires_at.is_not(None),
                                                 Pair.expires_at < utcnow()).limit(limit).with_for_update()).all())
    for pair in stale:
        target, changes = decide(PairFacts(State.PROPOSED), Command(Action.EXPIRE), today)
        pair.state, pair.reason, pair.version, pair.updated_at = target.value, changes["reason"], pair.version + 1, \
            utcnow()
        pair.updated_by = "system:expiry"
        uow.publish(pair_event(pair, "expired", actor="system"))
    if stale:
        bump_pair_seq(session)
    uow.commit()
    return len(stale)
