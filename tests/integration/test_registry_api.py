"""The registry API over a real database: CRUD, scopes, concurrency, audit, and its events in the outbox."""

from __future__ import annotations

from services.registry.adapters.tables import outbox


def make_org(client, name: str, municipality: str = "Белоярский район") -> dict:
    response = client.post("/api/v1/organizations", json={"name": name, "municipality": municipality,
                                                          "teachers": 40, "young_specialists": 4},
                           headers=client.auth())
    assert response.status_code == 201, response.json
    return response.json


def make_person(client, plural: str, org_id: str, name: str, headers=None, **fields) -> dict:
    body = {"organization_id": org_id, "full_name": name, **fields}
    response = client.post(f"/api/v1/{plural}", json=body, headers=headers or client.auth())
    assert response.status_code == 201, response.json
    return response.json


def outbox_types(client) -> list[str]:
    from sqlalchemy import select

    with client.ctx.uow() as uow:
        return list(uow.session.execute(select(outbox.table.c.subject).order_by(outbox.table.c.seq)).scalars())


def test_a_mentor_is_created_read_patched_and_withdrawn_with_one_event_each(registry):
    org = make_org(registry, "МБОУ СОШ № 1")
    mentor = make_person(registry, "mentors", org["id"], "Иванова Анна Петровна", subjects=["math"],
                         stages=["basic", "secondary"], capacity=2, email="ivanova@example.ru")
    got = registry.get(f"/api/v1/mentors/{mentor['id']}", headers=registry.auth())
    assert got.status_code == 200 and got.headers["ETag"] == 'W/"1"'
    assert got.json["organization_name"] == "МБОУ СОШ № 1"
    patched = registry.patch(f"/api/v1/mentors/{mentor['id']}", json={"capacity": 3},
                             headers={**registry.auth(), "If-Match": 'W/"1"'})
    assert patched.status_code == 200 and patched.json["version"] == 2
    unchanged = registry.patch(f"/api/v1/mentors/{mentor['id']}", json={"capacity": 3}, headers=registry.auth())
    assert unchanged.json["version"] == 2
    withdrawn = registry.post(f"/api/v1/mentors/{mentor['id']}/withdraw", json={"reason": "уволилась"},
                              headers=registry.auth())
    assert withdrawn.json["status"] == "withdrawn"
    assert registry.get(f"/api/v1/mentors/{mentor['id']}", headers=registry.auth()).status_code == 200
    assert outbox_types(registry) == ["mentoring.organization.upserted", "mentoring.mentor.registered",
                                      "mentoring.mentor.updated", "mentoring.mentor.withdrawn"]


def test_a_stale_update_is_refused_with_409_and_the_current_version(registry):
    org = make_org(registry, "МБОУ СОШ № 2")
    mentee = make_person(registry, "mentees", org["id"], "Петрова Мария Ивановна", subject="russian",
                         stage="basic")
    first = registry.patch(f"/api/v1/mentees/{mentee['id']}", json={"experience_years": 1, "version": 1},
                           headers=registry.auth())
    assert first.status_code == 200
    stale = registry.patch(f"/api/v1/mentees/{mentee['id']}", json={"experience_years": 2, "version": 1},
                           headers=registry.auth())
    assert stale.status_code == 409
    assert stale.mimetype == "application/problem+json"
    assert stale.json["current_version"] == 2


def test_a_curator_of_one_school_cannot_read_or_change_another_schools_mentees(registry):
    mine, other = make_org(registry, "МБОУ СОШ № 3"), make_org(registry, "МБОУ СОШ № 4")
    theirs = make_person(registry, "mentees", other["id"], "Сидорова Ольга Юрьевна", subject="math")
    curator = registry.auth("school_curator", f"organization:{mine['id']}")
    assert registry.get(f"/api/v1/mentees/{theirs['id']}", headers=curator).status_code == 404
    assert registry.patch(f"/api/v1/mentees/{theirs['id']}", json={"experience_years": 2},
                          headers=curator).status_code == 403
    assert registry.post(f"/api/v1/mentees/{theirs['id']}/withdraw", json={}, headers=curator).status_code == 403
    assert registry.post("/api/v1/mentees", json={"organization_id": other["id"], "full_name": "Кто То Такой"},
                         headers=curator).status_code == 403
    assert registry.get("/api/v1/mentees", headers=curator).json["items"] == []
    own = make_person(registry, "mentees", mine["id"], "Новикова Юлия Сергеевна", headers=curator, subject="math")
    assert [m["id"] for m in registry.get("/api/v1/mentees", headers=curator).json["items"]] == [own["id"]]


