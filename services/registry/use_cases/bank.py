"""The public bank of mentors: no token needed, only consented, active mentors and their public fields."""

from __future__ import annotations

from itertools import groupby

from services.registry.adapters.bank import districts, published_mentor, published_mentors, schools
from services.registry.use_cases.results import Page, PersonCard, person_card, person_cards
from shared.db import UnitOfWork
from shared.errors import NotFound


def browse_bank(uow: UnitOfWork, *, district: str | None, subject: str | None, stage: str | None,
                direction: str | None, q: str | None, cursor: str | None, limit: int) -> Page[PersonCard]:
    """One page of the published mentors, by name, with their organization and district names."""
    mentors, next_cursor = published_mentors(uow.session, district=district, subject=subject, stage=stage,
                                             direction=direction, q=q, cursor=cursor, limit=limit)
    return Page(person_cards(uow.session, mentors), next_cursor)


def list_districts(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(id, name) of every district, by name, for the bank page's choice."""
    return districts(uow.session)


def bank_mentor(uow: UnitOfWork, mentor_id: str) -> PersonCard:
    """One mentor of the public bank (404 for anyone not published)."""
    mentor = published_mentor(uow.session, mentor_id)
    if mentor is None:
        raise NotFound("Наставник не найден в опубликованном банке")
    return person_card(uow.session, mentor)


def schools_by_district(uow: UnitOfWork, region_id: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The active schools (of one region) grouped by district: [(district, [(id, name), …]), …]."""
    return [(district, [(sid, name) for _, sid, name in rows])
            for district, rows in groupby(schools(uow.session, region_id), key=lambda row: row[0])]
