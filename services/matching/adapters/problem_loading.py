"""The two ways a `MatchingProblem` is built from the read model: for a run's scope (column by column, masks
cached per value) and for a single mentee with at most one mentor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from services.matching.adapters.problem_columns import Columns, columns_of, load_columns, rows_where, select_columns
from services.matching.adapters.problem_encoding import MENTEE_COLUMNS, MENTOR_COLUMNS, Codes, encode_problem
from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, is_open_pair
from services.matching.domain.problem import MatchingProblem
from shared.scopes import Scope, region_of


@dataclass
class LoadedProblem:
    """The problem plus the columns behind every integer index (ids, names, places of both sides)."""

    problem: MatchingProblem
    mentors: Columns
    mentees: Columns
    without_stage: list[tuple[str, str, str | None]] = field(default_factory=list)  # (id, name, subject) left out
    without_consent: list[tuple[str, str | None]] = field(default_factory=list)  # (id, subject): never a name
    codes: Codes = field(default_factory=Codes)


def region_of_scope(session: Session, scope: Scope) -> str:
    """The region a scope lies in (mentors are drawn from the whole region); 404 for an unknown place."""
    return region_of(session, scope, region=OrganizationView.region_id, municipality=OrganizationView.municipality_id,
                     organization=OrganizationView.id, known_to="сервису подбора")


def open_load(session: Session, mentor_ids: Sequence[str] | None = None, *, region_id: str | None = None
              ) -> dict[str, int]:
    """Open pairs (proposed, confirmed, active) per mentor: their current load; of these mentors, or of the
    region's mentors (a region's run never reads the rest of the country's pairs)."""
    query = select(Pair.mentor_id, func.count()).where(is_open_pair()).group_by(Pair.mentor_id)
    if mentor_ids is not None:
        query = query.where(Pair.mentor_id.in_(list(mentor_ids)))
    if region_id is not None:
        query = query.where(Pair.mentor_id.in_(select(MentorView.id).where(MentorView.region_id == region_id)))
    return dict(session.exec(query).all())


def mentees_with_open_pairs(session: Session, mentee_ids: Sequence[str] | None = None, *,
                            region_id: str | None = None) -> set[str]:
    """Mentees (of these, or of the region, when given) that have a pair in work (proposed, confirmed or active)."""
    query = select(Pair.mentee_id).where(is_open_pair())
    if mentee_ids is not None:
        query = query.where(Pair.mentee_id.in_(list(mentee_ids)))
    if region_id is not None:
        query = query.where(Pair.mentee_id.in_(select(MenteeView.id).where(MenteeView.region_id == region_id)))
    return set(session.exec(query).all())


def _free_mentees(session: Session, scope: Scope) -> tuple[Columns, list[tuple[str, str, str | None]]]:
    """Active mentees of the scope without an open pair; those without a stage apart, as (id, name, subject).

    The open pair is looked up per mentee (the partial unique index of open pairs), not as a list of every
    open pair in the country."""
    scope_column = {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
                    "organization": MenteeView.organization_id}[scope.kind]
    busy = select(Pair.id).where(Pair.mentee_id == MenteeView.id, is_open_pair()).exists()
    mentees = load_columns(session, select_columns(MenteeView, MENTEE_COLUMNS).where(
        scope_column == scope.id, MenteeView.status == "active", MenteeView.consent_processing.is_(True), ~busy),
        MENTEE_COLUMNS)
    has_stage = mentees["stage"].per_value(bool, bool)
    without_stage = [(mentees["id"][k], mentees["full_name"][k], mentees["subject"][k])
                     for k in np.flatnonzero(~has_stage).tolist()]
    if without_stage:
        mentees = rows_where(mentees, has_stage)
    return mentees, without_stage


def mentees_without_consent(session: Session, scope: Scope) -> list[tuple[str, str | None]]:
    """Active mentees of the scope without consent to processing and without an open pair, as (id, subject):
    a run leaves them out and lists them unmatched with the reason, never with their name."""
    scope_column = {"region": MenteeView.region_id, "municipality": MenteeView.municipality_id,
                    "organization": MenteeView.organization_id}[scope.kind]
    busy = select(Pair.id).where(Pair.mentee_id == MenteeView.id, is_open_pair()).exists()
    rows = session.execute(select(MenteeView.id, MenteeView.subject).where(
        scope_column == scope.id, MenteeView.status == "active", MenteeView.consent_processing.is_(False), ~busy)
        .order_by(MenteeView.id))
    return [(mentee_id, subject) for mentee_id, subject in rows.tuples()]


def load_problem(session: Session, region_id: str, mentee_scope: Scope | None) -> LoadedProblem:
    """Active mentors of the region consenting to processing, with their free load; with a scope, its free
    mentees (those without consent apart, by id) and past declines.

    A run loads its scope; the suggestion cache loads a region's mentors alone (`mentee_scope` None)."""
    mentees: Columns = {name: [] for name in MENTEE_COLUMNS}
    without_stage: list[tuple[str, str, str | None]] = []
    without_consent: list[tuple[str, str | None]] = []
    if mentee_scope is not None:
        mentees, without_stage = _free_mentees(session, mentee_scope)
        without_consent = mentees_without_consent(session, mentee_scope)
    mentors = load_columns(session, select_columns(MentorView, MENTOR_COLUMNS).where(
        MentorView.region_id == region_id, MentorView.status == "active", MentorView.consent_processing.is_(True)),
        MENTOR_COLUMNS)
    load = open_load(session, region_id=region_id)
    declined: Sequence[Any] = [] if mentee_scope is None else session.execute(
        select(Pair.mentee_id, Pair.mentor_id).where(Pair.state == "declined", Pair.mentee_id.in_(
            select(MenteeView.id).where(MenteeView.region_id == region_id)))).all()
    codes = Codes()
    problem = encode_problem(mentors, mentees, load, declined, codes)
    return LoadedProblem(problem, mentors, mentees, without_stage, without_consent, codes)


def pair_problem(mentor: MentorView | None, mentee: MenteeView, *, load: int = 0,
                 codes: Codes | None = None) -> MatchingProblem:
    """One mentee and (unless None) one mentor with `load` open pairs, from their read-model rows (or any
    object with the same attributes): manual pairs, proposal pages and the suggestion cache use it.

    `codes` is shared when the mentee joins another problem's mentors."""
    mentors = columns_of([mentor] if mentor is not None else [], MENTOR_COLUMNS)
    current = {mentor.id: load} if mentor is not None and load else {}
    return encode_problem(mentors, columns_of([mentee], MENTEE_COLUMNS), current, [], codes)
