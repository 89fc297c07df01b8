"""Export of the bank of mentors the caller may see, in the seed's column layout."""

from __future__ import annotations

from sqlmodel import select

from services.registry.adapters.exports import bank_rows
from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.lookups import names_of
from services.registry.adapters.person_kinds import MENTORS
from services.registry.adapters.tables import Mentor
from services.registry.domain.roles import READERS
from shared.auth import Principal
from shared.db import UnitOfWork


def export_mentors(uow: UnitOfWork, principal: Principal, filters: Filters) -> list[list[object]]:
    """Every visible mentor matching the filters, by name, one row each as `adapters.exports.BANK_COLUMNS`.

    The caller writes the rows as XLSX or CSV (`adapters.exports.to_xlsx`, `to_csv`) after the transaction.
    """
    principal.require(*READERS)
    stmt = select(Mentor).where(*visible_to(principal, Mentor), *filters.of_people(MENTORS))
    mentors = list(uow.session.exec(stmt.order_by(Mentor.normalized_name, Mentor.id)).all())
    return bank_rows(mentors, names_of(uow.session, {m.organization_id for m in mentors}))
