"""Lists of a run on a real database: its proposals filtered in SQL by school, subject, decision and change, with the
total of every page and the facets for the filter selects; the runs themselves page by page, by scope and kind."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from services.matching.adapters.tables import Run
from shared.auth import issue_token
from shared.db import UnitOfWork
from tests.integration.helpers import REGION, mentee_event, mentor_event, org_event
from tests.integration.test_run_review import post, start

DECISIONS = ("pending", "approved", "dropped")


def two_schools(client) -> None:
    """Schools o1 (district m1) and o2 (m2), each with mentors and mentees of mathematics and history."""
    events = []
    for org, municipality in (("o1", "m1"), ("o2", "m2")):
        events.append(org_event(org, municipality))
        events += [mentor_event(f"{org}-t{k}", org, municipality, capacity=2, subjects=(subject,))
                   for k, subject in enumerate(("math", "history"))]
        events += [mentee_event(f"{org}-s{k}", org, municipality, subject=subject)
                   for k, subject in enumerate(("math", "math", "history", "math", "history"))]
    client.apply(*events)


def page(client, run_id, **query):
    response = client.get(f"/api/v1/runs/{run_id}/proposals", query_string=query, headers=client.admin)
    assert response.status_code == 200, response.json
    return response.json


def every_page(client, run_id, limit=2, **query):
    """Every proposal through the cursor, and the total each page announced."""
    items, totals, cursor = [], set(), None
    for _ in range(100):
        body = page(client, run_id, limit=limit, **({"cursor": cursor} if cursor else {}), **query)
        items += body["items"]
        totals.add(body["total"])
        cursor = body["next_cursor"]
        if not cursor:
            return items, totals
    raise AssertionError("the cursor never reached the last page")


def facets(client, run_id, headers=None):
    response = client.get(f"/api/v1/runs/{run_id}/proposals/facets", headers=headers or client.admin)
    assert response.status_code == 200, response.json
    return response.json


def key(item) -> str:
    return item["proposal_id"] or item["pair_id"]


def test_a_drafts_proposals_narrow_by_school_subject_and_decision_with_the_total_of_every_page(matching):
    two_schools(matching)
    run = start(matching, scope=f"region:{REGION}", draft=True)
    everything, totals = every_page(matching, run["id"])
    assert len(everything) == run["counts"]["matched"] >= 8 and totals == {len(everything)}
    assert len({key(i) for i in everything}) == len(everything)
    assert {i["organization_id"] for i in everything} == {"o1", "o2"}
    assert all(i["mentor_organization_id"] == i["mentor_id"].split("-")[0] for i in everything)
    ids = [i["proposal_id"] for i in everything if i["organization_id"] == "o1"]
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"approve": ids[:2], "drop": ids[2:3]})
    everything, _ = every_page(matching, run["id"])
    for query in ({"organization_id": "o1"}, {"organization_id": "o2", "subject": "history"}, {"subject": "math"},
                  {"decision": "approved"}, {"decision": "pending", "organization_id": "o1"},
                  {"decision": "dropped", "subject": "math"}, {"change": "new", "organization_id": "o2"},
                  {"change": "kept"}, {"organization_id": "nowhere"}):
        expected = [key(i) for i in everything if all(
            i["subject" if name == "subject" else name] == value for name, value in query.items())]
        got, totals = every_page(matching, run["id"], **query)
        assert [key(i) for i in got] == expected and totals == {len(expected)}, query
    assert page(matching, run["id"], decision="approved")["total"] == 2
    assert page(matching, run["id"], organization_id="o1", decision="dropped")["total"] == 1
    assert page(matching, run["id"], organization_id="nowhere") == {"items": [], "next_cursor": None, "total": 0}


def test_an_ordinary_runs_pairs_narrow_by_school_and_subject_and_have_no_decision(matching):
    two_schools(matching)
    run = start(matching, scope=f"region:{REGION}")
    everything, totals = every_page(matching, run["id"], limit=3)
    assert len(everything) == run["counts"]["matched"] and totals == {len(everything)}
    assert all(i["pair_id"] and i["proposal_id"] is None for i in everything)
    for query in ({"organization_id": "o2"}, {"subject": "history"}, {"organization_id": "o1", "subject": "math"}):
        expected = [i["pair_id"] for i in everything if all(
            i["subject" if name == "subject" else name] == value for name, value in query.items())]
        got, totals = every_page(matching, run["id"], **query)
        assert expected and [i["pair_id"] for i in got] == expected and totals == {len(expected)}, query
    for query in ({"decision": "pending"}, {"change": "new"}):
        assert page(matching, run["id"], **query) == {"items": [], "next_cursor": None, "total": 0}
    summary = matching.get("/api/v1/pairs/summary", query_string={"run_id": run["id"]}, headers=matching.admin).json
    assert summary["total"] == summary["by_state"]["proposed"] == len(everything)
    other = matching.get("/api/v1/pairs/summary", query_string={"run_id": "no-such-run"}, headers=matching.admin)
    assert other.json["total"] == 0


def test_the_facets_count_each_filter_value_and_add_up_to_the_run(matching):
    two_schools(matching)
    by_direction = mentee_event("o1-free", "o1", "m1", subject=None)
    guide = mentor_event("o1-any", "o1", "m1", subjects=())
    by_direction.data["directions"] = guide.data["directions"] = ["project"]
    matching.apply(by_direction, guide)
    draft = start(matching, scope=f"region:{REGION}", draft=True)
    ordinary = start(matching, scope="municipality:m1")
    for run in (draft, ordinary):
        total = page(matching, run["id"])["total"]
        found = facets(matching, run["id"])
        assert sum(o["count"] for o in found["organizations"]) == total
        assert sum(s["count"] for s in found["subjects"]) == total
        for school in found["organizations"]:
            assert school["name"] == f"Школа {school['id']}"
            assert page(matching, run["id"], organization_id=school["id"])["total"] == school["count"]
        for subject in found["subjects"]:
            if subject["code"]:
                assert page(matching, run["id"], subject=subject["code"])["total"] == subject["count"]
        labels = {s["code"]: s["label"] for s in found["subjects"]}
        assert labels["math"] == "Математика" and labels["history"] == "История"
    drafted = facets(matching, draft["id"])
    assert [o["id"] for o in drafted["organizations"]] == ["o1", "o2"]
    assert drafted["decisions"] == {"pending": page(matching, draft["id"])["total"], "approved": 0, "dropped": 0}
    assert None in {s["code"] for s in drafted["subjects"]}
    assert facets(matching, ordinary["id"])["decisions"] == dict.fromkeys(DECISIONS, 0)
    assert [o["id"] for o in facets(matching, ordinary["id"])["organizations"]] == ["o1"]
    stranger = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o2")}
    assert matching.get(f"/api/v1/runs/{ordinary['id']}/proposals/facets", headers=stranger).status_code == 404


def runs_page(client, headers=None, **query):
    response = client.get("/api/v1/runs", query_string=query, headers=headers or client.admin)
    assert response.status_code == 200, response.json
    return response.json


def every_run(client, limit, headers=None, **query) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        body = runs_page(client, headers, limit=limit, **({"cursor": cursor} if cursor else {}), **query)
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("the cursor never reached the last page")


def test_runs_page_newest_first_covering_every_run_once_and_filter_by_exact_scope_and_kind(matching):
    two_schools(matching)
    scopes = [f"region:{REGION}", "municipality:m1", "organization:o1", "organization:o2", "municipality:m2"]
    made = {}
    for k in range(9):
        scope = scopes[k % len(scopes)]
        answer = post(matching, "/api/v1/runs", {"scope": scope, "draft": k % 3 == 0})
        assert answer.status_code == 202
        made[answer.json["id"]] = (scope, k % 3 == 0)
    tied = sorted(made)[:4]  # four runs requested at the same moment: the id decides their order
    with UnitOfWork(matching.ctx.engine) as uow:
        uow.session.execute(update(Run).where(Run.id.in_(tied)).values(requested_at=datetime(2026, 1, 5, 9, 30,
                                                                                              tzinfo=UTC)))
        uow.commit()
    for limit in (1, 2, 4, 9, 10):
        listed = every_run(matching, limit)
        assert sorted(r["id"] for r in listed) == sorted(made), limit
        order = [(-datetime.fromisoformat(r["requested_at"].replace("Z", "+00:00")).timestamp(), r["id"])
                 for r in listed]
        assert order == sorted(order), limit
    assert runs_page(matching, limit=9)["next_cursor"] is None and runs_page(matching, limit=8)["next_cursor"]
    for scope in ("organization:o1", "municipality:m2", f"region:{REGION}", "organization:elsewhere"):
        assert {r["id"] for r in every_run(matching, 1, scope=scope)} == {i for i, (s, _) in made.items()
                                                                          if s == scope}, scope
    drafts = {i for i, (_, draft) in made.items() if draft}
    assert {r["id"] for r in every_run(matching, 2, draft="true")} == drafts
    assert {r["id"] for r in every_run(matching, 2, draft="false")} == set(made) - drafts
    assert {r["id"] for r in every_run(matching, 2, draft="true", scope="organization:o1")} == {
        i for i in drafts if made[i][0] == "organization:o1"}
    curator = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o2")}
    assert every_run(matching, 2, curator, scope="organization:o1") == []
    assert {r["id"] for r in every_run(matching, 2, curator)} == {i for i, (s, _) in made.items()
                                                                   if s == "organization:o2"}
    for cursor in ("nonsense", "12:", ":abc", "-5:abc", "²:abc", "9" * 30 + ":abc"):
        bad = matching.get("/api/v1/runs", query_string={"cursor": cursor}, headers=matching.admin)
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json", cursor  # the schema's pattern
        assert bad.json["errors"][0]["field"] == "cursor", cursor
