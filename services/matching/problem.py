"""Builds a `MatchingProblem` from the read model column by column: no ORM objects, masks cached per value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import String, func, type_coerce
from sqlmodel import Session, select

from services.matching import domain
from services.matching.tables import OPEN_STATES, MenteeView, MentorView, OrganizationView, Pair
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


def load_problem(session: Session, scope: Scope) -> LoadedProblem:
    """Free mentees of the scope, active mentors of its region with their free load, past declines."""
    region = region_of(session, scope)
    scope_column = {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
                    "organization": MenteeView.organization_id}[scope.kind]
    busy = select(Pair.mentee_id).where(Pair.state.in_(OPEN_STATES))
    mentee_rows = session.execute(_select(MenteeView, MENTEE_COLUMNS).where(
        scope_column == scope.id, MenteeView.status == "active", MenteeView.id.not_in(busy))).all()
    without_stage = [(r[0], r[4]) for r in mentee_rows if not r[6]]
    mentee_rows = [r for r in mentee_rows if r[6]]
    mentor_rows = session.execute(_select(MentorView, MENTOR_COLUMNS).where(
        MentorView.region_id == region, MentorView.status == "active")).all()
    load = open_load(session)
    declined = session.execute(select(Pair.mentee_id, Pair.mentor_id).where(Pair.state == "declined")).all()
    mentors, mentees = _columns(mentor_rows, MENTOR_COLUMNS), _columns(mentee_rows, MENTEE_COLUMNS)
    problem = build_problem(mentors, mentees, load, declined)
    return LoadedProblem(problem=problem, mentors=Side(mentors["id"], mentors), mentees=Side(mentees["id"], mentees),
                         without_stage=without_stage)


def columns_of(rows: Sequence[Any], names: Sequence[str]) -> dict[str, list[Any]]:
    """Column lists from ORM rows (code lists back to their stored `|a|b|` form)."""
    def stored(value: Any) -> Any:
        return "|" + "|".join(value) + "|" if isinstance(value, list) else value

    return {name: [stored(getattr(row, name)) for row in rows] for name in names}


def build_problem(mentors: dict[str, list[Any]], mentees: dict[str, list[Any]], load: dict[str, int],
                  declined: Sequence[tuple[str, str]], codes: Codes | None = None) -> domain.MatchingProblem:
    """Arrays of the domain problem from column lists (raw `|a|b|` code lists for sets)."""
    codes = codes if codes is not None else Codes()
    subjects, stages, directions, formats = (Masks(SUBJECTS), Masks(domain.STAGES), Masks(DIRECTIONS),
                                             Masks(domain.FORMATS))
    category = {name: k for k, name in enumerate(domain.CATEGORIES.names)}
    stage_code = {name: k for k, name in enumerate(domain.STAGES.names)}
    subject_code = {name: k for k, name in enumerate(SUBJECTS.names)}
    mentor_index = {mentor_id: j for j, mentor_id in enumerate(mentors["id"])}
    current = np.fromiter((load.get(m, 0) for m in mentors["id"]), dtype=np.int64, count=len(mentors["id"]))
    capacity = np.asarray(mentors["capacity"], dtype=np.int64)
    prefs = [(i, mentor_index[m]) for i, raw in enumerate(mentees["preferred_mentor_ids"])
             for m in (raw or "").split("|") if m in mentor_index]
    mentee_index = {mentee_id: i for i, mentee_id in enumerate(mentees["id"])}
    dec = [(mentee_index[a], mentor_index[b]) for a, b in declined if a in mentee_index and b in mentor_index]
    no_format = formats.of("|in_person|")
    return domain.MatchingProblem(
        mentor_id=np.arange(len(mentors["id"])),
        mentor_person=codes.many([f"{o}:{n.lower()}" for o, n in zip(mentors["organization_id"], mentors["full_name"],
                                                                     strict=True)]),
        mentor_subjects=subjects.many(mentors["subjects"]), mentor_stages=stages.many(mentors["stages"]),
        mentor_directions=directions.many(mentors["directions"]), mentor_org=codes.many(mentors["organization_id"]),
        mentor_municipality=codes.many(mentors["municipality_id"]), mentor_region=codes.many(mentors["region_id"]),
        mentor_formats=np.where((f := formats.many(mentors["formats"])) == 0, no_format, f),
        mentor_free=np.maximum(capacity - current, 0), mentor_load=current,
        mentor_category=np.fromiter((category.get(c, 0) for c in mentors["qualification_category"]), np.int64),
        mentor_trained=np.asarray(mentors["trained"], dtype=bool),
        mentor_experience=np.asarray([e or 0 for e in mentors["experience_years"]], dtype=np.int64),
        mentee_id=np.arange(len(mentees["id"])),
        mentee_person=codes.many([f"{o}:{n.lower()}" for o, n in zip(mentees["organization_id"], mentees["full_name"],
                                                                     strict=True)]),
        mentee_subject=np.fromiter((subject_code.get(s, domain.NO_SUBJECT) if s else domain.NO_SUBJECT
                                    for s in mentees["subject"]), np.int64),
        mentee_stage=np.fromiter((stage_code[s] for s in mentees["stage"]), np.int64),
        mentee_directions=directions.many(mentees["directions"]),
        mentee_org=codes.many(mentees["organization_id"]), mentee_municipality=codes.many(mentees["municipality_id"]),
        mentee_region=codes.many(mentees["region_id"]),
        mentee_formats=np.where((g := formats.many(mentees["formats"])) == 0, no_format, g),
        mentee_young=np.asarray([c == "young_specialist" for c in mentees["category"]], dtype=bool),
        preference_mentee=[i for i, _ in prefs], preference_mentor=[j for _, j in prefs],
        declined_mentee=[i for i, _ in dec], declined_mentor=[j for _, j in dec],
        subjects=SUBJECTS, directions=DIRECTIONS)
