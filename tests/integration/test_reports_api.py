"""The reports API over a real database: projection, indicators, periods, targets, assessments, access."""

from __future__ import annotations

from shared.auth import issue_token
from shared.events import new_event
from tests.integration.helpers import NOW, REGION, mentee_event, mentor_event, org_event

EVENT_OF = {"proposed": "proposed", "confirmed": "confirmed", "active": "activated", "completed": "completed",
            "terminated": "terminated"}


def pair_event(pair_id: str, state: str, version: int, *, mentee: str, mentor: str = "t1", result=None,
               confirmed=True, ended=False):
    return new_event(f"mentoring.pair.{EVENT_OF[state]}", "/matching", pair_id, {
                         "pair_id": pair_id, "version": version, "state": state, "mentor_id": mentor,
                         "mentee_id": mentee, "organization_id": "o1", "municipality_id": "m1",
                         "region_id": REGION, "mentor_organization_id": "o1", "mentee_category": "young_specialist",
                         "form": "traditional", "role_model": "teacher_teacher", "occurred_at": NOW.isoformat(),
                         "proposed_at": NOW.isoformat(), "confirmed_at": NOW.isoformat() if confirmed else None,
                         "ended_at": NOW.isoformat() if ended else None, "result": result})




def indicators(client, scope=f"region:{REGION}", period=None, headers=None):
    params = {"scope": scope} | ({"period": period} if period else {})
    return client.get("/api/v1/indicators", query_string=params, headers=headers or client.admin)


def by_code(body):
    return {i["code"]: i for i in body["indicators"]}


def test_pair_events_turn_into_effectiveness_and_load_and_an_old_version_changes_nothing(reports):
    reports.feed(org_event("o1", "m1"), mentor_event("t1", "o1", "m1", capacity=3),
                 *[mentee_event(f"s{k}", "o1", "m1") for k in range(3)],
                 pair_event("p1", "completed", 5, mentee="s0", result="reached", ended=True),
                 pair_event("p2", "terminated", 5, mentee="s1", ended=True),
                 pair_event("p3", "active", 3, mentee="s2"),
                 pair_event("p3", "proposed", 1, mentee="s2", confirmed=False))
    body = indicators(reports).json
    figures = by_code(body)
    assert (figures["effective_pairs"]["numerator"], figures["effective_pairs"]["denominator"]) == (1, 2)
    assert figures["effective_pairs"]["value"] == 50.0
    assert figures["mentor_load"]["details"]["max"] == 1
    assert body["freshness"]["events_applied"] == 9


def test_periods_are_parsed_and_bad_ones_refused(reports):
    reports.feed(org_event("o1", "m1"))
    assert indicators(reports, period="2026-H2").status_code == 200
    assert indicators(reports, period="2026").status_code == 200
    assert indicators(reports, period="last week").status_code == 422
    assert indicators(reports, scope="planet:1").status_code == 422
    assert indicators(reports, scope="municipality:unknown").status_code == 404


def test_a_configured_target_replaces_the_default(reports):
    reports.feed(org_event("o1", "m1"))
    operator = {"Authorization": "Bearer " + issue_token(reports.settings, "region_operator", f"region:{REGION}")}
    assert reports.put("/api/v1/targets", json={"code": "coverage", "value": 35, "scope": f"region:{REGION}"},
                       headers=operator).status_code == 200
    assert by_code(indicators(reports).json)["coverage"]["target"] == 35
    assert reports.put("/api/v1/targets", json={"code": "nonsense", "value": 1}, headers=operator).status_code == 422


def test_the_self_assessment_is_scored_into_a_band_and_only_by_its_municipality(reports):
    reports.feed(org_event("o1", "m1"))
    operator = {"Authorization": "Bearer " + issue_token(reports.settings, "municipal_operator", "municipality:m1")}
    answers = {"normative_documents": 2, "methodical_recommendations": 2, "information_resource": 2,
               "support_system": 2, "young_teacher_communities": 2, "best_practices": 2, "community_events": 2,
               "professional_community_site": 1, "higher_education_cooperation": 1, "field_seminar": 1}
    saved = reports.post("/api/v1/assessments", json={"municipality_id": "m1", "period": "2026-H2",
                                                      "answers": answers}, headers=operator)
    assert saved.status_code == 200 and (saved.json["total"], saved.json["band"]) == (17, "high")
    bad = reports.post("/api/v1/assessments", json={"municipality_id": "m1", "period": "2026-H2",
                                                    "answers": {"normative_documents": 3}}, headers=operator)
    assert bad.status_code == 422
    other = reports.post("/api/v1/assessments", json={"municipality_id": "m2", "period": "2026-H2",
                                                      "answers": answers}, headers=operator)
    assert other.status_code == 403
    listed = reports.get("/api/v1/assessments", headers=operator).json
    assert len(listed["criteria"]) == 10 and [i["band"] for i in listed["items"]] == ["high"]


def test_readers_see_only_their_scope_and_anonymous_needs_a_token(reports):
    reports.feed(org_event("o1", "m1"), org_event("o2", "m2"))
    curator = {"Authorization": "Bearer " + issue_token(reports.settings, "school_curator", "organization:o1")}
    assert indicators(reports, "organization:o1", headers=curator).status_code == 200
    assert indicators(reports, "organization:o2", headers=curator).status_code == 403
    assert indicators(reports, f"region:{REGION}", headers=curator).status_code == 403
    assert reports.get("/api/v1/indicators", query_string={"scope": f"region:{REGION}"}).status_code == 401


def test_unmet_demand_groups_free_mentees_by_subject_stage_and_municipality(reports):
    reports.feed(org_event("o1", "m1"), *[mentee_event(f"s{k}", "o1", "m1", subject="physics") for k in range(3)])
    body = reports.get("/api/v1/unmet-demand", query_string={"scope": f"region:{REGION}"}, headers=reports.admin).json
    assert body["total"] == 3
    assert body["groups"][0]["subject"] == "physics" and body["groups"][0]["mentees"] == 3


def test_the_dashboard_renders_in_russian_with_its_charts(reports):
    reports.feed(org_event("o1", "m1"), mentor_event("t1", "o1", "m1"), mentee_event("s1", "o1", "m1"))
    page = reports.get(f"/dashboard?scope=region:{REGION}").data.decode()
    assert "Охват наставничеством по месяцам" in page and 'id="load-chart"' in page and "Школа o1" in page
