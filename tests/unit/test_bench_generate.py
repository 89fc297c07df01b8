"""The benchmark's generator: every declared municipality gets schools with teachers; the national instance."""

from __future__ import annotations

import numpy as np
import pytest

from services.matching.domain.vocabulary import CATEGORIES, KINDS
from tests.bench.generate import default_municipalities, generate, generate_national, lognormal_shares


def _municipalities(problem) -> np.ndarray:
    return np.unique(np.concatenate([problem.mentor_municipality, problem.mentee_municipality]))


def _orgs(problem) -> np.ndarray:
    return np.unique(np.concatenate([problem.mentor_org, problem.mentee_org]))


@pytest.mark.parametrize("n_mentees", [2_000, 10_000, 100_000])
def test_every_declared_municipality_gets_an_organization_with_teachers(n_mentees):
    problem = generate(n_mentees, seed=1)
    declared = default_municipalities(n_mentees)
    assert _municipalities(problem).tolist() == list(range(declared))


def test_an_explicit_number_of_municipalities_is_filled_too():
    problem = generate(5_000, seed=2, municipalities=40)
    assert len(_municipalities(problem)) == 40


def test_a_region_with_fewer_schools_than_municipalities_declares_one_per_school():
    problem = generate(50, seed=3, municipalities=10)
    assert len(_municipalities(problem)) == len(_orgs(problem))


def test_schools_keep_30_to_60_teachers_and_every_school_has_some():
    problem = generate(10_000, seed=1)
    teachers = np.bincount(np.concatenate([problem.mentor_org, problem.mentee_org]))
    assert teachers.min() >= 1
    assert teachers[:-1].min() >= 30 and teachers.max() <= 60  # only the last school may be cut short


def test_lognormal_shares_make_the_largest_region_the_share_asked_for():
    shares = lognormal_shares(np.random.default_rng(1), 85, 0.05)
    assert shares.sum() == pytest.approx(1.0)
    assert shares.max() == pytest.approx(0.05, rel=1e-6)
    assert shares.min() < 1 / 85 < shares.max()
    with pytest.raises(ValueError):
        lognormal_shares(np.random.default_rng(1), 10, 0.05)  # ten regions cannot all be under 10 %


def test_a_national_instance_sums_to_the_totals_with_ids_unique_across_regions():
    regions = generate_national(20_000, 10_000, regions=10, seed=1)
    mentees = np.array([r.problem.n_mentees for r in regions])
    assert len(regions) == 10 and mentees.sum() == 20_000
    assert sum(r.problem.n_mentors for r in regions) == 10_000
    assert mentees.max() == pytest.approx(0.2 * 20_000, abs=10)  # few regions: twice the mean region
    assert len({r.id for r in regions}) == len({r.name for r in regions}) == 10
    for key in ("mentee_id", "mentor_id", "mentor_person"):
        ids = np.concatenate([getattr(r.problem, key) for r in regions])
        assert len(np.unique(ids)) == len(ids), key
    for codes in (_orgs, _municipalities):
        every = np.concatenate([codes(r.problem) for r in regions])
        assert len(np.unique(every)) == len(every)
    assert [np.unique(r.problem.mentee_region).tolist() for r in regions] == [[k + 1] for k in range(10)]


def test_each_region_of_a_national_instance_fills_its_own_municipalities():
    for region in generate_national(20_000, 10_000, regions=10, seed=1):
        n_mentees = region.problem.n_mentees
        assert len(_municipalities(region.problem)) == min(default_municipalities(n_mentees),
                                                           len(_orgs(region.problem)))


def test_a_national_instance_is_the_same_for_the_same_seed_and_differs_for_another():
    first, again, other = (generate_national(5_000, 2_500, regions=5, seed=s) for s in (1, 1, 2))
    assert [r.problem.n_mentees for r in first] == [r.problem.n_mentees for r in again]
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.problem.mentee_subject, b.problem.mentee_subject)
    assert [r.problem.n_mentees for r in first] != [r.problem.n_mentees for r in other]


_EXPECTATION_COLUMNS = ("mentor_kinds", "mentor_expected_min", "mentor_expected_max", "mentor_expected_category",
                        "mentee_kind", "mentee_experience", "mentee_qualification")


def test_without_expectations_nobody_lists_kinds_or_expects_anything():
    problem = generate(2_000, seed=1)
    assert not problem.mentor_kinds.any()
    for name in ("mentor_expected_min", "mentor_expected_max", "mentor_expected_category", "mentee_experience",
                 "mentee_qualification"):
        assert (getattr(problem, name) == -1).all(), name


def test_expectations_fill_seed_like_kinds_ranges_and_categories():
    plain, problem = generate(20_000, seed=1), generate(20_000, seed=1, expectations=True)
    for name in ("mentor_id", "mentor_subjects", "mentee_subject", "mentee_young", "mentee_org", "preference_mentor"):
        assert np.array_equal(getattr(plain, name), getattr(problem, name)), name  # the rest as without
    m, k = problem.n_mentors, problem.n_mentees
    assert [len(getattr(problem, name)) for name in _EXPECTATION_COLUMNS] == [m] * 4 + [k] * 3
    young_bit = np.uint64(1) << np.uint64(KINDS.code("young_specialist"))
    listing = problem.mentor_kinds != 0
    assert listing.mean() == pytest.approx(0.7, abs=0.03)
    assert np.isin(np.bitwise_count(problem.mentor_kinds[listing]), [1, 2]).all()  # 1–2 kinds (with a wider one)
    assert ((problem.mentor_kinds[listing] & young_bit) != 0).mean() > 0.7  # young specialists in most lists
    low, high = problem.mentor_expected_min, problem.mentor_expected_max
    assert ((low == -1) == (high == -1)).all() and (low >= 0).mean() == pytest.approx(0.7, abs=0.03)
    ranges, counts = np.unique(np.stack([low[low >= 0], high[low >= 0]]), axis=1, return_counts=True)
    assert {tuple(r) for r in ranges.T.tolist()} == {(0, 3), (0, 5), (3, 5), (0, 10)}
    assert tuple(ranges[:, counts.argmax()]) == (0, 3)
    category = problem.mentor_expected_category
    assert (category >= 0).mean() == pytest.approx(0.5, abs=0.03) and category.max() < len(CATEGORIES.names)
    young = problem.mentee_young
    assert (problem.mentee_kind[young] == KINDS.code("young_specialist")).all()
    assert (problem.mentee_kind[~young] > 0).all() and problem.mentee_kind.max() < len(KINDS.names)
    assert problem.mentee_experience[young].min() >= 0 and problem.mentee_experience[young].max() <= 3
    assert problem.mentee_experience.min() == 0 and problem.mentee_experience.max() == 35
    known = problem.mentee_qualification >= 0
    assert known.mean() == pytest.approx(0.5, abs=0.03) and problem.mentee_qualification.max() < len(CATEGORIES.names)


def test_expectations_are_the_same_for_the_same_seed_and_differ_for_another():
    first, again, other = (generate(5_000, seed=s, expectations=True) for s in (1, 1, 2))
    for name in _EXPECTATION_COLUMNS:
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert not np.array_equal(first.mentee_experience, other.mentee_experience)
