"""The column values an imported record gives a Mentor, a Mentee or an Organization, defaults included."""

from __future__ import annotations

from typing import Any

from services.registry.importing.inference import guess_organization_kind
from services.registry.importing.records import MenteeRecord, MentorRecord, OrganizationRecord
from shared.dictionaries import normalize


def organization_kind(name: str, written: str | None) -> str:
    """The kind written in the file, else guessed from the name, else a school."""
    return written or guess_organization_kind(name) or "school"


def _given(fields: dict[str, Any], given: frozenset[str], columns: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Only the optional columns the file has: `columns` maps an import field to the table columns it fills."""
    return {column: fields[column] for field, names in columns.items() if field in given for column in names}


CONSENT_COLUMNS = {"consent_processing": ("consent_processing", "consent_processing_on")}


def _consent(record: MentorRecord | MenteeRecord) -> dict[str, Any]:
    """Consent and its day as the file gives them (a day of None with consent: see `Importer._consent`)."""
    return {"consent_processing": record.consent_processing, "consent_processing_on": record.consent_processing_on}


def mentor_fields(record: MentorRecord) -> dict[str, Any]:
    """A mentor's columns; no format written means in person; КПК and honours only when the file has them."""
    low, high = record.mentee_experience or (None, None)
    optional = _given({"trained": record.trained, "trained_on": record.trained_on, "honours": record.honours,
                       **_consent(record)},
                      record.given, {"trained": ("trained", "trained_on"), "trained_on": ("trained", "trained_on"),
                                     "honours": ("honours",), **CONSENT_COLUMNS})
    return {**optional,
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
    optional = _given({"qualification_category": record.qualification, **_consent(record)}, record.given,
                      {"qualification": ("qualification_category",), **CONSENT_COLUMNS})
    return {**optional,
        "full_name": record.full_name, "subject": record.subjects[0] if record.subjects else None,
        "extra_subjects": list(record.subjects[1:]), "stage": record.stages[0] if record.stages else None,
        "experience_years": record.experience_years, "category": category, "is_student": category == "student",
        "directions": list(record.directions), "deficits": "; ".join(record.deficits) or None,
        "formats": list(record.formats) or ["in_person"],
        "preferred_mentor_name": "; ".join(record.preferred_mentors) or None, "preferred_mentor_ids": preferred,
    }


def organization_fields(record: OrganizationRecord) -> dict[str, Any]:
    """An organization's columns; headcounts not written are zero; its curator and head when the file has them."""
    optional = _given({"curator_name": record.curator, "curator_position": record.curator_position,
                       "curator_trained": record.curator_trained, "curator_trained_on": record.curator_trained_on,
                       "head_name": record.head_name, "head_position": record.head_position}, record.given,
                      {"curator": ("curator_name",), "curator_position": ("curator_position",),
                       "curator_trained": ("curator_trained", "curator_trained_on"), "head_name": ("head_name",),
                       "head_position": ("head_position",)})
    return {
        "name": record.name, "kind": organization_kind(record.name, record.kind),
        "teachers": record.teachers or 0, "young_specialists": record.young_specialists or 0,
        "students": record.students or 0, "mentoring_page_url": record.page_url, "has_curator": bool(record.curator),
        **optional,
    }
