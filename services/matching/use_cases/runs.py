"""Bulk runs on the HTTP side: request a run (202), read one, list them page by page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, true
from sqlmodel import Session, select

from services.matching.adapters.problem_loading import region_of_scope
from services.matching.adapters.tables import OrganizationView, Run, RunProposal
from services.matching.use_cases.run_claim import queue
from services.matching.use_cases.run_parents import MULTI_REGION, child_runs
from services.matching.use_cases.run_regions import parent_run
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import BadRequest, Forbidden, NotFound
from shared.scopes import Scope

OPERATORS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
DECISIONS = ("pending", "approved", "dropped")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def check_scope_access(session: Session, principal: Principal, scope: Scope) -> str:
    """The region of the scope, after checking the principal may run matching there.

    A region the read model does not know yet (its first import still being applied) is accepted for the
    administrator and the region's operator: the run waits for the registry's checkpoint, then loads it."""
    if scope.kind == "region" and (principal.role is Role.ADMIN or (
            principal.role is Role.REGION_OPERATOR and principal.scope_id == scope.id)):
        return scope.id
    region = region_of_scope(session, scope)
    if principal.role is Role.ADMIN:
        return region
    if principal.role is Role.REGION_OPERATOR and principal.scope_id == region:
        return region
    if principal.role is Role.MUNICIPAL_OPERATOR:
        municipality = scope.id if scope.kind == "municipality" else session.exec(
            select(OrganizationView.municipality_id).where(OrganizationView.id == scope.id)).first()
        if scope.kind != "region" and municipality == principal.scope_id:
            return region
    if principal.role is Role.SCHOOL_CURATOR and scope.kind == "organization" and scope.id == principal.scope_id:
        return region
    raise Forbidden("Подбор вне вашей зоны ответственности")


def request_run(uow: UnitOfWork, principal: Principal, scope_text: str | list[str], options: dict[str, Any],
                dry_run: bool, draft: bool = False) -> Run:
    """Queue a run: the row and `mentoring.run.requested` commit together; a worker takes it from JetStream.

    The options (weights, pins, exclusions) were validated by the request's schema, which is where they are.
    A draft keeps its proposals with the run until the operators publish them. `"all"` or a list of regions
    makes a parent run, which a worker turns into one run per region (`run_regions`)."""
    principal.require(*OPERATORS)
    if scope_text == "all" or isinstance(scope_text, list):
        run = parent_run(principal, scope_text, options, dry_run, draft)
    else:
        scope = Scope.parse(scope_text)
        check_scope_access(uow.session, principal, scope)
        run = Run(scope=str(scope), scope_kind=scope.kind, scope_id=scope.id, dry_run=dry_run, draft=draft,
                  options=json.dumps(options, ensure_ascii=False), requested_by=principal.actor)
    uow.session.add(run)
    uow.session.flush()
    queue(uow, run)
    uow.commit()
    return run


def visible_runs(principal: Principal) -> Any:
    """The runs `check_scope_access` lets this principal read, as a WHERE clause (one run and lists alike)."""
    if principal.role in (Role.ADMIN, Role.INTEGRATOR):
        return true()
    own = (Run.scope_kind == principal.scope_kind) & (Run.scope_id == principal.scope_id)
    column = {"region": OrganizationView.region_id, "municipality": OrganizationView.municipality_id}.get(
        principal.scope_kind or "")
    if column is None:
        return own
    inside = select(OrganizationView.id).where(column == principal.scope_id)
    clauses = [own, (Run.scope_kind == "organization") & Run.scope_id.in_(inside)]
    if principal.scope_kind == "region":
        municipalities = select(OrganizationView.municipality_id).where(column == principal.scope_id)
        clauses.append((Run.scope_kind == "municipality") & Run.scope_id.in_(municipalities))
    return or_(*clauses)


def visible_run(session: Session, principal: Principal, run_id: str) -> Run:
    """One run the principal may read; a run of another scope reads as not found, like a missing one."""
    principal.require(*OPERATORS, Role.INTEGRATOR)
    run = session.exec(select(Run).where(Run.id == run_id, visible_runs(principal))).first()
    if run is None:
        raise NotFound(f"Запуск подбора {run_id} не найден")
    return run


def decision_counts(session: Session, run_ids: list[str]) -> dict[str, dict[str, int]]:
    """Proposals of these draft runs by decision (every decision named, zero included), in one query."""
    counts = {run_id: dict.fromkeys(DECISIONS, 0) for run_id in run_ids}
    if run_ids:
        for run_id, decision, n in session.execute(select(RunProposal.run_id, RunProposal.decision, func.count())
                                                   .where(RunProposal.run_id.in_(run_ids))
                                                   .group_by(RunProposal.run_id, RunProposal.decision)):
            counts[run_id][decision] = n
    return counts


INTERNAL = ("region_runs", "failed_regions")  # a parent's bookkeeping, shown as `child_runs` instead


def run_view(run: Run, decisions: dict[str, int] | None = None) -> dict[str, Any]:
    """A run as the API shows it: its row, its options, its review (drafts: `decisions` counted), and its
    result figures once it has any (a parent: its regions' runs counted, and summed as they finish)."""
    result = json.loads(run.result) if run.result else {}
    for name in INTERNAL:
        result.pop(name, None)
    return {
        "id": run.id, "scope": run.scope, "dry_run": run.dry_run, "draft": run.draft, "status": run.status,
        "phase": run.phase, "progress": run.progress, "attempts": run.attempts, "requested_by": run.requested_by,
        "requested_at": run.requested_at, "started_at": run.started_at, "finished_at": run.finished_at,
        "options": json.loads(run.options), "error": run.error, "publication": run.publication,
        "reviewed_by": run.reviewed_by, "reviewed_at": run.reviewed_at, "published_by": run.published_by,
        "published_at": run.published_at, "input_hash": run.input_hash, "parent_id": run.parent_id,
        "regions": json.loads(run.regions) if run.regions else None, "registry_position": run.registry_position,
        "decisions": decisions if run.draft else None, **result,
    }


def read_run(session: Session, principal: Principal, run_id: str) -> dict[str, Any]:
    """One run the principal may read, as the API shows it."""
    run = visible_run(session, principal, run_id)
    view = run_view(run, decision_counts(session, [run.id])[run.id] if run.draft else None)
    if run.scope_kind in MULTI_REGION:
        view["child_runs"] = child_runs(session, run, json.loads(run.result) if run.result else {})
    return view


def _run_cursor(run: Run) -> str:
    """`microseconds since the epoch:id` of the last run shown (newest first, then by id)."""
    return f"{(run.requested_at - EPOCH) // timedelta(microseconds=1)}:{run.id}"


def _after(cursor: str) -> Any:
    """The runs after the cursor's one: requested earlier, or at the same moment with a greater id."""
    micros, _, last_id = cursor.partition(":")
    try:
        if not (micros.isascii() and micros.isdigit() and last_id):
            raise ValueError(cursor)
        moment = EPOCH + timedelta(microseconds=int(micros))
    except (ValueError, OverflowError):
        raise BadRequest("Некорректный курсор страницы") from None
    return (Run.requested_at < moment) | ((Run.requested_at == moment) & (Run.id > last_id))


def list_runs(session: Session, principal: Principal, *, cursor: str | None, limit: int, status: str | None = None,
              scope: str | None = None, draft: bool | None = None, parent_id: str | None = None,
              top_level: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the runs the principal may read, newest first (then by id), without their unmatched lists,
    and the next page's cursor; `scope` keeps the runs of exactly that scope (`all`, `regions` for runs over
    several regions), `draft` drafts or ordinary runs, `parent_id` the regions' runs of one run over several
    regions, `top_level` leaves those out."""
    principal.require(*OPERATORS, Role.INTEGRATOR)
    query = select(Run).where(visible_runs(principal))
    if status:
        query = query.where(Run.status == status)
    if scope in MULTI_REGION:
        query = query.where(Run.scope_kind == scope)
    elif scope:
        exact = Scope.parse(scope)
        query = query.where(Run.scope_kind == exact.kind, Run.scope_id == exact.id)
    if parent_id:
        query = query.where(Run.parent_id == parent_id)
    if top_level:
        query = query.where(Run.parent_id.is_(None))
    if draft is not None:
        query = query.where(Run.draft == draft)
    if cursor:
        query = query.where(_after(cursor))
    rows = list(session.exec(query.order_by(Run.requested_at.desc(), Run.id).limit(limit + 1)).all())
    next_cursor = _run_cursor(rows[limit - 1]) if len(rows) > limit else None
    rows = rows[:limit]
    counts = decision_counts(session, [r.id for r in rows if r.draft])
    return [{k: v for k, v in run_view(r, counts.get(r.id)).items() if k != "unmatched"} for r in rows], next_cursor
