"""A curator's own choice of mentor, checked by the same eligibility and load rules as a run."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from services.matching.adapters.capacity_lock import lock_capacity
from services.matching.adapters.pair_events import pair_event
from services.matching.adapters.problem_loading import open_load, pair_problem
from services.matching.adapters.read_model import bump_pair_seq
from services.matching.adapters.tables import MenteeView, MentorView, Pair, is_open_pair
from services.matching.domain.eligibility import eligible
from services.matching.domain.explanations import pair_cost
from services.matching.use_cases.pair_access import WRITERS
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import utcnow
from shared.types import new_id

NO_CONSENT = "нет согласия на обработку персональных данных"


def create_pair(uow: UnitOfWork, principal: Principal, *, mentor_id: str, mentee_id: str, form: str,
                role_model: str, group_id: str | None) -> Pair:
    """Propose the pair the curator (of the mentee's school or of the mentor's) chose: 404 for unknown people, 409
    for a busy mentee or mentor or a pair declined before, 422 when the pair breaks a matching rule; the event
    commits with it."""
    principal.require(*WRITERS)
    session = uow.session
    mentee, mentor = session.get(MenteeView, mentee_id), session.get(MentorView, mentor_id)
    if mentee is None or mentee.status != "active":
        raise NotFound(f"Наставляемый {mentee_id} не найден")
    if mentor is None or mentor.status != "active":
        raise NotFound(f"Наставник {mentor_id} не найден")
    if not (principal.scope_kind == "organization" and principal.scope_id == mentor.organization_id):
        # the curator of the mentor's school proposes too (a teacher's request from the public bank lands there):
        # the pair is then theirs to follow as well (`pair_access.covers`)
        principal.require_scope(organization_id=mentee.organization_id, municipality_id=mentee.municipality_id,
                                region_id=mentee.region_id)
    refuse_without_consent(mentee=mentee, mentor=mentor)
    lock_capacity(session, mentee.region_id)
    if session.exec(select(Pair.id).where(Pair.mentee_id == mentee_id, is_open_pair())).first():
        raise Conflict("У наставляемого уже есть пара в работе")
    if group_id:
        others = set(session.exec(select(Pair.mentor_id).where(Pair.group_id == group_id)).all())
        if others and others != {mentor_id}:
            raise ValidationFailed("В группе у всех пар один наставник",
                                   errors=[{"field": "group_id", "message": "группа другого наставника"}])
    declined = session.exec(select(Pair.id).where(Pair.mentee_id == mentee_id, Pair.mentor_id == mentor_id,
                                                  Pair.state == "declined")).first()
    if declined:
        raise Conflict("Эта пара уже была отклонена и не предлагается повторно")
    load = open_load(session, [mentor_id]).get(mentor_id, 0)
    problem = pair_problem(mentor, mentee, load=load)
    if problem.mentor_free[0] <= 0:
        raise Conflict(f"У наставника нет свободных мест: {load} из {mentor.capacity}")
    if not eligible(problem, 0, 0):
        raise ValidationFailed("Пара не проходит правила подбора: предмет или направление, уровень образования, "
                               "регион, формат (дистанционно — только если оба согласны), вид наставляемого "
                               "(если наставник указал, кого берёт)",
                               errors=[{"field": "mentor_id", "message": "наставник не подходит наставляемому"}])
    now = utcnow()
    pair = Pair(id=new_id(), mentor_id=mentor_id, mentee_id=mentee_id, form=form, role_model=role_model,
                group_id=group_id or (new_id() if form == "group" else None), cost=pair_cost(problem, 0, 0),
                region_id=mentee.region_id, municipality_id=mentee.municipality_id,
                organization_id=mentee.organization_id, mentor_organization_id=mentor.organization_id,
                mentee_category=mentee.category, mentee_subject=mentee.subject, mentee_stage=mentee.stage,
                mentee_is_student=mentee.is_student, proposed_at=now, updated_at=now, updated_by=principal.actor)
    session.add(pair)
    session.flush()
    bump_pair_seq(session)
    uow.publish(pair_event(pair, "proposed", actor=principal.actor))
    uow.commit()
    return pair


def refuse_without_consent(*, mentee: Any = None, mentor: Any = None) -> None:
    """No pair and no suggestion for a person without consent to processing (152-ФЗ, ст. 6 and 9): a 422 naming
    who lacks it, so the curator knows what to record first."""
    errors = [{"field": field, "message": f"{label}: {NO_CONSENT}"}
              for field, label, person in (("mentee_id", "наставляемый", mentee), ("mentor_id", "наставник", mentor))
              if person is not None and not person.consent_processing]
    if errors:
        raise ValidationFailed("Нет согласия на обработку персональных данных: такой человек не подбирается. "
                               "Внесите в реестр дату согласия и повторите.", errors=errors)
