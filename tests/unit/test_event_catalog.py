"""The catalog's tables of publishers and public subjects agree with its event types."""

from __future__ import annotations

import pytest

from shared.event_catalog import CATALOG, INTERNAL_TYPES, PUBLIC_SUBJECTS, PUBLISHERS, subject_matches


@pytest.mark.parametrize("type_", sorted(CATALOG))
def test_each_event_type_has_exactly_one_publisher(type_):
    owners = [service for service, patterns in PUBLISHERS.items() if any(subject_matches(p, type_) for p in patterns)]
    assert len(owners) == 1, owners


@pytest.mark.parametrize("type_", sorted(CATALOG))
def test_an_event_type_is_public_unless_it_is_internal(type_):
    public = any(subject_matches(pattern, type_) for pattern in PUBLIC_SUBJECTS)
    assert public == (type_ not in INTERNAL_TYPES)


@pytest.mark.parametrize(("pattern", "subject", "expected"), [
    ("mentoring.>", "mentoring.pair.proposed", True),
    ("mentoring.>", "mentoring", False),
    ("mentoring.pair.*", "mentoring.pair.proposed", True),
    ("mentoring.pair.*", "mentoring.pair.proposed.x", False),
    ("mentoring.run.completed", "mentoring.run.completed", True),
    ("mentoring.run.completed", "mentoring.run.failed", False),
])
def test_subject_matching_follows_nats(pattern, subject, expected):
    assert subject_matches(pattern, subject) is expected
