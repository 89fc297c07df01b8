"""Matching problem data and business rules: codes, records, arrays, eligibility, explanations, suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from services.matching import costs
from services.matching.costs import NO_SUBJECT, Weights

__all__ = ["CATEGORIES", "FORMATS", "NO_SUBJECT", "STAGES", "CostTerm", "MatchingProblem", "Mentee", "Mentor",
           "Suggestion", "Vocabulary", "Weights", "eligible", "explain", "explain_pair", "suggest",
           "unmatched_reason", "unmatched_reasons"]


@dataclass(frozen=True)
class Vocabulary:
    """String ids as small integer codes (position) and sets of them as uint64 bitmasks."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.names) > 64 or len(set(self.names)) != len(self.names):
            raise ValueError("a vocabulary holds at most 64 distinct names")

    def code(self, name: str | None) -> int:
        """Code of one name; None is NO_SUBJECT."""
        return NO_SUBJECT if name is None else self.names.index(name)

    def mask(self, names: Iterable[str]) -> int:
        """Bitmask of a set of names."""
        return sum(1 << self.names.index(name) for name in set(names))

    def decode(self, mask: int) -> list[str]:
        """Names whose bits are set in mask."""
        return [name for bit, name in enumerate(self.names) if int(mask) >> bit & 1]

    @classmethod
    def of(cls, names: Iterable[str]) -> Vocabulary:
        """A vocabulary of the distinct names, sorted."""
        return cls(tuple(sorted(set(names))))


STAGES = Vocabulary(costs.STAGE_CODES)
FORMATS = Vocabulary(costs.FORMAT_CODES)
CATEGORIES = Vocabulary(costs.CATEGORY_CODES)
STAGE_LABELS_RU = {"preschool": "дошкольное", "primary": "начальное общее", "basic": "основное общее",
                   "secondary": "среднее общее", "vocational": "среднее профессиональное"}
CATEGORY_LABELS_RU = {"none": "без категории", "szd": "соответствие занимаемой должности",
                      "first": "первая категория", "highest": "высшая категория"}


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


_DTYPES = {"id": np.int64, "person": np.int64, "subjects": np.uint64, "stages": np.uint64,
           "directions": np.uint64, "org": np.int64, "municipality": np.int64, "region": np.int64,
           "formats": np.uint64, "free": np.int64, "load": np.int64, "category": np.int64, "trained": bool,
           "experience": np.int64, "subject": np.int64, "stage": np.int64, "young": bool}


@dataclass(eq=False)
class MatchingProblem:
    """Arrays of free mentors and free mentees of one run, plus declined and preferred pairs (indices)."""

    mentor_id: np.ndarray
    mentor_person: np.ndarray
    mentor_subjects: np.ndarray
    mentor_stages: np.ndarray
    mentor_directions: np.ndarray
    mentor_org: np.ndarray
    mentor_municipality: np.ndarray
    mentor_region: np.ndarray
    mentor_formats: np.ndarray
    mentor_free: np.ndarray
    mentor_load: np.ndarray
    mentor_category: np.ndarray
    mentor_trained: np.ndarray
    mentor_experience: np.ndarray
    mentee_id: np.ndarray
    mentee_person: np.ndarray
    mentee_subject: np.ndarray
    mentee_stage: np.ndarray
    mentee_directions: np.ndarray
    mentee_org: np.ndarray
    mentee_municipality: np.ndarray
    mentee_region: np.ndarray
    mentee_formats: np.ndarray
    mentee_young: np.ndarray
    preference_mentee: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    preference_mentor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    declined_mentee: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    declined_mentor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    subjects: Vocabulary = Vocabulary(())
    directions: Vocabulary = Vocabulary(())

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name.startswith(("mentor_", "mentee_", "preference_", "declined_")):
                kind = f.name.split("_", 1)[1]
                setattr(self, f.name, np.ascontiguousarray(getattr(self, f.name), dtype=_DTYPES.get(kind, np.int64)))
        for side in ("mentor", "mentee", "preference", "declined"):
            lengths = {len(getattr(self, f.name)) for f in fields(self) if f.name.startswith(side + "_")}
            if len(lengths) > 1:
                raise ValueError(f"{side} arrays differ in length: {sorted(lengths)}")
        n = self.n_mentors
        self.preference_keys = np.unique(costs.pair_keys(self.preference_mentee, self.preference_mentor, n))
        self.declined_keys = np.unique(costs.pair_keys(self.declined_mentee, self.declined_mentor, n))

    @property
    def n_mentors(self) -> int:
        """Number of mentors."""
        return len(self.mentor_id)

    @property
    def n_mentees(self) -> int:
        """Number of mentees."""
        return len(self.mentee_id)

    @classmethod
    def from_records(cls, mentors: Sequence[Mentor], mentees: Sequence[Mentee],
                     declined: Iterable[tuple[int, int]] = (), *, subjects: Vocabulary | None = None,
                     directions: Vocabulary | None = None) -> MatchingProblem:
        """Encode records; declined holds (mentee id, mentor id); unknown ids in preferences are ignored."""
        subjects = subjects or Vocabulary.of([s for m in mentors for s in m.subjects]
                                             + [e.subject for e in mentees if e.subject is not None])
        directions = directions or Vocabulary.of([d for m in mentors for d in m.directions]
                                                 + [d for e in mentees for d in e.directions])
        mentor_at = {m.id: j for j, m in enumerate(mentors)}
        mentee_at = {e.id: i for i, e in enumerate(mentees)}
        prefs = [(i, mentor_at[m]) for i, e in enumerate(mentees) for m in e.preferred_mentors if m in mentor_at]
        dec = [(mentee_at[a], mentor_at[b]) for a, b in declined if a in mentee_at and b in mentor_at]
        return cls(
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
            subjects=subjects, directions=directions)



