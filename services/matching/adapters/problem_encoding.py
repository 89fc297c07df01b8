"""Encoding read-model columns into the arrays of a `MatchingProblem`: codes, bitmasks, free load, declines."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from services.matching.adapters.problem_columns import CodedColumn, Columns
from services.matching.domain.arrays import AnyArray, IntArray
from services.matching.domain.problem import UNKNOWN, MatchingProblem
from services.matching.domain.vocabulary import (
    CATEGORIES,
    DIRECTIONS,
    FORMATS,
    KINDS,
    NO_SUBJECT,
    STAGES,
    SUBJECTS,
    Vocabulary,
    accepted_kinds,
)

MENTOR_COLUMNS = ("id", "organization_id", "municipality_id", "region_id", "full_name", "subjects", "stages",
                  "directions", "formats", "capacity", "qualification_category", "trained", "experience_years",
                  "mentee_categories", "mentee_experience_min", "mentee_experience_max", "mentee_qualification")
MENTEE_COLUMNS = ("id", "organization_id", "municipality_id", "region_id", "full_name", "subject", "stage",
                  "directions", "formats", "category", "is_student", "preferred_mentor_ids", "experience_years",
                  "qualification_category")


class Codes(dict[str, int]):
    """String ids (organizations, municipalities, regions, persons) as small integers."""

    def __call__(self, value: str) -> int:
        return self.setdefault(value, len(self))

    def many(self, values: Sequence[str] | CodedColumn) -> IntArray:
        if isinstance(values, CodedColumn):
            return values.per_value(self, np.int64)
        return np.fromiter((self(v) for v in values), dtype=np.int64, count=len(values))


class Masks:
    """`|a|b|` code lists as bitmasks, computed once per distinct stored value."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.index = {name: bit for bit, name in enumerate(vocabulary.names)}
        self.cache: dict[str | None, int] = {}

    def of(self, raw: str | None) -> int:
        mask = self.cache.get(raw)
        if mask is None:
            mask = 0
            for code in (raw or "").split("|"):
                if code in self.index:
                    mask |= 1 << self.index[code]
            self.cache[raw] = mask
        return mask

    def many(self, raws: Sequence[str | None] | CodedColumn) -> AnyArray:
        """Masks of many stored values."""
        if isinstance(raws, CodedColumn):
            return raws.per_value(self.of, np.uint64)
        return np.fromiter((self.of(r) for r in raws), dtype=np.uint64, count=len(raws))


def _kinds(raws: Sequence[str | None] | CodedColumn) -> AnyArray:
    """Masks of the mentee kinds mentors take, from their stored `|a|b|` lists (0: any kind)."""
    cache: dict[str | None, int] = {}

    def of(raw: str | None) -> int:
        if raw not in cache:
            cache[raw] = accepted_kinds(code for code in (raw or "").split("|") if code)
        return cache[raw]

    if isinstance(raws, CodedColumn):
        return raws.per_value(of, np.uint64)
    return np.fromiter(map(of, raws), dtype=np.uint64, count=len(raws))


def _years(column: Any) -> IntArray:
    """Numbers of years per row, UNKNOWN where missing (or, against bad data, negative)."""
    def of(value: Any) -> int:
        return UNKNOWN if value is None else int(value)

    if isinstance(column, np.ndarray):
        years = column.astype(np.int64)
    elif isinstance(column, CodedColumn):
        years = column.per_value(of, np.int64)
    else:
        years = np.fromiter(map(of, column), dtype=np.int64, count=len(column))
    return np.maximum(years, UNKNOWN)


def _formats(masks: Masks, raws: Any) -> AnyArray:
    """Format masks; no format at all reads as in person."""
    found = masks.many(raws)
    return np.where(found == 0, np.uint64(masks.of("|in_person|")), found)


def _person(organizations: Any, names: Sequence[str]) -> list[str]:
    """`organization:lower-case name` per row: one person registered as mentor and mentee is never self-paired."""
    coded = isinstance(organizations, CodedColumn)
    orgs = organizations.take(np.arange(len(organizations))) if coded else organizations
    return [f"{o}:{n.lower()}" for o, n in zip(orgs, names, strict=True)]


def _lookup(mapping: dict[Any, int], column: Any, default: int | None = None) -> IntArray:
    """`mapping[value]` per row (`default` for missing values when given)."""
    get = mapping.__getitem__ if default is None else (lambda v: mapping.get(v, default))
    if isinstance(column, CodedColumn):
        return column.per_value(get, np.int64)
    return np.fromiter(map(get, column), dtype=np.int64, count=len(column))


def _id_lists(column: Any) -> list[tuple[int, list[str]]]:
    """(row, its ids) for rows of a `|a|b|` id-list column that list any id."""
    if isinstance(column, CodedColumn):
        split = [[m for m in (raw or "").split("|") if m] for raw in column.values]
        rows = np.flatnonzero(np.fromiter(map(bool, split), dtype=bool, count=len(split))[column.codes]
                              if len(split) else np.zeros(len(column), dtype=bool))
        return [(i, split[c]) for i, c in zip(rows.tolist(), column.codes[rows].tolist(), strict=True)]
    return [(i, ids) for i, raw in enumerate(column) if (ids := [m for m in (raw or "").split("|") if m])]


