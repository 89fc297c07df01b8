"""The integer cost weights of a run: lower is better, negative values are bonuses.

What a mentor expects of a mentee (an experience range, a qualification category) is a cost, not a rule: the
bank's columns say «примерный стаж», «предполагаемая категория» — a wish — and DESIGN puts the most mentees
matched first, so a mentee outside the wish still gets the mentor when no better one is free. The defaults are
small next to the distance terms (a mentor next door who expects other mentees stays ahead of one in another
district): 2 per year outside the range, at most 5 years (10), and 6 for another category. The kind of mentee
a mentor lists is a hard rule instead (`eligibility`): the mentor said whom it helps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from services.matching.domain.vocabulary import CATEGORIES


@dataclass(frozen=True)
class Weights:
    """Integer cost weights (lower is better); negative values are bonuses.

    The checks in `__post_init__` are the one copy of the rules a run's weights obey: the API schema
    builds a `Weights` to validate a request, the worker builds one from the stored options.
    """

    same_organization: int = 0
    same_municipality: int = 20
    elsewhere_in_region: int = 50
    adjacent_stage: int | None = 30
    direction_uncovered: int = 15
    category_none: int = 12
    category_szd: int = 8
    category_first: int = 4
    category_highest: int = 0
    trained: int = -6
    experience_step: int = -2
    experience_step_years: int = 5
    experience_max_steps: int = 4
    preferred: int = -40
    load_step: int = 5
    mentee_experience_year: int = 2  # per year the mentee's experience lies outside the range the mentor expects
    mentee_experience_max_years: int = 5  # years outside the range counted at most
    mentee_category_mismatch: int = 6  # the mentee's qualification category is not the one the mentor expects

    def __post_init__(self) -> None:
        if not self.same_organization <= self.same_municipality <= self.elsewhere_in_region:
            raise ValueError("веса расстояния должны расти: same_organization <= same_municipality <= "
                             "elsewhere_in_region")
        if self.adjacent_stage is not None and self.adjacent_stage < 0:
            raise ValueError("adjacent_stage — не меньше 0 или null")
        if self.direction_uncovered < 0 or self.preferred > 0 or self.load_step < 0:
            raise ValueError("нужно direction_uncovered >= 0, preferred <= 0 и load_step >= 0")
        if self.experience_step_years <= 0 or self.experience_max_steps < 0:
            raise ValueError("нужно experience_step_years > 0 и experience_max_steps >= 0")
        if min(self.mentee_experience_year, self.mentee_experience_max_years, self.mentee_category_mismatch) < 0:
            raise ValueError("mentee_experience_year, mentee_experience_max_years и mentee_category_mismatch "
                             "— не меньше 0")

    @classmethod
    def with_overrides(cls, overrides: dict[str, Any] | None) -> Weights:
        """The defaults with a run's overrides, by name (as validated when the run was requested)."""
        return cls(**{**cls().as_dict(), **(overrides or {})})

    def as_dict(self) -> dict[str, Any]:
        """The weights as a plain dict, reported with every run."""
        return asdict(self)

    def category_costs(self) -> npt.NDArray[np.int64]:
        """Cost per qualification category code, in the order of the category vocabulary."""
        return np.array([getattr(self, f"category_{name}") for name in CATEGORIES.names], dtype=np.int64)

    def pair_cost_bounds(self, max_load_before: int) -> tuple[int, int]:
        """Lowest and highest total cost of any one pair whose slot has at most max_load_before pairs before it."""
        experience = self.experience_step * self.experience_max_steps
        categories = self.category_costs()
        high = (self.elsewhere_in_region + (self.adjacent_stage or 0) + self.direction_uncovered
                + int(categories.max()) + max(self.trained, 0) + max(experience, 0)
                + self.mentee_experience_year * self.mentee_experience_max_years + self.mentee_category_mismatch
                + self.load_step * max_load_before)
        low = (self.same_organization + int(categories.min()) + min(self.trained, 0) + min(experience, 0)
               + self.preferred)
        return low, high
