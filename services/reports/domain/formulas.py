"""The formulas of the indicators computed from the events, one function each, over a `Context` (see `indicators`).

The municipal facts an operator records (seed 000 rows 4, 5, 7–12) are computed in `municipal`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

from services.reports.domain.catalog import (
    COVERAGE,
    DAYS_TO_PAIR,
    EFFECTIVE_PAIRS,
    MENTOR_LOAD,
    MENTORS_TRAINED,
    ORGANIZATIONS_IMPLEMENTED,
    ORGANIZATIONS_WITH_PAGE,
    RETENTION,
    STUDENTS,
    UNMET_DEMAND,
    YOUNG_SPECIALISTS,
)
from services.reports.domain.context import COVERED, DAYS, EFFECTIVE_RESULT, ENDED, OPEN, PEOPLE, Context
from services.reports.domain.facts import WITHDRAWN, YOUNG_SPECIALIST, MentorFacts, PairFacts, in_scope
from services.reports.domain.period import day_of
from services.reports.domain.results import DemandGroup, Indicator
from shared.scopes import Scope


def organizations_implemented(ctx: Context) -> Indicator:
    """Organizations with at least one pair in mentoring / all active organizations of the scope."""
    organizations = ctx.organizations()
    with_pairs = {p.organization_id for p in ctx.pairs() if ctx.in_mentoring(p)}
    return ctx.ratio(ORGANIZATIONS_IMPLEMENTED, sum(o.id in with_pairs for o in organizations), len(organizations))


def young_specialists_in_mentoring(ctx: Context) -> Indicator:
    """Young-specialist mentees in mentoring / young specialists counted by the organizations."""
    mentees = {p.mentee_id for p in ctx.pairs() if p.mentee_category == YOUNG_SPECIALIST and ctx.in_mentoring(p)}
    return ctx.ratio(YOUNG_SPECIALISTS, len(mentees), sum(o.young_specialists for o in ctx.organizations()))


def students_in_mentoring(ctx: Context) -> Indicator:
    """Student mentees in mentoring / students counted by the organizations."""
    mentees = {p.mentee_id for p in ctx.pairs() if p.mentee_is_student and ctx.in_mentoring(p)}
    return ctx.ratio(STUDENTS, len(mentees), sum(o.students for o in ctx.organizations()))


def mentors_trained(ctx: Context) -> Indicator:
    """Seed 000 row 13: (trained mentors + trained curators) / (mentors in the bank + organizations' curators).

    With a period: mentors registered by its end, training (КПК) by its end; a curator counts when the
    organization has one, trained when the КПК date is not after the end (an unknown date counts).
    """
    end = ctx.period.end if ctx.period else None
    bank = [m for m in ctx.mentors() if end is None or m.registered_at is None or day_of(m.registered_at) <= end]
    trained = [m for m in bank if m.trained and _by(m.trained_on, end)]
    curators = [o for o in ctx.organizations() if o.has_curator]
    curators_trained = [o for o in curators if o.curator_trained and _by(o.curator_trained_on, end)]
    details = {"mentors": len(bank), "mentors_trained": len(trained), "curators": len(curators),
               "curators_trained": len(curators_trained)}
    return ctx.ratio(MENTORS_TRAINED, len(trained) + len(curators_trained), len(bank) + len(curators), details)


def _by(day: date | None, end: date | None) -> bool:
    return end is None or day is None or day <= end


def young_specialists_retained(ctx: Context) -> Indicator:
    """Young specialists still teaching a year later: young-specialist mentees registered at least a year before
    the day of the figures (the period's end, else today) who are not withdrawn / all such mentees.

    The registry withdraws a mentee who left the organization or the profession, so "not withdrawn" is the only
    trace of staying the data holds; a mentee without a registration date is left out, and nobody old enough
    gives None.
    """
    day = ctx.day
    year_ago = _year_before(day)
    cohort = [m for m in ctx.mentees(active_only=False) if m.category == YOUNG_SPECIALIST
              and m.registered_at is not None and day_of(m.registered_at) <= year_ago]
    stayed = sum(m.status != WITHDRAWN for m in cohort)
    return ctx.ratio(RETENTION, stayed, len(cohort), {"registered_by": year_ago})


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else date(day.year - 1, 2, 28)


def organizations_with_page(ctx: Context) -> Indicator:
    """Organizations with a mentoring page / all active organizations of the scope."""
    organizations = ctx.organizations()
    return ctx.ratio(ORGANIZATIONS_WITH_PAGE, sum(o.has_mentoring_page for o in organizations), len(organizations))


def coverage(ctx: Context) -> Indicator:
    """Distinct mentors and mentees in covered pairs / (teachers + students) of the scope."""
    mentors_by_id = {m.id: m for m in ctx.facts.mentors}
    covered = [p for p in ctx.facts.pairs if ctx.in_mentoring(p, COVERED)]
    mentees = {p.mentee_id for p in covered if in_scope(ctx.scope, p.organization_id, p.municipality_id, p.region_id)}
    mentors = {p.mentor_id for p in covered if _mentor_in_scope(ctx.scope, p, mentors_by_id.get(p.mentor_id))}
    people = sum(o.teachers + o.students for o in ctx.organizations())
    return ctx.ratio(COVERAGE, len(mentees) + len(mentors), people)


def _mentor_in_scope(scope: Scope | None, pair: PairFacts, mentor: MentorFacts | None) -> bool:
    if mentor is None:
        return in_scope(scope, pair.organization_id, pair.municipality_id, pair.region_id)
    return in_scope(scope, mentor.organization_id, mentor.municipality_id, mentor.region_id)


def effective_pairs(ctx: Context) -> Indicator:
    """Pairs completed with the goals reached / pairs completed or terminated (seed 003: 17 of 40)."""
    ended = [p for p in ctx.pairs() if p.state in ENDED and (ctx.period is None or ctx.period.contains(p.ended_at))]
    effective = sum(p.state == "completed" and p.result == EFFECTIVE_RESULT for p in ended)
    return ctx.ratio(EFFECTIVE_PAIRS, effective, len(ended))


def open_pairs_by_mentor(pairs: Iterable[PairFacts]) -> Counter[str]:
    """How many proposed, confirmed or active pairs each mentor has now."""
    return Counter(p.mentor_id for p in pairs if p.state in OPEN)


def mentor_load(ctx: Context) -> Indicator:
    """Mean open pairs per active mentor; met when no mentor has more than the capacity (always as of now)."""
    mentors = ctx.mentors()
    loads = open_pairs_by_mentor(ctx.facts.pairs)
    per_mentor = [loads[m.id] for m in mentors]
    total, capacity = sum(per_mentor), sum(m.capacity for m in mentors)
    over = tuple(sorted(m.id for m in mentors if loads[m.id] > m.capacity))
    details = {"max": max(per_mentor, default=None), "distribution": dict(sorted(Counter(per_mentor).items())),
               "over_capacity": over, "capacity": capacity}
    mean = total / len(mentors) if mentors else None
    mean_capacity = capacity / len(mentors) if mentors else None
    met = None if mean is None else not over
    return ctx.measured(MENTOR_LOAD, mean, total, len(mentors), PEOPLE, mean_capacity, details, met)


def unmet_demand(ctx: Context) -> Indicator:
    """Active mentees without an open pair, grouped by subject, stage and municipality (always as of now)."""
    mentees = ctx.mentees()
    paired = {p.mentee_id for p in ctx.facts.pairs if p.state in OPEN}
    waiting = [m for m in mentees if m.id not in paired]
    counts = Counter((m.subject, m.stage, m.municipality_id) for m in waiting)
    groups = tuple(DemandGroup(*key, mentees=n) for key, n in sorted(counts.items(), key=_demand_order))
    return ctx.indicator(UNMET_DEMAND, float(len(waiting)), len(waiting), len(mentees), PEOPLE, {"groups": groups})


def _demand_order(item: tuple[tuple[str | None, str | None, str], int]) -> tuple[int, str, str, str]:
    (subject, stage, municipality_id), count = item
    return -count, municipality_id, subject or "", stage or ""


def days_to_pair(ctx: Context) -> Indicator:
    """Median days from a mentee's registration to the confirmation of the mentee's first pair."""
    first = _first_confirmations(ctx.facts.pairs)
    days = []
    for mentee in ctx.mentees(active_only=False):
        confirmed = first.get(mentee.id)
        if confirmed is None or mentee.registered_at is None:
            continue
        if ctx.period is None or ctx.period.contains(confirmed):
            days.append(max((day_of(confirmed) - day_of(mentee.registered_at)).days, 0))
    median = float(statistics.median(days)) if days else None
    details = {"mentees": len(days), "mean": statistics.fmean(days) if days else None, "max": max(days, default=None)}
    return ctx.indicator(DAYS_TO_PAIR, median, None, None, DAYS, details)


def _first_confirmations(pairs: Iterable[PairFacts]) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for pair in pairs:
        if pair.confirmed_at is not None and (pair.mentee_id not in first or pair.confirmed_at < first[pair.mentee_id]):
            first[pair.mentee_id] = pair.confirmed_at
    return first


FORMULAS: Mapping[str, Callable[[Context], Indicator]] = {
    ORGANIZATIONS_IMPLEMENTED: organizations_implemented,
    YOUNG_SPECIALISTS: young_specialists_in_mentoring,
    STUDENTS: students_in_mentoring,
    MENTORS_TRAINED: mentors_trained,
    ORGANIZATIONS_WITH_PAGE: organizations_with_page,
    COVERAGE: coverage,
    EFFECTIVE_PAIRS: effective_pairs,
    MENTOR_LOAD: mentor_load,
    UNMET_DEMAND: unmet_demand,
    DAYS_TO_PAIR: days_to_pair,
    RETENTION: young_specialists_retained,
}