def _pairs_by_index(mentors: Columns, mentees: Columns, declined: Sequence[tuple[str, str]]
                    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(mentee, mentor) indices of the preferred pairs and of the pairs declined before."""
    preferences = _id_lists(mentees["preferred_mentor_ids"])
    if not preferences and not declined:
        return [], []
    mentor_index = {mentor_id: j for j, mentor_id in enumerate(mentors["id"])}
    preferred = [(i, mentor_index[m]) for i, listed in preferences for m in listed if m in mentor_index]
    mentee_index = {mentee_id: i for i, mentee_id in enumerate(mentees["id"])} if declined else {}
    refused = [(mentee_index[a], mentor_index[b]) for a, b in declined if a in mentee_index and b in mentor_index]
    return preferred, refused


def encode_problem(mentors: Columns, mentees: Columns, load: dict[str, int], declined: Sequence[tuple[str, str]],
                   codes: Codes | None = None) -> MatchingProblem:
    """Arrays of the domain problem from column lists (raw `|a|b|` code lists for sets) or coded columns.

    `load` holds each mentor's open pairs; `codes` is shared when the arrays must compare with another
    problem's (the suggestion cache joins one mentee to a region's mentors)."""
    codes = codes if codes is not None else Codes()
    subjects, stages, directions, formats = Masks(SUBJECTS), Masks(STAGES), Masks(DIRECTIONS), Masks(FORMATS)
    category = {name: k for k, name in enumerate(CATEGORIES.names)}
    stage_code = {name: k for k, name in enumerate(STAGES.names)}
    subject_code: dict[Any, int] = {name: k for k, name in enumerate(SUBJECTS.names)}
    subject_code[None] = subject_code[""] = NO_SUBJECT
    mentor_ids = mentors["id"]
    current = np.fromiter(map(load.get, mentor_ids, itertools.repeat(0)), dtype=np.int64, count=len(mentor_ids)) \
        if load else np.zeros(len(mentor_ids), dtype=np.int64)
    capacity = np.asarray(mentors["capacity"], dtype=np.int64)
    preferred, refused = _pairs_by_index(mentors, mentees, declined)
    return MatchingProblem(
        mentor_id=np.arange(len(mentor_ids)),
        mentor_person=codes.many(_person(mentors["organization_id"], mentors["full_name"])),
        mentor_subjects=subjects.many(mentors["subjects"]), mentor_stages=stages.many(mentors["stages"]),
        mentor_directions=directions.many(mentors["directions"]), mentor_org=codes.many(mentors["organization_id"]),
        mentor_municipality=codes.many(mentors["municipality_id"]), mentor_region=codes.many(mentors["region_id"]),
        mentor_formats=_formats(formats, mentors["formats"]),
        mentor_free=np.maximum(capacity - current, 0), mentor_load=current,
        mentor_category=_lookup(category, mentors["qualification_category"], 0),
        mentor_trained=np.asarray(mentors["trained"], dtype=bool),
        mentor_experience=np.maximum(_years(mentors["experience_years"]), 0),
        mentor_kinds=_kinds(mentors["mentee_categories"]),
        mentor_expected_min=_years(mentors["mentee_experience_min"]),
        mentor_expected_max=_years(mentors["mentee_experience_max"]),
        mentor_expected_category=_lookup(category, mentors["mentee_qualification"], UNKNOWN),
        mentee_id=np.arange(len(mentees["id"])),
        mentee_person=codes.many(_person(mentees["organization_id"], mentees["full_name"])),
        mentee_subject=_lookup(subject_code, mentees["subject"], NO_SUBJECT),
        mentee_stage=_lookup(stage_code, mentees["stage"]),
        mentee_directions=directions.many(mentees["directions"]),
        mentee_org=codes.many(mentees["organization_id"]), mentee_municipality=codes.many(mentees["municipality_id"]),
        mentee_region=codes.many(mentees["region_id"]), mentee_formats=_formats(formats, mentees["formats"]),
        mentee_young=_lookup({"young_specialist": 1}, mentees["category"], 0).astype(bool),
        mentee_kind=_lookup({name: k for k, name in enumerate(KINDS.names)}, mentees["category"], UNKNOWN),
        mentee_experience=_years(mentees["experience_years"]),
        mentee_qualification=_lookup(category, mentees["qualification_category"], UNKNOWN),
        preference_mentee=np.array([i for i, _ in preferred], np.int64),
        preference_mentor=np.array([j for _, j in preferred], np.int64),
        declined_mentee=np.array([i for i, _ in refused], np.int64),
        declined_mentor=np.array([j for _, j in refused], np.int64))
