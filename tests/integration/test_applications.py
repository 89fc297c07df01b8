"""Applications from the public bank against the real registry and matching (the access matrix's world: four schools,
each with a published mentor): a teacher's nomination lands with their own school's curator and ends in the bank;
a request for a published mentor lands with the mentor's curator and ends as a proposed pair; each decline says why;
nothing is published without consent; one address sends at most the hourly limit; erasure reaches the application.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from services.registry.adapters.tables import Application
from services.registry.domain.personal_data import pseudonym
from services.registry.use_cases.erasure import erase_old_applications
from shared.auth import issue_token
from shared.db import UnitOfWork
from tests.integration.test_access_matrix import World, apps, deliver, seed

NOMINATIONS, REQUESTS, APPLICATIONS = "/api/v1/bank/nominations", "/api/v1/bank/requests", "/api/v1/applications"


@pytest.fixture
def world(database_url, nats_server, settings_factory) -> World:
    built = World(apps(settings_factory, database_url, nats_server.url, public_applications_per_hour=3), {})
    seed(built)
    settings = built.clients["registry"].application.extensions["mentoring"].settings
    other = built.places["A1b"]
    built.tokens["other_curator"] = {
        "Authorization": f"Bearer {issue_token(settings, 'school_curator', f'organization:{other.org_id}')}"}
    return built


def call(world: World, role: str | None, service: str, method: str, path: str, status: int, **kwargs: Any) -> Any:
    headers = world.headers(role) if role else {}
    response = world.clients[service].open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == status, (method, path, role, response.get_json())
    return response.get_json()


def listed(world: World, role: str) -> set[str]:
    return {a["full_name"] for a in call(world, role, "registry", "GET", APPLICATIONS, 200,
                                         query_string={"status": "new"})["items"]}


def bank_names(world: World) -> set[str]:
    return {m["full_name"] for m in call(world, None, "registry", "GET", "/api/v1/bank", 200)["items"]}


def test_a_nomination_lands_with_the_applicants_curator_and_is_selected_into_the_bank(world):
    school = world.places["A1a"]
    sent = call(world, None, "registry", "POST", NOMINATIONS, 201, json={
        "organization_id": school.org_id, "full_name": "Кандидатова Ольга Сергеевна", "email": "Olga@Example.ru",
        "subjects": ["math", "physics"], "stages": ["basic"], "experience_years": 12, "capacity": 2,
        "qualification_category": "highest", "message": "победитель конкурса «Учитель года»",
        "consent_processing": True, "consent_publication": True})
    assert sent["status"] == "new" and "куратору вашей школы" in sent["detail"]
    assert "Кандидатова Ольга Сергеевна" in listed(world, "school_curator")
    assert "Кандидатова Ольга Сергеевна" in listed(world, "municipal_operator")
    assert "Кандидатова Ольга Сергеевна" not in listed(world, "other_curator")
    call(world, "other_curator", "registry", "GET", f"{APPLICATIONS}/{sent['id']}", 404)
    call(world, "other_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/select", 403, json={})
    call(world, "integrator", "registry", "GET", APPLICATIONS, 403)
    assert "Кандидатова Ольга Сергеевна" not in bank_names(world)

    decided = call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/select", 200, json={})
    assert decided["status"] == "selected" and decided["decided_by"].startswith("school_curator:")
    mentor = call(world, "admin", "registry", "GET", f"/api/v1/mentors/{decided['person_id']}", 200)
    assert (mentor["organization_id"], mentor["subjects"], mentor["capacity"], mentor["email"]) == (
        school.org_id, ["math", "physics"], 2, "olga@example.ru")
    assert mentor["honours"] == "победитель конкурса «Учитель года»" and mentor["consent_processing_on"]
    assert "Кандидатова Ольга Сергеевна" in bank_names(world)
    call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/select", 409, json={})
    call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/decline", 409,
         json={"reason": "передумали"})


def test_nothing_is_published_without_consent_to_publication(world):
    school = world.places["A1a"]
    sent = call(world, None, "registry", "POST", NOMINATIONS, 201, json={
        "organization_id": school.org_id, "full_name": "Скромнова Вера Павловна", "email": "vera@example.ru",
        "subjects": ["math"], "consent_processing": True})
    decided = call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/select", 200, json={})
    assert call(world, "admin", "registry", "GET", f"/api/v1/mentors/{decided['person_id']}", 200)["status"] == "active"
    assert "Скромнова Вера Павловна" not in bank_names(world)
    page = world.clients["registry"].get("/bank").get_data(as_text=True)
    assert "Скромнова" not in page and "Наставникова A1a Анна Петровна" in page
    # a request can name only a published mentor
    call(world, None, "registry", "POST", REQUESTS, 404, json={
        "mentor_id": decided["person_id"], "organization_id": school.org_id, "full_name": "Иванова Анна",
        "email": "anna@example.ru", "consent_processing": True})


def test_a_request_reaches_the_mentors_curator_who_turns_it_into_a_proposed_pair(world):
    mentor_school, teacher_school = world.places["A1a"], world.places["A1b"]
    sent = call(world, None, "registry", "POST", REQUESTS, 201, json={
        "mentor_id": mentor_school.mentor_id, "organization_id": teacher_school.org_id,
        "full_name": "Просящая Ирина Олеговна", "email": "irina@example.ru", "subject": "math", "stage": "basic",
        "experience_years": 1, "directions": ["lessons"], "message": "не складывается дисциплина на уроках",
        "consent_processing": True})
    assert "куратору школы наставника" in sent["detail"]
    assert "Просящая Ирина Олеговна" in listed(world, "school_curator")  # the mentor's school decides
    assert "Просящая Ирина Олеговна" not in listed(world, "other_curator")
    record = call(world, "school_curator", "registry", "GET", f"{APPLICATIONS}/{sent['id']}", 200)
    assert (record["mentor_name"], record["applicant_organization_name"]) == (
        mentor_school.mentor_name, teacher_school.org_name)

    accepted = call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/accept", 200, json={})
    mentee = call(world, "admin", "registry", "GET", f"/api/v1/mentees/{accepted['person_id']}", 200)
    assert (mentee["organization_id"], mentee["subject"], mentee["preferred_mentor_ids"], mentee["deficits"]) == (
        teacher_school.org_id, "math", [mentor_school.mentor_id], "не складывается дисциплина на уроках")
    deliver(world.clients, world.fed)
    pair = call(world, "school_curator", "matching", "POST", "/api/v1/pairs", 201, json={
        "mentor_id": mentor_school.mentor_id, "mentee_id": accepted["person_id"]})
    assert pair["state"] == "proposed" and pair["organization_id"] == teacher_school.org_id
    # the teacher's own school follows the pair too
    seen = call(world, "other_curator", "matching", "GET", f"/api/v1/pairs/{pair['id']}", 200)
    assert (seen["mentor_name"], seen["mentee_name"]) == (mentor_school.mentor_name, "Просящая Ирина Олеговна")


def test_a_decline_says_why_and_ends_the_application(world):
    school = world.places["A1a"]
    sent = call(world, None, "registry", "POST", NOMINATIONS, 201, json={
        "organization_id": school.org_id, "full_name": "Отказова Нина Львовна", "email": "nina@example.ru",
        "consent_processing": True})
    path = f"{APPLICATIONS}/{sent['id']}"
    call(world, "school_curator", "registry", "POST", f"{path}/decline", 422, json={})
    declined = call(world, "school_curator", "registry", "POST", f"{path}/decline", 200,
                    json={"reason": "стаж меньше трёх лет"})
    assert (declined["status"], declined["decline_reason"]) == ("declined", "стаж меньше трёх лет")
    call(world, "school_curator", "registry", "POST", f"{path}/select", 409, json={})
    assert "Отказова Нина Львовна" not in listed(world, "school_curator")
    for method, tail in (("GET", ""), ("POST", "/select")):
        missing = call(world, "school_curator", "registry", method, f"{APPLICATIONS}/no-such{tail}", 404, json={})
        assert missing["detail"] == "Заявка no-such не найдена"
    audit = call(world, "admin", "registry", "GET", "/api/v1/audit", 200, query_string={"entity_id": sent["id"]})
    assert [r["action"] for r in audit["items"]] == ["declined", "submitted"]


def test_the_public_forms_refuse_without_consent_twice_from_one_mail_and_past_the_hourly_limit(world):
    school = world.places["A1a"]
    body = {"organization_id": school.org_id, "full_name": "Быстрова Анна Ильинична", "email": "fast@example.ru"}
    for consent in ({}, {"consent_processing": False}):
        refused = call(world, None, "registry", "POST", NOMINATIONS, 422, json={**body, **consent})
        assert [e["field"] for e in refused["errors"]] == ["consent_processing"]
    call(world, None, "registry", "POST", NOMINATIONS, 201, json={**body, "consent_processing": True})
    twice = call(world, None, "registry", "POST", NOMINATIONS, 409,
                 json={**body, "email": "FAST@example.ru", "consent_processing": True})
    assert "уже ждёт решения" in twice["detail"]
    call(world, None, "registry", "POST", NOMINATIONS, 201,
         json={**body, "email": "second@example.ru", "consent_processing": True})
    call(world, None, "registry", "POST", NOMINATIONS, 201,
         json={**body, "email": "third@example.ru", "consent_processing": True})
    response = world.clients["registry"].post(NOMINATIONS, json={**body, "email": "fourth@example.ru",
                                                                 "consent_processing": True})
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600", response.get_json()
    assert response.get_json()["title"] == "Слишком много запросов"
    other_address = world.clients["registry"].post(NOMINATIONS, environ_base={"REMOTE_ADDR": "10.1.2.3"}, json={
        **body, "email": "fourth@example.ru", "consent_processing": True})
    assert other_address.status_code == 201, other_address.get_json()
    with UnitOfWork(world.engine("registry")) as uow:
        keys = set(uow.session.exec(select(Application.sender_key)).all())
    assert len(keys) == 2 and not any("127.0.0.1" in key or "10.1.2.3" in key for key in keys)


def test_the_pages_show_errors_beside_the_fields_and_send_the_application(world):
    client, school = world.clients["registry"], world.places["A1a"]
    bank = client.get("/bank").get_data(as_text=True)
    assert 'href="/bank/apply"' in bank and f'href="/bank/ask/{school.mentor_id}"' in bank
    form = client.get("/bank/apply").get_data(as_text=True)
    assert school.org_name in form and "Согласен(на) на обработку" in form
    refused = client.post("/bank/apply", data={"full_name": "Ф", "email": "не почта", "organization_id": school.org_id})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for field in ("full_name", "email", "consent_processing"):
        assert f'id="{field}-error"' in page, field
    assert "без согласия на обработку персональных данных заявку принять нельзя" in page
    assert 'value="не почта"' in page  # what was typed stays
    sent = client.post("/bank/apply", data={
        "full_name": "Формова Дарья Игоревна", "email": "daria@example.ru", "organization_id": school.org_id,
        "subjects": ["math", "informatics"], "experience_years": "7", "consent_processing": "yes"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/bank/sent?kind=nomination")
    assert "куратору вашей школы" in client.get(sent.headers["Location"]).get_data(as_text=True)
    record = next(a for a in call(world, "school_curator", "registry", "GET", APPLICATIONS, 200)["items"]
                  if a["full_name"] == "Формова Дарья Игоревна")
    assert (record["subjects"], record["experience_years"]) == (["math", "informatics"], 7)
    assert client.get("/bank/ask/no-such-mentor").status_code == 404


def test_erasing_a_selected_mentor_erases_the_application_too(world):
    school = world.places["A1a"]
    sent = call(world, None, "registry", "POST", NOMINATIONS, 201, json={
        "organization_id": school.org_id, "full_name": "Стёртова Лидия Марковна", "email": "lida@example.ru",
        "message": "телефон 8-900-000-00-00", "consent_processing": True})
    decided = call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['id']}/select", 200, json={})
    call(world, "municipal_operator", "registry", "POST", f"/api/v1/mentors/{decided['person_id']}/erase", 200,
         json={"reason": "заявление № 7"})
    record = call(world, "school_curator", "registry", "GET", f"{APPLICATIONS}/{sent['id']}", 200)
    assert record["full_name"].startswith("Субъект ПДн № ") and record["email"] == "" and record["message"] is None


def test_retention_pseudonymises_applications_decided_or_waiting_longer_than_the_period(world):
    school, now = world.places["A1a"], datetime(2030, 1, 15, tzinfo=UTC)
    sent = {name: call(world, None, "registry", "POST", NOMINATIONS, 201, json={
        "organization_id": school.org_id, "full_name": name, "email": f"{key}@example.ru", "message": "о себе",
        "consent_processing": True})["id"] for key, name in (("old", "Давняя Анна"), ("recent", "Недавняя Вера"),
                                                             ("waiting", "Ждущая Нина"))}
    call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['Давняя Анна']}/decline", 200,
         json={"reason": "нет вакансий"})
    call(world, "school_curator", "registry", "POST", f"{APPLICATIONS}/{sent['Недавняя Вера']}/decline", 200,
         json={"reason": "нет вакансий"})
    with UnitOfWork(world.engine("registry")) as uow:  # decided 1096 and 1094 days before `now`; waiting 2000
        for name, column, days in (("Давняя Анна", "decided_at", 1096), ("Недавняя Вера", "decided_at", 1094),
                                   ("Ждущая Нина", "created_at", 2000)):
            uow.session.execute(update(Application).where(Application.id == sent[name])
                                .values({column: now - timedelta(days=days)}))
        uow.commit()
    with UnitOfWork(world.engine("registry")) as uow:
        assert erase_old_applications(uow, 1095, now) == 2
    with UnitOfWork(world.engine("registry")) as uow:
        assert erase_old_applications(uow, 1095, now) == 0  # done once
    for name, erased in (("Давняя Анна", True), ("Недавняя Вера", False), ("Ждущая Нина", True)):
        record = call(world, "admin", "registry", "GET", f"{APPLICATIONS}/{sent[name]}", 200)
        assert (record["full_name"] == pseudonym(sent[name])) is erased, record
        assert (record["email"] == "" and record["message"] is None) is erased, record
    trail = call(world, "admin", "registry", "GET", "/api/v1/audit", 200,
                 query_string={"entity_id": sent["Давняя Анна"]})["items"]
    assert trail[0]["actor"] == "admin:retention" and trail[0]["action"] == "erased"


def test_a_forwarded_address_counts_only_behind_trusted_proxies(world, database_url, nats_server, settings_factory):
    school, serial = world.places["A1a"], iter(range(100))

    def send(client: Any, forwarded: str) -> int:
        n = next(serial)
        return client.post(NOMINATIONS, headers={"X-Forwarded-For": forwarded}, json={
            "organization_id": school.org_id, "full_name": f"Пересланная Ольга {n}", "email": f"fw{n}@example.ru",
            "consent_processing": True}).status_code

    direct = world.clients["registry"]  # TRUSTED_PROXIES=0: a client cannot pick the address it is counted by
    assert [send(direct, f"203.0.113.{n}") for n in range(4)] == [201, 201, 201, 429]
    proxied = apps(settings_factory, database_url, nats_server.url, public_applications_per_hour=3,
                   trusted_proxies=1)["registry"]  # behind one proxy: the address it appended counts
    assert [send(proxied, f"198.51.100.{n}") for n in range(3)] == [201, 201, 201]
    assert [send(proxied, "198.51.100.7") for _ in range(4)] == [201, 201, 201, 429]
