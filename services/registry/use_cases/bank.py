"""The public bank of mentors: no token needed, only consented, active mentors and their public fields."""

from __future__ import annotations

from services.registry.adapters.bank import districts, published_mentors
from services.registry.use_cases.results import Page, PersonCard, person_cards
from shared.db import UnitOfWork


def browse_bank(uow: UnitOfWork, *, district: str | None, subject: str | None, stage: str | None,
                direction: str | None, q: str | None, cursor: str | None, limit: int) -> Page[PersonCard]:
    """One page of the published mentors, by name, with their organization and district names."""
    mentors, next_cursor = published_mentors(uow.session, district=district, subject=subject, stage=stage,
                                             direction=direction, q=q, cursor=cursor, limit=limit)
    return Page(person_cards(uow.session, mentors), next_cursor)


def list_districts(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(id, name) of every district, by name, for the bank page's choice."""
    return districts(uow.session)
