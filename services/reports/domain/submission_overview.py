"""The region's side-by-side view of a half-year: every municipality, submitted or not, with its frozen figures.

Rows are indicators, columns municipalities. Only a live (submitted) version contributes figures: a reopened
report is being corrected and a municipality that has not submitted has nothing frozen. Submissions made at
different times may carry different indicator sets; the rows are their union, in the order first seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reports.domain.submission import STATUS_LABELS, SUBMITTED, HalfYear


@dataclass(frozen=True)
class Latest:
    """The newest version of one municipality's report for the half-year."""

    submission_id: str
    municipality_id: str
    municipality_name: str
    status: str
    version: int
    submitted_at: datetime
    submitted_by: str
    figures: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Column:
    """One municipality of the region and where its report stands."""

    municipality_id: str
    name: str
    latest: Latest | None

    @property
    def status(self) -> str | None:
        return self.latest.status if self.latest else None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Row:
    """One indicator across the municipalities (None: not submitted, or no value)."""

    code: str
    label: str
    unit: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Overview:
    half: HalfYear
    region_id: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    @property
    def submitted(self) -> int:
        return sum(1 for column in self.columns if column.status == SUBMITTED)


def side_by_side(half: HalfYear, region_id: str, municipalities: Iterable[tuple[str, str]],
                 latest: Mapping[str, Latest]) -> Overview:
    """Columns for the region's municipalities (and any that submitted but left the projection since), by name."""
    names = dict(municipalities)
    for found in latest.values():
        names.setdefault(found.municipality_id, found.municipality_name)
    columns = tuple(Column(ident, name, latest.get(ident))
                    for ident, name in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])))
    frozen = [{str(f["code"]): f for f in c.latest.figures} if c.status == SUBMITTED and c.latest else {}
              for c in columns]
    order: dict[str, Mapping[str, Any]] = {}
    for figures in frozen:
        for code, figure in figures.items():
            order.setdefault(code, figure)
    rows = tuple(Row(code, str(first.get("label", code)), str(first.get("unit", "")),
                     tuple(_number(figures.get(code)) for figures in frozen))
                 for code, first in order.items())
    return Overview(half, region_id, columns, rows)


def _number(figure: Mapping[str, Any] | None) -> float | None:
    value = None if figure is None else figure.get("value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