@dataclass(frozen=True)
class CostTerm:
    """One named part of a pair's cost, with the Russian label a person reads."""

    name: str
    label_ru: str
    value: int


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate mentor for one mentee."""

    mentor_index: int
    mentor_id: int
    cost: int
    terms: list[CostTerm]


def _years_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} года"
    return f"{n} лет"


def eligible(problem: MatchingProblem, mentee_index: int, mentor_index: int, weights: Weights = Weights()) -> bool:
    """Whether the pair passes every hard rule."""
    return bool(costs.eligible_pairs(problem, np.array([mentee_index]), np.array([mentor_index]), weights)[0])


def explain_pair(problem: MatchingProblem, mentee_index: int, mentor_index: int,
                 weights: Weights = Weights()) -> list[CostTerm]:
    """Cost terms of a pair for the mentor's next slot; their values sum to the cost the solver uses."""
    i, j = np.array([mentee_index]), np.array([mentor_index])
    pair = {k: int(v[0]) for k, v in costs.pairwise_terms(problem, i, j, weights).items()}
    own = {k: int(v[0]) for k, v in costs.mentor_terms(problem, j, weights).items()}
    same_org = problem.mentee_org[mentee_index] == problem.mentor_org[mentor_index]
    same_mun = problem.mentee_municipality[mentee_index] == problem.mentor_municipality[mentor_index]
    terms = [CostTerm("same_organization", "та же организация", pair["distance"]) if same_org
             else CostTerm("same_municipality", "тот же район", pair["distance"]) if same_mun
             else CostTerm("elsewhere_in_region", "другой район региона (дистанционно)", pair["distance"])]
    if pair["stage"]:
        terms.append(CostTerm("adjacent_stage", "смежный уровень образования", pair["stage"]))
    if problem.mentee_directions[mentee_index] and problem.mentee_subject[mentee_index] != NO_SUBJECT:
        terms.append(CostTerm("direction_uncovered", "не ведёт запрошенное направление", pair["direction"])
                     if pair["direction"] else CostTerm("direction_covered", "ведёт запрошенное направление", 0))
    category = CATEGORIES.names[int(problem.mentor_category[mentor_index])]
    terms.append(CostTerm("category", CATEGORY_LABELS_RU[category], own["category"]))
    if problem.mentor_trained[mentor_index]:
        terms.append(CostTerm("trained", "прошёл обучение наставников", own["trained"]))
    if own["experience"]:
        years = int(problem.mentor_experience[mentor_index])
        terms.append(CostTerm("experience", f"стаж {_years_ru(years)}", own["experience"]))
    if pair["preferred"]:
        terms.append(CostTerm("preferred", "желаемый наставник", pair["preferred"]))
    load = int(problem.mentor_load[mentor_index])
    terms.append(CostTerm("load", f"{load + 1}-й наставляемый у наставника", int(costs.slot_cost(load, weights))))
    return terms


def explain(mentee: Mentee, mentor: Mentor, weights: Weights = Weights()) -> list[CostTerm]:
    """Cost terms of one mentee–mentor pair given as records."""
    return explain_pair(MatchingProblem.from_records([mentor], [mentee]), 0, 0, weights)


