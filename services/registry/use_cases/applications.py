"""Applications from the public bank: a teacher sends one without an account; a school's curator selects the
candidate into the bank, accepts the request (the teacher joins the base of mentees, asking for that mentor), or
declines with a reason. Each decision is one transaction with the record it makes and that record's event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from services.registry.adapters.audit_log import record_audit
from services.registry.adapters.bank import published_mentor
from services.registry.adapters.filters import visible_to
from services.registry.adapters.lookups import locked, names_of, visible
from services.registry.adapters.paging import count_rows, name_ordered_page
from services.registry.adapters.person_kinds import MENTEES, MENTORS
from services.registry.adapters.tables import Application, Mentor, Organization
from services.registry.domain import applications as rules
from services.registry.domain.roles import WRITERS
from services.registry.use_cases.people import register_person
from services.registry.use_cases.results import Page
from shared.auth import Principal, Role
from shared.config import Settings
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import utcnow
from shared.types import new_id

APPLICANT = Principal(subject="public-form", role=Role.ANONYMOUS)
"""The author of an application in the audit log: a teacher without an account."""


@dataclass(frozen=True)
class ApplicationCard:
    """An application with the names a curator reads it by."""

    application: Application
    organization_name: str
    applicant_organization_name: str
    municipality_name: str
    mentor_name: str | None


def submit(uow: UnitOfWork, settings: Settings, kind: str, data: dict[str, Any], address: str) -> Application:
    """Record a teacher's application (429 past the hourly limit of the address, 409 when the same e-mail already
    waits for the same decision); it lands with the curator of the applicant's school (a nomination) or of the
    mentor's school (a request)."""
    session, now = uow.session, utcnow()
    key = rules.sender_key(address, settings.jwt_secret)
    sent = session.exec(select(func.count()).select_from(Application).where(
        Application.sender_key == key, Application.created_at > now - rules.WINDOW)).one()
    rules.check_rate(int(sent), settings.public_applications_per_hour)
    applicant_org = _active_organization(session, data.pop("organization_id"))
    mentor_id = data.pop("mentor_id", None)
    landing = applicant_org
    if kind == rules.REQUEST:
        mentor = _published_mentor(session, mentor_id)
        if mentor.region_id != applicant_org.region_id:
            raise ValidationFailed("Наставник работает в другом регионе", errors=[
                {"field": "organization_id", "message": "выберите школу в регионе наставника"}])
        landing = session.get(Organization, mentor.organization_id)
    email = data.pop("email").strip().lower()
    waiting = session.exec(select(Application.id).where(
        Application.kind == kind, Application.email == email, Application.status == rules.NEW,
        Application.mentor_id == mentor_id if mentor_id else Application.mentor_id.is_(None))).first()
    if waiting:
        raise Conflict("Заявка с этим адресом почты уже ждёт решения куратора")
    data.pop("consent_processing", None)
    row = Application(kind=kind, region_id=landing.region_id, municipality_id=landing.municipality_id,
                      organization_id=landing.id, applicant_organization_id=applicant_org.id, mentor_id=mentor_id,
                      normalized_name=normalize(data["full_name"]), email=email, consent_processing_on=now.date(),
                      sender_key=key, created_at=now, **data)
    session.add(row)
    session.flush()
    record_audit(session, APPLICANT, "application", row.id, "submitted",
                 {"kind": kind, "organization_id": landing.id, "mentor_id": mentor_id})
    uow.commit()
    return row


def list_applications(uow: UnitOfWork, principal: Principal, *, status: str | None, kind: str | None,
                      cursor: str | None, limit: int) -> Page[ApplicationCard]:
    """The applications landed in the caller's scope, by the applicant's name, with how many match in all."""
    principal.require(*WRITERS)
    clauses = [*visible_to(principal, Application)]
    if status:
        clauses.append(Application.status == status)
    if kind:
        clauses.append(Application.kind == kind)
    rows, next_cursor = name_ordered_page(uow.session, select(Application).where(*clauses), Application, cursor,
                                          limit)
    return Page(_cards(uow, rows), next_cursor, count_rows(uow.session, Application, clauses))


def get_application(uow: UnitOfWork, principal: Principal, application_id: str) -> ApplicationCard:
    """One application landed in the caller's scope (404 otherwise, as for a missing one)."""
    principal.require(*WRITERS)
    try:
        row = visible(uow.session, Application, principal, application_id, "Заявка")
    except NotFound:
        raise NotFound(f"Заявка {application_id} не найдена") from None
    return _cards(uow, [row])[0]


