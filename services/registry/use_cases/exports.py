"""Exports the caller may download: the bank of mentors in the seed's columns, the base of mentees in its import
layout. Rows are read in batches (`yield_per`) as plain column tuples with the names of their places joined in,
and the caller writes them into a file while the transaction is open (`adapters.exports`, `adapters.templates`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import select

from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.person_kinds import MENTEES, MENTORS, PersonKind
from services.registry.adapters.tables import Mentee, Mentor, Municipality, Organization
from services.registry.domain.roles import READERS
from shared.auth import Principal, Role
from shared.db import UnitOfWork

BATCH = 2000
MENTOR_COLUMNS = ("full_name", "mentee_categories", "subjects", "directions", "mentee_experience_min",
                  "mentee_experience_max", "mentee_qualification", "email", "page_url", "stages", "capacity",
                  "formats", "consent_publication", "qualification_category", "experience_years", "trained",
                  "trained_on", "honours", "consent_processing", "consent_processing_on")
MENTEE_COLUMNS = ("full_name", "subject", "extra_subjects", "stage", "experience_years", "category",
                  "qualification_category", "directions", "deficits", "formats", "preferred_mentor_name",
                  "preferred_mentor_ids", "consent_processing", "consent_processing_on")


def _rows(uow: UnitOfWork, principal: Principal, filters: Filters, kind: PersonKind,
          columns: tuple[str, ...]) -> Iterator[Any]:
    """The visible people matching the filters, by name, in batches, with their organization's and district's names."""
    model: Any = kind.model
    stmt = (select(*(getattr(model, name) for name in columns), Organization.name.label("organization_name"),
                   Municipality.name.label("municipality_name"))
            .join(Organization, Organization.id == model.organization_id)
            .join(Municipality, Municipality.id == Organization.municipality_id)
            .where(*visible_to(principal, model), *filters.of_people(kind), *consented_beyond_scope(principal, model))
            .order_by(model.normalized_name, model.id))
    yield from uow.session.execute(stmt.execution_options(yield_per=BATCH))


def consented_beyond_scope(principal: Principal, model: Any) -> tuple[Any, ...]:
    """People without consent to processing leave the hands of the operator that holds their data no further: a
    school's curator and a district's operator export them (the data they collected), a region's operator, an
    integrator and the admin export only people who consented (152-ФЗ, ст. 6: no consent, no transfer)."""
    if principal.role in (Role.SCHOOL_CURATOR, Role.MUNICIPAL_OPERATOR):
        return ()
    return (model.consent_processing.is_(True),)


def export_mentors(uow: UnitOfWork, principal: Principal, filters: Filters) -> Iterator[Any]:
    """Every visible mentor matching the filters, by name (rows for `adapters.exports.bank_rows`)."""
    principal.require(*READERS)
    return _rows(uow, principal, filters, MENTORS, MENTOR_COLUMNS)


def export_mentees(uow: UnitOfWork, principal: Principal, filters: Filters) -> tuple[Iterator[Any], dict[str, str]]:
    """Every visible mentee matching the filters, by name, and the names of the mentors they prefer by id."""
    principal.require(*READERS)
    preferred_ids = {i for ids in uow.session.execute(
        select(Mentee.preferred_mentor_ids).where(*visible_to(principal, Mentee), *filters.of_people(MENTEES),
                                                  Mentee.preferred_mentor_name.is_(None))).scalars() for i in ids}
    mentor_names = dict(uow.session.execute(select(Mentor.id, Mentor.full_name).where(
        Mentor.id.in_(preferred_ids), *consented_beyond_scope(principal, Mentor))).tuples().all()) \
        if preferred_ids else {}
    return _rows(uow, principal, filters, MENTEES, MENTEE_COLUMNS), mentor_names
