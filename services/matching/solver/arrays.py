"""Array operations the graph is built with: grouping equal rows, joining on keys, packing small columns."""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import AnyArray, IntArray, MaskArray


def group_rows(*columns: AnyArray) -> tuple[IntArray, IntArray]:
    """Group id per row (rows equal in every column share it) and one representative row per group."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(columns[::-1])
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for column in columns:
        ordered = column[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    group = np.empty(n, dtype=np.int64)
    group[order] = np.cumsum(change) - 1
    return group, order[change].astype(np.int64)


def shared_codes(mentee_column: AnyArray, mentor_column: AnyArray, *more: tuple[AnyArray, AnyArray]
                 ) -> tuple[IntArray, IntArray, int]:
    """Compact codes of values shared by both sides (rows equal in every given column share a code):
    (code per mentee, code per mentor, number of codes)."""
    both = [np.concatenate([a, b]) for a, b in [(mentee_column, mentor_column), *more]]
    code, first = group_rows(*both)
    return code[: len(mentee_column)], code[len(mentee_column):], len(first)


def join(left: AnyArray, right: AnyArray) -> tuple[IntArray, IntArray]:
    """All (left row, right row) pairs with equal keys."""
    order = np.argsort(right, kind="stable")
    left_row, at = sorted_join(left, right[order])
    return left_row, order[at].astype(np.int64)


def sorted_join(left: AnyArray, ordered: AnyArray) -> tuple[IntArray, IntArray]:
    """All (left row, position in `ordered`) pairs with equal keys, `ordered` being sorted already."""
    low = np.searchsorted(ordered, left, "left")
    count = np.searchsorted(ordered, left, "right") - low
    left_row = np.repeat(np.arange(len(left)), count)
    offset = np.arange(len(left_row)) - np.repeat(np.cumsum(count) - count, count)
    return left_row, (np.repeat(low, count) + offset).astype(np.int64)


def set_bits(masks: MaskArray) -> tuple[IntArray, IntArray]:
    """(row, bit) for every set bit of uint64 masks."""
    as_bytes = np.ascontiguousarray(masks, dtype="<u8").view(np.uint8).reshape(-1, 8)
    row, bit = np.nonzero(np.unpackbits(as_bytes, axis=1, bitorder="little"))
    return row.astype(np.int64), bit.astype(np.int64)


def pack(columns: list[AnyArray], sizes: list[int]) -> IntArray:
    """Mixed-radix int64 key of small non-negative columns."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column, size in zip(columns, sizes, strict=True):
        key = key * size + np.asarray(column, dtype=np.int64)
    return key
