"""Request schemas of the run and suggestion endpoints; a run's weights are checked here, once."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from services.matching.domain.weights import Weights
from services.matching.use_cases.run_regions import MAX_REGIONS
from shared.errors import ValidationFailed
from shared.fields import Body, Kept, Query, Scope, integer

LIMIT = 10_000
# The bounds of each weight that `Weights` checks, stated in the schema: a cost that may not turn into a bonus
# starts at 0, a bonus ends at 0, the length of an experience step is at least a year.
NOT_NEGATIVE = {"adjacent_stage", "direction_uncovered", "load_step", "experience_max_steps", "mentee_experience_year",
                "mentee_experience_max_years", "mentee_category_mismatch"}
BOUNDS = {**dict.fromkeys(NOT_NEGATIVE, (0, LIMIT)), "preferred": (-LIMIT, 0), "experience_step_years": (1, LIMIT)}
DISTANCE_RULE = ("веса расстояния не убывают: same_organization <= same_municipality <= elsewhere_in_region "
                 "(с учётом значений по умолчанию 0, 20 и 50 для не указанных)")


def _weight(name: str) -> Any:
    return integer(*BOUNDS.get(name, (-LIMIT, LIMIT)))


# Overrides of the cost weights, by name; only `adjacent_stage` may be null (an adjacent stage is then not a candidate).
# The one rule between weights a JSON Schema cannot state, the order of the distance weights, is in the description.
WeightOverrides = create_model("WeightOverrides", __base__=Body, __doc__=f"Переопределения весов; {DISTANCE_RULE}.",
                               **{f.name: (_weight(f.name) | None if "None" in str(f.type) else Kept[_weight(f.name)],
                                           None) for f in fields(Weights)})


Id = Annotated[str, Field(min_length=1, max_length=36)]
# Page cursors as `next_cursor` gives them; each string of these shapes is a position the query can start after.
RUN_CURSOR = r"^[0-9]{1,17}:[A-Za-z0-9-]{1,36}$"  # microseconds since the epoch (up to year 5138) and the run id
PROPOSAL_CURSOR = r"^-?[0-9]{1,18}:[A-Za-z0-9-]{1,36}$"  # the proposal's cost and id
MAX_PAIRS = 1000
# One region of a run over several (`scope` as a list).
RegionScope = Annotated[str, Field(max_length=43, pattern=r"^region:[^\u0000]{1,36}$")]


class PairRef(Body):
    mentor_id: Id
    mentee_id: Id


class RunOptions(Body):
    weights: WeightOverrides = Field(None, description=f"например {{\"load_step\": 8}}; {DISTANCE_RULE}")  # type: ignore[valid-type]
    pins: list[PairRef] | None = Field(None, max_length=MAX_PAIRS, description=(
        "пары, которые сохраняются в этом запуске: занимают место наставника, их наставляемые не подбираются "
        "заново; невозможная пара попадает в итог, в pins_refused"))
    exclusions: list[PairRef] | None = Field(None, max_length=MAX_PAIRS,
                                             description="пары, которые этот запуск не предлагает")


class RunIn(Body):
    scope: Scope | Literal["all"] | Annotated[list[RegionScope], Field(min_length=1, max_length=MAX_REGIONS)] = Field(
        description=(
        "region:<id>, municipality:<id> или organization:<id>; all — все регионы, или список region:<id> "
        "(администратор): общий запуск, по запуску на регион, регионы считаются параллельно; черновик (draft) — "
        "только для одной области"))
    options: RunOptions = Field(default_factory=RunOptions)
    dry_run: bool = Field(False, description="только посчитать, ничего не записывать")
    draft: bool = Field(False, description="черновик: предложения хранятся с запуском до проверки и публикации, "
                                           "пары не создаются")

    def checked_options(self) -> dict[str, Any]:
        """The options as given, once they also obey the rules a JSON Schema cannot state: the weights' rules
        between them (`Weights`), each mentee pinned once, no pair both pinned and excluded. A refusal is a 422
        of that rule, not of the schema. The one place options are checked; the worker reads them back as they
        were stored."""
        options = self.options.model_dump(exclude_unset=True)
        try:
            Weights.with_overrides(options.get("weights"))
        except ValueError as exc:
            raise ValidationFailed(f"Недопустимые веса: {exc}", errors=[
                {"field": "options.weights", "message": str(exc)}]) from None
        pins = [(p["mentor_id"], p["mentee_id"]) for p in options.get("pins") or []]
        excluded = {(p["mentor_id"], p["mentee_id"]) for p in options.get("exclusions") or []}
        mentees = [mentee for _, mentee in pins]
        errors = [{"field": f"options.pins.{k}", "message": "наставляемый закреплён дважды"}
                  for k, mentee in enumerate(mentees) if mentee in mentees[:k]]
        errors += [{"field": f"options.pins.{k}", "message": "пара и закреплена, и исключена"}
                   for k, pair in enumerate(pins) if pair in excluded]
        if errors:
            raise ValidationFailed("Закреплённые пары противоречат друг другу или исключениям", errors=errors)
        return options


class RunAccepted(BaseModel):
    id: str
    status: str
    scope: str
    href: str


class RunPath(BaseModel):
    id: str = Field(max_length=36)


class PageQuery(Query):
    limit: int = Field(50, ge=1, le=500)


class RunsQuery(PageQuery):
    """Newest first (then by id); `next_cursor` leads to the next page."""

    cursor: str | None = Field(None, pattern=RUN_CURSOR, description="next_cursor предыдущей страницы")
    status: Literal["queued", "running", "succeeded", "failed"] | None = None
    scope: Scope | Literal["all", "regions"] | None = Field(
        None, description="только запуски ровно этой области; all и regions — запуски по всем или нескольким "
                          "регионам")
    draft: bool | None = Field(None, description="true — только черновики, false — только обычные запуски")
    parent_id: str | None = Field(None, max_length=36, description="запуски регионов одного общего запуска")
    top_level: bool = Field(False, description="true — без запусков регионов внутри общих запусков")


class SuggestQuery(Query):
    limit: int = Field(5, ge=1, le=50)


class ProposalsQuery(PageQuery):
    cursor: str | None = Field(None, pattern=PROPOSAL_CURSOR, description="next_cursor предыдущей страницы")
    decision: Literal["pending", "approved", "dropped"] | None = Field(None, description="черновик: решение")
    change: Literal["new", "kept"] | None = Field(None, description="черновик: новая или та же, что в прошлом запуске")
    organization_id: str | None = Field(None, max_length=36, description="школа наставляемого")
    subject: str | None = Field(None, max_length=50, description="предмет наставляемого (код справочника subjects)")


class DecisionsIn(Body):
    """Decisions on a draft's proposals by id, or on all of them at once (`all`), never both."""

    approve: list[Id] | None = Field(None, max_length=10_000, description="одобрить")
    drop: list[Id] | None = Field(None, max_length=10_000, description="отклонить")
    undo: list[Id] | None = Field(None, max_length=10_000, description="вернуть на рассмотрение")
    all: Literal["approve", "drop", "undo"] | None = Field(None, description="решение для всех предложений")


class SummaryQuery(Query):
    scope: Scope | None = Field(None, description="по умолчанию — ваша область")
    run_id: str | None = Field(None, max_length=36, description="только пары, созданные этим запуском подбора")
