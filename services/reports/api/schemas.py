"""Request models of the reports API (query strings and bodies), the problem answers and the tags."""

from __future__ import annotations

from typing import Literal

from flask_openapi3 import Tag
from pydantic import Field, create_model

from services.reports.domain.criteria import CRITERIA
from services.reports.domain.targets import DEFAULT_TARGETS, TARGETABLE
from shared.fields import Body, Kept, Query, Scope, integer
from shared.web import Problem

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
TARGET_CODES = tuple(sorted(set(DEFAULT_TARGETS) & TARGETABLE))
PERIOD = r"^20[0-9]{2}(-H[12])?$"
indicators_tag = Tag(name="Показатели", description="Целевые показатели модели наставничества")
assessment_tag = Tag(name="Самооценка", description="Самооценка муниципалитета: 10 критериев по 0–2 балла")


class IndicatorsQuery(Query):
    scope: Scope
    period: str | None = Field(None, max_length=10, pattern=r"^(now|20[0-9]{2}(-H[12])?)?$",
                               description="now, 2026, 2026-H1 или 2026-H2")


class TargetIn(Body):
    code: Literal[TARGET_CODES]
    value: float | None = Field(None, ge=0, le=100_000)
    scope: Scope | None = Field(None, description="пусто — для всех")
    year: integer(2000, 2100) | None = None


# The ten criteria as optional fields (0, 1 or 2 points; a criterion left out is not assessed yet).
Answers = create_model("Answers", __base__=Body, **{c.code: (Kept[integer(0, 2)], Field(None, description=c.label_ru))
                                                   for c in CRITERIA})


class AssessmentIn(Body):
    municipality_id: str = Field(min_length=1, max_length=36)
    period: str = Field(pattern=PERIOD)
    answers: Answers = Field(description="код критерия → 0, 1 или 2")


class AssessmentQuery(Query):
    municipality_id: str | None = Field(None, max_length=36)
    period: str | None = Field(None, pattern=PERIOD)
