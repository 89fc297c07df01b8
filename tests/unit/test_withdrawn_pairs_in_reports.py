"""A withdrawn pair (an operator took back a run's proposals) in the indicators: closed, never in mentoring."""

from __future__ import annotations

from datetime import datetime

from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, OrganizationFacts, PairFacts
from services.reports.domain.indicators import compute
from services.reports.domain.period import Period
from shared.scopes import Scope

AS_OF = datetime(2026, 11, 1, 12, 0)
REGION = Scope("region", "r1")


def facts(state: str) -> Facts:
    return Facts(organizations=[OrganizationFacts("o1", "m1", "r1", young_specialists=1)],
                 mentors=[MentorFacts("t1", "o1", "m1", "r1", capacity=1)],
                 mentees=[MenteeFacts("e1", "o1", "m1", "r1", "young_specialist", subject="math", stage="basic")],
                 pairs=[PairFacts("p1", "t1", "e1", "o1", "m1", "r1", "young_specialist", state,
                                  proposed_at=datetime(2026, 10, 1))])


def value(code: str, state: str, period: Period | None = None) -> tuple[int | None, int | None]:
    indicator = compute(code, facts(state), REGION, period, None, AS_OF)
    return indicator.numerator, indicator.denominator


def test_a_withdrawn_pair_is_not_in_mentoring_not_ended_and_holds_no_slot():
    assert value("young_specialists_in_mentoring", "withdrawn") == (0, 1)
    assert value("young_specialists_in_mentoring", "withdrawn", Period(datetime(2026, 1, 1).date(),
                                                                       datetime(2026, 12, 31).date())) == (0, 1)
    assert value("effective_pairs", "withdrawn") == (0, 0)
    assert value("mentor_load", "withdrawn")[0] == 0 and value("mentor_load", "proposed")[0] == 1


def test_the_mentee_of_a_withdrawn_pair_is_unmet_demand_again():
    assert value("unmet_demand", "withdrawn") == (1, 1)
    assert value("unmet_demand", "proposed") == (0, 1)
