"""The matching problem of one run as arrays: free mentors, free mentees, preferred and declined pairs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np

from services.matching.domain.arrays import BoolArray, IntArray, MaskArray, pair_keys
from services.matching.domain.vocabulary import DIRECTIONS, KINDS, SUBJECTS, Vocabulary

# dtype of each array by the part of its name after `mentor_` / `mentee_` (int64 when not listed)
_DTYPES: dict[str, Any] = {"subjects": np.uint64, "stages": np.uint64, "directions": np.uint64,
                           "formats": np.uint64, "kinds": np.uint64, "trained": bool, "young": bool}
_SIDES = ("mentor", "mentee", "preference", "declined")
UNKNOWN = -1  # an unknown experience, qualification category or kind; an open end of an expected range
# Arrays that may be left out (None): what a mentor expects of a mentee and what is known of the mentee. Left
# out, a mentor takes any kind and expects nothing, a mentee's kind is young specialist or unknown.
_OPTIONAL = {"mentor_kinds": 0, "mentor_expected_min": UNKNOWN, "mentor_expected_max": UNKNOWN,
             "mentor_expected_category": UNKNOWN, "mentee_experience": UNKNOWN, "mentee_qualification": UNKNOWN}


def _no_pairs() -> IntArray:
    return np.zeros(0, np.int64)


@dataclass(eq=False)
class MatchingProblem:
    """Arrays of free mentors and free mentees of one run, plus declined and preferred pairs (indices).

    Sets (subjects, stages, directions, formats) are bitmasks over a vocabulary; places, organizations and
    persons are small integer codes that only need to compare equal. `mentor_kinds` is the mask of mentee kinds
    a mentor takes (0: any), `mentor_expected_*` the experience range and qualification category a mentor
    expects of a mentee, `mentee_kind`, `mentee_experience` and `mentee_qualification` the mentee's (UNKNOWN
    where not known or not expected).
    """

    mentor_id: IntArray
    mentor_person: IntArray
    mentor_subjects: MaskArray
    mentor_stages: MaskArray
    mentor_directions: MaskArray
    mentor_org: IntArray
    mentor_municipality: IntArray
    mentor_region: IntArray
    mentor_formats: MaskArray
    mentor_free: IntArray
    mentor_load: IntArray
    mentor_category: IntArray
    mentor_trained: BoolArray
    mentor_experience: IntArray
    mentee_id: IntArray
    mentee_person: IntArray
    mentee_subject: IntArray
    mentee_stage: IntArray
    mentee_directions: MaskArray
    mentee_org: IntArray
    mentee_municipality: IntArray
    mentee_region: IntArray
    mentee_formats: MaskArray
    mentee_young: BoolArray
    preference_mentee: IntArray = field(default_factory=_no_pairs)
    preference_mentor: IntArray = field(default_factory=_no_pairs)
    declined_mentee: IntArray = field(default_factory=_no_pairs)
    declined_mentor: IntArray = field(default_factory=_no_pairs)
    subjects: Vocabulary = SUBJECTS
    directions: Vocabulary = DIRECTIONS
    mentor_kinds: MaskArray = None  # type: ignore[assignment]  # filled in by __post_init__ when left out
    mentor_expected_min: IntArray = None  # type: ignore[assignment]
    mentor_expected_max: IntArray = None  # type: ignore[assignment]
    mentor_expected_category: IntArray = None  # type: ignore[assignment]
    mentee_kind: IntArray = None  # type: ignore[assignment]
    mentee_experience: IntArray = None  # type: ignore[assignment]
    mentee_qualification: IntArray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n_mentors, n_mentees = len(self.mentor_id), len(self.mentee_id)
        for name, value in _OPTIONAL.items():
            if getattr(self, name) is None:
                setattr(self, name, np.full(n_mentors if name.startswith("mentor_") else n_mentees, value))
        if self.mentee_kind is None:
            young = np.asarray(self.mentee_young, dtype=bool)
            self.mentee_kind = np.where(young, KINDS.code("young_specialist"), UNKNOWN)
        arrays = [f.name for f in fields(self) if f.name.startswith(tuple(f"{side}_" for side in _SIDES))]
        for name in arrays:
            kind = name.split("_", 1)[1]
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=_DTYPES.get(kind, np.int64)))
        for side in _SIDES:
            lengths = {len(getattr(self, name)) for name in arrays if name.startswith(side + "_")}
            if len(lengths) > 1:
                raise ValueError(f"{side} arrays differ in length: {sorted(lengths)}")

    @property
    def n_mentors(self) -> int:
        """Number of mentors."""
        return len(self.mentor_id)

    @property
    def n_mentees(self) -> int:
        """Number of mentees."""
        return len(self.mentee_id)

    @cached_property
    def preference_keys(self) -> IntArray:
        """Sorted keys (`pair_keys`) of the pairs a mentee asked for."""
        return np.unique(pair_keys(self.preference_mentee, self.preference_mentor, self.n_mentors))

    @cached_property
    def declined_keys(self) -> IntArray:
        """Sorted keys (`pair_keys`) of the pairs declined before: never proposed again."""
        return np.unique(pair_keys(self.declined_mentee, self.declined_mentor, self.n_mentors))
