"""The pair workflow as a pure state machine: which action is legal in which state, and what it changes.

proposed → confirmed → active → completed; proposed → declined | expired | withdrawn; active → terminated;
active → active on extension by mutual consent (seed 001 §4.13). A withdrawal is an operator taking back the
proposals of a whole run: unlike a decline it says nothing against the pair, which later runs may propose
again. Programs last 3 to 12 months unless an operator overrides the bound with a reason. Nothing here reads
a clock: `today` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Where a pair is in its life."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    TERMINATED = "terminated"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    """What a person (or the expiry) does to a pair."""

    CONFIRM = "confirm"
    DECLINE = "decline"
    ACTIVATE = "activate"
    EXTEND = "extend"
    COMPLETE = "complete"
    TERMINATE = "terminate"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.PROPOSED, Action.CONFIRM): State.CONFIRMED,
    (State.PROPOSED, Action.DECLINE): State.DECLINED,
    (State.PROPOSED, Action.EXPIRE): State.EXPIRED,
    (State.PROPOSED, Action.WITHDRAW): State.WITHDRAWN,
    (State.CONFIRMED, Action.ACTIVATE): State.ACTIVE,
    (State.ACTIVE, Action.EXTEND): State.ACTIVE,
    (State.ACTIVE, Action.COMPLETE): State.COMPLETED,
    (State.ACTIVE, Action.TERMINATE): State.TERMINATED,
}
OPEN = (State.PROPOSED, State.CONFIRMED, State.ACTIVE)  # a pair in work: it holds a slot of its mentor
STATE_LABELS = {State.PROPOSED: "предложена", State.CONFIRMED: "утверждена приказом", State.ACTIVE: "работает",
                State.COMPLETED: "завершена", State.DECLINED: "отклонена", State.TERMINATED: "прекращена досрочно",
                State.EXPIRED: "предложение истекло", State.WITHDRAWN: "предложение отозвано"}
ACTION_LABELS = {Action.CONFIRM: "утвердить", Action.DECLINE: "отклонить", Action.ACTIVATE: "начать программу",
                 Action.EXTEND: "продлить", Action.COMPLETE: "завершить", Action.TERMINATE: "прекратить",
                 Action.EXPIRE: "истечь", Action.WITHDRAW: "отозвать"}
RUN_ACTIONS = frozenset({Action.WITHDRAW})  # taken on all proposals of a run at once, never offered on one pair
WITHDRAWN_REASON = "предложение отозвано оператором подбора"
DECLINED_BY = ("mentor", "mentee", "curator")
TERMINATED_BY = ("mentor", "mentee", "both", "curator")
RESULTS = ("reached", "partly", "not_reached")
MIN_MONTHS, MAX_MONTHS = 3, 12


class IllegalTransition(Exception):
    """The action is not allowed in the pair's current state."""

    def __init__(self, state: State, action: Action) -> None:
        self.state, self.action = state, action
        self.allowed = allowed_actions(state)
        allowed = ", ".join(ACTION_LABELS[a] for a in self.allowed) or "никаких: пара закрыта"
        super().__init__(f"Нельзя «{ACTION_LABELS[action]}»: пара {STATE_LABELS[state]}. Доступные действия: {allowed}")


