"""Seed 000's table of 13 target indicators: names, targets and deadlines; indicator 13 with the curators; the
retention of young specialists; the municipal facts an operator records, per municipality and for a region."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.reports.domain.catalog import FACT_CODES, SPECS
from services.reports.domain.fact_rules import MAX_EVIDENCE_BYTES, FactEntry, media_type, problems
from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, MunicipalFact, OrganizationFacts
from services.reports.domain.indicators import compute, compute_all
from services.reports.domain.period import Period
from services.reports.domain.targets import Targets, seed_002_targets
from shared.scopes import Scope

AS_OF = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
REGION = Scope("region", "r1")
M1, M2 = Scope("municipality", "m1"), Scope("municipality", "m2")
SEED_000 = Path("/work/shared/seeds/000_b58b849cbf284465.txt")


def org(id_: str, municipality: str = "m1", **kwargs) -> OrganizationFacts:
    return OrganizationFacts(id_, municipality, "r1", **kwargs)


def fact(code: str, value: float, on: date, municipality: str = "m1", id_: int = 1, url: str | None = "https://x.ru"):
    return MunicipalFact(id_, code, municipality, "r1", value, on, url)


def one(code: str, facts: Facts, scope: Scope | None = REGION, period: Period | None = None,
        targets: Targets | None = None):
    return compute(code, facts, scope, period, targets, AS_OF)


# --- the table of 13 ---------------------------------------------------------------------------------------------


def test_the_thirteen_indicators_of_seed_000_come_in_its_order_with_its_targets_and_deadlines():
    numbered = [s for s in SPECS if s.number is not None]
    assert [s.number for s in numbered] == list(range(1, 14))
    assert [s.target for s in numbered] == [70, 25, 60, 1, 1, 75, 1, 1, 1, 1, 2, 50, 50]
    assert numbered[3].deadline_ru == "Первый год реализации ЦМН"
    assert numbered[10].deadline_ru == "Ежегодно, начиная с первого года внедрения ЦМН"
    assert numbered[8].deadline_ru.endswith("не реже одного раза в год")
    assert numbered[0].deadline_ru.startswith("Июнь 2023, далее – сохранение показателя")
    assert set(FACT_CODES) == {s.code for s in numbered if s.number in (4, 5, 7, 8, 9, 10, 11, 12)}


@pytest.mark.skipif(not SEED_000.exists(), reason="the seed documents are not on this machine")
def test_each_name_is_written_as_in_the_seed():
    seed = re.sub(r"\s+", " ", SEED_000.read_text(encoding="utf-8"))
    for spec in SPECS:
        if spec.number is not None and spec.number not in (6, 12):  # 6 and 12: the seed's stray punctuation
            assert spec.label_ru in seed, spec.number


def test_every_indicator_carries_its_number_and_deadline_into_the_result():
    items = compute_all(Facts(organizations=[org("o1")]), M1, None, None, AS_OF)
    numbers = [i.number for i in items if i.number is not None]
    assert numbers == list(range(1, 14))
    assert all(i.deadline_ru for i in items if i.number is not None)


def test_seed_002_plans_organizations_and_their_pages_year_by_year():
    targets = seed_002_targets()
    assert [targets.target("organizations_implemented", None, y) for y in (2021, 2024, 2025)] == [40, 100, 70]
    assert targets.target("organizations_with_page", None, 2023) == 100
    assert targets.target("organizations_with_page", None, 2021) == 75


# --- 13: mentors and curators trained ------------------------------------------------------------------------------


def test_indicator_13_counts_trained_curators_of_organizations_beside_trained_mentors():
    organizations = [org("o1", has_curator=True, curator_trained=True, curator_trained_on=date(2024, 3, 1)),
                     org("o2", has_curator=True), org("o3")]
    mentors = [MentorFacts("t1", "o1", "m1", "r1", trained=True), MentorFacts("t2", "o1", "m1", "r1")]
    indicator = one("mentors_trained", Facts(organizations=organizations, mentors=mentors))
    assert (indicator.numerator, indicator.denominator, indicator.value) == (2, 4, 50.0)
    assert indicator.met is True and indicator.number == 13
    assert indicator.details == {"mentors": 2, "mentors_trained": 1, "curators": 2, "curators_trained": 1}


def test_a_curator_trained_after_the_period_does_not_count_for_it():
    organizations = [org("o1", has_curator=True, curator_trained=True, curator_trained_on=date(2025, 9, 1))]
    assert one("mentors_trained", Facts(organizations=organizations), period=Period.year(2024)).numerator == 0
    assert one("mentors_trained", Facts(organizations=organizations), period=Period.year(2025)).numerator == 1


# --- retention of young specialists ------------------------------------------------------------------------------


def young(id_: str, registered: datetime, status: str = "active", category: str = "young_specialist"):
    return MenteeFacts(id_, "o1", "m1", "r1", category, registered_at=registered, status=status)


def test_retention_is_the_share_of_young_specialists_registered_a_year_ago_who_were_not_withdrawn():
    mentees = [young("a", datetime(2024, 1, 10, tzinfo=UTC)), young("b", datetime(2024, 5, 31, tzinfo=UTC)),
               young("c", datetime(2023, 9, 1, tzinfo=UTC), status="withdrawn"),
               young("new", datetime(2025, 1, 10, tzinfo=UTC)),
               young("other", datetime(2023, 1, 1, tzinfo=UTC), category="new_employee")]
    indicator = one("young_specialists_retained", Facts(mentees=mentees))
    assert (indicator.numerator, indicator.denominator) == (2, 3)
    assert indicator.value == pytest.approx(200 / 3)
    assert indicator.details["registered_by"] == date(2024, 6, 1)


def test_retention_has_no_value_when_nobody_is_old_enough_and_reads_the_periods_end():
    mentees = [young("a", datetime(2024, 3, 1, tzinfo=UTC))]
    assert one("young_specialists_retained", Facts(mentees=mentees), period=Period.year(2024)).value is None
    assert one("young_specialists_retained", Facts(mentees=mentees), period=Period.half_year(2025, 1)).value == 100


# --- municipal facts for one municipality --------------------------------------------------------------------------


def test_the_latest_record_up_to_the_day_wins_and_history_stays():
    records = [fact("methodical_centre", 1, date(2023, 5, 1), id_=1),
               fact("methodical_centre", 0, date(2024, 9, 1), id_=2, url=None),
               fact("methodical_centre", 1, date(2025, 7, 1), id_=3)]
    facts = Facts(organizations=[org("o1")], municipal=records)
    now = one("methodical_centre", facts, M1)
    assert (now.value, now.met, now.unit, now.details["fact_id"]) == (0, False, "ед.", 2)
    assert one("methodical_centre", facts, M1, Period.year(2023)).value == 1
    assert one("methodical_centre", facts, M1, Period.year(2025)).details["fact_id"] == 3


def test_a_fact_never_recorded_has_no_value_and_no_verdict():
    indicator = one("best_practices_bank", Facts(organizations=[org("o1")]), M1)
    assert indicator.value is None and indicator.met is None and indicator.target == 1


def test_the_municipal_event_counts_only_in_its_own_year():
    facts = Facts(organizations=[org("o1")], municipal=[fact("municipal_event", 1, date(2024, 11, 20))])
    assert one("municipal_event", facts, M1, Period.year(2024)).met is True
    this_year = one("municipal_event", facts, M1)
    assert (this_year.value, this_year.met) == (0, False)


def test_training_programs_are_a_yearly_count_against_two():
    records = [fact("training_programs", 1, date(2025, 2, 1), id_=1),
               fact("training_programs", 3, date(2025, 4, 1), id_=2),
               fact("training_programs", 5, date(2024, 4, 1), id_=3)]
    indicator = one("training_programs", Facts(organizations=[org("o1")], municipal=records), M1)
    assert (indicator.value, indicator.target, indicator.met) == (3, 2, True)


def test_resource_centre_sections_are_a_share_of_the_municipalitys_organizations():
    organizations = [org("o1"), org("o2"), org("o3"), org("o4"), org("x", status="withdrawn")]
    facts = Facts(organizations=organizations, municipal=[fact("resource_centre_sections", 3, date(2025, 1, 15))])
    indicator = one("resource_centre_sections", facts, M1)
    assert (indicator.numerator, indicator.denominator, indicator.value, indicator.unit) == (3, 4, 75.0, "%")
    assert indicator.met is True and indicator.details["evidence_url"] == "https://x.ru"


def test_an_organization_has_no_municipal_facts():
    facts = Facts(organizations=[org("o1")], municipal=[fact("authority_page", 1, date(2024, 1, 1))])
    indicator = one("authority_page", facts, Scope("organization", "o1"))
    assert indicator.value is None and indicator.met is None


# --- municipal facts for a region ----------------------------------------------------------------------------------


def test_a_region_shows_the_share_of_its_municipalities_that_have_the_fact():
    organizations = [org("o1", "m1"), org("o2", "m2"), org("o3", "m3"), org("o4", "m4")]
    records = [fact("interactive_bank", 1, date(2024, 1, 1), "m1", 1),
               fact("interactive_bank", 1, date(2024, 1, 1), "m2", 2),
               fact("interactive_bank", 0, date(2024, 6, 1), "m2", 3, None),
               fact("interactive_bank", 1, date(2024, 1, 1), "m3", 4)]
    indicator = one("interactive_bank", Facts(organizations=organizations, municipal=records))
    assert (indicator.numerator, indicator.denominator, indicator.value, indicator.unit) == (2, 4, 50.0, "%")
    assert indicator.target == 100 and indicator.met is False
    assert indicator.details["reached"] == ["m1", "m3"]
    assert indicator.details["municipalities"] == {"m1": 1, "m2": 0, "m3": 1, "m4": None}


def test_a_regions_count_fact_counts_the_municipalities_that_reach_their_minimum():
    organizations = [org("o1", "m1"), org("o2", "m2")]
    records = [fact("training_programs", 2, date(2025, 3, 1), "m1", 1),
               fact("training_programs", 1, date(2025, 3, 1), "m2", 2)]
    indicator = one("training_programs", Facts(organizations=organizations, municipal=records))
    assert (indicator.numerator, indicator.denominator, indicator.details["total"]) == (1, 2, 3)
    targets = Targets().with_target("training_programs", 1, M2)
    assert one("training_programs", Facts(organizations=organizations, municipal=records),
               targets=targets).numerator == 2


def test_a_regions_resource_centres_are_all_recorded_organizations_over_all_its_organizations():
    organizations = [org("o1", "m1"), org("o2", "m1"), org("o3", "m2"), org("o4", "m2")]
    records = [fact("resource_centre_sections", 1, date(2025, 3, 1), "m1")]
    indicator = one("resource_centre_sections", Facts(organizations=organizations, municipal=records))
    assert (indicator.numerator, indicator.denominator, indicator.value, indicator.met) == (1, 4, 25.0, False)


def test_a_target_set_for_the_region_itself_replaces_all_municipalities():
    organizations = [org("o1", "m1"), org("o2", "m2")]
    records = [fact("methodical_centre", 1, date(2024, 1, 1), "m1")]
    targets = Targets().with_target("methodical_centre", 50, REGION)
    indicator = one("methodical_centre", Facts(organizations=organizations, municipal=records), targets=targets)
    assert (indicator.value, indicator.target, indicator.met) == (50.0, 50, True)


# --- what a record must satisfy ------------------------------------------------------------------------------------


def entry(**changes) -> FactEntry:
    values = {"code": "methodical_centre", "municipality_id": "m1", "value": 1.0, "recorded_on": date(2025, 1, 1),
              "evidence_url": "https://uo.example.ru/prikaz.pdf"}
    return FactEntry(**{**values, **changes})


def fields(found: list[dict[str, str]]) -> dict[str, str]:
    return {p["field"]: p["message"] for p in found}


def test_a_correct_record_has_no_problems():
    assert problems(entry(), date(2025, 6, 1)) == []
    assert problems(entry(value=0, evidence_url=None), date(2025, 6, 1)) == []
    assert problems(entry(evidence_url=None, document_name="приказ.PDF", document_size=10), date(2025, 6, 1)) == []


def test_each_refusal_is_russian_and_names_its_field():
    today = date(2025, 6, 1)
    assert "Неизвестный показатель" in fields(problems(entry(code="coverage"), today))["code"]
    assert fields(problems(entry(value=2), today))["value"] == "Показатель № 4 — «да» (1) или «нет» (0)"
    assert "целое число" in fields(problems(entry(code="training_programs", value=1.5), today))["value"]
    assert "позже сегодняшней" in fields(problems(entry(recorded_on=date(2025, 6, 2)), today))["recorded_on"]
    assert "ссылку" in fields(problems(entry(evidence_url=None), today))["evidence_url"]
    assert "больше" in fields(problems(entry(code="resource_centre_sections", value=5), today, 4))["value"]
    too_big = entry(document_name="скан.pdf", document_size=MAX_EVIDENCE_BYTES + 1)
    assert "МБ" in fields(problems(too_big, today))["file"]
    assert "PDF" in fields(problems(entry(document_name="virus.exe", document_size=10), today))["file"]


def test_a_documents_media_type_follows_its_extension():
    assert media_type("Приказ.docx").endswith("wordprocessingml.document")
    assert media_type("scan.JPG") == "image/jpeg"
    assert media_type("page.html") is None and media_type("noextension") is None
