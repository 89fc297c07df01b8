"""The column values an imported record gives a Mentor, a Mentee or an Organization, defaults included."""

from __future__ import annotations

from typing import Any

from services.registry.importing.inference import guess_organization_kind
from services.registry.importing.records import MenteeRecord, MentorRecord, OrganizationRecord
from shared.dictionaries import normalize


def organization_kind(name: str, written: str | None) -> str:
    """The kind written in the file, else guessed from the name, else a school."""
    return written or guess_organization_kind(name) or "school"


def mentor_fields(record: MentorRecord) -> dict[str, Any]:
    """A mentor's columns; no format written means in person."""
    low, high = record.mentee_experience or (None, None)
    return {
        "full_name": record.full_name, "subjects": list(record.subjects), "stages": list(record.stages),
        "directions": list(record.directions), "mentee_categories": list(record.mentee_kinds),
        "mentee_experience_min": low, "mentee_experience_max": high,
        "mentee_qualification": record.mentee_qualification, "qualification_category": record.qualification or "none",
        "experience_years": record.experience_years, "email": record.email, "page_url": record.page_url,
        "capacity": record.capacity, "formats": list(record.formats) or ["in_person"],
        "consent_publication": record.consent_to_publication,
    }


def mentee_fields(record: MenteeRecord, mentors_by_name: dict[str, list[str]]) -> dict[str, Any]:
    """A mentee's columns; a preferred mentor is linked only when exactly one active mentor has that name."""
    preferred = [ids[0] for name in record.preferred_mentors
                 if len(ids := mentors_by_name.get(normalize(name), [])) == 1]
    category = record.category or "young_specialist"
    return {
        "full_name": record.full_name, "subject": record.subjects[0] if record.subjects else None,
        "extra_subjects": list(record.subjects[1:]), "stage": record.stages[0] if record.stages else None,
        "experience_years": record.experience_years, "category": category, "is_student": category == "student",
        "directions": list(record.directions), "deficits": "; ".join(record.deficits) or None,
        "formats": list(record.formats) or ["in_person"],
        "preferred_mentor_name": "; ".join(record.preferred_mentors) or None, "preferred_mentor_ids": preferred,
    }


def organization_fields(record: OrganizationRecord) -> dict[str, Any]:
    """An organization's columns; headcounts not written are zero."""
    return {
        "name": record.name, "kind": organization_kind(record.name, record.kind),
        "teachers": record.teachers or 0, "young_specialists": record.young_specialists or 0,
        "students": record.students or 0, "mentoring_page_url": record.page_url, "has_curator": bool(record.curator),
    }