def select_candidate(uow: UnitOfWork, settings: Settings, principal: Principal,
                     application_id: str) -> ApplicationCard:
    """A nomination's «yes»: the candidate joins the bank in their own school with what they sent; the bank shows
    them only when they agreed to publication."""
    row = _locked_for_decision(uow, principal, application_id, rules.SELECTED)
    org = _active_organization(uow.session, row.applicant_organization_id)
    person_id = row.person_id = new_id()
    register_person(uow, settings, principal, MENTORS, org, {
        "id": person_id, "full_name": row.full_name, "subjects": row.subjects, "stages": row.stages,
        "directions": row.directions, "formats": row.formats, "experience_years": row.experience_years,
        "qualification_category": row.qualification_category or "none", "capacity": row.capacity or 1,
        "honours": row.message, "email": row.email, "consent_processing": True,
        "consent_processing_on": row.consent_processing_on, "consent_publication": row.consent_publication})
    return get_application(uow, principal, application_id)


def accept_request(uow: UnitOfWork, settings: Settings, principal: Principal, application_id: str) -> ApplicationCard:
    """A request's «yes»: the teacher joins the base of mentees in their own school, asking for this mentor; the
    pair is then proposed in matching (`person_id` names the mentee)."""
    row = _locked_for_decision(uow, principal, application_id, rules.ACCEPTED)
    mentor = uow.session.get(Mentor, row.mentor_id)
    if mentor is None or mentor.status != "active" or mentor.erased_at is not None:
        raise Conflict("Наставник больше не в банке: отклоните просьбу, указав причину")
    org = _active_organization(uow.session, row.applicant_organization_id)
    person_id = row.person_id = new_id()
    register_person(uow, settings, principal, MENTEES, org, {
        "id": person_id, "full_name": row.full_name, "subject": (row.subjects or [None])[0],
        "stage": (row.stages or [None])[0], "experience_years": row.experience_years,
        "category": row.mentee_category or "young_specialist", "directions": row.directions,
        "deficits": row.message, "formats": row.formats, "preferred_mentor_ids": [mentor.id],
        "preferred_mentor_name": mentor.full_name, "email": row.email, "consent_processing": True,
        "consent_processing_on": row.consent_processing_on})
    return get_application(uow, principal, application_id)


def decline(uow: UnitOfWork, principal: Principal, application_id: str, reason: str | None) -> ApplicationCard:
    """A «no» with its reason; nothing else changes."""
    reason = rules.decline_reason(reason)
    row = _locked_for_decision(uow, principal, application_id, rules.DECLINED)
    row.decline_reason = reason
    record_audit(uow.session, principal, "application", row.id, rules.DECLINED, {"reason": reason})
    uow.commit()
    return get_application(uow, principal, application_id)


def _locked_for_decision(uow: UnitOfWork, principal: Principal, application_id: str, outcome: str) -> Application:
    principal.require(*WRITERS)
    try:
        row = locked(uow.session, Application, application_id, "Заявка")
    except NotFound:
        raise NotFound(f"Заявка {application_id} не найдена") from None
    principal.require_scope(organization_id=row.organization_id, municipality_id=row.municipality_id,
                            region_id=row.region_id)
    row.status = rules.decide(row.kind, row.status, outcome)
    row.decided_at, row.decided_by = utcnow(), principal.actor
    if outcome != rules.DECLINED:
        record_audit(uow.session, principal, "application", row.id, outcome)
    return row


def _active_organization(session: Any, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None or org.status != "active":
        raise ValidationFailed("Школа не найдена", errors=[{"field": "organization_id",
                                                            "message": "нет такой действующей организации"}])
    return org


def _published_mentor(session: Any, mentor_id: str | None) -> Mentor:
    mentor = published_mentor(session, mentor_id) if mentor_id else None
    if mentor is None:
        raise NotFound("Наставник не найден в опубликованном банке")
    return mentor


def _cards(uow: UnitOfWork, rows: list[Application]) -> list[ApplicationCard]:
    session = uow.session
    places = names_of(session, {r.organization_id for r in rows} | {r.applicant_organization_id for r in rows})
    mentors = dict(session.exec(select(Mentor.id, Mentor.full_name).where(
        Mentor.id.in_({r.mentor_id for r in rows if r.mentor_id}))).all()) if any(r.mentor_id for r in rows) else {}
    return [ApplicationCard(r, places.get(r.organization_id, ("", ""))[0],
                            places.get(r.applicant_organization_id, ("", ""))[0],
                            places.get(r.organization_id, ("", ""))[1], mentors.get(r.mentor_id or ""))
            for r in rows]
