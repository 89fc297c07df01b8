"""Runs over several regions: a parent, one run per region on the work queue, the parent summed as they finish;
and the wait for the registry's checkpoint before a run loads."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from services.matching.adapters.tables import Run, outbox
from services.matching.use_cases.run_claim import MAX_ATTEMPTS, claim, release_for_retry
from services.matching.use_cases.run_execution import execute
from services.matching.use_cases.run_regions import RegistryNotReady, expand, wait_for_registry
from shared.db import UnitOfWork
from tests.integration.helpers import mentee_event, mentor_event, org_event


def in_region(event, region: str):
    event.data["region_id"] = region
    return event


def two_regions(client) -> None:
    """Region r-1: 3 mentees, 2 mentors; region r-2: 5 mentees, 4 mentors (one each)."""
    events = []
    for region, mentors, mentees in (("r-1", 2, 3), ("r-2", 4, 5)):
        events += [in_region(org_event(f"{region}-o", f"{region}-m"), region)]
        events += [in_region(mentor_event(f"{region}-t{k}", f"{region}-o", f"{region}-m"), region)
                   for k in range(mentors)]
        events += [in_region(mentee_event(f"{region}-s{k}", f"{region}-o", f"{region}-m"), region)
                   for k in range(mentees)]
    client.apply(*events)


def request(client, scope, **body):
    return client.post("/api/v1/runs", json={"scope": scope, **body}, headers=client.admin)


def work(client, run_id: str) -> None:
    """What a worker does with one message: claim, then expand a parent or execute a region's run."""
    run = claim(client.ctx.engine, run_id)
    if run is None:
        return
    if run.scope_kind in ("all", "regions"):
        expand(client.ctx.engine, run, wait_for_registry(client.ctx.engine, client.settings, run))
    else:
        execute(client.ctx.engine, client.settings, run, run.registry_position)


def children(client, parent_id: str) -> list:
    """(id, scope, scope_id) of a parent's regions' runs, by region."""
    with UnitOfWork(client.ctx.engine) as uow:
        return list(uow.session.execute(select(Run.id, Run.scope, Run.scope_id).where(Run.parent_id == parent_id)
                                        .order_by(Run.scope_id)))


@pytest.fixture
def matching_now(matching):
    """The matching app with the registry wait off (no registry here; the wait is tested on its own below)."""
    matching.settings.run_registry_wait_s = 0
    return matching


def test_a_run_over_all_regions_is_a_parent_summed_from_one_run_per_region(matching_now):
    client = matching_now
    two_regions(client)
    answer = request(client, "all")
    assert answer.status_code == 202, answer.json
    parent_id = answer.json["id"]
    work(client, parent_id)
    regions = children(client, parent_id)
    assert [r.scope for r in regions] == ["region:r-1", "region:r-2"]
    with UnitOfWork(client.ctx.engine) as uow:  # queued largest first
        queued = [json.loads(body)["data"]["scope"] for body in uow.session.execute(
            select(outbox.table.c.body).where(outbox.table.c.subject == "mentoring.run.requested")
            .order_by(outbox.table.c.seq)).scalars()]
    assert queued == ["all", "region:r-2", "region:r-1"]
    view = client.get(f"/api/v1/runs/{parent_id}", headers=client.admin).json
    assert view["status"] == "running" and view["children"] == {"total": 2, "succeeded": 0, "failed": 0}
    assert [c["status"] for c in view["child_runs"]] == ["queued", "queued"]
    work(client, regions[1].id)
    view = client.get(f"/api/v1/runs/{parent_id}", headers=client.admin).json
    assert view["progress"] == 0.5 and view["counts"]["matched"] == 4 and view["status"] == "running"
    work(client, regions[0].id)
    view = client.get(f"/api/v1/runs/{parent_id}", headers=client.admin).json
    assert view["status"] == "succeeded" and view["children"]["succeeded"] == 2
    assert view["counts"]["mentees_in_scope"] == 8 and view["counts"]["matched"] == 6
    assert view["counts"]["unmatched"] == 2 and sum(d["count"] for d in view["unmet_demand"]) == 2
    assert {c["region_id"]: c["matched"] for c in view["child_runs"]} == {"r-1": 2, "r-2": 4}
    assert "region_runs" not in view and view["timings"]["total_s"] >= 0
    with UnitOfWork(client.ctx.engine) as uow:
        completed = [json.loads(body) for body in uow.session.execute(select(outbox.table.c.body).where(
            outbox.table.c.subject == "mentoring.run.completed")).scalars()]
    assert Counter(e["data"]["scope"] for e in completed) == {"region:r-1": 1, "region:r-2": 1, "all": 1}
    top = client.get("/api/v1/runs", query_string={"top_level": "true"}, headers=client.admin).json["items"]
    assert [r["id"] for r in top] == [parent_id]
    own = client.get("/api/v1/runs", query_string={"parent_id": parent_id}, headers=client.admin).json["items"]
    assert len(own) == 2 and {r["parent_id"] for r in own} == {parent_id}


