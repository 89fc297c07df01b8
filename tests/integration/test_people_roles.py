"""A mentor's and a mentee's own tokens against the real registry and matching (the access matrix's world: four
schools, each with a working pair, a plan item and a report): each reaches their own record and their own pairs
only; the mentor writes the diary under their own name and drafts the report the curator decides; the mentee reads
the program and the plan without the mentor's diary and reports, and marks an item done; each gives their own
consent, dated and recorded with who gave it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from services.matching.adapters.tables import MenteeView
from services.registry.adapters.tables import Mentee
from shared.db import UnitOfWork
from tests.integration.test_access_matrix import TODAY, World, apps, deliver, seed


@pytest.fixture
def world(database_url, nats_server, settings_factory) -> World:
    built = World(apps(settings_factory, database_url, nats_server.url), {})
    seed(built)
    return built


def call(world: World, role: str, service: str, method: str, path: str, status: int, **kwargs: Any) -> Any:
    response = world.clients[service].open(path, method=method, headers=world.headers(role), **kwargs)
    assert response.status_code == status, (method, path, role, response.get_json())
    return response.get_json()


def test_a_mentor_writes_the_diary_and_drafts_the_report_of_their_own_pairs_only(world):
    own, other = world.places["A1a"], world.places["A1b"]
    listed = call(world, "mentor", "matching", "GET", "/api/v1/pairs", 200, query_string={"limit": 500})["items"]
    assert [p["id"] for p in listed] == [own.pair_id] and listed[0]["mentee_name"] == "Молодая A1a Мария Ивановна"
    pair = f"/api/v1/pairs/{own.pair_id}"
    entry = call(world, "mentor", "matching", "POST", f"{pair}/diary", 201,
                 json={"month": f"{TODAY.year - 1}-03", "text": "посетили уроки", "author": "кто-то другой"})
    assert entry["author"] == own.mentor_name  # the mentor writes under their own name
    call(world, "mentor", "matching", "POST", f"/api/v1/pairs/{other.pair_id}/diary", 404,
         json={"month": f"{TODAY.year - 1}-03", "text": "чужая пара", "author": "наставник"})
    report = call(world, "mentor", "matching", "POST", f"{pair}/reports", 201,
                  json={"period": f"{TODAY.year}-H1", "text": "полугодие по плану"})
    assert report["status"] == "submitted"
    decision = {"accept": True, "comment": None}
    call(world, "mentor", "matching", "POST", f"{pair}/reports/{report['id']}/decision", 403, json=decision)
    accepted = call(world, "school_curator", "matching", "POST", f"{pair}/reports/{report['id']}/decision", 200,
                    json=decision)
    assert accepted["status"] == "accepted"
    call(world, "mentor", "matching", "PUT", f"{pair}/program", 403, json={"goals": "свои цели"})
    call(world, "mentor", "matching", "PATCH", f"{pair}/plan/{own.item_id}", 403, json={"done_on": str(TODAY)})
    call(world, "mentor", "matching", "POST", f"{pair}/complete", 403, json={"result": "reached"})
    call(world, "mentor", "matching", "GET", "/api/v1/pairs/attention", 403)
    call(world, "mentor", "registry", "GET", f"/api/v1/mentors/{own.mentor_id}", 200)
    call(world, "mentor", "registry", "GET", f"/api/v1/mentors/{other.mentor_id}", 404)
    call(world, "mentor", "registry", "GET", f"/api/v1/mentees/{own.mentee_id}", 403)
    call(world, "mentor", "registry", "GET", "/api/v1/mentors", 403)


def test_a_mentee_reads_the_program_without_the_diary_and_marks_the_plan(world):
    own, other = world.places["A1a"], world.places["A1b"]
    pair = f"/api/v1/pairs/{own.pair_id}"
    call(world, "admin", "matching", "POST", f"{pair}/diary", 201,
         json={"month": f"{TODAY.year - 1}-04", "text": "заметки наставника", "author": "наставник"})
    assert call(world, "admin", "matching", "GET", pair, 200)["diary"]
    seen = call(world, "mentee", "matching", "GET", pair, 200)
    assert seen["mentor_name"] == own.mentor_name and seen["plan"] and seen["program"]["goals"]
    assert seen["diary"] == [] and seen["reports"] == []
    marked = call(world, "mentee", "matching", "PATCH", f"{pair}/plan/{own.item_id}", 200,
                  json={"done_on": str(TODAY)})
    assert marked["plan"][0]["done_on"] == str(TODAY) and marked["diary"] == [] and marked["reports"] == []
    call(world, "mentee", "matching", "PATCH", f"/api/v1/pairs/{other.pair_id}/plan/{other.item_id}", 404,
         json={"done_on": str(TODAY)})
    call(world, "mentee", "matching", "GET", f"/api/v1/pairs/{other.pair_id}", 404)
    call(world, "mentee", "matching", "POST", f"{pair}/diary", 403,
         json={"month": f"{TODAY.year - 1}-05", "text": "не моё", "author": "наставляемый"})
    call(world, "mentee", "matching", "POST", f"{pair}/reports", 403, json={"period": f"{TODAY.year}-H1", "text": "x"})
    call(world, "mentee", "registry", "GET", f"/api/v1/mentees/{own.mentee_id}", 200)
    call(world, "mentee", "registry", "GET", f"/api/v1/mentors/{own.mentor_id}", 403)


def test_each_gives_their_own_consent_dated_and_recorded_with_who_gave_it(world):
    own, other = world.places["A1a"], world.places["A1b"]
    world.sql("registry", update(Mentee).where(Mentee.id == own.mentee_id).values(
        consent_processing=False, consent_processing_on=None))
    world.sql("matching", update(MenteeView).where(MenteeView.id == own.mentee_id).values(consent_processing=False))
    path = f"/api/v1/mentees/{own.mentee_id}/consent"
    for role in ("school_curator", "admin", "mentor"):
        call(world, role, "registry", "POST", path, 403)
    call(world, "mentee", "registry", "POST", f"/api/v1/mentees/{other.mentee_id}/consent", 404)
    given = call(world, "mentee", "registry", "POST", path, 200)
    assert given["consent_processing"] is True and given["consent_processing_on"] == str(TODAY)
    again = call(world, "mentee", "registry", "POST", path, 200)
    assert again["version"] == given["version"]  # given once; again changes nothing
    trail = call(world, "admin", "registry", "GET", "/api/v1/audit", 200,
                 query_string={"entity_id": own.mentee_id})["items"]
    consent = [r for r in trail if r["action"] == "consent_given"]
    assert len(consent) == 1 and consent[0]["actor"].startswith("mentee:"), trail
    deliver(world.clients, world.fed)  # the registry's event reaches matching's read model: pairs may be made
    with UnitOfWork(world.engine("matching")) as uow:
        assert uow.session.get(MenteeView, own.mentee_id).consent_processing is True
