"""The pair state machine: every state × every action, and the rules of the regulation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.matching.domain.workflow import (
    RUN_ACTIONS,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    Command,
    IllegalTransition,
    PairFacts,
    RuleViolation,
    State,
    allowed_actions,
    decide,
    is_effective,
    months_between,
)

TODAY = date(2026, 11, 24)
VALID = {
    Action.CONFIRM: {"mentor_consent_on": date(2026, 11, 20), "mentee_consent_on": date(2026, 11, 21),
                     "order_number": "112-о", "order_date": date(2026, 11, 23), "curator_name": "Петрова И. А."},
    Action.DECLINE: {"by": "mentee", "reason": "другой предмет"},
    Action.ACTIVATE: {"started_on": date(2026, 12, 1), "planned_end_on": date(2027, 5, 31)},
    Action.EXTEND: {"planned_end_on": date(2027, 8, 31), "mentor_consent": True, "mentee_consent": True},
    Action.COMPLETE: {"result": "reached", "result_text": "цели достигнуты"},
    Action.TERMINATE: {"by": "curator", "reason": "неисполнение программы (§4.12)"},
    Action.EXPIRE: {},
    Action.WITHDRAW: {},
}
ACTIVE = PairFacts(State.ACTIVE, started_on=date(2026, 12, 1), planned_end_on=date(2027, 5, 31))


def facts(state: State) -> PairFacts:
    return ACTIVE if state is State.ACTIVE else PairFacts(state)


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action_is_either_a_legal_transition_or_refused_naming_the_allowed_ones(state, action):
    command = Command(action, VALID[action])
    if (state, action) in TRANSITIONS:
        target, _ = decide(facts(state), command, TODAY)
        assert target is TRANSITIONS[(state, action)]
    else:
        with pytest.raises(IllegalTransition) as refused:
            decide(facts(state), command, TODAY)
        assert refused.value.state is state and refused.value.allowed == allowed_actions(state)
        assert "Доступные действия" in str(refused.value)


def test_closed_pairs_allow_nothing():
    for state in (State.COMPLETED, State.DECLINED, State.TERMINATED, State.EXPIRED, State.WITHDRAWN):
        assert allowed_actions(state) == []


def test_only_a_proposal_can_be_withdrawn_and_a_withdrawal_is_no_decline():
    target, changes = decide(PairFacts(State.PROPOSED), Command(Action.WITHDRAW), TODAY)
    assert target is State.WITHDRAWN and changes == {"reason": "предложение отозвано оператором подбора"}
    assert "ended_by" not in changes and STATE_LABELS[State.WITHDRAWN] == "предложение отозвано"
    for state in set(State) - {State.PROPOSED}:
        with pytest.raises(IllegalTransition):
            decide(facts(state), Command(Action.WITHDRAW), TODAY)


def test_a_withdrawal_is_taken_on_a_run_and_never_offered_on_one_pair():
    assert Action.WITHDRAW in RUN_ACTIONS
    assert allowed_actions(State.PROPOSED) == [Action.CONFIRM, Action.DECLINE, Action.EXPIRE]
    with pytest.raises(IllegalTransition) as refused:
        decide(PairFacts(State.CONFIRMED), Command(Action.WITHDRAW), TODAY)
    assert "отозвать" in str(refused.value) and Action.WITHDRAW not in refused.value.allowed


def test_confirmation_needs_both_consents_the_order_and_the_curator():
    for missing in VALID[Action.CONFIRM]:
        data = {k: v for k, v in VALID[Action.CONFIRM].items() if k != missing}
        with pytest.raises(RuleViolation) as refused:
            decide(PairFacts(State.PROPOSED), Command(Action.CONFIRM, data), TODAY)
        assert refused.value.field == missing


def test_an_order_dated_in_the_future_is_refused():
    data = {**VALID[Action.CONFIRM], "order_date": date(2026, 12, 1)}
    with pytest.raises(RuleViolation):
        decide(PairFacts(State.PROPOSED), Command(Action.CONFIRM, data), TODAY)


@pytest.mark.parametrize("end,ok", [(date(2027, 2, 28), False), (date(2027, 3, 1), True), (date(2027, 11, 30), True),
                                    (date(2027, 12, 31), False)])
def test_a_program_lasts_three_to_twelve_months(end, ok):
    command = Command(Action.ACTIVATE, {"started_on": date(2026, 12, 1), "planned_end_on": end})
    if ok:
        assert decide(PairFacts(State.CONFIRMED), command, TODAY)[0] is State.ACTIVE
    else:
        with pytest.raises(RuleViolation):
            decide(PairFacts(State.CONFIRMED), command, TODAY)


def test_an_operator_may_exceed_the_bound_with_a_reason():
    command = Command(Action.ACTIVATE, {"started_on": date(2026, 12, 1), "planned_end_on": date(2028, 1, 31)},
                      override_reason="программа подготовки к конкурсу на два года")
    assert decide(PairFacts(State.CONFIRMED), command, TODAY)[0] is State.ACTIVE


def test_an_extension_needs_mutual_consent_and_stays_within_twelve_months():
    with pytest.raises(RuleViolation):
        decide(ACTIVE, Command(Action.EXTEND, {**VALID[Action.EXTEND], "mentee_consent": False}), TODAY)
    with pytest.raises(RuleViolation):
        decide(ACTIVE, Command(Action.EXTEND, {**VALID[Action.EXTEND], "planned_end_on": date(2028, 1, 31)}), TODAY)
    with pytest.raises(RuleViolation):
        decide(ACTIVE, Command(Action.EXTEND, {**VALID[Action.EXTEND], "planned_end_on": date(2027, 4, 30)}), TODAY)
    assert decide(ACTIVE, Command(Action.EXTEND, VALID[Action.EXTEND]), TODAY)[1] == {
        "planned_end_on": date(2027, 8, 31)}


@pytest.mark.parametrize("action,field,value", [(Action.DECLINE, "by", "director"),
                                                (Action.TERMINATE, "by", "nobody"),
                                                (Action.COMPLETE, "result", "great")])
def test_who_ended_a_pair_and_its_result_come_from_fixed_lists(action, field, value):
    state = State.PROPOSED if action is Action.DECLINE else State.ACTIVE
    with pytest.raises(RuleViolation):
        decide(facts(state), Command(action, {**VALID[action], field: value}), TODAY)


def test_a_decline_or_termination_without_a_reason_is_refused():
    for action, state in ((Action.DECLINE, State.PROPOSED), (Action.TERMINATE, State.ACTIVE)):
        with pytest.raises(RuleViolation):
            decide(facts(state), Command(action, {**VALID[action], "reason": "  "}), TODAY)


def test_only_completed_pairs_with_goals_reached_are_effective():
    assert is_effective(State.COMPLETED, "reached")
    assert not is_effective(State.COMPLETED, "partly")
    assert not is_effective(State.TERMINATED, "reached")


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 400))
def test_months_between_grows_with_the_end_date(start, days):
    from datetime import timedelta

    later = start + timedelta(days=days)
    assert months_between(start, later) <= months_between(start, later + timedelta(days=1))
