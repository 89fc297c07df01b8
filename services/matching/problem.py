"""Builds a `MatchingProblem` from the read model column by column: no ORM objects, masks cached per value."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import String, func, type_coerce
from sqlmodel import Session, select

from services.matching import domain
from services.matching.adapters.tables import OPEN_STATES, MenteeView, MentorView, OrganizationView, Pair
from shared.dictionary_data import DICTIONARIES
from shared.errors import NotFound, ValidationFailed

SCOPE_KINDS = ("region", "municipality", "organization")
SUBJECTS = domain.Vocabulary(tuple(entry[0] for entry in DICTIONARIES["subjects"]))
DIRECTIONS = domain.Vocabulary(tuple(entry[0] for entry in DICTIONARIES["directions"]))


@dataclass(frozen=True)
class Scope:
    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Scope:
        kind, _, ident = text.partition(":")
        if kind not in SCOPE_KINDS or not ident or len(ident) > 36:
            raise ValidationFailed("Область подбора: region:<id>, municipality:<id> или organization:<id>",
                                   errors=[{"field": "scope", "message": f"недопустимое значение «{text[:60]}»"}])
        return cls(kind, ident)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass
class Side:
    """The columns of one side (mentors or mentees) that writing proposals needs, by index."""

    ids: list[str]
    columns: dict[str, list[Any]]

    def row(self, index: int) -> dict[str, Any]:
        return {name: values[index] for name, values in self.columns.items()}


class Coded:
    """A column with few distinct values, as codes into `values`: a million rows, a handful of strings.

    Reads like a list (`len`, index, iteration); `take` gives the values at many indices at once.
    """

    __slots__ = ("codes", "values")

    def __init__(self, codes: np.ndarray, values: list[Any]) -> None:
        self.codes, self.values = codes, values

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> Any:
        return self.values[self.codes[index]]

    def __iter__(self) -> Any:
        values = self.values
        return (values[c] for c in self.codes.tolist())

    def take(self, index: np.ndarray) -> list[Any]:
        """Values at these row indices."""
        return np.asarray(self.values + [None], dtype=object)[:-1][self.codes[index]].tolist()

    def per_value(self, function: Any, dtype: Any) -> np.ndarray:
        """`function` of each row's value, computed once per distinct value."""
        return np.fromiter((function(v) for v in self.values), dtype=dtype, count=len(self.values))[self.codes]


class _Coder:
    """Builds a `Coded` column chunk by chunk: codes in order of first appearance."""

    def __init__(self) -> None:
        self.first: dict[Any, int] = {}
        self.counter = itertools.count()
        self.parts: list[np.ndarray] = []

    def add(self, values: Sequence[Any]) -> None:
        self.parts.append(np.fromiter(map(self.first.setdefault, values, self.counter), dtype=np.int64,
                                      count=len(values)))

    def column(self) -> Coded:
        firsts = np.fromiter(self.first.values(), dtype=np.int64, count=len(self.first))
        dense = np.zeros(max(len(firsts), 1), dtype=np.int32)
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int64)
        if len(firsts):  # codes are the row counter at a value's first appearance: make them 0..k-1
            dense = np.zeros(int(firsts.max()) + 1, dtype=np.int32)
            dense[firsts] = np.arange(len(firsts), dtype=np.int32)
        return Coded(dense[codes], list(self.first))


@dataclass
class LoadedProblem:
    """The problem plus the string ids and columns behind every integer index."""

    problem: domain.MatchingProblem
    mentors: Side
    mentees: Side
    without_stage: list[tuple[str, str]]


class Codes(dict):
    """String ids (organizations, municipalities, regions, persons) as small integers."""

    def __call__(self, value: str) -> int:
        return self.setdefault(value, len(self))

    def many(self, values: Sequence[str]) -> np.ndarray:
        if isinstance(values, Coded):
            return values.per_value(self, np.int64)
        return np.fromiter((self(v) for v in values), dtype=np.int64, count=len(values))


