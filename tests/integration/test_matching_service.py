"""The matching service over a real database: read model from events, runs, concurrency, suggestions."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from services.matching.adapters.tables import MentorView, Pair, Run, outbox
from services.matching.use_cases.run_claim import claim
from services.matching.use_cases.run_execution import execute
from shared.auth import issue_token
from shared.db import UnitOfWork
from tests.integration.helpers import REGION, mentee_event, mentor_event, org_event


def region_of_two_municipalities(client, mentors: int = 4, mentees: int = 10, capacity: int = 1):
    events = [org_event("o1", "m1"), org_event("o2", "m2")]
    events += [mentor_event(f"t{k}", "o1" if k % 2 else "o2", "m1" if k % 2 else "m2", capacity=capacity)
               for k in range(mentors)]
    events += [mentee_event(f"s{k}", "o1" if k % 2 else "o2", "m1" if k % 2 else "m2") for k in range(mentees)]
    client.apply(*events)


def run_now(client, scope: str, **body):
    response = client.post("/api/v1/runs", json={"scope": scope, **body}, headers=client.admin)
    assert response.status_code == 202, response.json
    run = claim(client.ctx.engine, response.json["id"])
    execute(client.ctx.engine, client.settings, run)
    return client.get(f"/api/v1/runs/{run.id}", headers=client.admin).json


def test_an_older_or_repeated_event_never_overwrites_the_read_model(matching):
    matching.apply(org_event("o1", "m1"), mentor_event("t1", "o1", "m1", capacity=3, version=2),
                   mentor_event("t1", "o1", "m1", capacity=1, version=1),
                   mentor_event("t1", "o1", "m1", capacity=1, version=2))
    with UnitOfWork(matching.ctx.engine) as uow:
        assert uow.session.get(MentorView, "t1").capacity == 3


def test_a_run_matches_within_capacity_and_explains_every_unmatched_mentee(matching):
    region_of_two_municipalities(matching, mentors=4, mentees=10, capacity=2)
    run = run_now(matching, f"region:{REGION}")
    assert run["status"] == "succeeded"
    assert run["counts"]["matched"] == 8 and run["counts"]["unmatched"] == 2
    assert [u["reason"] for u in run["unmatched"]] == ["все подходящие наставники заняты"] * 2
    assert run["weights"]["same_municipality"] == 20 and set(run["timings"]) >= {"load_s", "solve_s", "write_s"}
    proposals = matching.get(f"/api/v1/runs/{run['id']}/proposals", headers=matching.admin).json["items"]
    assert len(proposals) == 8 and all(p["terms"][0]["label"] == "та же организация" for p in proposals)
    with UnitOfWork(matching.ctx.engine) as uow:
        kinds = Counter(uow.session.execute(select(outbox.table.c.subject)).scalars())
    assert kinds["mentoring.pair.proposed"] == 8 and kinds["mentoring.run.completed"] == 1


def test_a_dry_run_writes_no_pairs(matching):
    region_of_two_municipalities(matching)
    run = run_now(matching, f"region:{REGION}", dry_run=True)
    assert run["status"] == "succeeded" and run["counts"]["matched"] == 4
    with UnitOfWork(matching.ctx.engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Pair)) == 0


def test_a_mentee_with_a_proposal_is_not_proposed_again_by_the_next_run(matching):
    region_of_two_municipalities(matching, mentors=2, mentees=2)
    first, second = run_now(matching, f"region:{REGION}"), run_now(matching, f"region:{REGION}")
    assert first["counts"]["matched"] == 2
    assert second["counts"]["mentees_in_scope"] == 0 and second["counts"]["matched"] == 0


def test_two_concurrent_runs_over_overlapping_scopes_never_overfill_a_mentor(matching):
    region_of_two_municipalities(matching, mentors=4, mentees=30, capacity=2)
    ids = [matching.post("/api/v1/runs", json={"scope": scope}, headers=matching.admin).json["id"]
           for scope in (f"region:{REGION}", "municipality:m1")]
    runs = [claim(matching.ctx.engine, run_id) for run_id in ids]
    errors: list[Exception] = []

    def work(run):
        try:
            execute(matching.ctx.engine, matching.settings, run)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with UnitOfWork(matching.ctx.engine) as uow:
        load = Counter(uow.session.execute(select(Pair.mentor_id).where(Pair.state == "proposed")).scalars())
        mentees = list(uow.session.execute(select(Pair.mentee_id)).scalars())
        statuses = [uow.session.get(Run, run_id).status for run_id in ids]
    assert statuses == ["succeeded", "succeeded"]
    assert sum(load.values()) == 8 and max(load.values()) == 2
    assert len(mentees) == len(set(mentees))


@pytest.mark.parametrize("body,status", [
    ({"scope": "galaxy:1"}, 422), ({"scope": "region:"}, 422), ({"scope": "municipality:nowhere"}, 404),
    ({"scope": f"region:{REGION}", "options": {"weights": {"nonsense": 1}}}, 422),
    ({"scope": f"region:{REGION}", "options": {"weights": {"same_municipality": 999, "elsewhere_in_region": 1}}},
     422),
])
def test_bad_run_requests_get_a_clear_problem(matching, body, status):
    region_of_two_municipalities(matching)
    response = matching.post("/api/v1/runs", json=body, headers=matching.admin)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"


def test_a_municipal_operator_runs_only_its_own_municipality(matching):
    region_of_two_municipalities(matching)
    operator = {"Authorization": "Bearer " + issue_token(matching.settings, "municipal_operator", "municipality:m1")}
    assert matching.post("/api/v1/runs", json={"scope": "municipality:m1"}, headers=operator).status_code == 202
    assert matching.post("/api/v1/runs", json={"scope": "municipality:m2"}, headers=operator).status_code == 403
    assert matching.post("/api/v1/runs", json={"scope": f"region:{REGION}"}, headers=operator).status_code == 403


def test_suggestions_rank_mentors_with_russian_terms_and_free_load(matching):
    region_of_two_municipalities(matching, mentors=4, mentees=2, capacity=2)
    matching.apply(mentor_event("far", "o2", "m2", capacity=1, formats=("remote",)),
                   mentor_event("other-subject", "o1", "m1", subjects=("history",)))
    body = matching.get("/api/v1/mentees/s1/suggestions?limit=3", headers=matching.admin).json
    assert [i["rank"] for i in body["items"]] == [1, 2]  # other municipality: only if both accept distance
    first = body["items"][0]
    assert first["organization_name"] == "Школа o1" and first["free_load"] == 2
    assert first["terms"][0]["label"] == "та же организация"
    assert {i["mentor_id"] for i in body["items"]} == {"t1", "t3"}
    costs = [i["cost"] for i in body["items"]]
    assert costs == sorted(costs)
    missing = matching.get(f"/api/v1/mentees/{uuid.uuid4()}/suggestions", headers=matching.admin)
    assert missing.status_code == 404


def test_suggestions_follow_a_mentors_load_after_a_new_pair_without_a_full_reload(matching):
    region_of_two_municipalities(matching, mentors=2, mentees=4, capacity=1)
    before = matching.get("/api/v1/mentees/s1/suggestions", headers=matching.admin).json["items"]
    assert {i["mentor_id"] for i in before} == {"t1"}
    created = matching.post("/api/v1/pairs", json={"mentor_id": "t1", "mentee_id": "s3"}, headers=matching.admin)
    assert created.status_code == 201
    assert matching.get("/api/v1/mentees/s1/suggestions", headers=matching.admin).json["items"] == []
