"""Array types of the matching kernels, and lookups of (mentee, mentor) pairs among sorted integer keys."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]  # indices, codes, costs, counts
MaskArray = npt.NDArray[np.uint64]  # sets of vocabulary codes as bitmasks
BoolArray = npt.NDArray[np.bool_]
AnyArray = npt.NDArray[Any]


def pair_keys(mentee_index: npt.ArrayLike, mentor_index: npt.ArrayLike, n_mentors: int) -> IntArray:
    """One int64 key per (mentee, mentor) pair."""
    mentees = np.asarray(mentee_index, dtype=np.int64)
    return mentees * max(n_mentors, 1) + np.asarray(mentor_index, dtype=np.int64)


def lookup(sorted_keys: AnyArray, keys: AnyArray) -> IntArray:
    """Position of each key in a sorted unique array, or -1."""
    if len(sorted_keys) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[position] == keys, position, -1).astype(np.int64)


def in_sorted(sorted_keys: AnyArray, keys: AnyArray) -> BoolArray:
    """Membership of keys in a sorted unique key array."""
    return lookup(sorted_keys, keys) >= 0
