"""The pure rules of personal data: consent with its day, the pseudonym, what erasure clears, the retention cut-off,
and the import's consent cell."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.domain.personal_data import (
    PSEUDONYM_PREFIX,
    consent_changed,
    consent_given,
    erased_values,
    pseudonym,
    retention_cutoff,
    scrub_changes,
)
from services.registry.importing.cells import CellError, consent_day
from shared.dictionaries import normalize
from shared.errors import ValidationFailed

TODAY = date(2026, 11, 26)
DAY = date(2026, 10, 1)


def test_the_pseudonym_is_stable_per_person_and_tells_nothing_of_the_name():
    first, again, other = pseudonym("3f1c-id"), pseudonym("3f1c-id"), pseudonym("another-id")
    assert first == again != other
    assert first.startswith(PSEUDONYM_PREFIX) and len(first) == len(PSEUDONYM_PREFIX) + 8
    assert first[len(PSEUDONYM_PREFIX):].isalnum() and first[len(PSEUDONYM_PREFIX):].isupper()


def test_a_new_person_consents_on_the_day_given_or_today_and_without_consent_keeps_no_day():
    assert consent_given(True, DAY, TODAY) == (True, DAY)
    assert consent_given(True, None, TODAY) == (True, TODAY)
    assert consent_given(None, None, TODAY) == (True, TODAY)
    assert consent_given(False, None, TODAY) == (False, None)
    assert consent_given(True, TODAY + timedelta(days=1), TODAY) == (True, TODAY + timedelta(days=1))  # UTC+12
    with pytest.raises(ValidationFailed, match="в будущем"):
        consent_given(True, TODAY + timedelta(days=2), TODAY)
    with pytest.raises(ValidationFailed, match="снято"):
        consent_given(False, DAY, TODAY)


@pytest.mark.parametrize(("current", "changes", "expected"), [
    ((True, DAY), {}, {}),
    ((True, DAY), {"consent_processing": True}, {"consent_processing": True, "consent_processing_on": DAY}),
    ((True, DAY), {"consent_processing": False}, {"consent_processing": False, "consent_processing_on": None}),
    ((False, None), {"consent_processing": True}, {"consent_processing": True, "consent_processing_on": TODAY}),
    ((False, None), {"consent_processing_on": DAY}, {"consent_processing": True, "consent_processing_on": DAY}),
    ((True, DAY), {"consent_processing_on": None}, {"consent_processing": True, "consent_processing_on": TODAY}),
    ((True, None), {"consent_processing_on": DAY}, {"consent_processing": True, "consent_processing_on": DAY}),
])
def test_a_change_of_consent_keeps_a_day_exactly_while_consent_lasts(current, changes, expected):
    assert consent_changed(current, changes, TODAY) == expected


def test_withdrawing_consent_with_a_day_is_refused():
    with pytest.raises(ValidationFailed):
        consent_changed((True, DAY), {"consent_processing": False, "consent_processing_on": DAY}, TODAY)


def test_erasure_clears_the_name_contacts_free_text_and_consents_of_the_columns_a_table_has():
    mentor = erased_values("m-1", {"full_name", "normalized_name", "email", "page_url", "honours",
                                   "consent_processing", "consent_processing_on", "consent_publication", "status"})
    assert mentor["full_name"] == pseudonym("m-1") and mentor["normalized_name"] == normalize(pseudonym("m-1"))
    assert {k: mentor[k] for k in ("email", "page_url", "honours", "consent_processing_on")} == dict.fromkeys(
        ("email", "page_url", "honours", "consent_processing_on"))
    assert mentor["consent_processing"] is False and mentor["consent_publication"] is False
    assert "status" not in mentor  # status stays: the counts do not change
    mentee = erased_values("s-1", {"full_name", "normalized_name", "email", "deficits", "preferred_mentor_name"})
    assert set(mentee) == {"full_name", "normalized_name", "email", "deficits", "preferred_mentor_name"}


def test_audit_changes_lose_the_person_data_in_either_form():
    created = {"full_name": "Иванова Анна", "email": "a@b.ru", "subjects": ["math"]}
    updated = {"full_name": ["Иванова Анна", "Петрова Анна"], "deficits": ["звонить 8 900", None], "capacity": [1, 2]}
    assert scrub_changes(created, "Субъект ПДн № 1") == {"full_name": "Субъект ПДн № 1", "email": None,
                                                          "subjects": ["math"]}
    assert scrub_changes(updated, "Субъект ПДн № 1") == {"full_name": ["Субъект ПДн № 1", "Субъект ПДн № 1"],
                                                          "deficits": [None, None], "capacity": [1, 2]}


def test_the_retention_cut_off_is_the_period_before_now_and_at_least_a_day():
    now = datetime(2030, 1, 15, 12, tzinfo=UTC)
    assert retention_cutoff(now, 1095) == datetime(2027, 1, 16, 12, tzinfo=UTC)
    assert retention_cutoff(now, 1) == now - timedelta(days=1)
    with pytest.raises(ValueError):
        retention_cutoff(now, 0)


@pytest.mark.parametrize(("cell", "expected"), [
    ("12.05.2024", (True, date(2024, 5, 12))), ("2024-05-12", (True, date(2024, 5, 12))),
    ("да, 12.05.2024", (True, date(2024, 5, 12))), ("да", (True, None)), ("Согласен", (True, None)),
    ("нет", (False, None)), ("", (False, None)), ("-", (False, None)),
])
def test_the_consent_cell_reads_a_day_or_yes_or_no(cell, expected):
    assert consent_day(cell) == expected


@pytest.mark.parametrize("cell", ["когда-нибудь", "31.02.2024", f"{date.today().year + 2}-01-01"])
def test_the_consent_cell_refuses_what_is_not_a_past_day(cell):
    with pytest.raises(CellError) as error:
        consent_day(cell)
    assert error.value.code == "bad_consent"
