"""The municipal self-assessment of seed 000: ten criteria scored 0–2, bands 17–20, 12–16 and below 12."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reports.domain.assessment import BAND_LABELS_RU, AssessmentError, band_of, score
from services.reports.domain.criteria import CRITERIA, MAX_TOTAL, SCORE_LABELS_RU

CODES = [c.code for c in CRITERIA]


def answers_totalling(total: int) -> dict[str, int]:
    twos, one = divmod(total, 2)
    answers = dict.fromkeys(CODES, 0)
    for code in CODES[:twos]:
        answers[code] = 2
    if one:
        answers[CODES[twos]] = 1
    return answers


def test_there_are_ten_numbered_criteria_with_russian_labels_from_seed_000():
    assert len(CRITERIA) == 10 and MAX_TOTAL == 20
    assert [c.number for c in CRITERIA] == list(range(1, 11))
    assert len(set(CODES)) == 10
    assert CRITERIA[0].label_ru.startswith("Наличие муниципальных нормативных правовых документов")
    assert "выездного семинара" in CRITERIA[-1].label_ru
    assert SCORE_LABELS_RU[2] == "Соответствует обоснованной системе"


@pytest.mark.parametrize(("total", "band"), [(0, "low"), (11, "low"), (12, "medium"), (16, "medium"),
                                             (17, "high"), (20, "high")])
def test_the_band_is_high_from_17_medium_from_12_and_low_below(total, band):
    assessment = score(answers_totalling(total))
    assert assessment.total == total
    assert assessment.band == band == band_of(total)
    assert assessment.band_label_ru == BAND_LABELS_RU[band]
    assert assessment.complete and assessment.missing == ()


def test_band_labels_are_the_seed_wording():
    assert score(answers_totalling(20)).band_label_ru == "высокая эффективность"
    assert score(answers_totalling(14)).band_label_ru == "средняя эффективность"
    assert score(answers_totalling(3)).band_label_ru == "низкая эффективность"


def test_unanswered_criteria_count_as_zero_and_are_listed_in_order():
    answers = {code: 2 for code in CODES[:7]}
    assessment = score(answers)
    assert assessment.total == 14 and assessment.band == "medium"
    assert assessment.missing == tuple(CODES[7:])
    assert not assessment.complete
    assert dict(assessment.scores) == answers


def test_an_empty_form_is_low_with_every_criterion_missing():
    assessment = score({})
    assert (assessment.total, assessment.band, assessment.missing) == (0, "low", tuple(CODES))


def test_an_unknown_criterion_is_refused_with_a_russian_message_naming_it():
    with pytest.raises(AssessmentError, match="Неизвестный критерий «budget»") as caught:
        score({"budget": 2})
    assert caught.value.criterion == "budget"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("points", [-1, 3, 1.5, "2", None, True])
def test_a_score_other_than_zero_one_or_two_is_refused(points):
    with pytest.raises(AssessmentError, match="0, 1 или 2 балла") as caught:
        score({CODES[2]: points})
    assert caught.value.criterion == CODES[2]


@given(st.dictionaries(st.sampled_from(CODES), st.integers(0, 2)))
def test_the_total_is_the_sum_of_the_answers_and_never_exceeds_twenty(answers):
    assessment = score(answers)
    assert assessment.total == sum(answers.values()) <= MAX_TOTAL
    assert set(assessment.missing) == set(CODES) - set(answers)
    assert assessment.band == band_of(assessment.total)
