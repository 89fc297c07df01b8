"""The order (приказ о закреплении наставнических пар) of one organization: the draft of the proposals the school
accepts, before confirmation, and a signed order again by its number; filled into the municipality's template.

What "accepted" means here. The workflow has no state between `proposed` and `confirmed`: confirming a pair
records both consents together with the signed order's number and date, and a school that does not accept a
proposal declines it (`decline`, with a reason). So the proposals a school accepts are its pairs still
`proposed` whose offer has not expired, and, when the school picks some of them (`pair_ids`), only those. The
draft leaves the number and date blank; the head signs it, the curator confirms each pair with the number and
date (the `confirm` step), and from then on the same order prints by its number with both filled in. Confirmed
pairs are never in a new draft: each already belongs to the order it was confirmed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair
from services.matching.domain.order_document import OrderDraft, OrderPair, order_docx
from services.matching.domain.workflow import State
from services.matching.use_cases.order_templates import template_of
from shared.auth import Principal, Role
from shared.dictionaries import label
from shared.errors import NotFound, ValidationFailed
from shared.events import utcnow


def academic_year(today: date) -> int:
    """The first calendar year of the academic year `today` falls in (it starts in August)."""
    return today.year if today.month >= 8 else today.year - 1


def accepted_proposals(session: Session, organization_id: str, pair_ids: Sequence[str] | None) -> list[Pair]:
    """The organization's proposals still waiting for the order (see the module's note), in proposal order;
    a chosen id that is not one of them is refused (422)."""
    now = utcnow()
    query = select(Pair).where(Pair.organization_id == organization_id, Pair.state == State.PROPOSED.value)
    rows = [p for p in session.exec(query.order_by(Pair.proposed_at, Pair.id)).all()
            if p.expires_at is None or p.expires_at > now]
    if not pair_ids:
        return rows
    waiting = {p.id for p in rows}
    foreign = [i for i in dict.fromkeys(pair_ids) if i not in waiting]
    if foreign:
        message = ("Пары не ждут приказа этой организации (не предложены ей или предложение закрыто): "
                   + ", ".join(foreign))
        raise ValidationFailed(message, errors=[{"field": "pair", "message": message}])
    return [p for p in rows if p.id in set(pair_ids)]


def signed_pairs(session: Session, organization_id: str, order_number: str) -> list[Pair]:
    """The organization's pairs confirmed by the order of this number (whatever happened to them since)."""
    rows = list(session.exec(select(Pair).where(Pair.organization_id == organization_id,
                                                Pair.order_number == order_number)
                             .order_by(Pair.confirmed_at, Pair.id)).all())
    if not rows:
        raise NotFound(f"У организации нет пар, утверждённых приказом № {order_number}")
    return rows


def order_for_organization(session: Session, principal: Principal, organization_id: str, year: int | None,
                           order_number: str | None = None, pair_ids: Sequence[str] | None = None) -> bytes:
    """The organization's order as a DOCX: the draft of its accepted proposals, or the signed order `order_number`."""
    principal.require(Role.SCHOOL_CURATOR, Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    org = session.get(OrganizationView, organization_id)
    if org is None:
        raise NotFound(f"Организация {organization_id} не найдена")
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    rows = signed_pairs(session, org.id, order_number) if order_number else accepted_proposals(session, org.id,
                                                                                                pair_ids)
    signed = max(rows, key=lambda p: p.order_date or date.min) if order_number else None
    curator = next((p.curator_name for p in rows if p.curator_name), None) or org.curator_name
    draft = OrderDraft(
        organization_name=org.name, municipality_name=org.municipality_name,
        order_number=signed.order_number if signed else None, order_date=signed.order_date if signed else None,
        head_name=org.head_name, head_position=org.head_position, curator_name=curator,
        curator_position=org.curator_position if curator == org.curator_name else None,
        year=year or academic_year(date.today()), pairs=_order_pairs(session, rows))
    return order_docx(draft, template_of(session, org.municipality_id))


def _order_pairs(session: Session, rows: list[Pair]) -> list[OrderPair]:
    """The pairs as rows of the order's table, with the people's names and positions from the read model."""
    mentors = {m.id: m for m in session.exec(select(MentorView).where(MentorView.id.in_({p.mentor_id for p in rows})))}
    mentees = {m.id: m for m in session.exec(select(MenteeView).where(MenteeView.id.in_({p.mentee_id for p in rows})))}
    return [OrderPair(
        mentor_name=mentors[p.mentor_id].full_name if p.mentor_id in mentors else "",
        mentor_position=_position(mentors.get(p.mentor_id)),
        mentee_name=mentees[p.mentee_id].full_name if p.mentee_id in mentees else "",
        mentee_position=_position(mentees.get(p.mentee_id)), form=label("forms", p.form),
        role_model=label("role_models", p.role_model), started_on=p.started_on, planned_end_on=p.planned_end_on,
    ) for p in rows]


def _position(person: MentorView | MenteeView | None) -> str | None:
    """The person's position for the order: a teacher of (at most two of) their subjects."""
    if person is None:
        return None
    subjects = person.subjects if isinstance(person, MentorView) else [person.subject] if person.subject else []
    return ", ".join(f"учитель ({label('subjects', s).lower()})" for s in subjects[:2]) or None
