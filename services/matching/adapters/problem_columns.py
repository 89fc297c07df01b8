"""Columns of the read model as the loaders hold them: no ORM objects, repeated strings kept once.

A loaded column is a list (ids, names), a numpy array (numbers) or a `CodedColumn` (few distinct values,
such as a region, a school or a stored `|a|b|` code list).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import String, type_coerce
from sqlmodel import Session, select

from services.matching.domain.arrays import AnyArray, IntArray

Columns = dict[str, Any]  # column name → list, array or CodedColumn
CODE_LIST_COLUMNS = {"subjects", "stages", "directions", "formats", "preferred_mentor_ids",
                     "mentee_categories"}  # read as stored text
PLAIN_COLUMNS = {"id", "full_name", "capacity", "trained", "experience_years", "is_student"}  # the rest are coded
LOAD_CHUNK = 50_000


class CodedColumn:
    """A column with few distinct values, as codes into `values`: a million rows, a handful of strings.

    Reads like a list (`len`, index, iteration); `take` gives the values at many indices at once.
    """

    __slots__ = ("codes", "values")

    def __init__(self, codes: IntArray, values: list[Any]) -> None:
        self.codes, self.values = codes, values

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> Any:
        return self.values[self.codes[index]]

    def __iter__(self) -> Iterator[Any]:
        values = self.values
        return (values[c] for c in self.codes.tolist())

    def take(self, index: AnyArray) -> list[Any]:
        """Values at these row indices."""
        values: list[Any] = np.asarray(self.values + [None], dtype=object)[:-1][self.codes[index]].tolist()
        return values

    def per_value(self, function: Callable[[Any], Any], dtype: Any) -> AnyArray:
        """`function` of each row's value, computed once per distinct value."""
        return np.fromiter((function(v) for v in self.values), dtype=dtype, count=len(self.values))[self.codes]

    def where(self, rows: IntArray) -> CodedColumn:
        """The rows at these indices, recoded so that codes still follow the rows' order of first appearance."""
        codes, first = np.unique(self.codes[rows], return_index=True)
        order = np.argsort(first)
        recode = np.zeros(len(self.values), dtype=np.int32)
        recode[codes[order]] = np.arange(len(order), dtype=np.int32)
        return CodedColumn(recode[self.codes[rows]], [self.values[c] for c in codes[order].tolist()])


class _CodedColumnBuilder:
    """Builds a `CodedColumn` chunk by chunk: codes in order of first appearance."""

    def __init__(self) -> None:
        self.first: dict[Any, int] = {}
        self.counter = itertools.count()
        self.parts: list[IntArray] = []

    def add(self, values: Sequence[Any]) -> None:
        self.parts.append(np.fromiter(map(self.first.setdefault, values, self.counter), dtype=np.int64,
                                      count=len(values)))

    def column(self) -> CodedColumn:
        firsts = np.fromiter(self.first.values(), dtype=np.int64, count=len(self.first))
        dense = np.zeros(max(len(firsts), 1), dtype=np.int32)
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int64)
        if len(firsts):  # codes are the row counter at a value's first appearance: make them 0..k-1
            dense = np.zeros(int(firsts.max()) + 1, dtype=np.int32)
            dense[firsts] = np.arange(len(firsts), dtype=np.int32)
        return CodedColumn(dense[codes], list(self.first))


def select_columns(model: Any, names: Sequence[str]) -> Any:
    """SELECT of these columns of a read-model table; code lists come as their stored `|a|b|` text."""
    return select(*[type_coerce(getattr(model, n), String) if n in CODE_LIST_COLUMNS else getattr(model, n)
                    for n in names])


def load_columns(session: Session, query: Any, names: Sequence[str]) -> Columns:
    """Columns of a query's rows, read chunk by chunk: ids and names as lists, numbers as arrays, the others coded.

    No row outlives its chunk, and a repeated string (a region, a school, a subject list) is kept once.
    """
    plain: dict[str, list[Any]] = {name: [] for name in names if name in PLAIN_COLUMNS}
    builders = {name: _CodedColumnBuilder() for name in names if name not in PLAIN_COLUMNS}
    for rows in session.connection().execute(query).partitions(LOAD_CHUNK):
        for name, values in zip(names, zip(*rows, strict=True), strict=True):
            if name in plain:
                plain[name] += values
            else:
                builders[name].add(values)
    columns: Columns = {}
    for name in names:
        if name == "capacity":
            columns[name] = np.fromiter((v or 0 for v in plain[name]), dtype=np.int64, count=len(plain[name]))
        elif name == "experience_years":  # unknown experience is -1 (a mentee's may be unknown)
            columns[name] = np.fromiter((-1 if v is None else v for v in plain[name]), dtype=np.int64,
                                        count=len(plain[name]))
        elif name in ("trained", "is_student"):
            columns[name] = np.fromiter(map(bool, plain[name]), dtype=bool, count=len(plain[name]))
        else:
            columns[name] = plain[name] if name in plain else builders[name].column()
    return columns


def rows_where(columns: Columns, keep: AnyArray) -> Columns:
    """The rows where `keep` is true, in every column."""
    rows = np.flatnonzero(keep)
    out: Columns = {}
    for name, column in columns.items():
        if isinstance(column, CodedColumn):
            out[name] = column.where(rows)
        elif isinstance(column, np.ndarray):
            out[name] = column[rows]
        else:
            out[name] = [column[k] for k in rows.tolist()]
    return out


def take(column: Any, index: AnyArray) -> list[Any]:
    """Values of a loaded column (a list, an array or a coded column) at these indices, as a list."""
    if isinstance(column, CodedColumn):
        return column.take(index)
    array = column if isinstance(column, np.ndarray) else np.asarray(column, dtype=object)
    values: list[Any] = array[index].tolist()
    return values


def columns_of(rows: Sequence[Any], names: Sequence[str]) -> Columns:
    """Column lists from ORM rows (code lists back to their stored `|a|b|` form)."""
    def stored(value: Any) -> Any:
        return "|" + "|".join(value) + "|" if isinstance(value, list) else value

    return {name: [stored(getattr(row, name)) for row in rows] for name in names}