def test_a_municipal_operator_sees_only_its_municipality(registry):
    here = make_org(registry, "МБОУ СОШ № 5", "Белоярский район")
    there = make_org(registry, "МБОУ СОШ № 6", "Октябрьский район")
    make_person(registry, "mentors", here["id"], "Кузнецова Ирина Викторовна", subjects=["math"])
    make_person(registry, "mentors", there["id"], "Морозова Галина Петровна", subjects=["math"])
    operator = registry.auth("municipal_operator", f"municipality:{here['municipality_id']}")
    names = [m["full_name"] for m in registry.get("/api/v1/mentors", headers=operator).json["items"]]
    assert names == ["Кузнецова Ирина Викторовна"]


def test_lists_filter_and_page_with_a_cursor(registry):
    org = make_org(registry, "МБОУ СОШ № 7")
    for i in range(7):
        make_person(registry, "mentors", org["id"], f"Учитель Номер {i:02d}",
                    subjects=["math" if i % 2 else "physics"], stages=["basic"], directions=["methodical"])
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "subject": "math"} | ({"cursor": cursor} if cursor else {})
        page = registry.get("/api/v1/mentors", query_string=params, headers=registry.auth()).json
        seen += [m["full_name"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Учитель Номер {i:02d}" for i in (1, 3, 5)]
    found = registry.get("/api/v1/mentors", query_string={"q": "номер 04"}, headers=registry.auth()).json
    assert [m["full_name"] for m in found["items"]] == ["Учитель Номер 04"]


def test_the_integrator_reads_but_cannot_write_and_anonymous_gets_401(registry):
    org = make_org(registry, "МБОУ СОШ № 8")
    integrator = registry.auth("integrator")
    assert registry.get("/api/v1/mentors", headers=integrator).status_code == 200
    assert registry.post("/api/v1/mentors", json={"organization_id": org["id"], "full_name": "Новый Наставник"},
                         headers=integrator).status_code == 403
    assert registry.get("/api/v1/mentors").status_code == 401


def test_the_public_bank_shows_only_consented_mentors_without_contacts(registry):
    org = make_org(registry, "МБОУ СОШ № 9")
    make_person(registry, "mentors", org["id"], "Открытая Анна Ивановна", subjects=["math"],
                consent_publication=True, email="open@example.ru")
    make_person(registry, "mentors", org["id"], "Закрытая Вера Ивановна", subjects=["math"], email="c@example.ru")
    bank = registry.get("/api/v1/bank").json["items"]
    assert [e["full_name"] for e in bank] == ["Открытая Анна Ивановна"]
    assert "email" not in bank[0]
    page = registry.get("/bank?subject=math").data.decode()
    assert "Открытая Анна Ивановна" in page and "Закрытая" not in page and "open@example.ru" not in page


def test_every_change_is_in_the_audit_trail_readable_by_admins_only(registry):
    org = make_org(registry, "МБОУ СОШ № 10")
    mentor = make_person(registry, "mentors", org["id"], "Аудит Анна Ивановна", subjects=["math"])
    registry.patch(f"/api/v1/mentors/{mentor['id']}", json={"capacity": 2}, headers=registry.auth())
    trail = registry.get("/api/v1/audit", query_string={"entity_id": mentor["id"]}, headers=registry.auth()).json
    assert [r["action"] for r in trail["items"]] == ["updated", "created"]
    assert trail["items"][0]["changes"] == {"capacity": [1, 2]}
    assert trail["items"][0]["actor"].startswith("admin:")
    curator = registry.auth("school_curator", f"organization:{org['id']}")
    assert registry.get("/api/v1/audit", headers=curator).status_code == 403


def test_invalid_bodies_get_422_problem_json_with_russian_field_messages(registry):
    org = make_org(registry, "МБОУ СОШ № 11")
    response = registry.post("/api/v1/mentors", json={"organization_id": org["id"], "full_name": "X",
                                                      "subjects": ["astrology"], "capacity": 0},
                             headers=registry.auth())
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert {"full_name", "subjects.0", "capacity"} <= fields
    assert all(any("а" <= ch <= "я" for ch in e["message"].lower()) for e in response.json["errors"])
