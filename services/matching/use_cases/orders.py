"""The order draft (приказ о закреплении наставнических пар) from the confirmed pairs of one organization."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair
from services.matching.domain.order_document import OrderDraft, OrderPair, order_docx
from shared.auth import Principal, Role
from shared.dictionaries import label
from shared.errors import NotFound


def order_for_organization(session: Session, principal: Principal, organization_id: str, year: int | None) -> bytes:
    """Confirmed and active pairs of the organization as a DOCX order draft, in Russian."""
    principal.require(Role.SCHOOL_CURATOR, Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    org = session.get(OrganizationView, organization_id)
    if org is None:
        raise NotFound(f"Организация {organization_id} не найдена")
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    rows = list(session.exec(select(Pair).where(Pair.organization_id == org.id,
                                                Pair.state.in_(("confirmed", "active")))
                             .order_by(Pair.confirmed_at, Pair.id)).all())
    mentors = {m.id: m for m in session.exec(select(MentorView).where(MentorView.id.in_({p.mentor_id for p in rows})))}
    mentees = {m.id: m for m in session.exec(select(MenteeView).where(MenteeView.id.in_({p.mentee_id for p in rows})))}
    latest = max(rows, key=lambda p: (p.order_date or date.min), default=None)
    today = date.today()
    draft = OrderDraft(
        organization_name=org.name, municipality_name=org.municipality_name,
        order_number=latest.order_number if latest else None, order_date=latest.order_date if latest else None,
        curator_name=latest.curator_name if latest else None, head_name=None,
        year=year or (today.year if today.month >= 8 else today.year - 1),
        pairs=[OrderPair(
            mentor_name=mentors[p.mentor_id].full_name if p.mentor_id in mentors else "",
            mentor_position=_position(mentors.get(p.mentor_id)),
            mentee_name=mentees[p.mentee_id].full_name if p.mentee_id in mentees else "",
            mentee_position=_position(mentees.get(p.mentee_id)), form=label("forms", p.form),
            role_model=label("role_models", p.role_model), started_on=p.started_on, planned_end_on=p.planned_end_on,
        ) for p in rows])
    return order_docx(draft)


def _position(person: MentorView | MenteeView | None) -> str | None:
    """The person's position for the order: a teacher of (at most two of) their subjects."""
    if person is None:
        return None
    subjects = person.subjects if isinstance(person, MentorView) else [person.subject] if person.subject else []
    return ", ".join(f"учитель ({label('subjects', s).lower()})" for s in subjects[:2]) or None
