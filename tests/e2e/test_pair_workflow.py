"""A pair's whole life on the running stack, and a declined mentee proposed to someone else next time."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

import httpx

from shared.auth import issue_token
from shared.config import Settings
from tests.conftest import TEST_DATA
from tests.e2e.test_matching_flow import wait_for
from tests.integration.helpers import stream_events

TODAY = date.today()


def clients(stack):
    headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
    return (httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=60),
            httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60))


def import_samples(registry, matching) -> list[dict]:
    for kind, name in (("mentors", "mentors.xlsx"), ("mentees", "mentees.xlsx")):
        with (TEST_DATA / name).open("rb") as handle:
            registry.post("/api/v1/imports", params={"kind": kind, "on_error": "skip"},
                          files={"file": (name, handle)}).raise_for_status()
    mentees = registry.get("/api/v1/mentees", params={"limit": 500}).json()["items"]
    wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] == len(mentees))
    return mentees


def run_region(matching, region: str) -> dict:
    accepted = matching.post("/api/v1/runs", json={"scope": f"region:{region}"}).raise_for_status().json()
    return wait_for(lambda: (r := matching.get(f"/api/v1/runs/{accepted['id']}").json())["status"] == "succeeded"
                    and r)


def act(matching, pair_id: str, action: str, body: dict) -> dict:
    response = matching.post(f"/api/v1/pairs/{pair_id}/{action}", json=body)
    assert response.status_code == 200, response.json()
    return response.json()


def pair_events(stack, pair_id: str) -> list[str]:
    events = asyncio.run(stream_events(stack.nats_settings()))
    return [e["type"].rsplit(".", 1)[1] for e in events if e["subject"] == pair_id]


def test_a_proposal_walks_to_completion_and_every_transition_is_on_nats_exactly_once(stack):
    registry, matching = clients(stack)
    mentees = import_samples(registry, matching)
    run = run_region(matching, mentees[0]["region_id"])
    pair = matching.get(f"/api/v1/runs/{run['id']}/proposals", params={"limit": 1}).json()["items"][0]["pair_id"]
    act(matching, pair, "confirm", {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY),
                                    "order_number": "42-н", "order_date": str(TODAY), "curator_name": "Ефимова М. Г."})
    start = TODAY - timedelta(days=70)
    act(matching, pair, "activate", {"started_on": str(start), "planned_end_on": str(start + timedelta(days=200))})
    matching.put(f"/api/v1/pairs/{pair}/program", json={"goals": "адаптация в коллективе"}).raise_for_status()
    for month in (start.strftime("%Y-%m"), (start + timedelta(days=31)).strftime("%Y-%m")):
        matching.post(f"/api/v1/pairs/{pair}/diary", json={"month": month, "text": "встречи по плану",
                                                           "author": "наставник"}).raise_for_status()
    act(matching, pair, "extend", {"planned_end_on": str(start + timedelta(days=300)), "mentor_consent": True,
                                   "mentee_consent": True})
    done = act(matching, pair, "complete", {"result": "reached", "result_text": "цели достигнуты"})
    assert done["state"] == "completed" and len(matching.get(f"/api/v1/pairs/{pair}").json()["diary"]) == 2
    expected = ["proposed", "confirmed", "activated", "program_set", "diary_entry_added", "diary_entry_added",
                "extended", "completed"]
    assert wait_for(lambda: pair_events(stack, pair) == expected and expected)
    assert Counter(pair_events(stack, pair)) == Counter(expected)


def test_a_declined_mentee_is_proposed_to_someone_else_in_the_next_run(stack):
    registry, matching = clients(stack)
    mentees = import_samples(registry, matching)
    first = run_region(matching, mentees[0]["region_id"])
    proposal = matching.get(f"/api/v1/runs/{first['id']}/proposals", params={"limit": 1}).json()["items"][0]
    act(matching, proposal["pair_id"], "decline", {"by": "mentee", "reason": "неудобное расписание"})
    mentee = registry.get(f"/api/v1/mentees/{proposal['mentee_id']}").json()
    # a free mentor of the mentee's school, so that someone besides the declined one can take the mentee
    registry.post("/api/v1/mentors", json={
        "organization_id": mentee["organization_id"], "full_name": "Новая Наставница Ивановна",
        "subjects": [mentee["subject"]], "stages": [mentee["stage"]], "capacity": 1}).raise_for_status()
    wait_for(lambda: matching.get("/api/v1/status").json()["mentors"] >= 58)
    second = run_region(matching, mentees[0]["region_id"])
    again = [p for p in matching.get(f"/api/v1/runs/{second['id']}/proposals", params={"limit": 500}).json()["items"]
             if p["mentee_id"] == proposal["mentee_id"]]
    assert len(again) == 1 and again[0]["mentor_id"] != proposal["mentor_id"]
    assert wait_for(lambda: pair_events(stack, proposal["pair_id"]) == ["proposed", "declined"] and True)
