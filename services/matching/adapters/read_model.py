"""The matching service's own copy of the registry, kept from events; older versions never overwrite newer.

The handlers receive the payload already validated against the event catalog (`shared.consumer.dispatch`). Names
arrive sealed with the services' key (shared/sealing.py) and are stored opened; a name no key opens terminates the
event with nothing applied.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.erasure import scrub_pair_texts, scrub_run_results
from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, ReadModelClock, Run
from shared.config import Settings
from shared.consumer import PermanentEventError
from shared.db import UnitOfWork, versioned_upsert
from shared.event_catalog import MenteeChanged, MentorChanged, OrganizationUpserted, RegistryCheckpoint
from shared.sealing import SealError, check_keys, unseal

MENTOR_FIELDS = {"status", "region_id", "municipality_id", "organization_id", "subjects", "stages",
                 "directions", "mentee_categories", "mentee_experience_min", "mentee_experience_max",
                 "mentee_qualification", "qualification_category", "experience_years", "trained",
                 "formats", "capacity", "consent_processing"}
MENTEE_FIELDS = {"status", "region_id", "municipality_id", "organization_id", "subject", "stage",
                 "experience_years", "qualification_category", "category", "is_student", "directions", "formats",
                 "preferred_mentor_ids", "consent_processing", "registered_at"}
ORGANIZATION_FIELDS = {"name", "kind", "municipality_id", "municipality_name", "region_id", "status", "head_position",
                       "curator_position"}


def _clock(session: Session) -> ReadModelClock | None:
    return session.exec(select(ReadModelClock).where(ReadModelClock.id == 1).with_for_update()).first()


def next_mentor_seq(session: Session) -> int:
    """Count one more mentor change (suggestion caches reload the region's mentors when it moved on)."""
    clock = _clock(session)
    if clock is None:
        clock = ReadModelClock(id=1, mentor_seq=0)
        session.add(clock)
    clock.mentor_seq += 1
    return clock.mentor_seq


def bump_pair_seq(session: Session) -> None:
    """Tell suggestion caches that mentors' load changed."""
    clock = _clock(session)
    if clock is None:
        session.add(ReadModelClock(id=1, mentor_seq=0, pair_seq=1))
    else:
        clock.pair_seq += 1


def opened(settings: Settings, token: str) -> str:
    """A sealed name in clear; one that no key opens can never be applied (the consumer terminates the event)."""
    try:
        return unseal(settings, token)
    except SealError as exc:
        raise PermanentEventError(str(exc)) from exc


def opened_optional(settings: Settings, token: str | None) -> str | None:
    return None if token is None else opened(settings, token)


def apply_organization(settings: Settings, uow: UnitOfWork, payload: OrganizationUpserted) -> None:
    """Keep what matching needs of an organization: its place and name, its head and curator for the order."""
    fields = payload.model_dump(include=ORGANIZATION_FIELDS)
    fields.update(head_name=opened_optional(settings, payload.head_name_sealed),
                  curator_name=opened_optional(settings, payload.curator_name_sealed))
    versioned_upsert(uow.session, OrganizationView, payload.organization_id, payload.version, fields)


def apply_mentor(settings: Settings, uow: UnitOfWork, payload: MentorChanged) -> None:
    """Keep a mentor as matching reads it, and count the change for the suggestion caches."""
    fields = {**payload.model_dump(include=MENTOR_FIELDS), "full_name": opened(settings, payload.full_name_sealed)}
    row = versioned_upsert(uow.session, MentorView, payload.mentor_id, payload.version, fields)
    if row is not None:
        row.seq = next_mentor_seq(uow.session)


def apply_mentee(settings: Settings, uow: UnitOfWork, payload: MenteeChanged) -> None:
    """Keep a mentee as matching reads it."""
    fields = {**payload.model_dump(include=MENTEE_FIELDS), "full_name": opened(settings, payload.full_name_sealed)}
    versioned_upsert(uow.session, MenteeView, payload.mentee_id, payload.version, fields)


def apply_mentor_erased(settings: Settings, uow: UnitOfWork, payload: MentorChanged) -> None:
    """An erased mentor: the pseudonym replaces the name here and wherever the pairs' texts quote it."""
    old = uow.session.get(MentorView, payload.mentor_id)
    old_name = old.full_name if old is not None else ""
    apply_mentor(settings, uow, payload)
    name = opened(settings, payload.full_name_sealed)
    scrub_pair_texts(uow.session, Pair.mentor_id, payload.mentor_id, old_name, name)


def apply_mentee_erased(settings: Settings, uow: UnitOfWork, payload: MenteeChanged) -> None:
    """An erased mentee: the pseudonym replaces the name here, in runs' unmatched lists and in the pairs' texts."""
    old = uow.session.get(MenteeView, payload.mentee_id)
    old_name = old.full_name if old is not None else ""
    apply_mentee(settings, uow, payload)
    name = opened(settings, payload.full_name_sealed)
    scrub_run_results(uow.session, payload.mentee_id, name)
    scrub_pair_texts(uow.session, Pair.mentee_id, payload.mentee_id, old_name, name)


def apply_checkpoint(uow: UnitOfWork, payload: RegistryCheckpoint) -> None:
    """The registry's answer to a run request arrived after every registry change before it (the stream keeps
    the registry's order): the run may load now, and it records the registry position it sees."""
    run = uow.session.get(Run, payload.run_id)
    if run is not None and run.registry_position is None:
        run.registry_position = payload.position


def read_model_handlers(settings: Settings) -> dict[str, Callable[[UnitOfWork, Any], None]]:
    """The handler of each event type the read model keeps, opening names with these settings' keys (checked
    now: a malformed PERSONAL_DATA_KEYS stops the consumer's start)."""
    check_keys(settings)
    return {
        "mentoring.organization.upserted": partial(apply_organization, settings),
        **{f"mentoring.mentor.{action}": partial(apply_mentor, settings)
           for action in ("registered", "updated", "withdrawn")},
        **{f"mentoring.mentee.{action}": partial(apply_mentee, settings)
           for action in ("registered", "updated", "withdrawn")},
        "mentoring.mentor.erased": partial(apply_mentor_erased, settings),
        "mentoring.mentee.erased": partial(apply_mentee_erased, settings),
        "mentoring.registry.checkpoint": apply_checkpoint,
    }
