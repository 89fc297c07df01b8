"""Exports the caller may download: the bank of mentors in the seed's columns, the base of mentees in its import
layout; the caller writes the rows as a file after the transaction (`adapters.exports`, `adapters.templates`)."""

from __future__ import annotations

from sqlmodel import select

from services.registry.adapters.exports import bank_rows, mentee_rows
from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.lookups import names_of
from services.registry.adapters.person_kinds import MENTEES, MENTORS
from services.registry.adapters.tables import Mentee, Mentor
from services.registry.domain.roles import READERS
from shared.auth import Principal
from shared.db import UnitOfWork


def export_mentors(uow: UnitOfWork, principal: Principal, filters: Filters) -> list[list[object]]:
    """Every visible mentor matching the filters, by name, one row each as `adapters.exports.BANK_COLUMNS`."""
    principal.require(*READERS)
    stmt = select(Mentor).where(*visible_to(principal, Mentor), *filters.of_people(MENTORS))
    mentors = list(uow.session.exec(stmt.order_by(Mentor.normalized_name, Mentor.id)).all())
    return bank_rows(mentors, names_of(uow.session, {m.organization_id for m in mentors}))


def export_mentees(uow: UnitOfWork, principal: Principal, filters: Filters) -> list[list[object]]:
    """Every visible mentee matching the filters, by name, one row each in the mentees' import layout."""
    principal.require(*READERS)
    stmt = select(Mentee).where(*visible_to(principal, Mentee), *filters.of_people(MENTEES))
    mentees = list(uow.session.exec(stmt.order_by(Mentee.normalized_name, Mentee.id)).all())
    preferred = {i for m in mentees if not m.preferred_mentor_name for i in m.preferred_mentor_ids}
    mentor_names = dict(uow.session.exec(select(Mentor.id, Mentor.full_name).where(Mentor.id.in_(preferred))).all()
                        ) if preferred else {}
    return mentee_rows(mentees, names_of(uow.session, {m.organization_id for m in mentees}), mentor_names)
