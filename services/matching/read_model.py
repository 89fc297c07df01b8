"""The matching service's own copy of the registry, kept from events; older versions never overwrite newer."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, ReadModelClock
from shared.db import UnitOfWork, versioned_upsert
from shared.events import CloudEvent

MENTOR_FIELDS = ("status", "region_id", "municipality_id", "organization_id", "full_name", "subjects", "stages",
                 "directions", "mentee_categories", "qualification_category", "experience_years", "trained",
                 "formats", "capacity")
MENTEE_FIELDS = ("status", "region_id", "municipality_id", "organization_id", "full_name", "subject", "stage",
                 "experience_years", "category", "is_student", "directions", "formats", "preferred_mentor_ids",
                 "registered_at")
ORGANIZATION_FIELDS = ("name", "kind", "municipality_id", "municipality_name", "region_id", "status")


def next_mentor_seq(session: Session) -> int:
    clock = session.exec(select(ReadModelClock).where(ReadModelClock.id == 1).with_for_update()).first()
    if clock is None:
        clock = ReadModelClock(id=1, mentor_seq=0)
        session.add(clock)
    clock.mentor_seq += 1
    return clock.mentor_seq


def bump_pair_seq(session: Session) -> None:
    """Tell suggestion caches that mentors' load changed."""
    clock = session.exec(select(ReadModelClock).where(ReadModelClock.id == 1).with_for_update()).first()
    if clock is None:
        session.add(ReadModelClock(id=1, mentor_seq=0, pair_seq=1))
    else:
        clock.pair_seq += 1


def apply_organization(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    versioned_upsert(uow.session, OrganizationView, data["organization_id"], data["version"],
            {k: data[k] for k in ORGANIZATION_FIELDS})


def apply_mentor(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    row = versioned_upsert(uow.session, MentorView, data["mentor_id"], data["version"],
                           {k: data[k] for k in MENTOR_FIELDS})
    if row is not None:
        row.seq = next_mentor_seq(uow.session)


def apply_mentee(uow: UnitOfWork, event: CloudEvent) -> None:
    data = dict(event.data)
    data["registered_at"] = datetime.fromisoformat(str(data["registered_at"]).replace("Z", "+00:00"))
    versioned_upsert(uow.session, MenteeView, data["mentee_id"], data["version"], {k: data[k] for k in MENTEE_FIELDS})


HANDLERS = {
    "mentoring.organization.upserted": apply_organization,
    **{f"mentoring.mentor.{action}": apply_mentor for action in ("registered", "updated", "withdrawn")},
    **{f"mentoring.mentee.{action}": apply_mentee for action in ("registered", "updated", "withdrawn")},
}
