"""Registry events: the payloads the matching read model and the reports need, without contact details; names
sealed with the services' key (shared/sealing.py), so only matching reads them."""

from __future__ import annotations

from services.registry.adapters.tables import Mentee, Mentor, Municipality, Organization
from shared.config import Settings
from shared.event_catalog import MenteeChanged, MentorChanged, OrganizationUpserted
from shared.events import CloudEvent, new_event
from shared.sealing import seal, seal_optional

SOURCE = "/registry"


def organization_event(settings: Settings, org: Organization, municipality: Municipality) -> CloudEvent:
    payload = OrganizationUpserted(
        organization_id=org.id, version=org.version, name=org.name, kind=org.kind, municipality_id=org.municipality_id,
        municipality_name=municipality.name, region_id=org.region_id, teachers=org.teachers,
        young_specialists=org.young_specialists, students=org.students,
        has_mentoring_page=bool(org.mentoring_page_url), has_curator=org.has_curator,
        curator_name_sealed=seal_optional(settings, org.curator_name), curator_position=org.curator_position,
        curator_trained=org.curator_trained, curator_trained_on=org.curator_trained_on,
        head_name_sealed=seal_optional(settings, org.head_name), head_position=org.head_position, status=org.status,
    )
    return new_event("mentoring.organization.upserted", SOURCE, org.id, payload)


def mentor_event(settings: Settings, mentor: Mentor, action: str) -> CloudEvent:
    payload = MentorChanged(
        mentor_id=mentor.id, version=mentor.version, status=mentor.status, organization_id=mentor.organization_id,
        municipality_id=mentor.municipality_id, region_id=mentor.region_id,
        full_name_sealed=seal(settings, mentor.full_name),
        subjects=list(mentor.subjects), stages=list(mentor.stages), directions=list(mentor.directions),
        mentee_categories=list(mentor.mentee_categories), mentee_experience_min=mentor.mentee_experience_min,
        mentee_experience_max=mentor.mentee_experience_max, mentee_qualification=mentor.mentee_qualification,
        qualification_category=mentor.qualification_category,
        experience_years=mentor.experience_years, trained=mentor.trained, trained_on=mentor.trained_on,
        formats=list(mentor.formats), capacity=mentor.capacity, consent_publication=mentor.consent_publication,
        consent_processing=mentor.consent_processing, registered_at=mentor.created_at,
    )
    return new_event(f"mentoring.mentor.{action}", SOURCE, mentor.id, payload)


def mentee_event(settings: Settings, mentee: Mentee, action: str) -> CloudEvent:
    payload = MenteeChanged(
        mentee_id=mentee.id, version=mentee.version, status=mentee.status, organization_id=mentee.organization_id,
        municipality_id=mentee.municipality_id, region_id=mentee.region_id,
        full_name_sealed=seal(settings, mentee.full_name),
        subject=mentee.subject, stage=mentee.stage, experience_years=mentee.experience_years,
        category=mentee.category, qualification_category=mentee.qualification_category,
        is_student=mentee.is_student, directions=list(mentee.directions),
        formats=list(mentee.formats), preferred_mentor_ids=list(mentee.preferred_mentor_ids),
        consent_processing=mentee.consent_processing, registered_at=mentee.created_at,
    )
    return new_event(f"mentoring.mentee.{action}", SOURCE, mentee.id, payload)
