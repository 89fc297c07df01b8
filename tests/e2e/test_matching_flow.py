"""The whole region matched on the running stack: import the operators' files, run, check every proposal."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from types import SimpleNamespace

import httpx

from services.matching.adapters.problem_encoding import MENTEE_COLUMNS, MENTOR_COLUMNS
from services.matching.adapters.problem_loading import pair_problem
from services.matching.domain.eligibility import eligible
from shared.auth import issue_token
from shared.config import Settings
from tests.conftest import TEST_DATA
from tests.integration.helpers import stream_events


def wait_for(predicate, timeout_s: float = 60.0, every_s: float = 0.3):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every_s)


def all_pages(client: httpx.Client, url: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get(url, params={**params, **({"cursor": cursor} if cursor else {})}).raise_for_status().json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def as_row(person: dict, names: tuple[str, ...]) -> SimpleNamespace:
    """A registry record read like a read-model row (the columns matching reads, None when absent)."""
    return SimpleNamespace(**{n: person.get(n) for n in names})


def test_a_whole_region_run_proposes_only_eligible_pairs_within_capacity_and_explains_the_rest(stack):
    settings = Settings(jwt_secret=Settings().jwt_secret)
    headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
    registry = httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=60)
    matching = httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60)
    for kind, name in (("mentors", "mentors.xlsx"), ("mentees", "mentees.xlsx")):
        with (TEST_DATA / name).open("rb") as handle:
            registry.post("/api/v1/imports", params={"kind": kind, "on_error": "skip"},
                          files={"file": (name, handle)}).raise_for_status()
    mentors = all_pages(registry, "/api/v1/mentors", limit=500)
    mentees = all_pages(registry, "/api/v1/mentees", limit=500)
    wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] == len(mentees))
    region = mentors[0]["region_id"]

    accepted = matching.post("/api/v1/runs", json={"scope": f"region:{region}"})
    assert accepted.status_code == 202 and accepted.headers["Location"].endswith(accepted.json()["id"])
    run = wait_for(lambda: (r := matching.get(f"/api/v1/runs/{accepted.json()['id']}").json())["status"]
                   in ("succeeded", "failed") and r)
    assert run["status"] == "succeeded", run
    proposals = all_pages(matching, f"/api/v1/runs/{run['id']}/proposals", limit=25)
    counts = run["counts"]
    assert counts["matched"] == len(proposals) > 0
    assert counts["matched"] + counts["unmatched"] == counts["mentees_in_scope"] == len(mentees)
    assert all(u["reason"] for u in run["unmatched"]) and len(run["unmatched"]) == counts["unmatched"]
    assert all(p["terms"] and p["terms"][0]["label"] for p in proposals)

    by_mentor = Counter(p["mentor_id"] for p in proposals)
    capacity = {m["id"]: m["capacity"] for m in mentors}
    assert all(by_mentor[m] <= capacity[m] for m in by_mentor), "a mentor is over capacity"
    assert len({p["mentee_id"] for p in proposals}) == len(proposals), "a mentee is matched twice"
    mentor_of = {m["id"]: as_row(m, MENTOR_COLUMNS) for m in mentors}
    mentee_of = {m["id"]: as_row(m, MENTEE_COLUMNS) for m in mentees}
    for p in proposals:
        assert eligible(pair_problem(mentor_of[p["mentor_id"]], mentee_of[p["mentee_id"]]), 0, 0), p

    proposed = wait_for(lambda: [e for e in asyncio.run(stream_events(stack.nats_settings()))
                                 if e["type"] == "mentoring.pair.proposed"])
    assert sorted(e["data"]["pair_id"] for e in proposed) == sorted(p["pair_id"] for p in proposals)
    events = asyncio.run(stream_events(stack.nats_settings()))
    assert [e["data"]["run_id"] for e in events if e["type"] == "mentoring.run.completed"] == [run["id"]]

    suggestion = matching.get(f"/api/v1/mentees/{run['unmatched'][0]['mentee_id']}/suggestions",
                              params={"limit": 5}).json()
    assert len(suggestion["items"]) <= 5


def test_the_cli_runs_matching_for_a_municipality_and_prints_progress_and_reasons(stack):
    import subprocess
    import sys

    settings = Settings()
    headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
    registry = httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=60)
    matching = httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60)
    with (TEST_DATA / "mentees.xlsx").open("rb") as handle:
        registry.post("/api/v1/imports", params={"kind": "mentees", "on_error": "skip"},
                      files={"file": ("mentees.xlsx", handle)}).raise_for_status()
    organization = registry.get("/api/v1/organizations", params={"limit": 1}).json()["items"][0]
    wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] > 0)
    wait_for(lambda: matching.get("/api/v1/status").json()["organizations"] > 0)
    done = subprocess.run([sys.executable, "-m", "ops.cli", "match", "--scope",
                           f"municipality:{organization['municipality_id']}", "--wait"], env=stack.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "принят" in done.stdout and "succeeded" in done.stdout
    assert "подобрано: 0" in done.stdout and "нет наставника по предмету" in done.stdout
    everywhere = subprocess.run([sys.executable, "-m", "ops.cli", "match", "--scope", "all", "--dry-run", "--wait"],
                                env=stack.env, capture_output=True, text=True, timeout=120)
    assert everywhere.returncode == 0, everywhere.stdout + everywhere.stderr
    assert "регионов готово 1 из 1" in everywhere.stdout and "Регионов: 1;" in everywhere.stdout
