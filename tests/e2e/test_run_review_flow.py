"""A draft run reviewed on the running stack: solved by the worker, solved again through JetStream when the registry
changed before publication, published as pairs with their events, then withdrawn."""

from __future__ import annotations

import asyncio

from tests.e2e.test_matching_flow import wait_for
from tests.e2e.test_pair_workflow import clients, import_samples
from tests.integration.helpers import stream_events


def reviewed(matching, run_id: str) -> dict:
    return wait_for(lambda: (r := matching.get(f"/api/v1/runs/{run_id}").json())["status"] in ("succeeded", "failed")
                    and r)


def test_a_draft_is_solved_again_after_a_registry_change_then_published_and_withdrawn(stack):
    registry, matching = clients(stack)
    mentees = import_samples(registry, matching)
    region = mentees[0]["region_id"]
    accepted = matching.post("/api/v1/runs", json={"scope": f"region:{region}", "draft": True}).raise_for_status()
    run = reviewed(matching, accepted.json()["id"])
    assert run["status"] == "succeeded" and run["publication"] == "review", run
    assert run["decisions"]["pending"] == run["counts"]["matched"] > 0
    assert matching.get("/api/v1/pairs/summary").json()["total"] == 0
    matching.post(f"/api/v1/runs/{run['id']}/decisions", json={"all": "approve"}).raise_for_status()

    before = matching.get("/api/v1/status").json()["mentees"]
    unmatched = run["unmatched"][0]["mentee_id"] if run["unmatched"] else mentees[-1]["id"]
    registry.post(f"/api/v1/mentees/{unmatched}/withdraw", json={"reason": "уволилась"}).raise_for_status()
    wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] == before - 1)
    refused = matching.post(f"/api/v1/runs/{run['id']}/publish")
    assert refused.status_code == 409 and refused.json()["resolved_again"] is True, refused.json()
    again = reviewed(matching, run["id"])
    assert again["status"] == "succeeded" and again["publication"] == "review" and again["attempts"] == 1
    assert again["decisions"]["approved"] > 0  # the pairs that came back kept their decision

    matching.post(f"/api/v1/runs/{run['id']}/decisions", json={"all": "approve"}).raise_for_status()
    published = matching.post(f"/api/v1/runs/{run['id']}/publish")
    assert published.status_code == 200, published.json()
    created = published.json()["created"]
    assert created == again["counts"]["matched"] and published.json()["skipped"] == []
    assert matching.get("/api/v1/pairs/summary").json()["by_state"]["proposed"] == created

    def events(kind: str) -> list[dict]:
        found = asyncio.run(stream_events(stack.nats_settings()))
        return [e for e in found if e["type"] == f"mentoring.pair.{kind}" and e["data"]["run_id"] == run["id"]]

    assert len(wait_for(lambda: len(events("proposed")) == created and events("proposed"))) == created
    assert matching.post(f"/api/v1/runs/{run['id']}/withdraw").json() == {"withdrawn": created}
    assert len(wait_for(lambda: len(events("withdrawn")) == created and events("withdrawn"))) == created
    assert matching.get("/api/v1/pairs/summary").json()["by_state"]["withdrawn"] == created
