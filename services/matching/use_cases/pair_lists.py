"""Lists of pairs inside the caller's scope: filtered and paged, and those needing the curator's attention."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.tables import Pair
from services.matching.use_cases.pair_access import WRITERS
from services.matching.use_cases.programs import needing_attention
from shared.auth import Principal, Role
from shared.scopes import visible_rows


def _visible(principal: Principal) -> tuple[Any, ...]:
    """Pairs located (by the mentee's organization) inside the caller's scope; admin and integrator see all."""
    return visible_rows(principal, region=Pair.region_id, municipality=Pair.municipality_id,
                        organization=Pair.organization_id)


def list_pairs(session: Session, principal: Principal, *, cursor: str | None, limit: int,
               proposed_from: date | None = None, proposed_to: date | None = None,
               **equal: str | None) -> tuple[list[Pair], str | None]:
    """One page of pairs in id order: `equal` filters by region, municipality, organization, state, mentor,
    mentee or form; `proposed_from`/`proposed_to` bound the proposal day. Returns the next page's cursor."""
    principal.require(*WRITERS, Role.INTEGRATOR)
    columns = {"region": Pair.region_id, "municipality": Pair.municipality_id, "organization": Pair.organization_id,
               "state": Pair.state, "mentor": Pair.mentor_id, "mentee": Pair.mentee_id, "form": Pair.form}
    query = select(Pair).where(*_visible(principal))
    for name, value in equal.items():
        if value:
            query = query.where(columns[name] == value)
    if proposed_from:
        query = query.where(Pair.proposed_at >= datetime.combine(proposed_from, datetime.min.time()))
    if proposed_to:
        query = query.where(Pair.proposed_at < datetime.combine(proposed_to, datetime.max.time()))
    if cursor:
        query = query.where(Pair.id > cursor)
    rows = list(session.exec(query.order_by(Pair.id).limit(limit + 1)).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def pairs_needing_attention(session: Session, principal: Principal, today: date) -> list[dict[str, Any]]:
    """Working pairs of the caller's scope with overdue plan items or no diary entry for last month."""
    principal.require(*WRITERS)
    pairs = list(session.exec(select(Pair).where(Pair.state == "active", *_visible(principal))))
    return needing_attention(session, pairs, today)
