"""The target indicators (целевые показатели) of DESIGN "Indicators (reports)", computed from plain facts.

Scope: an organization, municipality or region (None: all facts). Organizations, mentors and mentees
belong where they work or study; a pair belongs where its mentee studies or works, except that the
coverage indicator counts a mentor where the mentor works (the pair's place when the mentor is unknown).

Period semantics. Without a period every indicator is "as of now" from current states:
in mentoring = a confirmed or active pair; covered = a confirmed, active or completed pair; ended =
completed or terminated at any time. With a `Period(start, end)` (both days included) pair indicators
read the pair's history instead of its state:
- in mentoring (organizations implemented, young specialists, students, coverage): the pair was
  confirmed on or before `end` and had not ended before `start` (`ended_at` None: still going);
  declined, expired and withdrawn pairs never count because they were never confirmed;
- effective pairs: pairs completed or terminated with `ended_at` inside the period;
- trained mentors: mentors registered by `end` (unknown date: counted), trained by `end`;
- days to pair: mentees whose first confirmed pair was confirmed inside the period.
Headcounts, mentoring pages, statuses, mentor load and unmet demand have no history in the facts:
they are always as of now, whatever the period. `as_of` only stamps the result (facts are not filtered
by it); the target year is the period's end year, else `as_of`'s.

Percentages are 100 × numerator / denominator; a zero denominator gives value None and met None.

The order is that of `catalog.SPECS`: seed 000's table of 13 by its numbers (the municipal facts of `municipal`
among them), then coverage, effective pairs, the retention of young specialists, load, demand and days to pair.
"""

from __future__ import annotations

from datetime import datetime

from services.reports.domain.context import Context
from services.reports.domain.facts import Facts
from services.reports.domain.formulas import FORMULAS as DATA_FORMULAS
from services.reports.domain.municipal import FACT_FORMULAS
from services.reports.domain.period import Period
from services.reports.domain.results import Indicator
from services.reports.domain.targets import CODES, Targets
from shared.scopes import Scope

FORMULAS = {**DATA_FORMULAS, **FACT_FORMULAS}


def compute(code: str, facts: Facts, scope: Scope | None, period: Period | None, targets: Targets | None,
            as_of: datetime) -> Indicator:
    """One indicator by its code for a scope (None: everything) and a period (None: as of now)."""
    if code not in FORMULAS:
        raise ValueError(f"Неизвестный показатель «{code}»; допустимы: {', '.join(CODES)}")
    return FORMULAS[code](Context(facts, scope, period, targets or Targets(), as_of))


def compute_all(facts: Facts, scope: Scope | None, period: Period | None, targets: Targets | None,
                as_of: datetime) -> list[Indicator]:
    """Every indicator of the design, in the order of `CODES`."""
    return [compute(code, facts, scope, period, targets, as_of) for code in CODES]
