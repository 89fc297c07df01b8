"""Runs over several regions: requested as one parent, turned by a worker into one run per region.

Regions never share a pair, so each region's run is solved apart and exactly, by whichever worker takes its
message from the work queue; any number of workers (on any number of machines) take them in parallel.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, func, select

from services.matching.adapters.tables import MenteeView, Run, outbox
from services.matching.use_cases.run_claim import owned, queue, set_phase
from services.matching.use_cases.run_parents import MULTI_REGION, close_parent, initial_summary
from shared.auth import Principal, Role
from shared.config import Settings
from shared.db import UnitOfWork, read_session
from shared.errors import Forbidden, ValidationFailed
from shared.events import as_utc, utcnow
from shared.scopes import Scope

MAX_REGIONS = 200
WAITING_FOR_REGISTRY = "registry"  # the phase of a run until the registry's checkpoint is applied


class RegistryNotReady(Exception):
    """The registry's checkpoint did not reach the read model in time: the run cannot know it sees every change."""


def parent_run(principal: Principal, scope: str | list[str], options: dict[str, Any], dry_run: bool,
               draft: bool) -> Run:
    """The row of a run over all regions (`"all"`) or a list of them (`["region:…", …]`), administrators only."""
    if principal.role is not Role.ADMIN:
        raise Forbidden("Подбор по нескольким регионам запускает администратор")
    if draft:
        raise ValidationFailed("Черновик считается по одному региону или его части", errors=[
            {"field": "draft", "message": "черновик — только для одной области"}])
    regions: list[str] | None = None
    if scope != "all":
        if not scope or len(scope) > MAX_REGIONS:
            raise ValidationFailed(f"Укажите от 1 до {MAX_REGIONS} регионов", errors=[
                {"field": "scope", "message": f"от 1 до {MAX_REGIONS} регионов"}])
        parsed = [Scope.parse(text) for text in scope]
        if any(s.kind != "region" for s in parsed):
            raise ValidationFailed("Список области — только регионы", errors=[
                {"field": "scope", "message": "каждый элемент — region:<id>"}])
        regions = list(dict.fromkeys(s.id for s in parsed))
    kind = "all" if regions is None else "regions"
    return Run(scope=kind, scope_kind=kind, scope_id="", dry_run=dry_run, draft=False,
               options=json.dumps(options, ensure_ascii=False), requested_by=principal.actor,
               regions=json.dumps(regions) if regions is not None else None)


def wait_for_registry(engine: Engine, settings: Settings, run: Run) -> int | None:
    """Wait until the read model applied the registry's checkpoint for this run (every registry change committed
    before the request is then in it); the registry position, or None when waiting is switched off
    (`RUN_REGISTRY_WAIT_S=0`) or the run inherited its parent's. Raises `RegistryNotReady` after the bound."""
    if run.parent_id is not None or settings.run_registry_wait_s <= 0:
        return run.registry_position
    deadline = as_utc(run.requested_at).timestamp() + settings.run_registry_wait_s
    phase_set = False
    while True:
        with read_session(engine) as session:
            position = session.execute(select(Run.registry_position).where(Run.id == run.id)).scalar_one_or_none()
        if position is not None:
            return int(position)
        if time.time() >= deadline:
            raise RegistryNotReady(
                f"данные реестра не поступили за {settings.run_registry_wait_s:.0f} с: реестр не подтвердил "
                "запрос подбора (проверьте, что реестр и его обработчик событий работают) — запустите подбор заново")
        if not phase_set:
            set_phase(engine, run.id, WAITING_FOR_REGISTRY, 0.0)
            phase_set = True
        time.sleep(0.2)


def _regions(uow: UnitOfWork, parent: Run) -> list[str]:
    """The regions a parent covers (those listed, or every region with an active mentee in the read model),
    largest first: the workers take the longest runs first, so the last one to finish is a small one."""
    sizes = dict(uow.session.execute(select(MenteeView.region_id, func.count()).where(
        MenteeView.status == "active").group_by(MenteeView.region_id)).all())
    regions = list(json.loads(parent.regions)) if parent.regions is not None else list(sizes)
    return sorted(regions, key=lambda region: (-sizes.get(region, 0), region))


def expand(engine: Engine, parent: Run, registry_position: int | None) -> int:
    """Create one run per region, each a message on the work queue, in one transaction with the parent's
    progress; returns how many. A parent that already has its children (a redelivered message) is left as is."""
    with UnitOfWork(engine, outbox) as uow:
        current = owned(uow.session, parent)
        if uow.session.execute(select(Run.id).where(Run.parent_id == parent.id).limit(1)).first():
            return 0
        regions = _regions(uow, current)
        summary = initial_summary(regions)
        current.registry_position, current.phase, current.progress = registry_position, "regions", 0.0
        for region in regions:
            child = Run(scope=f"region:{region}", scope_kind="region", scope_id=region, dry_run=current.dry_run,
                        options=current.options, requested_by=current.requested_by, parent_id=current.id,
                        registry_position=registry_position)
            uow.session.add(child)
            uow.session.flush()
            queue(uow, child)
        if not regions:
            current.started_at = current.started_at or utcnow()
            close_parent(uow, current, summary)
        current.result = json.dumps(summary, ensure_ascii=False)
        uow.commit()
        return len(regions)


def is_parent(run: Run) -> bool:
    """A run over several regions (its regions' runs do the solving)."""
    return run.scope_kind in MULTI_REGION
