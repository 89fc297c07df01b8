"""Lists of pairs inside the caller's scope: filtered and paged (with the names of the people and schools), those
needing the curator's attention, and the count of pairs by state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair
from services.matching.domain.workflow import State
from services.matching.use_cases.pair_access import PEOPLE, WRITERS
from services.matching.use_cases.programs import needing_attention
from services.matching.use_cases.runs import check_scope_access
from shared.auth import Principal, Role
from shared.errors import Forbidden
from shared.scopes import Scope, visible_rows

MentorSchool = aliased(OrganizationView)
NAMES = ("mentor_name", "mentee_name", "organization_name", "mentor_organization_name")
NAME_COLUMNS = (MentorView.full_name, MenteeView.full_name, OrganizationView.name, MentorSchool.name)
LISTED = tuple(c for c in Pair.__table__.columns if c.name != "cost_terms")  # a list never shows the cost terms


def _named(*where: Any) -> Any:
    """SELECT of pairs with the names of both people and both schools from the read model, in one query."""
    return _with_names(select(Pair, *NAME_COLUMNS), where)


def _with_names(query: Any, where: tuple[Any, ...]) -> Any:
    return (query.outerjoin(MentorView, MentorView.id == Pair.mentor_id)
            .outerjoin(MenteeView, MenteeView.id == Pair.mentee_id)
            .outerjoin(OrganizationView, OrganizationView.id == Pair.organization_id)
            .outerjoin(MentorSchool, MentorSchool.id == Pair.mentor_organization_id).where(*where))


def _names(row: Any) -> dict[str, str]:
    return {name: value or "" for name, value in zip(NAMES, row[1:], strict=True)}


def pair_names(session: Session, pair: Pair) -> dict[str, str]:
    """The names of one pair's people and schools (`NAMES`), for its page."""
    row = session.exec(_named(Pair.id == pair.id)).first()
    return _names(row) if row is not None else dict.fromkeys(NAMES, "")


def _visible(principal: Principal) -> tuple[Any, ...]:
    """Pairs located (by the mentee's organization) inside the caller's scope, or naming the caller as their mentor
    or mentee; admin and integrator see all."""
    return visible_rows(principal, region=Pair.region_id, municipality=Pair.municipality_id,
                        organization=Pair.organization_id, mentor=Pair.mentor_id, mentee=Pair.mentee_id)


def filtered(query: Any, principal: Principal, proposed_from: date | None, proposed_to: date | None,
             equal: dict[str, str | None]) -> Any:
    """`query` of pairs limited to the caller's rows and the list's filters (`list_pairs`)."""
    columns = {"region": Pair.region_id, "municipality": Pair.municipality_id, "organization": Pair.organization_id,
               "state": Pair.state, "mentor": Pair.mentor_id, "mentee": Pair.mentee_id, "form": Pair.form}
    query = query.where(*_visible(principal))
    for name, value in equal.items():
        if value:
            query = query.where(columns[name] == value)
    if proposed_from:
        query = query.where(Pair.proposed_at >= datetime.combine(proposed_from, datetime.min.time()))
    if proposed_to:
        query = query.where(Pair.proposed_at < datetime.combine(proposed_to, datetime.max.time()))
    return query


def list_pairs(session: Session, principal: Principal, *, cursor: str | None, limit: int,
               proposed_from: date | None = None, proposed_to: date | None = None,
               **equal: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of pairs in id order, each a dict of its columns (but the cost terms) and its names (`NAMES`), read
    as plain rows: `equal` filters by region, municipality, organization, state, mentor, mentee or form;
    `proposed_from`/`proposed_to` bound the proposal day. Returns the next page's cursor. A mentor or a mentee
    lists their own pairs."""
    principal.require(*WRITERS, *PEOPLE, Role.INTEGRATOR)
    query = filtered(select(*LISTED), principal, proposed_from, proposed_to, equal)
    if cursor:
        query = query.where(Pair.id > cursor)
    # the page first, then the names of its rows only (joining first named every pair of the scope before sorting)
    page = query.order_by(Pair.id).limit(limit + 1).subquery("page")
    named = (select(page, *NAME_COLUMNS)
             .outerjoin(MentorView, MentorView.id == page.c.mentor_id)
             .outerjoin(MenteeView, MenteeView.id == page.c.mentee_id)
             .outerjoin(OrganizationView, OrganizationView.id == page.c.organization_id)
             .outerjoin(MentorSchool, MentorSchool.id == page.c.mentor_organization_id).order_by(page.c.id))
    rows = session.connection().execute(named).all()
    keys = [*(c.name for c in LISTED), *NAMES]
    items = [dict(zip(keys, row, strict=True)) for row in rows[:limit]]
    for item in items:
        for name in NAMES:
            item[name] = item[name] or ""
    return items, items[-1]["id"] if len(rows) > limit else None


def pairs_needing_attention(session: Session, principal: Principal, today: date) -> list[dict[str, Any]]:
    """Working pairs of the caller's scope with overdue plan items or no diary entry for last month, named."""
    principal.require(*WRITERS)
    rows = list(session.exec(_named(Pair.state == "active", *_visible(principal))))
    names = {row[0].id: _names(row) for row in rows}
    return [{**item, **names[item["pair_id"]]} for item in needing_attention(session, [r[0] for r in rows], today)]


def pairs_summary(session: Session, principal: Principal, scope_text: str | None,
                  run_id: str | None = None) -> dict[str, Any]:
    """Pairs by state within the caller's rows, of one scope (a region, municipality or school) when given, and
    only those a run created when `run_id` is given."""
    principal.require(*WRITERS, Role.INTEGRATOR)
    query = select(Pair.state, func.count()).where(*_visible(principal)).group_by(Pair.state)
    if run_id:
        query = query.where(Pair.run_id == run_id)
    if scope_text:
        scope = Scope.parse(scope_text)
        if principal.role not in (Role.ADMIN, Role.INTEGRATOR):
            try:
                check_scope_access(session, principal, scope)
            except Forbidden:
                raise Forbidden("Область вне вашей зоны ответственности") from None
        column = {"region": Pair.region_id, "municipality": Pair.municipality_id,
                  "organization": Pair.organization_id}[scope.kind]
        query = query.where(column == scope.id)
    by_state = dict.fromkeys((state.value for state in State), 0)
    by_state.update({state: int(n) for state, n in session.exec(query).all()})
    return {"total": sum(by_state.values()), "by_state": by_state}
