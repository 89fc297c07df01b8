"""Synthetic regions for the matching benchmark and property tests: skewed subjects, schools of 30–60 teachers.

`generate` makes one region; `generate_national` a country of regions with lognormal sizes, ids unique across them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from services.matching.domain.problem import UNKNOWN, MatchingProblem
from services.matching.domain.vocabulary import KINDS, Vocabulary, accepted_kinds

SUBJECTS = Vocabulary(("primary_classes", "russian", "math", "english", "history", "biology", "physics",
                       "chemistry", "geography", "literature", "informatics", "physical_education", "music",
                       "art", "technology", "social_studies", "german", "french", "safety", "astronomy",
                       "economics", "law", "native_language", "preschool_education", "special_education"))
DIRECTIONS = Vocabulary(("methodical", "project", "upbringing", "class_management", "digital", "research",
                         "inclusive", "olympiad"))


def _zipf(rng: np.random.Generator, n: int, k: int, s: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** s
    return rng.choice(k, size=n, p=weights / weights.sum())


def _direction_masks(rng: np.random.Generator, n: int, counts: list[float]) -> np.ndarray:
    """Masks of 0..len(counts)-1 distinct skewed directions, with those probabilities."""
    how_many = rng.choice(len(counts), size=n, p=counts)
    masks = np.zeros(n, np.uint64)
    for _ in range(len(counts) - 1):
        pick = _zipf(rng, n, len(DIRECTIONS.names), 0.7).astype(np.uint64)
        masks |= np.where(how_many > 0, np.uint64(1) << pick, np.uint64(0))
        how_many = how_many - 1
    return masks


# What mentors expect of a mentee (`expectations=True`), after the seeds: the kinds a mentor lists (young
# specialists in most lists; «малоопытный педагог» takes them in too), the experience ranges the bank writes
# («0-3» the common one) and the kinds of mentees who are not young specialists, with their weights.
MENTOR_KIND_LISTS = ((("young_specialist",), 0.30), (("low_experience",), 0.15),
                     (("young_specialist", "new_employee"), 0.20), (("young_specialist", "changed_workplace"), 0.15),
                     (("new_duties",), 0.10), (("new_employee", "after_break"), 0.10))
EXPECTED_RANGES = (((0, 3), 0.60), ((0, 5), 0.15), ((3, 5), 0.10), ((0, 10), 0.15))
OTHER_KINDS = (("new_employee", 0.25), ("new_duties", 0.15), ("low_experience", 0.15), ("changed_workplace", 0.15),
               ("after_break", 0.10), ("burnout", 0.05), ("contest_preparation", 0.10), ("student", 0.05))
CATEGORY_WEIGHTS = (0.25, 0.15, 0.35, 0.25)  # none, szd, first, highest (as `CATEGORIES` orders them)


def _weighted(rng: np.random.Generator, n: int, weighted: tuple[tuple[object, float], ...]) -> np.ndarray:
    """Indices into `weighted` ((value, weight) pairs) for n draws."""
    weights = np.array([weight for _value, weight in weighted])
    return rng.choice(len(weighted), size=n, p=weights / weights.sum())


def expectation_columns(rng: np.random.Generator, mentee_young: np.ndarray, n_mentors: int) -> dict[str, Any]:
    """Seed-like kinds and expectations: 70 % of mentors list 1–2 kinds, 70 % expect an experience range and 50 %
    a category; young specialists have 0–3 years, the other mentees 0–35 years and another kind; half the mentees
    have a known category (none for a young specialist). UNKNOWN where nothing is expected or known."""
    n_mentees = len(mentee_young)
    kind_masks = np.array([accepted_kinds(kinds) for kinds, _weight in MENTOR_KIND_LISTS], np.uint64)
    lists = rng.random(n_mentors) < 0.7
    mentor_kinds = np.where(lists, kind_masks[_weighted(rng, n_mentors, MENTOR_KIND_LISTS)], np.uint64(0))
    ranges = np.array([bounds for bounds, _weight in EXPECTED_RANGES], np.int64)[
        _weighted(rng, n_mentors, EXPECTED_RANGES)]
    expects_range = rng.random(n_mentors) < 0.7
    expects_category = rng.random(n_mentors) < 0.5
    categories = tuple(zip(range(len(CATEGORY_WEIGHTS)), CATEGORY_WEIGHTS, strict=True))
    category = _weighted(rng, n_mentors, categories)
    other_kind = np.array([KINDS.code(kind) for kind, _weight in OTHER_KINDS])[_weighted(rng, n_mentees, OTHER_KINDS)]
    years = np.where(mentee_young, rng.integers(0, 4, size=n_mentees), rng.integers(0, 36, size=n_mentees))
    known = rng.random(n_mentees) < 0.5
    qualification = np.where(mentee_young, 0, _weighted(rng, n_mentees, categories))
    return {"mentor_kinds": mentor_kinds,
            "mentor_expected_min": np.where(expects_range, ranges[:, 0], UNKNOWN),
            "mentor_expected_max": np.where(expects_range, ranges[:, 1], UNKNOWN),
            "mentor_expected_category": np.where(expects_category, category, UNKNOWN),
            "mentee_kind": np.where(mentee_young, KINDS.code("young_specialist"), other_kind),
            "mentee_experience": years, "mentee_qualification": np.where(known, qualification, UNKNOWN)}


def default_municipalities(n_mentees: int) -> int:
    """How many municipalities a generated region of n_mentees declares (5 at 10k, 19 at 100k, 60 at 1M)."""
    return max(5, round(60 * (n_mentees / 1e6) ** 0.5))


def _municipality_of_orgs(rng: np.random.Generator, n_orgs: int, municipalities: int) -> np.ndarray:
    """Municipality of each organization, sorted: each declared municipality has one, the rest fall uniformly.

    A region with fewer organizations than municipalities declares only as many municipalities as it has
    organizations (tiny test regions)."""
    municipalities = min(municipalities, n_orgs)
    spread = rng.integers(0, municipalities, size=n_orgs - municipalities)
    return np.sort(np.concatenate([np.arange(municipalities), spread]))


def generate(n_mentees: int, seed: int = 0, *, mentors_per_mentee: float = 0.5,
             municipalities: int | None = None, region: int = 1, expectations: bool = False) -> MatchingProblem:
    """One region with n_mentees free mentees and about half as many mentors with free load.

    With `expectations`, mentors also list the mentee kinds they take and expect an experience and a category
    (`expectation_columns`, drawn from a generator of their own: the other arrays stay those without)."""
    rng = np.random.default_rng(seed)
    n_mentors = max(1, round(n_mentees * mentors_per_mentee))
    teachers = n_mentees + n_mentors
    org_sizes = rng.integers(30, 61, size=teachers // 30 + 1)
    org_sizes = org_sizes[:np.searchsorted(np.cumsum(org_sizes), teachers) + 1]  # only schools that get teachers
    org_of_teacher = np.repeat(np.arange(len(org_sizes)), org_sizes)[:teachers]
    org_kind = rng.choice(3, size=len(org_sizes), p=[0.1, 0.8, 0.1])
    org_municipality = _municipality_of_orgs(rng, len(org_sizes), municipalities or default_municipalities(n_mentees))
    teacher = rng.permutation(teachers)
    mentor_t, mentee_t = teacher[:n_mentors], teacher[n_mentors:]
    mentor_org, mentee_org = org_of_teacher[mentor_t], org_of_teacher[mentee_t]

    def stage_of(org: np.ndarray) -> np.ndarray:
        school_stage = rng.choice([1, 2, 3], size=len(org), p=[0.3, 0.45, 0.25])
        return np.select([org_kind[org] == 0, org_kind[org] == 2], [0, 4], school_stage)

    mentor_stage = stage_of(mentor_org)
    second = np.clip(mentor_stage + rng.choice([-1, 1], size=n_mentors), 1, 3)
    two_stages = (rng.random(n_mentors) < 0.4) & np.isin(mentor_stage, [1, 2, 3])
    mentor_stages = (np.uint64(1) << mentor_stage.astype(np.uint64)) | np.where(
        two_stages, np.uint64(1) << second.astype(np.uint64), np.uint64(0))
    subject = _zipf(rng, n_mentors, len(SUBJECTS.names)).astype(np.uint64)
    extra = _zipf(rng, n_mentors, len(SUBJECTS.names)).astype(np.uint64)
    mentor_subjects = (np.uint64(1) << subject) | np.where(rng.random(n_mentors) < 0.2, np.uint64(1) << extra,
                                                           np.uint64(0))
    distance = np.uint64(0b110)
    free = rng.choice([1, 2, 3], size=n_mentors, p=[0.3, 0.5, 0.2])
    load = np.where(rng.random(n_mentors) < 0.1, 1, 0)
    mentee_subject = np.where(rng.random(n_mentees) < 0.03, -1, _zipf(rng, n_mentees, len(SUBJECTS.names)))
    mentee_directions = _direction_masks(rng, n_mentees, [0.6, 0.3, 0.1])
    mentee_directions[mentee_subject < 0] |= np.uint64(1)
    mentor_person = np.arange(n_mentors)
    mentee_person = n_mentors + np.arange(n_mentees)
    both = rng.random(n_mentees) < 0.005
    mentee_person[both] = rng.integers(0, n_mentors, size=int(both.sum()))
    n_prefs, n_declined = max(1, n_mentees * 3 // 100), max(1, n_mentees // 1000)
    pref_mentee = rng.integers(0, n_mentees, size=n_prefs)
    same_subject = np.flatnonzero(mentor_subjects & (np.uint64(1) << np.uint64(2)))
    pref_mentor = rng.choice(same_subject if len(same_subject) else np.arange(n_mentors), size=n_prefs)
    problem = MatchingProblem(
        mentor_id=100_000_000 + np.arange(n_mentors), mentor_person=mentor_person,
        mentor_subjects=mentor_subjects, mentor_stages=mentor_stages,
        mentor_directions=_direction_masks(rng, n_mentors, [0.2, 0.4, 0.3, 0.1]), mentor_org=mentor_org,
        mentor_municipality=org_municipality[mentor_org], mentor_region=np.full(n_mentors, region),
        mentor_formats=np.uint64(1) | np.where(rng.random(n_mentors) < 0.5, distance, np.uint64(0)),
        mentor_free=free, mentor_load=load, mentor_category=rng.choice(4, size=n_mentors, p=[0.2, 0.1, 0.35, 0.35]),
        mentor_trained=rng.random(n_mentors) < 0.4, mentor_experience=rng.integers(3, 41, size=n_mentors),
        mentee_id=np.arange(n_mentees), mentee_person=mentee_person, mentee_subject=mentee_subject,
        mentee_stage=stage_of(mentee_org), mentee_directions=mentee_directions, mentee_org=mentee_org,
        mentee_municipality=org_municipality[mentee_org], mentee_region=np.full(n_mentees, region),
        mentee_formats=np.uint64(1) | np.where(rng.random(n_mentees) < 0.5, distance, np.uint64(0)),
        mentee_young=rng.random(n_mentees) < 0.2,
        preference_mentee=pref_mentee, preference_mentor=pref_mentor,
        declined_mentee=rng.integers(0, n_mentees, size=n_declined),
        declined_mentor=rng.integers(0, n_mentors, size=n_declined),
        subjects=SUBJECTS, directions=DIRECTIONS)
    if not expectations:
        return problem
    return replace(problem, **expectation_columns(np.random.default_rng([seed, 1]), problem.mentee_young,
                                                  n_mentors))


@dataclass(frozen=True)
class GeneratedRegion:
    """One region of a national instance: its read-model id, its name and its problem."""

    id: str
    name: str
    problem: MatchingProblem


def _apportion(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer parts of `total` in proportion to `shares`, each at least 1, summing exactly to `total`."""
    if total < len(shares):
        raise ValueError(f"{total} cannot give each of {len(shares)} regions one")
    quota = (total - len(shares)) * shares / shares.sum()
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(counts - quota, kind="stable")[:total - len(shares) - counts.sum()]] += 1
    return counts + 1


