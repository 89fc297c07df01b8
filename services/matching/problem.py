"""Builds a `MatchingProblem` from the read model: integer codes for ids, free load from open pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
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
class LoadedProblem:
    """The problem plus the string ids behind every integer index."""

    problem: domain.MatchingProblem
    mentors: list[MentorView]
    mentees: list[MenteeView]
    without_stage: list[MenteeView]


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


def mentees_in_scope(session: Session, scope: Scope) -> list[MenteeView]:
    column = {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
              "organization": MenteeView.organization_id}[scope.kind]
    busy = select(Pair.mentee_id).where(Pair.state.in_(OPEN_STATES))
    return list(session.exec(select(MenteeView).where(column == scope.id, MenteeView.status == "active",
                                                      MenteeView.id.not_in(busy))).all())


class Codes(dict):
    """String ids (organizations, municipalities, regions, persons) as small integers."""

    def __call__(self, value: str) -> int:
        return self.setdefault(value, len(self))


def mentor_record(code: Codes, index: int, m: MentorView, load: int) -> domain.Mentor:
    return domain.Mentor(
        id=index, person_id=code(f"person:{m.organization_id}:{m.full_name.lower()}"), subjects=frozenset(m.subjects),
        stages=frozenset(m.stages), organization=code(m.organization_id), municipality=code(m.municipality_id),
        region=code(m.region_id), capacity=m.capacity, directions=frozenset(m.directions),
        formats=frozenset(m.formats or ["in_person"]), load=load, category=m.qualification_category,
        trained=m.trained, experience_years=m.experience_years or 0)


def mentee_record(code: Codes, index: int, e: MenteeView, mentor_index: dict[str, int]) -> domain.Mentee:
    return domain.Mentee(
        id=index, person_id=code(f"person:{e.organization_id}:{e.full_name.lower()}"), subject=e.subject,
        stage=e.stage or "basic", organization=code(e.organization_id), municipality=code(e.municipality_id),
        region=code(e.region_id), directions=frozenset(e.directions), formats=frozenset(e.formats or ["in_person"]),
        young_specialist=e.category == "young_specialist",
        preferred_mentors=tuple(mentor_index[p] for p in e.preferred_mentor_ids if p in mentor_index))


def load_problem(session: Session, scope: Scope) -> LoadedProblem:
    """Free mentees of the scope, active mentors of its region with their free load, past declines."""
    region = region_of(session, scope)
    mentees = mentees_in_scope(session, scope)
    without_stage = [m for m in mentees if not m.stage]
    mentees = [m for m in mentees if m.stage]
    mentors = list(session.exec(select(MentorView).where(MentorView.region_id == region,
                                                         MentorView.status == "active")).all())
    load = open_load(session)
    declined = session.exec(select(Pair.mentee_id, Pair.mentor_id).where(Pair.state == "declined")).all()
    codes = Codes()
    mentor_records = [mentor_record(codes, j, m, load.get(m.id, 0)) for j, m in enumerate(mentors)]
    mentor_index = {m.id: j for j, m in enumerate(mentors)}
    mentee_records = [mentee_record(codes, i, e, mentor_index) for i, e in enumerate(mentees)]
    mentee_index = {e.id: i for i, e in enumerate(mentees)}
    pairs = [(mentee_index[a], mentor_index[b]) for a, b in declined if a in mentee_index and b in mentor_index]
    problem = domain.MatchingProblem.from_records(mentor_records, mentee_records, pairs, subjects=SUBJECTS,
                                                  directions=DIRECTIONS)
    return LoadedProblem(problem=problem, mentors=mentors, mentees=mentees, without_stage=without_stage)
