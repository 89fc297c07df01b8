"""Test-only record builders: mentors and mentees as plain records, encoded into a `MatchingProblem`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.matching.domain.explanations import CostTerm, explain_pair
from services.matching.domain.problem import UNKNOWN, MatchingProblem
from services.matching.domain.vocabulary import CATEGORIES, FORMATS, KINDS, STAGES, Vocabulary, accepted_kinds
from services.matching.domain.weights import Weights


@dataclass(frozen=True)
class Mentor:
    """A bank entry as the matching sees it; `load` counts pinned (proposed, confirmed, active) pairs."""

    id: int
    person_id: int
    subjects: frozenset[str]
    stages: frozenset[str]
    organization: int
    municipality: int
    region: int
    capacity: int
    directions: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset({"in_person"})
    load: int = 0
    category: str = "none"
    trained: bool = False
    experience_years: int = 0
    mentee_kinds: frozenset[str] = frozenset()  # the kinds of mentee the mentor helps (none listed: any kind)
    mentee_experience_min: int | None = None
    mentee_experience_max: int | None = None
    mentee_qualification: str | None = None  # the qualification category expected of a mentee


@dataclass(frozen=True)
class Mentee:
    """A free mentee; subject None means the request is a non-subject direction."""

    id: int
    person_id: int
    subject: str | None
    stage: str
    organization: int
    municipality: int
    region: int
    directions: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset({"in_person"})
    young_specialist: bool = False
    preferred_mentors: tuple[int, ...] = ()
    kind: str | None = None  # the mentee's kind; None: young_specialist for a young specialist, else unknown
    experience_years: int | None = None
    qualification: str | None = None


def _code(vocabulary: Vocabulary, name: str | None) -> int:
    """A code of the vocabulary, UNKNOWN for None."""
    return UNKNOWN if name is None else vocabulary.code(name)


def _kind(mentee: Mentee) -> str | None:
    return mentee.kind or ("young_specialist" if mentee.young_specialist else None)


def vocabulary_of(names: Iterable[str]) -> Vocabulary:
    """A vocabulary of the distinct names, sorted."""
    return Vocabulary(tuple(sorted(set(names))))


def problem_from_records(mentors: Sequence[Mentor], mentees: Sequence[Mentee],
                         declined: Iterable[tuple[int, int]] = ()) -> MatchingProblem:
    """Encode records; declined holds (mentee id, mentor id); unknown ids in preferences are ignored."""
    subjects = vocabulary_of([s for m in mentors for s in m.subjects]
                             + [e.subject for e in mentees if e.subject is not None])
    directions = vocabulary_of([d for m in mentors for d in m.directions] + [d for e in mentees for d in e.directions])
    mentor_at = {m.id: j for j, m in enumerate(mentors)}
    mentee_at = {e.id: i for i, e in enumerate(mentees)}
    prefs = [(i, mentor_at[m]) for i, e in enumerate(mentees) for m in e.preferred_mentors if m in mentor_at]
    dec = [(mentee_at[a], mentor_at[b]) for a, b in declined if a in mentee_at and b in mentor_at]
    return MatchingProblem(
        mentor_id=[m.id for m in mentors], mentor_person=[m.person_id for m in mentors],
        mentor_subjects=[subjects.mask(m.subjects) for m in mentors],
        mentor_stages=[STAGES.mask(m.stages) for m in mentors],
        mentor_directions=[directions.mask(m.directions) for m in mentors],
        mentor_org=[m.organization for m in mentors], mentor_municipality=[m.municipality for m in mentors],
        mentor_region=[m.region for m in mentors], mentor_formats=[FORMATS.mask(m.formats) for m in mentors],
        mentor_free=[max(m.capacity - m.load, 0) for m in mentors], mentor_load=[m.load for m in mentors],
        mentor_category=[CATEGORIES.code(m.category) for m in mentors],
        mentor_trained=[m.trained for m in mentors], mentor_experience=[m.experience_years for m in mentors],
        mentee_id=[e.id for e in mentees], mentee_person=[e.person_id for e in mentees],
        mentee_subject=[subjects.code(e.subject) for e in mentees],
        mentee_stage=[STAGES.code(e.stage) for e in mentees],
        mentee_directions=[directions.mask(e.directions) for e in mentees],
        mentee_org=[e.organization for e in mentees], mentee_municipality=[e.municipality for e in mentees],
        mentee_region=[e.region for e in mentees], mentee_formats=[FORMATS.mask(e.formats) for e in mentees],
        mentee_young=[e.young_specialist for e in mentees],
        preference_mentee=[i for i, _ in prefs], preference_mentor=[j for _, j in prefs],
        declined_mentee=[i for i, _ in dec], declined_mentor=[j for _, j in dec],
        subjects=subjects, directions=directions,
        mentor_kinds=[accepted_kinds(m.mentee_kinds) for m in mentors],
        mentor_expected_min=[UNKNOWN if m.mentee_experience_min is None else m.mentee_experience_min for m in mentors],
        mentor_expected_max=[UNKNOWN if m.mentee_experience_max is None else m.mentee_experience_max for m in mentors],
        mentor_expected_category=[_code(CATEGORIES, m.mentee_qualification) for m in mentors],
        mentee_kind=[_code(KINDS, _kind(e)) for e in mentees],
        mentee_experience=[UNKNOWN if e.experience_years is None else e.experience_years for e in mentees],
        mentee_qualification=[_code(CATEGORIES, e.qualification) for e in mentees])


def explain(mentee: Mentee, mentor: Mentor, weights: Weights = Weights()) -> list[CostTerm]:
    """Cost terms of one mentee–mentor pair given as records."""
    return explain_pair(problem_from_records([mentor], [mentee]), 0, 0, weights)
