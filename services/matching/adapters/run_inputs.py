"""What a run read and what it follows: the fingerprint of its inputs, the previous run of its scope, why a pin
names someone the problem does not hold, and the decisions already taken on a draft."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.tables import OPEN_STATES, MenteeView, MentorView, Pair, Run, RunProposal, is_open_pair
from shared.scopes import Scope

HASH_CHUNK = 50_000
MENTEE_UNKNOWN = "наставляемый не найден"
MENTOR_UNKNOWN = "наставник не найден"
MENTEE_OUTSIDE = "наставляемый вне области подбора"
MENTOR_OUTSIDE = "наставник из другого региона"
MENTEE_BUSY = "у наставляемого уже есть пара в работе"
NO_CONSENT = "нет согласия на обработку персональных данных"
MENTEE_NO_STAGE = "не указан уровень образования наставляемого"


def _scope_column(scope: Scope) -> Any:
    return {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
            "organization": MenteeView.organization_id}[scope.kind]


def input_hash(session: Session, scope: Scope, region_id: str) -> str:
    """sha256 over the sorted (id, version) of the scope's mentees, the region's mentors and its open pairs:
    equal as long as nothing a solve of the scope reads has changed."""
    digest = hashlib.sha256()
    queries = (select(MenteeView.id, MenteeView.version).where(_scope_column(scope) == scope.id),
               select(MentorView.id, MentorView.version).where(MentorView.region_id == region_id),
               select(Pair.id, Pair.version).where(Pair.region_id == region_id, Pair.state.in_(OPEN_STATES)))
    for name, query in zip(("mentees", "mentors", "pairs"), queries, strict=True):
        digest.update(f"[{name}]\n".encode())
        for rows in session.connection().execute(query.order_by(query.selected_columns[0])).partitions(HASH_CHUNK):
            digest.update("".join(f"{row[0]}:{row[1]}\n" for row in rows).encode())
    return digest.hexdigest()


def pin_refusals(session: Session, scope: Scope, region_id: str, mentee_ids: Iterable[str],
                 mentor_ids: Iterable[str]) -> dict[str, str]:
    """Why each of these people (absent from the run's problem) cannot be pinned, by id."""
    reasons: dict[str, str] = {}
    mentee_ids, mentor_ids = set(mentee_ids), set(mentor_ids)
    busy = set(session.exec(select(Pair.mentee_id).where(Pair.mentee_id.in_(mentee_ids),
                                                         is_open_pair())).all()) if mentee_ids else set()
    mentees = {m.id: m for m in session.exec(select(MenteeView).where(MenteeView.id.in_(mentee_ids)))}
    for mentee_id in mentee_ids:
        mentee = mentees.get(mentee_id)
        if mentee is None or mentee.status != "active":
            reasons[mentee_id] = MENTEE_UNKNOWN
        elif not scope.includes(mentee.organization_id, mentee.municipality_id, mentee.region_id):
            reasons[mentee_id] = MENTEE_OUTSIDE
        elif mentee_id in busy:
            reasons[mentee_id] = MENTEE_BUSY
        elif not mentee.consent_processing:
            reasons[mentee_id] = NO_CONSENT
        else:
            reasons[mentee_id] = MENTEE_NO_STAGE
    mentors = {m.id: m for m in session.exec(select(MentorView).where(MentorView.id.in_(mentor_ids)))}
    for mentor_id in mentor_ids:
        mentor = mentors.get(mentor_id)
        outside = mentor is not None and mentor.status == "active" and mentor.region_id != region_id
        unconsented = mentor is not None and mentor.status == "active" and not mentor.consent_processing
        reasons[mentor_id] = MENTOR_OUTSIDE if outside else NO_CONSENT if unconsented else MENTOR_UNKNOWN
    return reasons


def previous_run(session: Session, run: Run) -> tuple[str | None, dict[str, str]]:
    """The previous succeeded run of the same scope (draft or not; dry runs keep nothing) and its proposals as
    mentee → mentor; (None, {}) when there is none."""
    previous = session.exec(select(Run.id, Run.draft).where(
        Run.scope == run.scope, Run.id != run.id, Run.status == "succeeded", Run.dry_run.is_(False),
        Run.requested_at <= run.requested_at).order_by(Run.requested_at.desc(), Run.id.desc()).limit(1)).first()
    if previous is None:
        return None, {}
    model: Any = RunProposal if previous.draft else Pair
    rows = session.execute(select(model.mentee_id, model.mentor_id).where(model.run_id == previous.id))
    return previous.id, dict(rows.tuples().all())


def taken_decisions(session: Session, run_id: str) -> dict[tuple[str, str], tuple[str, str]]:
    """A draft's proposals so far, by (mentor, mentee): (proposal id, decision), kept when the pair comes back."""
    rows = session.execute(select(RunProposal.mentor_id, RunProposal.mentee_id, RunProposal.id,
                                  RunProposal.decision).where(RunProposal.run_id == run_id))
    return {(mentor, mentee): (proposal_id, decision) for mentor, mentee, proposal_id, decision in rows}
