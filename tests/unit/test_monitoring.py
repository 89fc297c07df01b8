"""Half-year monitoring rules without I/O: half-years written and said in Russian, submitting, reopening, overview."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reports.domain.submission import (
    REOPENED,
    SUBMITTED,
    HalfYear,
    action_of,
    recent,
    reopen_reason,
    require_reopenable,
    require_submittable,
)
from services.reports.domain.submission_overview import Latest, side_by_side
from shared.errors import Conflict, ValidationFailed

AT = datetime(2026, 7, 3, 10, 0, tzinfo=UTC)


def test_a_half_year_is_read_from_its_code_and_said_in_russian():
    first = HalfYear.parse("2026-H1")
    assert (first.year, first.half, first.code, first.label_ru) == (2026, 1, "2026-H1", "1-е полугодие 2026")
    assert (first.period.start, first.period.end) == (date(2026, 1, 1), date(2026, 6, 30))
    second = HalfYear.parse("2025-H2")
    assert second.label_ru == "2-е полугодие 2025" and second.period.end == date(2025, 12, 31)


@pytest.mark.parametrize("text", ["2026", "2026-H3", "2026-h1", "26-H1", "", None, "2026-H1 ", "1999-H1"])
def test_anything_but_a_half_year_code_is_refused_on_the_period_field(text):
    with pytest.raises(ValidationFailed) as refused:
        HalfYear.parse(text)
    assert refused.value.errors[0]["field"] == "period" and "полугодие" in refused.value.detail


def test_the_half_year_of_a_day_and_the_ones_before_it():
    assert HalfYear.of(date(2026, 6, 30)) == HalfYear(2026, 1)
    assert HalfYear.of(date(2026, 7, 1)) == HalfYear(2026, 2)
    assert [h.code for h in recent(date(2026, 3, 15), 4)] == ["2026-H1", "2025-H2", "2025-H1", "2024-H2"]


def test_the_current_and_past_half_years_may_be_submitted_and_a_future_one_may_not():
    today = date(2026, 7, 1)
    HalfYear(2026, 2).require_started(today)
    HalfYear(2026, 1).require_started(today)
    with pytest.raises(ValidationFailed, match="ещё не наступило"):
        HalfYear(2027, 1).require_started(today)


def test_a_half_year_is_submitted_once_unless_the_region_reopened_it():
    half = HalfYear(2026, 1)
    require_submittable(half, None)
    require_submittable(half, REOPENED)
    with pytest.raises(Conflict, match="1-е полугодие 2026 уже сдан"):
        require_submittable(half, SUBMITTED)
    assert (action_of(1), action_of(2)) == ("submitted", "resubmitted")


def test_only_a_submitted_report_is_reopened_and_only_with_a_reason():
    require_reopenable(SUBMITTED)
    with pytest.raises(Conflict):
        require_reopenable(REOPENED)
    assert reopen_reason("  нет данных о КПК \n") == "нет данных о КПК"
    for blank in ("", "   ", None):
        with pytest.raises(ValidationFailed) as refused:
            reopen_reason(blank)
        assert refused.value.errors == [{"field": "reason", "message": "укажите причину возврата"}]
    with pytest.raises(ValidationFailed):
        reopen_reason("я" * 2001)


def figure(code: str, value: float | None, label: str | None = None) -> dict:
    return {"code": code, "label": label or code, "unit": "%", "value": value}


def latest(municipality: str, status: str, *figures: dict) -> Latest:
    return Latest(f"s-{municipality}", municipality, f"Район {municipality}", status, 1, AT, "municipal_operator:x",
                  figures)


def test_the_overview_lists_every_municipality_by_name_with_live_figures_side_by_side():
    found = {"m1": latest("m1", SUBMITTED, figure("coverage", 12.5, "Охват"), figure("effective", None)),
             "m3": latest("m3", REOPENED, figure("coverage", 99.0)),
             "m4": latest("m4", SUBMITTED, figure("coverage", 30), figure("new_one", 2))}
    overview = side_by_side(HalfYear(2026, 1), "r", [("m2", "Белоярский"), ("m1", "Алтайский"), ("m3", "Вагайский")],
                            found)
    assert [(c.name, c.status_label) for c in overview.columns] == [
        ("Алтайский", "сдан"), ("Белоярский", "не сдан"), ("Вагайский", "возвращён на доработку"),
        ("Район m4", "сдан")]
    assert overview.submitted == 2
    rows = {r.code: r for r in overview.rows}
    assert [r.code for r in overview.rows] == ["coverage", "effective", "new_one"]
    assert rows["coverage"].label == "Охват" and rows["coverage"].values == (12.5, None, None, 30.0)
    assert rows["effective"].values == (None, None, None, None)
    assert rows["new_one"].values == (None, None, None, 2.0)
