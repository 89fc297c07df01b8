"""Request schemas of the run and suggestion endpoints; a run's weights are checked here, once."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from services.matching.domain.weights import Weights
from shared.errors import ValidationFailed
from shared.fields import Body, Kept, Query, Scope, integer

Weight = integer(-10_000, 10_000)


# Overrides of the cost weights, by name; only `adjacent_stage` may be null (an adjacent stage is then not a candidate).
WeightOverrides = create_model("WeightOverrides", __base__=Body, **{
    f.name: (Weight | None if "None" in str(f.type) else Kept[Weight], None) for f in fields(Weights)})


class RunOptions(Body):
    weights: WeightOverrides = Field(None, description="например {\"load_step\": 8}")  # type: ignore[valid-type]


class RunIn(Body):
    scope: Scope
    options: RunOptions = Field(default_factory=RunOptions)
    dry_run: bool = Field(False, description="только посчитать, ничего не записывать")

    def checked_options(self) -> dict[str, Any]:
        """The options as given, once the weights also obey the rules between them (`Weights`), which a JSON
        Schema cannot state: a refusal is a 422 of that rule, not of the schema. The one place weights are checked;
        the worker reads them back as they were stored."""
        options = self.options.model_dump(exclude_unset=True)
        try:
            Weights.with_overrides(options.get("weights"))
        except ValueError as exc:
            raise ValidationFailed(f"Недопустимые веса: {exc}", errors=[
                {"field": "options.weights", "message": str(exc)}]) from None
        return options


class RunAccepted(BaseModel):
    id: str
    status: str
    scope: str
    href: str


class RunPath(BaseModel):
    id: str = Field(max_length=36)


class PageQuery(Query):
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(50, ge=1, le=500)


class RunsQuery(PageQuery):
    status: Literal["queued", "running", "succeeded", "failed"] | None = None


class SuggestQuery(Query):
    limit: int = Field(5, ge=1, le=50)