def suggest(problem: MatchingProblem, mentee_index: int, limit: int = 10,
            weights: Weights = Weights(), candidates: np.ndarray | None = None) -> list[Suggestion]:
    """The `limit` cheapest eligible mentors with free load for one mentee, vectorised over all mentors
    (or over `candidates`, a superset of the eligible ones such as the mentors teaching the subject)."""
    j = np.arange(problem.n_mentors, dtype=np.int64) if candidates is None else np.asarray(candidates, np.int64)
    i = np.full(len(j), mentee_index, dtype=np.int64)
    ok = j[costs.eligible_pairs(problem, i, j, weights)]
    cost = costs.total_cost(problem, np.full(len(ok), mentee_index, np.int64), ok, problem.mentor_load[ok], weights)
    key = cost * max(problem.n_mentors, 1) + ok
    if len(key) > limit:
        top = np.argpartition(key, limit)[:limit]
        key, ok, cost = key[top], ok[top], cost[top]
    order = np.argsort(key)
    return [Suggestion(int(ok[k]), int(problem.mentor_id[ok[k]]), int(cost[k]),
                       explain_pair(problem, mentee_index, int(ok[k]), weights)) for k in order]


def _request_text(problem: MatchingProblem, i: int, labels: Mapping[str, str]) -> str:
    stage = STAGES.names[int(problem.mentee_stage[i])]
    stage_label = labels.get(stage, STAGE_LABELS_RU[stage])
    subject = int(problem.mentee_subject[i])
    if subject != NO_SUBJECT:
        name = problem.subjects.names[subject]
        return f"по предмету «{labels.get(name, name)}» на уровне «{stage_label}»"
    wanted = ", ".join(labels.get(d, d) for d in problem.directions.decode(int(problem.mentee_directions[i])))
    return f"по направлению «{wanted}» на уровне «{stage_label}»"