class Masks:
    """`|a|b|` code lists as bitmasks, computed once per distinct stored value."""

    def __init__(self, vocabulary: domain.Vocabulary) -> None:
        self.vocabulary = vocabulary
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

    def many(self, raws: Sequence[str | None]) -> np.ndarray:
        if isinstance(raws, Coded):
            return raws.per_value(self.of, np.uint64)
        return np.fromiter((self.of(r) for r in raws), dtype=np.uint64, count=len(raws))


def region_of(session: Session, scope: Scope) -> str:
    """The region a scope lies in (mentors are drawn from the whole region)."""
    if scope.kind == "region":
        return scope.id
    column = OrganizationView.municipality_id if scope.kind == "municipality" else OrganizationView.id
    region = session.exec(select(OrganizationView.region_id).where(column == scope.id)).first()
    if region is None:
        label = "Район" if scope.kind == "municipality" else "Организация"
        raise NotFound(f"{label} {scope.id} неизвестен(на) сервису подбора")
    return region


def open_load(session: Session, mentor_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Open pairs (proposed, confirmed, active) per mentor: their current load."""
    query = select(Pair.mentor_id, func.count()).where(Pair.state.in_(OPEN_STATES)).group_by(Pair.mentor_id)
    if mentor_ids is not None:
        query = query.where(Pair.mentor_id.in_(list(mentor_ids)))
    return dict(session.exec(query).all())


def _raw(column: Any) -> Any:
    return type_coerce(column, String)


def _columns(rows: list[Any], names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [row[k] for row in rows] for k, name in enumerate(names)}


MENTOR_COLUMNS = ("id", "organization_id", "municipality_id", "region_id", "full_name", "subjects", "stages",
                  "directions", "formats", "capacity", "qualification_category", "trained", "experience_years")
MENTEE_COLUMNS = ("id", "organization_id", "municipality_id", "region_id", "full_name", "subject", "stage",
                  "directions", "formats", "category", "is_student", "preferred_mentor_ids")


def _select(model: Any, names: Sequence[str]) -> Any:
    coded = {"subjects", "stages", "directions", "formats", "preferred_mentor_ids"}
    return select(*[_raw(getattr(model, n)) if n in coded else getattr(model, n) for n in names])


PLAIN_COLUMNS = {"id", "full_name", "capacity", "trained", "experience_years", "is_student"}  # the rest are coded
LOAD_CHUNK = 50_000


def _load_columns(session: Session, query: Any, names: Sequence[str]) -> dict[str, Any]:
    """Columns of a query's rows, read chunk by chunk: ids and names as lists, numbers as arrays, the others coded.

    No row outlives its chunk, and a repeated string (a region, a school, a subject list) is kept once.
    """
    plain: dict[str, list[Any]] = {name: [] for name in names if name in PLAIN_COLUMNS}
    coders = {name: _Coder() for name in names if name not in PLAIN_COLUMNS}
    for rows in session.connection().execute(query).partitions(LOAD_CHUNK):
        for name, values in zip(names, zip(*rows, strict=True), strict=True):
            if name in plain:
                plain[name] += values
            else:
                coders[name].add(values)
    columns: dict[str, Any] = {}
    for name in names:
        if name in ("capacity", "experience_years"):
            columns[name] = np.fromiter((v or 0 for v in plain[name]), dtype=np.int64, count=len(plain[name]))
        elif name in ("trained", "is_student"):
            columns[name] = np.fromiter(map(bool, plain[name]), dtype=bool, count=len(plain[name]))
        else:
            columns[name] = plain[name] if name in plain else coders[name].column()
    return columns


def _rows_where(columns: dict[str, Any], keep: np.ndarray) -> dict[str, Any]:
    rows = np.flatnonzero(keep)
    out: dict[str, Any] = {}
    for name, column in columns.items():
        if isinstance(column, Coded):  # recoded, so that codes still follow the rows' order of first appearance
            codes, first = np.unique(column.codes[rows], return_index=True)
            order = np.argsort(first)
            recode = np.zeros(len(column.values), dtype=np.int32)
            recode[codes[order]] = np.arange(len(order), dtype=np.int32)
            out[name] = Coded(recode[column.codes[rows]], [column.values[c] for c in codes[order].tolist()])
        elif isinstance(column, np.ndarray):
            out[name] = column[rows]
        else:
            out[name] = [column[k] for k in rows.tolist()]
    return out


def load_problem(session: Session, scope: Scope) -> LoadedProblem:
    """Free mentees of the scope, active mentors of its region with their free load, past declines."""
    region = region_of(session, scope)
    scope_column = {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
                    "organization": MenteeView.organization_id}[scope.kind]
    busy = select(Pair.mentee_id).where(Pair.state.in_(OPEN_STATES))
    mentees = _load_columns(session, _select(MenteeView, MENTEE_COLUMNS).where(
        scope_column == scope.id, MenteeView.status == "active", MenteeView.id.not_in(busy)), MENTEE_COLUMNS)
    has_stage = mentees["stage"].per_value(bool, bool)
    without_stage = [(mentees["id"][k], mentees["full_name"][k]) for k in np.flatnonzero(~has_stage).tolist()]
    if len(without_stage):
        mentees = _rows_where(mentees, has_stage)
    mentors = _load_columns(session, _select(MentorView, MENTOR_COLUMNS).where(
        MentorView.region_id == region, MentorView.status == "active"), MENTOR_COLUMNS)
    load = open_load(session)
    declined = session.execute(select(Pair.mentee_id, Pair.mentor_id).where(Pair.state == "declined")).all()
    problem = build_problem(mentors, mentees, load, declined)
    return LoadedProblem(problem=problem, mentors=Side(mentors["id"], mentors), mentees=Side(mentees["id"], mentees),
                         without_stage=without_stage)


def columns_of(rows: Sequence[Any], names: Sequence[str]) -> dict[str, list[Any]]:
    """Column lists from ORM rows (code lists back to their stored `|a|b|` form)."""
    def stored(value: Any) -> Any:
        return "|" + "|".join(value) + "|" if isinstance(value, list) else value

    return {name: [stored(getattr(row, name)) for row in rows] for name in names}


def _person(organizations: Any, names: Sequence[str]) -> list[str]:
    """`organization:lower-case name` per row: one person registered as mentor and mentee is never self-paired."""
    orgs = organizations.take(np.arange(len(organizations))) if isinstance(organizations, Coded) else organizations
    return [f"{o}:{n.lower()}" for o, n in zip(orgs, names, strict=True)]


def _lookup(mapping: dict[Any, int], column: Any, default: int | None = None) -> np.ndarray:
    """`mapping[value]` per row (`default` for missing values when given)."""
    get = mapping.__getitem__ if default is None else (lambda v: mapping.get(v, default))
    if isinstance(column, Coded):
        return column.per_value(get, np.int64)
    return np.fromiter(map(get, column), dtype=np.int64, count=len(column))


def _code_lists(column: Any) -> list[tuple[int, list[str]]]:
    """(row, its ids) for rows of a `|a|b|` id-list column that list any id."""
    if isinstance(column, Coded):
        split = [[m for m in (raw or "").split("|") if m] for raw in column.values]
        rows = np.flatnonzero(np.fromiter(map(bool, split), dtype=bool, count=len(split))[column.codes]
                              if len(split) else np.zeros(len(column), dtype=bool))
        return [(i, split[c]) for i, c in zip(rows.tolist(), column.codes[rows].tolist(), strict=True)]
    return [(i, ids) for i, raw in enumerate(column) if (ids := [m for m in (raw or "").split("|") if m])]


def build_problem(mentors: dict[str, list[Any]], mentees: dict[str, list[Any]], load: dict[str, int],
                  declined: Sequence[tuple[str, str]], codes: Codes | None = None) -> domain.MatchingProblem:
    """Arrays of the domain problem from column lists (raw `|a|b|` code lists for sets) or coded columns."""
    codes = codes if codes is not None else Codes()
    subjects, stages, directions, formats = (Masks(SUBJECTS), Masks(domain.STAGES), Masks(DIRECTIONS),
                                             Masks(domain.FORMATS))
    category = {name: k for k, name in enumerate(domain.CATEGORIES.names)}
    stage_code = {name: k for k, name in enumerate(domain.STAGES.names)}
    subject_code = {name: k for k, name in enumerate(SUBJECTS.names)}
    subject_code[None] = subject_code[""] = domain.NO_SUBJECT
    mentor_ids, mentee_ids = mentors["id"], mentees["id"]
    current = np.fromiter(map(load.get, mentor_ids, itertools.repeat(0)), dtype=np.int64, count=len(mentor_ids)) \
        if load else np.zeros(len(mentor_ids), dtype=np.int64)
    capacity = np.asarray(mentors["capacity"], dtype=np.int64)
    prefs: list[tuple[int, int]] = []
    dec: list[tuple[int, int]] = []
    preferences = _code_lists(mentees["preferred_mentor_ids"])
    if preferences or declined:
        mentor_index = {mentor_id: j for j, mentor_id in enumerate(mentor_ids)}
        prefs = [(i, mentor_index[m]) for i, listed in preferences for m in listed if m in mentor_index]
        if declined:
            mentee_index = {mentee_id: i for i, mentee_id in enumerate(mentee_ids)}
            dec = [(mentee_index[a], mentor_index[b]) for a, b in declined
                   if a in mentee_index and b in mentor_index]
    no_format = formats.of("|in_person|")
    return domain.MatchingProblem(
        mentor_id=np.arange(len(mentor_ids)),
        mentor_person=codes.many(_person(mentors["organization_id"], mentors["full_name"])),
        mentor_subjects=subjects.many(mentors["subjects"]), mentor_stages=stages.many(mentors["stages"]),
        mentor_directions=directions.many(mentors["directions"]), mentor_org=codes.many(mentors["organization_id"]),
        mentor_municipality=codes.many(mentors["municipality_id"]), mentor_region=codes.many(mentors["region_id"]),
        mentor_formats=np.where((f := formats.many(mentors["formats"])) == 0, no_format, f),
        mentor_free=np.maximum(capacity - current, 0), mentor_load=current,
        mentor_category=_lookup(category, mentors["qualification_category"], 0),
        mentor_trained=np.asarray(mentors["trained"], dtype=bool),
        mentor_experience=experience if isinstance(experience := mentors["experience_years"], np.ndarray)
        else np.asarray([e or 0 for e in experience], dtype=np.int64),
        mentee_id=np.arange(len(mentee_ids)),
        mentee_person=codes.many(_person(mentees["organization_id"], mentees["full_name"])),
        mentee_subject=_lookup(subject_code, mentees["subject"], domain.NO_SUBJECT),
        mentee_stage=_lookup(stage_code, mentees["stage"]),
        mentee_directions=directions.many(mentees["directions"]),
        mentee_org=codes.many(mentees["organization_id"]), mentee_municipality=codes.many(mentees["municipality_id"]),
        mentee_region=codes.many(mentees["region_id"]),
        mentee_formats=np.where((g := formats.many(mentees["formats"])) == 0, no_format, g),
        mentee_young=_lookup({"young_specialist": 1}, mentees["category"], 0).astype(bool),
        preference_mentee=[i for i, _ in prefs], preference_mentor=[j for _, j in prefs],
        declined_mentee=[i for i, _ in dec], declined_mentor=[j for _, j in dec],
        subjects=SUBJECTS, directions=DIRECTIONS)
