"""Who may see and change a pair: the writers' roles, and the pair located by its mentee's (or mentor's) school;
a mentor and a mentee reach only the pairs that name them."""

from __future__ import annotations

from sqlmodel import Session, select

from services.matching.adapters.tables import Pair
from shared.auth import Principal, Role
from shared.errors import NotFound

WRITERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
PEOPLE = (Role.MENTOR, Role.MENTEE)
"""The pair's own people: each reads the pairs naming them; the mentor keeps their diary and reports, the mentee
marks their plan done (`programs`)."""


def covers(principal: Principal, pair: Pair) -> bool:
    """The pair lies in the principal's scope, names the principal as its mentor or mentee, or the principal is the
    curator of the mentor's school."""
    return principal.covers(organization_id=pair.organization_id, municipality_id=pair.municipality_id,
                            region_id=pair.region_id, mentor_id=pair.mentor_id, mentee_id=pair.mentee_id) or (
        principal.scope_kind == "organization" and principal.scope_id == pair.mentor_organization_id)


def lock_pair(session: Session, pair_id: str) -> Pair:
    """The pair's row, locked for this transaction; 404 when there is none."""
    pair = session.exec(select(Pair).where(Pair.id == pair_id).with_for_update()).first()
    if pair is None:
        raise NotFound(f"Пара {pair_id} не найдена")
    return pair


def visible_pair(session: Session, principal: Principal, pair_id: str) -> Pair:
    """One pair the principal may read; a pair outside the scope reads as not found."""
    principal.require(*WRITERS, *PEOPLE, Role.INTEGRATOR)
    pair = session.get(Pair, pair_id)
    if pair is None or not covers(principal, pair):
        raise NotFound(f"Пара {pair_id} не найдена")
    return pair