def unmatched_reasons(problem: MatchingProblem, mentee_indices: Sequence[int] | np.ndarray,
                      weights: Weights = Weights(), labels: Mapping[str, str] | None = None) -> list[str]:
    """An operator-actionable Russian reason per unmatched mentee: no mentor at all, or all of them busy.

    Vectorised over requests: mentees with the same request (place, subject or directions, stage, remote
    or not) share the number of mentors passing the hard rules apart from capacity and exclusions. It is
    counted from tables of mentors by place, remote, stage set and subject or direction set, never by a
    scan of all mentors per request. Where exclusions (self, past declines) could empty that set, the
    excluded mentors of that mentee are subtracted.
    """
    from types import SimpleNamespace

    labels = labels or {}
    p = problem
    idx = np.asarray(mentee_indices, dtype=np.int64)
    if not len(idx):
        return []
    subject, directions = p.mentee_subject[idx], p.mentee_directions[idx]
    distance = (p.mentee_formats[idx] & costs.DISTANCE_FORMATS) != 0
    requests, key = np.unique(np.stack([p.mentee_region[idx], p.mentee_municipality[idx], subject, p.mentee_stage[idx],
                                        directions.view(np.int64), distance.astype(np.int64)], axis=1),
                              axis=0, return_inverse=True)
    key = key.ravel()
    n = p.n_mentors
    places, place = np.unique(np.concatenate([np.stack([p.mentor_region, p.mentor_municipality], axis=1),
                                              requests[:, :2]]), axis=0, return_inverse=True)
    place = place.ravel()
    mentor_place, request_place = place[:n], place[n:]
    place_region = np.unique(places[:, 0], return_inverse=True)[1].ravel()
    stage_masks, mentor_stage = np.unique(p.mentor_stages, return_inverse=True)
    n_stages, n_masks = len(STAGES.names), len(stage_masks)
    allowed = costs.stage_allowed(SimpleNamespace(mentee_stage=np.arange(n_stages), mentor_stages=stage_masks),
                                  np.repeat(np.arange(n_stages), n_masks), np.tile(np.arange(n_masks), n_stages),
                                  weights)[0].reshape(n_stages, n_masks).T.astype(np.int64)
    remote = ((p.mentor_formats & costs.DISTANCE_FORMATS) != 0).astype(np.int64)
    cell = (mentor_place.astype(np.int64) * 2 + remote) * n_masks + mentor_stage.ravel()
    n_cells = len(places) * 2 * n_masks

    def candidates(rows: np.ndarray, mentor_values: np.ndarray, wanted_values: np.ndarray,
                   by_subject: bool) -> np.ndarray:
        """Mentors passing the hard rules (capacity and exclusions aside) for these requests."""
        values, value = np.unique(mentor_values, return_inverse=True)
        wanted, want = np.unique(wanted_values, return_inverse=True)
        table = np.bincount(cell * len(values) + value.ravel(), minlength=n_cells * len(values))
        none, zero = np.full(len(wanted), NO_SUBJECT), np.zeros(len(values), dtype=np.uint64)
        sides = SimpleNamespace(mentee_subject=wanted if by_subject else none,
                                mentee_directions=np.zeros(len(wanted), np.uint64) if by_subject else wanted,
                                mentor_subjects=values if by_subject else zero,
                                mentor_directions=zero if by_subject else values)
        covers = costs.covers_request(sides, np.tile(np.arange(len(wanted)), len(values)),
                                      np.repeat(np.arange(len(values)), len(wanted)))
        by_cell = table.reshape(n_cells, len(values)) @ covers.reshape(len(values), len(wanted)).astype(np.int64)
        count = np.einsum("pdsw,st->pdtw", by_cell.reshape(len(places), 2, n_masks, len(wanted)), allowed)
        remote_in_region = np.zeros((place_region.max() + 1, n_stages, len(wanted)), dtype=np.int64)
        np.add.at(remote_in_region, place_region, count[:, 1])
        g, t, w, d = request_place[rows], requests[rows, 3], want.ravel(), requests[rows, 5]
        same_place = count[g, 0, t, w] + count[g, 1, t, w]
        return same_place + d * (remote_in_region[place_region[g], t, w] - count[g, 1, t, w])

    per_request = np.zeros(len(requests), dtype=np.int64)
    if n:
        by_subject = np.flatnonzero(requests[:, 2] != NO_SUBJECT)
        by_direction = np.flatnonzero(requests[:, 2] == NO_SUBJECT)
        if len(by_subject):
            per_request[by_subject] = candidates(by_subject, p.mentor_subjects, requests[by_subject, 2], True)
        if len(by_direction):
            per_request[by_direction] = candidates(by_direction, p.mentor_directions,
                                                   requests[by_direction, 4].view(np.uint64), False)
    count = per_request[key]
    declined = np.bincount(p.declined_mentee, minlength=p.n_mentees)[idx]
    check = np.flatnonzero((count >= 1) & (count <= 1 + declined))  # exclusions might leave no mentor at all
    if len(check):
        def ranges(sorted_values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            low, high = np.searchsorted(sorted_values, keys, "left"), np.searchsorted(sorted_values, keys, "right")
            sizes = high - low
            at = np.repeat(low - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
            return np.repeat(np.arange(len(keys)), sizes), at

        by_mentee = np.argsort(p.declined_mentee, kind="stable")
        owner, at = ranges(p.declined_mentee[by_mentee], idx[check])
        by_person = np.argsort(p.mentor_person, kind="stable")
        same_owner, same_at = ranges(p.mentor_person[by_person], p.mentee_person[idx[check]])
        pairs = np.unique(np.concatenate([owner * max(n, 1) + p.declined_mentor[by_mentee][at],
                                          same_owner * max(n, 1) + by_person[same_at]]))
        owner, mentor = pairs // max(n, 1), pairs % max(n, 1)
        excluded = costs.eligible_pairs(p, idx[check][owner], mentor, weights, ignore_capacity=True,
                                        ignore_exclusions=True)
        count[check] -= np.bincount(owner[excluded], minlength=len(check))
    busy = ((subject >= 0) | (directions != 0)) & (count > 0)
    texts: dict[int, str] = {}
    reasons = []
    for i, k, is_busy in zip(idx.tolist(), key.tolist(), busy.tolist(), strict=True):
        if is_busy:
            reasons.append("все подходящие наставники заняты")
        else:
            text = texts.get(k)
            if text is None:
                text = texts[k] = f"нет наставника {_request_text(p, i, labels)} в районе"
            reasons.append(text)
    return reasons


def unmatched_reason(problem: MatchingProblem, mentee_index: int, weights: Weights = Weights(),
                     labels: Mapping[str, str] | None = None) -> str:
    """The reason one mentee stayed unmatched."""
    return unmatched_reasons(problem, [mentee_index], weights, labels)[0]