def test_a_list_of_regions_runs_those_and_one_that_keeps_breaking_fails_named_in_the_parent(matching_now,
                                                                                             monkeypatch):
    from services.matching.use_cases import run_execution

    client = matching_now
    two_regions(client)
    loads = run_execution.load_problem

    def broken_in_r404(session, region, scope):
        if region == "r-404":
            raise OSError("диск недоступен")
        return loads(session, region, scope)

    monkeypatch.setattr(run_execution, "load_problem", broken_in_r404)
    answer = request(client, ["region:r-2", "region:r-404", "region:r-2"])
    assert answer.status_code == 202, answer.json
    work(client, answer.json["id"])
    regions = children(client, answer.json["id"])
    assert [r.scope_id for r in regions] == ["r-2", "r-404"]
    for region in regions:
        run = claim(client.ctx.engine, region.id)
        try:
            execute(client.ctx.engine, client.settings, run)
        except OSError as exc:  # what the worker does with a region's run that broke: back to the queue
            for _attempt in range(MAX_ATTEMPTS):
                if not release_for_retry(client.ctx.engine, run, f"ошибка при подборе: {exc}"):
                    break
                run = claim(client.ctx.engine, region.id)
    view = client.get(f"/api/v1/runs/{answer.json['id']}", headers=client.admin).json
    assert view["status"] == "failed" and view["children"] == {"total": 2, "succeeded": 1, "failed": 1}
    assert "r-404" in view["error"] and "диск недоступен" in view["error"] and view["counts"]["matched"] == 4
    failed = next(c for c in view["child_runs"] if c["region_id"] == "r-404")
    assert failed["status"] == "failed" and failed["attempts"] == MAX_ATTEMPTS


def test_only_an_administrator_runs_several_regions_and_never_as_a_draft(matching_now):
    client = matching_now
    operator = client.auth("region_operator", "region:r-1")
    answer = client.post("/api/v1/runs", json={"scope": "all"}, headers=operator)
    assert answer.status_code == 403 and "администратор" in answer.json["detail"]
    assert request(client, "all", draft=True).status_code == 422
    assert request(client, ["municipality:m1"]).status_code == 422
    assert request(client, []).status_code == 422


def test_a_run_waits_for_the_registry_checkpoint_and_reports_the_position_it_saw(matching):
    from tests.integration.helpers import REGION

    matching.settings.run_registry_wait_s = 10
    matching.apply(org_event("o1", "m1"), mentor_event("t1", "o1", "m1"), mentee_event("s1", "o1", "m1"))
    answer = request(matching, f"region:{REGION}")
    run = claim(matching.ctx.engine, answer.json["id"])
    seen: list[int | None] = []
    waiting = threading.Thread(target=lambda: seen.append(wait_for_registry(matching.ctx.engine, matching.settings,
                                                                            run)))
    waiting.start()
    time.sleep(0.6)
    phase = matching.get(f"/api/v1/runs/{run.id}", headers=matching.admin).json["phase"]
    from shared.events import new_event
    matching.apply(new_event("mentoring.registry.checkpoint", "/registry", run.id, {"run_id": run.id,
                                                                                    "position": 1234}))
    waiting.join(5)
    assert phase == "registry" and seen == [1234]
    execute(matching.ctx.engine, matching.settings, run, seen[0])
    view = matching.get(f"/api/v1/runs/{run.id}", headers=matching.admin).json
    assert view["registry_position"] == 1234 and view["status"] == "succeeded"


def test_a_run_the_registry_never_answers_fails_with_a_message_after_the_bound(matching):
    from tests.integration.helpers import REGION

    matching.settings.run_registry_wait_s = 0.5
    matching.apply(org_event("o1", "m1"))
    run = claim(matching.ctx.engine, request(matching, f"region:{REGION}").json["id"])
    with pytest.raises(RegistryNotReady, match="данные реестра не поступили"):
        wait_for_registry(matching.ctx.engine, matching.settings, run)


def test_a_phase_note_is_skipped_while_another_worker_writes_and_the_run_still_waits_its_turn(matching):
    """SQLite: a phase note gives up after PHASE_WAIT_MS while another writer holds the lock, and the run's own
    writes still wait their turn (the note's short wait is not left on the connections the run uses)."""
    import sqlite3

    from services.matching.use_cases.run_claim import set_phase

    engine = matching.ctx.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock")
    from tests.integration.helpers import REGION

    run = claim(engine, request(matching, f"region:{REGION}").json["id"])
    set_phase(engine, run.id, "solving", 0.3)
    holder = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    set_phase(engine, run.id, "writing", 0.8)
    assert time.monotonic() - started < 1.0
    threading.Timer(0.5, holder.rollback).start()
    with UnitOfWork(engine) as uow:  # waits for the lock (the usual busy timeout), then writes
        uow.session.get(Run, run.id).error = "noted"
        uow.commit()
    with UnitOfWork(engine) as uow:
        current = uow.session.get(Run, run.id)
        assert (current.phase, current.error) == ("solving", "noted")
    set_phase(engine, run.id, "writing", 0.8)
    assert matching.get(f"/api/v1/runs/{run.id}", headers=matching.admin).json["phase"] == "writing"