class RuleViolation(Exception):
    """The action is legal here, but its data breaks a rule of the regulation."""

    def __init__(self, message: str, field_name: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class PairFacts:
    """What the rules need to know about a pair."""

    state: State
    started_on: date | None = None
    planned_end_on: date | None = None


@dataclass(frozen=True)
class Command:
    """An action with its data; `override_reason` lets an operator exceed the 3–12 month bound."""

    action: Action
    data: dict[str, Any] = field(default_factory=dict)
    override_reason: str | None = None


def allowed_actions(state: State) -> list[Action]:
    """The actions legal on one pair in a state, in the order of the transition table (a run's own actions,
    `RUN_ACTIONS`, are taken through the run, not offered on the pair)."""
    return [action for (source, action) in TRANSITIONS if source is state and action not in RUN_ACTIONS]


def months_between(start: date, end: date) -> float:
    """Calendar months from start to end (a day is 1/31 of a month)."""
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 31


def check_length(start: date, end: date, override_reason: str | None, field_name: str) -> None:
    """A program ends after it starts and lasts 3 to 12 months, unless an operator gives a reason."""
    if end <= start:
        raise RuleViolation("Дата окончания программы должна быть позже начала", field_name)
    months = months_between(start, end)
    if not MIN_MONTHS <= months <= MAX_MONTHS and not (override_reason and override_reason.strip()):
        raise RuleViolation(f"Программа наставничества длится от {MIN_MONTHS} до {MAX_MONTHS} месяцев, а здесь "
                            f"{months:.1f}; превысить срок может оператор с указанием причины", field_name)


def _require(data: dict[str, Any], *names: str) -> None:
    for name in names:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RuleViolation(f"Не заполнено обязательное поле «{name}»", name)


def _not_future(data: dict[str, Any], today: date, *names: str) -> None:
    for name in names:
        if data[name] > today:
            raise RuleViolation("Дата не может быть в будущем", name)


def decide(pair: PairFacts, command: Command, today: date) -> tuple[State, dict[str, Any]]:
    """The new state and the fields to set, or IllegalTransition / RuleViolation."""
    target = TRANSITIONS.get((pair.state, command.action))
    if target is None:
        raise IllegalTransition(pair.state, command.action)
    data = command.data
    changes: dict[str, Any] = {}
    if command.action is Action.CONFIRM:
        _require(data, "mentor_consent_on", "mentee_consent_on", "order_number", "order_date", "curator_name")
        _not_future(data, today, "mentor_consent_on", "mentee_consent_on", "order_date")
        changes = {k: data[k] for k in ("mentor_consent_on", "mentee_consent_on", "order_number", "order_date",
                                        "curator_name")}
    elif command.action is Action.DECLINE:
        _require(data, "by", "reason")
        if data["by"] not in DECLINED_BY:
            raise RuleViolation("Отклонить может наставник, наставляемый или куратор", "by")
        changes = {"ended_by": data["by"], "reason": data["reason"]}
    elif command.action is Action.ACTIVATE:
        _require(data, "started_on", "planned_end_on")
        check_length(data["started_on"], data["planned_end_on"], command.override_reason, "planned_end_on")
        changes = {"started_on": data["started_on"], "planned_end_on": data["planned_end_on"]}
    elif command.action is Action.EXTEND:
        _require(data, "planned_end_on")
        if not (data.get("mentor_consent") and data.get("mentee_consent")):
            raise RuleViolation("Продление — по взаимному согласию наставника и наставляемого", "mentee_consent")
        if pair.planned_end_on and data["planned_end_on"] <= pair.planned_end_on:
            raise RuleViolation("Новая дата окончания должна быть позже прежней", "planned_end_on")
        check_length(pair.started_on or today, data["planned_end_on"], command.override_reason, "planned_end_on")
        changes = {"planned_end_on": data["planned_end_on"]}
    elif command.action is Action.COMPLETE:
        _require(data, "result")
        if data["result"] not in RESULTS:
            raise RuleViolation("Итог: reached (цели достигнуты), partly (частично), not_reached (не достигнуты)",
                                "result")
        changes = {"result": data["result"], "result_text": data.get("result_text"), "ended_on": today}
    elif command.action is Action.TERMINATE:
        _require(data, "by", "reason")
        if data["by"] not in TERMINATED_BY:
            raise RuleViolation("Прекратить может наставник, наставляемый, оба или куратор (за неисполнение)", "by")
        changes = {"ended_by": data["by"], "reason": data["reason"], "ended_on": today}
    elif command.action is Action.EXPIRE:
        changes = {"reason": "на предложение никто не ответил в срок"}
    elif command.action is Action.WITHDRAW:
        changes = {"reason": WITHDRAWN_REASON}
    return target, changes


def is_effective(state: State, result: str | None) -> bool:
    """A pair counts as effective when it completed with its goals reached (seed 003: 17 of 40)."""
    return state is State.COMPLETED and result == "reached"