def lognormal_shares(rng: np.random.Generator, regions: int, largest_share: float) -> np.ndarray:
    """Lognormal shares of regions whose σ is set (by bisection) so that the largest is `largest_share`."""
    if not 1 / regions < largest_share < 1:
        raise ValueError(f"the largest of {regions} regions cannot hold {largest_share:.1%} of the total")
    z = rng.standard_normal(regions)
    low, high = 0.0, 20.0
    for _ in range(60):  # the largest share grows monotonically with σ: from 1/regions at σ = 0 towards 1
        sigma = (low + high) / 2
        shares = np.exp(sigma * (z - z.max()))
        low, high = (sigma, high) if 1.0 / shares.sum() < largest_share else (low, sigma)
    return shares / shares.sum()


def generate_national(total_mentees: int = 1_000_000, total_mentors: int = 500_000, regions: int = 85,
                      seed: int = 1, *, largest_share: float | None = None) -> list[GeneratedRegion]:
    """A country: `regions` regions of lognormal sizes (largest ≈ `largest_share` of the mentees), each made by
    `generate` with its own municipalities and schools; mentors follow the mentees with some spread per region.

    The largest share defaults to 5 % (issue 14's figure for 85 regions), or twice the mean region's when there
    are fewer than 40 regions (a smoke run). Mentor, mentee, person, school and municipality codes are unique
    across regions; deterministic by seed."""
    rng = np.random.default_rng(seed)
    shares = lognormal_shares(rng, regions, largest_share or max(0.05, 2 / regions))
    mentees = _apportion(total_mentees, shares)
    mentors = _apportion(total_mentors, shares * np.exp(0.15 * rng.standard_normal(regions)))
    out: list[GeneratedRegion] = []
    offsets = dict.fromkeys(("mentor", "mentee", "person", "org", "municipality"), 0)
    for k, (n_mentees, n_mentors) in enumerate(zip(mentees.tolist(), mentors.tolist(), strict=True)):
        p = generate(n_mentees, seed=seed * 1000 + k, mentors_per_mentee=n_mentors / n_mentees, region=k + 1)
        p = replace(p, mentor_id=p.mentor_id + offsets["mentor"],
                    mentee_id=p.mentee_id + offsets["mentee"], mentor_person=p.mentor_person + offsets["person"],
                    mentee_person=p.mentee_person + offsets["person"], mentor_org=p.mentor_org + offsets["org"],
                    mentee_org=p.mentee_org + offsets["org"],
                    mentor_municipality=p.mentor_municipality + offsets["municipality"],
                    mentee_municipality=p.mentee_municipality + offsets["municipality"])
        offsets["mentor"] += p.n_mentors
        offsets["mentee"] += p.n_mentees
        offsets["person"] += p.n_mentors + p.n_mentees
        offsets["org"] = int(max(p.mentor_org.max(), p.mentee_org.max())) + 1
        offsets["municipality"] = int(max(p.mentor_municipality.max(), p.mentee_municipality.max())) + 1
        out.append(GeneratedRegion(id=f"region-{k + 1:02d}", name=f"Регион {k + 1:02d}", problem=p))
    return out
