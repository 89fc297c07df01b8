"""The indicator formulas on hand-made facts: scopes, periods, zero denominators, load and unmet demand."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, OrganizationFacts, PairFacts
from services.reports.domain.indicators import compute, compute_all
from services.reports.domain.period import Period
from services.reports.domain.results import DemandGroup
from services.reports.domain.targets import CODES, LABELS_RU, Targets, seed_002_targets
from shared.errors import ValidationFailed
from shared.scopes import Scope

AS_OF = datetime(2025, 6, 1, 12, 0)
REGION = Scope("region", "r1")


def org(id_: str, municipality: str = "m1", region: str = "r1", **kwargs) -> OrganizationFacts:
    return OrganizationFacts(id_, municipality, region, **kwargs)


def mentor(id_: str, organization: str = "o1", municipality: str = "m1", **kwargs) -> MentorFacts:
    return MentorFacts(id_, organization, municipality, "r1", **kwargs)


def mentee(id_: str, organization: str = "o1", municipality: str = "m1", category: str = "new_employee",
           **kwargs) -> MenteeFacts:
    return MenteeFacts(id_, organization, municipality, "r1", category, **kwargs)


def pair(id_: str, state: str, mentor_id: str = "t1", mentee_id: str | None = None, organization: str = "o1",
         municipality: str = "m1", category: str = "new_employee", **kwargs) -> PairFacts:
    return PairFacts(id_, mentor_id, mentee_id or f"e-{id_}", organization, municipality, "r1", category, state,
                     **kwargs)


def one(code: str, facts: Facts, scope: Scope | None = REGION, period: Period | None = None,
        targets: Targets | None = None):
    return compute(code, facts, scope, period, targets, AS_OF)


def seed_003_pairs() -> list[PairFacts]:
    reached = [pair(f"r{i}", "completed", result="reached") for i in range(17)]
    partly = [pair(f"p{i}", "completed", result="partly") for i in range(8)]
    missed = [pair(f"n{i}", "completed", result="not_reached") for i in range(5)]
    terminated = [pair(f"x{i}", "terminated") for i in range(10)]
    still_going = [pair("a1", "active"), pair("c1", "confirmed"), pair("q1", "proposed"), pair("d1", "declined")]
    return reached + partly + missed + terminated + still_going


def test_seventeen_effective_pairs_of_forty_ended_give_forty_two_and_a_half_percent():
    indicator = one("effective_pairs", Facts(pairs=seed_003_pairs()))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (17, 40, 42.5)
    assert indicator.unit == "%"
    assert indicator.target is None and indicator.met is None


def test_effective_pairs_in_a_period_count_only_pairs_ended_inside_it():
    pairs = [pair("a", "completed", result="reached", ended_at=datetime(2024, 5, 31)),
             pair("b", "terminated", ended_at=datetime(2024, 3, 1)),
             pair("c", "completed", result="reached", ended_at=datetime(2024, 7, 1)),
             pair("d", "completed", result="reached", ended_at=None)]
    indicator = one("effective_pairs", Facts(pairs=pairs), period=Period.half_year(2024, 1))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (1, 2, 50.0)


def test_organizations_implemented_count_only_confirmed_or_active_pairs_of_active_organizations():
    organizations = [org(f"o{i}") for i in range(1, 11)] + [org("gone", status="withdrawn")]
    pairs = ([pair(f"p{i}", "active", organization=f"o{i}") for i in range(1, 6)]
             + [pair("p6", "confirmed", organization="o6"), pair("p6b", "active", organization="o6"),
                pair("p7", "confirmed", organization="o7"), pair("p8", "proposed", organization="o8"),
                pair("p9", "completed", organization="o9"), pair("pg", "active", organization="gone")])
    indicator = one("organizations_implemented", Facts(organizations=organizations, pairs=pairs))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (7, 10, 70.0)
    assert indicator.target == 70.0 and indicator.met is True


def test_young_specialists_count_each_young_specialist_mentee_once_against_the_headcount():
    organizations = [org("o1", young_specialists=3), org("o2", young_specialists=2)]
    pairs = [pair("a", "active", mentee_id="y1", category="young_specialist"),
             pair("b", "confirmed", mentee_id="y1", category="young_specialist"),
             pair("c", "active", mentee_id="y2", category="young_specialist", organization="o2"),
             pair("d", "proposed", mentee_id="y3", category="young_specialist"),
             pair("e", "active", mentee_id="n1", category="new_employee")]
    indicator = one("young_specialists_in_mentoring", Facts(organizations=organizations, pairs=pairs))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (2, 5, 40.0)
    assert indicator.met is False


@pytest.mark.parametrize(("in_pairs", "met"), [(10, True), (9, False)])
def test_students_in_mentoring_meet_the_target_at_a_quarter_of_students(in_pairs, met):
    pairs = [pair(f"s{i}", "active", mentee_is_student=True) for i in range(in_pairs)]
    pairs.append(pair("teacher", "active"))
    indicator = one("students_in_mentoring", Facts(organizations=[org("o1", students=40)], pairs=pairs))
    assert indicator.value == 100 * in_pairs / 40 and indicator.met is met


def test_trained_mentors_are_counted_among_active_mentors_of_the_bank():
    mentors = [mentor("a", trained=True), mentor("b", trained=True), mentor("c"), mentor("d"),
               mentor("w", trained=True, status="withdrawn")]
    indicator = one("mentors_trained", Facts(mentors=mentors))
    assert (indicator.numerator, indicator.denominator, indicator.value, indicator.met) == (2, 4, 50.0, True)


def test_trained_mentors_in_a_period_ignore_later_registrations_and_later_training():
    mentors = [mentor("a", trained=True, trained_on=date(2023, 10, 1)),
               mentor("b", trained=True, trained_on=date(2024, 2, 1)),
               mentor("c", registered_at=datetime(2024, 3, 1), trained=True),
               mentor("d", registered_at=datetime(2023, 1, 1))]
    indicator = one("mentors_trained", Facts(mentors=mentors), period=Period.year(2023))
    assert (indicator.numerator, indicator.denominator) == (1, 3)


def test_organizations_with_a_mentoring_page_meet_the_target_at_three_quarters():
    organizations = [org("a", has_mentoring_page=True), org("b", has_mentoring_page=True),
                     org("c", has_mentoring_page=True), org("d")]
    indicator = one("organizations_with_page", Facts(organizations=organizations))
    assert (indicator.value, indicator.target, indicator.met) == (75.0, 75.0, True)


def test_coverage_counts_distinct_mentors_and_mentees_of_confirmed_active_and_completed_pairs():
    organizations = [org("o1", teachers=8, students=12)]
    pairs = [pair("a", "active", mentor_id="t1", mentee_id="e1"),
             pair("b", "completed", mentor_id="t1", mentee_id="e2"),
             pair("c", "confirmed", mentor_id="t2", mentee_id="e1"),
             pair("d", "terminated", mentor_id="t3", mentee_id="e3"),
             pair("e", "proposed", mentor_id="t4", mentee_id="e4")]
    indicator = one("coverage", Facts(organizations=organizations, pairs=pairs))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (4, 20, 20.0)


def test_coverage_counts_a_mentor_where_the_mentor_works_not_where_the_mentee_does():
    organizations = [org("o1", teachers=5), org("o2", "m2", teachers=5)]
    facts = Facts(organizations=organizations, mentors=[mentor("t9", organization="o2", municipality="m2")],
                  pairs=[pair("a", "active", mentor_id="t9", mentee_id="e1")])
    assert one("coverage", facts, Scope("municipality", "m1")).numerator == 1
    assert one("coverage", facts, Scope("municipality", "m2")).numerator == 1
    assert one("coverage", facts, REGION).numerator == 2


def test_scopes_select_an_organization_a_municipality_or_a_region():
    organizations = [org("o1", "m1", "r1"), org("o2", "m1", "r1"), org("o3", "m2", "r1"), org("o4", "m3", "r2")]
    pairs = [pair("a", "active", organization="o1"), pair("b", "active", organization="o3", municipality="m2")]
    facts = Facts(organizations=organizations, pairs=pairs)

    def share(scope: Scope) -> tuple[int | None, int | None]:
        indicator = one("organizations_implemented", facts, scope)
        return indicator.numerator, indicator.denominator

    assert share(Scope("organization", "o1")) == (1, 1)
    assert share(Scope("organization", "o2")) == (0, 1)
    assert share(Scope("municipality", "m1")) == (1, 2)
    assert share(Scope("region", "r1")) == (2, 3)
    assert share(Scope("region", "r2")) == (0, 1)


def test_an_unknown_scope_kind_is_refused():
    with pytest.raises(ValidationFailed, match="region:<id>, municipality:<id> или organization:<id>") as caught:
        Scope.parse("country:ru")
    assert caught.value.errors == [{"field": "scope", "message": "недопустимое значение «country:ru»"}]


def test_in_a_period_a_pair_counts_if_confirmed_by_its_end_and_not_ended_before_its_start():
    period = Period.half_year(2024, 2)
    pairs = [pair("running", "active", organization="o1", confirmed_at=datetime(2024, 2, 1)),
             pair("ended_inside", "terminated", organization="o2", confirmed_at=datetime(2024, 1, 10),
                  ended_at=datetime(2024, 9, 1)),
             pair("ended_before", "completed", organization="o3", confirmed_at=datetime(2023, 9, 1),
                  ended_at=datetime(2024, 6, 30)),
             pair("confirmed_after", "active", organization="o4", confirmed_at=datetime(2025, 1, 1)),
             pair("never_confirmed", "declined", organization="o5")]
    facts = Facts(organizations=[org(f"o{i}") for i in range(1, 6)], pairs=pairs)
    indicator = one("organizations_implemented", facts, period=period)
    assert (indicator.numerator, indicator.denominator) == (2, 5)
    assert indicator.period == period


def test_without_a_period_the_current_state_decides_whatever_the_dates():
    pairs = [pair("a", "active", organization="o1", confirmed_at=datetime(2030, 1, 1)),
             pair("b", "completed", organization="o2", confirmed_at=datetime(2024, 1, 1))]
    facts = Facts(organizations=[org("o1"), org("o2")], pairs=pairs)
    assert one("organizations_implemented", facts).numerator == 1


def test_periods_are_years_half_years_and_school_years_with_both_ends_included():
    assert Period.year(2024) == Period(date(2024, 1, 1), date(2024, 12, 31))
    assert Period.half_year(2024, 1) == Period(date(2024, 1, 1), date(2024, 6, 30))
    assert Period.half_year(2024, 2) == Period(date(2024, 7, 1), date(2024, 12, 31))
    assert Period.school_year(2024) == Period(date(2024, 9, 1), date(2025, 8, 31))
    assert Period.year(2024).contains(datetime(2024, 12, 31, 23, 59))
    assert not Period.year(2024).contains(None)


def test_a_period_that_ends_before_it_starts_or_a_third_half_year_is_refused():
    with pytest.raises(ValueError):
        Period(date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(ValueError):
        Period.half_year(2024, 3)


def test_zero_denominators_give_no_value_and_no_verdict_instead_of_an_error():
    indicators = compute_all(Facts(), REGION, None, None, AS_OF)
    ratios = [i for i in indicators if i.unit == "%"]
    assert len(ratios) == 16  # seven shares of data, the retention, eight municipal facts (a region: shares)
    assert all(i.value is None and i.met is None and i.denominator == 0 for i in ratios)
    by_code = {i.code: i for i in indicators}
    assert by_code["mentor_load"].value is None and by_code["mentor_load"].met is None
    assert by_code["days_to_pair"].value is None
    assert by_code["unmet_demand"].value == 0 and by_code["unmet_demand"].met is True


def test_compute_all_returns_every_indicator_of_the_design_with_russian_labels_and_the_moment():
    indicators = compute_all(Facts(), None, Period.year(2024), Targets(), AS_OF)
    assert [i.code for i in indicators] == list(CODES)
    assert all(i.label_ru == LABELS_RU[i.code] and i.as_of == AS_OF for i in indicators)


def test_an_unknown_indicator_code_is_refused():
    with pytest.raises(ValueError, match="Неизвестный показатель"):
        compute("happiness", Facts(), None, None, None, AS_OF)


def test_mentor_load_reports_mean_max_and_distribution_of_open_pairs_per_active_mentor():
    mentors = [mentor("idle", capacity=2), mentor("one", capacity=2), mentor("two", capacity=2),
               mentor("three", capacity=2), mentor("gone", status="withdrawn")]
    pairs = ([pair("a", "active", mentor_id="one"), pair("b", "proposed", mentor_id="two"),
              pair("c", "confirmed", mentor_id="two"), pair("d", "completed", mentor_id="idle"),
              pair("e", "active", mentor_id="gone")]
             + [pair(f"t{i}", "active", mentor_id="three", organization="elsewhere", municipality="m9")
                for i in range(3)])
    indicator = one("mentor_load", Facts(mentors=mentors, pairs=pairs), Scope("municipality", "m1"))
    assert (indicator.value, indicator.numerator, indicator.denominator) == (1.5, 6, 4)
    assert indicator.details["max"] == 3
    assert indicator.details["distribution"] == {0: 1, 1: 1, 2: 1, 3: 1}
    assert indicator.details["over_capacity"] == ("three",)
    assert indicator.target == 2.0 and indicator.met is False


def test_mentor_load_is_met_when_no_mentor_exceeds_the_capacity():
    mentors = [mentor("a", capacity=1), mentor("b", capacity=3)]
    pairs = [pair("x", "active", mentor_id="a"), pair("y", "active", mentor_id="b"),
             pair("z", "confirmed", mentor_id="b")]
    indicator = one("mentor_load", Facts(mentors=mentors, pairs=pairs))
    assert indicator.met is True and indicator.details["over_capacity"] == ()


def test_unmet_demand_groups_waiting_mentees_by_subject_stage_and_municipality_largest_first():
    mentees = [mentee("e1", subject="math", stage="basic"), mentee("e2", subject="math", stage="basic"),
               mentee("e3", subject="math", stage="basic", organization="o2", municipality="m2"),
               mentee("e4", subject="physics", stage="secondary"), mentee("e5", subject="math", stage="basic"),
               mentee("e6", subject="math", stage="basic", status="withdrawn"),
               mentee("e7", subject="history", stage="basic"), mentee("e8", subject=None, stage=None)]
    pairs = [pair("p5", "proposed", mentee_id="e5"), pair("p7", "completed", mentee_id="e7")]
    indicator = one("unmet_demand", Facts(mentees=mentees, pairs=pairs))
    assert (indicator.value, indicator.numerator, indicator.denominator) == (6, 6, 7)
    assert indicator.details["groups"] == (
        DemandGroup("math", "basic", "m1", 2), DemandGroup(None, None, "m1", 1),
        DemandGroup("history", "basic", "m1", 1), DemandGroup("physics", "secondary", "m1", 1),
        DemandGroup("math", "basic", "m2", 1))
    assert indicator.target == 0 and indicator.met is False


def test_days_to_pair_is_the_median_from_registration_to_the_first_confirmation():
    mentees = [mentee("e1", registered_at=datetime(2024, 9, 1)), mentee("e2", registered_at=datetime(2024, 9, 1)),
               mentee("e3", registered_at=datetime(2024, 9, 1)), mentee("e4", registered_at=datetime(2024, 9, 1))]
    pairs = [pair("a", "completed", mentee_id="e1", confirmed_at=datetime(2024, 9, 11)),
             pair("b", "active", mentee_id="e1", confirmed_at=datetime(2025, 3, 1)),
             pair("c", "active", mentee_id="e2", confirmed_at=datetime(2024, 9, 21, 8)),
             pair("d", "confirmed", mentee_id="e3", confirmed_at=datetime(2024, 10, 31)),
             pair("e", "proposed", mentee_id="e4")]
    indicator = one("days_to_pair", Facts(mentees=mentees, pairs=pairs))
    assert (indicator.value, indicator.unit, indicator.details["mentees"]) == (20.0, "дн.", 3)
    in_september = one("days_to_pair", Facts(mentees=mentees, pairs=pairs),
                       period=Period(date(2024, 9, 1), date(2024, 9, 30)))
    assert in_september.value == 15.0


def test_targets_default_to_the_seeds_and_can_be_overridden_per_scope_and_year():
    municipality = Scope("municipality", "m1")
    targets = (Targets().with_target("coverage", 50.0, year=2024)
               .with_target("coverage", 40.0, scope=municipality)
               .with_target("coverage", 30.0, scope=municipality, year=2024))
    assert targets.target("coverage", REGION, 2025) == 70.0
    assert targets.target("coverage", REGION, 2024) == 50.0
    assert targets.target("coverage", municipality, 2025) == 40.0
    assert targets.target("coverage", municipality, 2024) == 30.0
    assert Targets().target("effective_pairs", REGION, 2024) is None


def test_the_target_year_is_the_year_the_period_ends_in():
    facts = Facts(organizations=[org("o1"), org("o2")], pairs=[pair("a", "active", organization="o1",
                                                                      confirmed_at=datetime(2021, 3, 1))])
    targets = seed_002_targets()
    assert one("organizations_implemented", facts, period=Period.year(2021), targets=targets).met is True
    assert one("organizations_implemented", facts, period=Period.year(2022), targets=targets).met is False
    assert one("organizations_implemented", facts, targets=targets).target == 70.0


def test_the_load_target_is_the_capacity_and_cannot_be_overridden():
    with pytest.raises(ValueError):
        Targets().with_target("mentor_load", 3.0)


STATES = ("proposed", "confirmed", "active", "completed", "declined", "terminated", "expired")
moments = st.one_of(st.none(), st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2026, 12, 31)))


@st.composite
def random_facts(draw) -> Facts:
    org_ids = [f"o{i}" for i in range(draw(st.integers(0, 4)))]
    where = {o: (f"m{i % 2}", "r1") for i, o in enumerate(org_ids)} | {"x": ("m9", "r2")}
    places = st.sampled_from([*org_ids, "x"])
    organizations = [OrganizationFacts(o, *where[o], draw(st.integers(0, 30)), draw(st.integers(0, 10)),
                                       draw(st.integers(0, 60)), draw(st.booleans()),
                                       draw(st.sampled_from(["active", "withdrawn"]))) for o in org_ids]
    mentors = [MentorFacts(f"t{i}", o, *where[o], draw(st.booleans()), draw(st.integers(1, 3)),
                           draw(st.sampled_from(["active", "withdrawn"])), registered_at=draw(moments))
               for i, o in enumerate(draw(st.lists(places, max_size=5)))]
    pairs = [PairFacts(f"p{i}", f"t{draw(st.integers(0, 5))}", f"e{draw(st.integers(0, 5))}", o, *where[o],
                       draw(st.sampled_from(["young_specialist", "new_employee"])), draw(st.sampled_from(STATES)),
                       draw(st.booleans()), result=draw(st.sampled_from([None, "reached", "partly"])),
                       confirmed_at=draw(moments), ended_at=draw(moments))
             for i, o in enumerate(draw(st.lists(places, max_size=12)))]
    return Facts(organizations, mentors, (), pairs)


scopes = st.sampled_from([None, REGION, Scope("municipality", "m0"), Scope("organization", "o1")])
periods = st.sampled_from([None, Period.year(2024), Period.half_year(2025, 1)])
BOUNDED = ("organizations_implemented", "mentors_trained", "organizations_with_page", "effective_pairs")


@settings(max_examples=200, deadline=None)
@given(random_facts(), scopes, periods)
def test_shares_stay_within_zero_and_a_hundred_percent_with_numerator_never_above_denominator(facts, scope, period):
    for indicator in compute_all(facts, scope, period, None, AS_OF):
        if indicator.code in BOUNDED:
            assert 0 <= indicator.numerator <= indicator.denominator
            assert indicator.value is None or 0 <= indicator.value <= 100


@settings(max_examples=200, deadline=None)
@given(random_facts(), scopes, periods)
def test_a_share_has_a_value_exactly_when_its_denominator_is_positive_and_a_verdict_only_with_a_target(
        facts, scope, period):
    for indicator in compute_all(facts, scope, period, None, AS_OF):
        if indicator.unit == "%":
            assert (indicator.value is None) == (indicator.denominator == 0)
            if indicator.value is not None:
                assert indicator.value == pytest.approx(100 * indicator.numerator / indicator.denominator)
        assert (indicator.met is None) == (indicator.value is None or indicator.target is None)
