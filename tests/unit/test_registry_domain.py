"""The registry's pure rules: which imported rows a caller may load, how a record changes, its version check."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from services.registry.domain.changes import apply_changes, bump_version, check_experience_range, check_version
from services.registry.domain.import_fields import mentee_fields, organization_kind
from services.registry.domain.import_scope import may_import_row
from services.registry.importing.records import MenteeRecord
from shared.auth import Principal, Role
from shared.errors import Conflict, ValidationFailed

ADMIN = Principal("a", Role.ADMIN)
REGION = Principal("r", Role.REGION_OPERATOR, "region", "86")
DISTRICT = Principal("m", Role.MUNICIPAL_OPERATOR, "municipality", "m1")
SCHOOL = Principal("s", Role.SCHOOL_CURATOR, "organization", "o1")


@pytest.mark.parametrize(("principal", "municipality", "organization", "allowed"), [
    (ADMIN, None, None, True),
    (REGION, None, None, True),
    (DISTRICT, "m1", None, True),  # a new school in the operator's district
    (DISTRICT, "m1", ("o1", "m1"), True),
    (DISTRICT, None, None, False),  # a district not known yet: only operators above create it
    (DISTRICT, "m1", ("o2", "m2"), False),  # the school's own district decides, not the one written in the row
    (DISTRICT, "m2", ("o1", "m1"), False),
    (SCHOOL, "m1", ("o1", "m1"), True),
    (SCHOOL, "m1", ("o2", "m1"), False),
    (SCHOOL, "m1", None, False),  # a curator never creates an organization
    (Principal("i", Role.INTEGRATOR), None, None, False),
])
def test_an_imported_row_is_loaded_only_inside_the_callers_scope(principal, municipality, organization, allowed):
    org_id, org_municipality = organization or (None, None)
    assert may_import_row(principal, region_id="86", municipality_id=municipality, organization_id=org_id,
                          organization_municipality_id=org_municipality) is allowed


def test_a_region_operator_imports_only_into_their_own_region():
    assert not may_import_row(REGION, region_id="72", municipality_id=None, organization_id=None,
                              organization_municipality_id=None)


def test_changes_report_old_and_new_values_and_renormalize_a_new_name():
    row = SimpleNamespace(full_name="Иванова Анна", normalized_name="иванова анна", capacity=1,
                          trained_on=date(2024, 9, 1), version=3, updated_at=None, updated_by="x")
    diff = apply_changes(row, {"full_name": "Иванова  Ёлка", "capacity": 1, "trained_on": date(2025, 1, 9)})
    assert diff == {"full_name": ["Иванова Анна", "Иванова  Ёлка"], "trained_on": ["2024-09-01", "2025-01-09"]}
    assert row.normalized_name == "иванова елка" and row.trained_on == date(2025, 1, 9)
    bump_version(row, "admin:a")
    assert (row.version, row.updated_by) == (4, "admin:a") and row.updated_at is not None


def test_a_stale_version_is_a_conflict_naming_the_current_one():
    row = SimpleNamespace(version=2)
    check_version(row, None, "Наставник")
    check_version(row, 2, "Наставник")
    with pytest.raises(Conflict) as caught:
        check_version(row, 1, "Наставник")
    assert caught.value.extra == {"current_version": 2}


def test_the_mentee_experience_range_must_not_run_backwards():
    check_experience_range(SimpleNamespace(mentee_experience_min=0, mentee_experience_max=3))
    check_experience_range(SimpleNamespace())  # a mentee has no such range
    with pytest.raises(ValidationFailed):
        check_experience_range(SimpleNamespace(mentee_experience_min=5, mentee_experience_max=3))


def test_imported_fields_take_the_defaults_and_link_only_an_unambiguous_preferred_mentor():
    record = MenteeRecord(municipality="Район", organization="МБОУ СОШ № 1", organization_kind="school",
                          full_name="Петров Пётр", subjects=("math", "physics"), stages=("basic",),
                          experience_years=1, category=None, directions=(), deficits=("журнал", "уроки"),
                          formats=(), preferred_mentors=("Иванова Анна", "Сидорова Мария"))
    fields = mentee_fields(record, {"иванова анна": ["m1"], "сидорова мария": ["m2", "m3"]})
    assert fields["preferred_mentor_ids"] == ["m1"]
    assert (fields["category"], fields["is_student"], fields["formats"]) == ("young_specialist", False, ["in_person"])
    assert (fields["subject"], fields["extra_subjects"], fields["deficits"]) == ("math", ["physics"], "журнал; уроки")
    assert organization_kind("МАДОУ «Детский сад № 2»", None) == "preschool"
    assert organization_kind("Управление образования", None) == "school"
    assert organization_kind("МАДОУ «Детский сад № 2»", "additional") == "additional"
