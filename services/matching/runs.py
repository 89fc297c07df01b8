"""Bulk-run use cases on the HTTP side: request a run (202), read its status, page its proposals."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from sqlalchemy import or_, true
from sqlmodel import Session, select

from services.matching.adapters.tables import OrganizationView, Pair, Run
from services.matching.costs import Weights
from services.matching.problem import Scope, region_of
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from shared.events import new_event

OPERATORS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
WEIGHT_NAMES = {f.name for f in fields(Weights)}


def weights_from_options(options: dict[str, Any]) -> Weights:
    """Weights with the run's overrides; unknown names and broken values are a 422 naming the field."""
    overrides = options.get("weights", {}) or {}
    if not isinstance(overrides, dict):
        raise ValidationFailed("options.weights должно быть объектом", errors=[{"field": "options.weights",
                                                                                "message": "ожидается объект"}])
    unknown = sorted(set(overrides) - WEIGHT_NAMES)
    if unknown:
        raise ValidationFailed("Неизвестные веса", errors=[{"field": f"options.weights.{n}",
                                                           "message": "нет такого веса"} for n in unknown])
    if any(not (v is None or (isinstance(v, int) and not isinstance(v, bool) and abs(v) <= 10_000))
           for v in overrides.values()):
        raise ValidationFailed("Веса — целые числа от −10000 до 10000 (adjacent_stage может быть null)")
    try:
        return Weights(**{**Weights().as_dict(), **overrides})
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"Недопустимые веса: {exc}") from None


def check_scope_access(session: Session, principal: Principal, scope: Scope) -> str:
    """The region of the scope, after checking the principal may run matching there."""
    region = region_of(session, scope)
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


def request_run(uow: UnitOfWork, principal: Principal, scope_text: str, options: dict[str, Any],
                dry_run: bool) -> Run:
    """Queue a run: the row and `mentoring.run.requested` commit together; a worker takes it from JetStream."""
    principal.require(*OPERATORS)
    scope = Scope.parse(scope_text)
    check_scope_access(uow.session, principal, scope)
    weights_from_options(options)
    run = Run(scope=str(scope), scope_kind=scope.kind, scope_id=scope.id, dry_run=dry_run,
              options=json.dumps(options, ensure_ascii=False), requested_by=principal.actor)
    uow.session.add(run)
    uow.session.flush()
    uow.publish(new_event("mentoring.run.requested", "/matching", run.id, {
        "run_id": run.id, "scope": run.scope, "dry_run": dry_run, "options": options,
        "requested_by": principal.actor}))
    uow.commit()
    return run


def visible_run(session: Session, principal: Principal, run_id: str) -> Run:
    """One run the principal may read; a run of another scope reads as not found, like a missing one."""
    principal.require(*OPERATORS, Role.INTEGRATOR)
    run = session.exec(select(Run).where(Run.id == run_id, visible_runs(principal))).first()
    if run is None:
        raise NotFound(f"Запуск подбора {run_id} не найден")
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


def run_view(run: Run) -> dict[str, Any]:
    result = json.loads(run.result) if run.result else {}
    return {
        "id": run.id, "scope": run.scope, "dry_run": run.dry_run, "status": run.status, "phase": run.phase,
        "progress": run.progress, "attempts": run.attempts, "requested_by": run.requested_by,
        "requested_at": run.requested_at, "started_at": run.started_at, "finished_at": run.finished_at,
        "options": json.loads(run.options), "error": run.error, **result,
    }


def proposals_page(session: Session, run: Run, cursor: str | None, limit: int) -> tuple[list[Pair], str | None]:
    """Proposals of a run, cheapest first."""
    query = select(Pair).where(Pair.run_id == run.id)
    if cursor:
        cost, _, last_id = cursor.partition(":")
        if not cost.lstrip("-").isdigit() or not last_id:
            raise BadRequest("Некорректный курсор страницы")
        query = query.where((Pair.cost > int(cost)) | ((Pair.cost == int(cost)) & (Pair.id > last_id)))
    rows = list(session.exec(query.order_by(Pair.cost, Pair.id).limit(limit + 1)).all())
    next_cursor = f"{rows[limit - 1].cost}:{rows[limit - 1].id}" if len(rows) > limit else None
    return rows[:limit], next_cursor
