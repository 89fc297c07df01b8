"""Pair transitions: every workflow action with its checks and its event, and the expiry of stale proposals."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.matching.adapters.capacity_lock import lock_capacity
from services.matching.adapters.pair_events import pair_event
from services.matching.adapters.read_model import bump_pair_seq
from services.matching.adapters.tables import MentorView, Pair
from services.matching.domain.workflow import (
    Action,
    Command,
    IllegalTransition,
    PairFacts,
    RuleViolation,
    State,
    decide,
)
from services.matching.use_cases.pair_access import WRITERS, covers, lock_pair
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import utcnow

OVERRIDERS = (Role.ADMIN, Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
EVENT_OF = {Action.CONFIRM: "confirmed", Action.DECLINE: "declined", Action.ACTIVATE: "activated",
            Action.EXTEND: "extended", Action.COMPLETE: "completed", Action.TERMINATE: "terminated",
            Action.EXPIRE: "expired"}
FREES_A_SLOT = {Action.DECLINE, Action.EXPIRE, Action.COMPLETE, Action.TERMINATE}


def mentor_commitments(session: Session, mentor_id: str, states: tuple[str, ...]) -> int:
    """The mentor's pairs in these states."""
    return int(session.scalar(select(func.count()).select_from(Pair).where(Pair.mentor_id == mentor_id,
                                                                          Pair.state.in_(states))) or 0)


def _decided(pair: Pair, action: Action, data: dict[str, Any], override_reason: str | None,
             today: date) -> tuple[State, dict[str, Any]]:
    """The workflow's answer: 409 for an action illegal in the pair's state, 422 for broken rules."""
    try:
        return decide(PairFacts(State(pair.state), pair.started_on, pair.planned_end_on),
                      Command(action, data, override_reason), today)
    except IllegalTransition as refused:
        raise Conflict(str(refused), current_state=refused.state.value,
                       allowed_actions=[a.value for a in refused.allowed]) from None
    except RuleViolation as broken:
        raise ValidationFailed(str(broken), errors=[{"field": broken.field, "message": str(broken)}]) from None


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
    target, changes = _decided(pair, action, data, override_reason, today)
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
