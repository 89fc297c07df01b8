"""The registry's area at a glance: totals of the lists, the municipalities a caller sees, the summary of a scope."""

from __future__ import annotations

from tests.integration.test_registry_api import make_org, make_person


def every_page(client, path: str, headers, **params) -> tuple[list[dict], set[int]]:
    """Every item of a cursor-paged list, and the totals its pages announced."""
    items, totals, cursor = [], set(), None
    while True:
        page = client.get(path, query_string={**params, **({"cursor": cursor} if cursor else {})},
                          headers=headers).json
        items += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if not cursor:
            return items, totals


def test_list_totals_equal_the_items_across_pages_within_filters_and_scope(registry):
    here = make_org(registry, "МБОУ СОШ № 21", "Белоярский район")
    there = make_org(registry, "МБОУ СОШ № 22", "Октябрьский район")
    for i in range(7):
        make_person(registry, "mentors", here["id"], f"Тотал Учитель {i:02d}",
                    subjects=["math" if i % 2 else "physics"])
    for i in range(3):
        make_person(registry, "mentors", there["id"], f"Другой Учитель {i:02d}", subjects=["math"])
        make_person(registry, "mentees", there["id"], f"Другая Ученица {i:02d}", subject="math", stage="basic")
    make_person(registry, "mentees", here["id"], "Своя Ученица Петровна", subject="math", stage="basic")
    admin = registry.auth()
    items, totals = every_page(registry, "/api/v1/mentors", admin, limit=3)
    assert len(items) == 10 and totals == {10}
    items, totals = every_page(registry, "/api/v1/mentors", admin, limit=2, subject="math")
    assert len(items) == 6 and totals == {6}
    operator = registry.auth("municipal_operator", f"municipality:{here['municipality_id']}")
    items, totals = every_page(registry, "/api/v1/mentors", operator, limit=3)
    assert len(items) == 7 and totals == {7}
    assert every_page(registry, "/api/v1/mentees", operator, limit=1)[1] == {1}
    assert every_page(registry, "/api/v1/mentees", admin, limit=2)[1] == {4}
    assert every_page(registry, "/api/v1/organizations", operator, limit=1)[1] == {1}
    assert every_page(registry, "/api/v1/organizations", admin, limit=1)[1] == {2}
    withdrawn = registry.get("/api/v1/mentors", query_string={"q": "Тотал Учитель 00"}, headers=admin).json
    registry.post(f"/api/v1/mentors/{withdrawn['items'][0]['id']}/withdraw", json={}, headers=admin)
    assert registry.get("/api/v1/mentors", headers=operator).json["total"] == 6
    assert registry.get("/api/v1/mentors", query_string={"status": "all"}, headers=operator).json["total"] == 7
    empty = registry.get("/api/v1/mentors", query_string={"q": "никого такого"}, headers=admin).json
    assert empty == {"items": [], "next_cursor": None, "total": 0}


def test_municipalities_are_those_of_the_callers_scope_by_name_with_their_organizations(registry):
    first = make_org(registry, "МБОУ СОШ № 31", "Октябрьский район")
    make_org(registry, "МБОУ СОШ № 32", "Октябрьский район")
    other = make_org(registry, "МБОУ СОШ № 33", "Белоярский район")
    withdrawn = make_org(registry, "МБОУ СОШ № 34", "Белоярский район")
    registry.post(f"/api/v1/organizations/{withdrawn['id']}/withdraw", json={}, headers=registry.auth())
    everything = registry.get("/api/v1/municipalities", headers=registry.auth())
    assert everything.status_code == 200
    assert everything.json["items"] == [
        {"id": other["municipality_id"], "name": "Белоярский район", "region_id": "86", "organizations": 1},
        {"id": first["municipality_id"], "name": "Октябрьский район", "region_id": "86", "organizations": 2}]
    assert registry.get("/api/v1/municipalities", headers=registry.auth("integrator")).json == everything.json
    region = registry.get("/api/v1/municipalities", headers=registry.auth("region_operator", "region:86")).json
    assert region == everything.json
    assert registry.get("/api/v1/municipalities", headers=registry.auth("region_operator", "region:72")
                        ).json["items"] == []
    operator = registry.auth("municipal_operator", f"municipality:{first['municipality_id']}")
    assert [m["name"] for m in registry.get("/api/v1/municipalities", headers=operator).json["items"]] == [
        "Октябрьский район"]
    curator = registry.auth("school_curator", f"organization:{first['id']}")
    assert registry.get("/api/v1/municipalities", headers=curator).json["items"] == [
        {"id": first["municipality_id"], "name": "Октябрьский район", "region_id": "86", "organizations": 1}]
    assert registry.get("/api/v1/municipalities").status_code == 401


def test_the_summary_counts_active_records_of_the_scope_within_the_callers_own(registry):
    here = make_org(registry, "МБОУ СОШ № 41", "Белоярский район")
    there = make_org(registry, "МБОУ СОШ № 42", "Октябрьский район")
    make_person(registry, "mentors", here["id"], "Сводная Анна Ивановна", subjects=["math"], capacity=3)
    gone = make_person(registry, "mentors", here["id"], "Ушедшая Вера Ивановна", subjects=["math"], capacity=5)
    registry.post(f"/api/v1/mentors/{gone['id']}/withdraw", json={}, headers=registry.auth())
    make_person(registry, "mentors", there["id"], "Дальняя Ольга Ивановна", subjects=["math"], capacity=2)
    for name in ("Первая Ученица", "Вторая Ученица"):
        make_person(registry, "mentees", here["id"], name, subject="math", stage="basic")
    admin = registry.auth()
    assert registry.get("/api/v1/summary", headers=admin).json == {
        "mentors": 2, "capacity": 5, "mentees": 2, "organizations": 2}
    in_here = {"mentors": 1, "capacity": 3, "mentees": 2, "organizations": 1}
    assert registry.get("/api/v1/summary", query_string={"scope": f"municipality:{here['municipality_id']}"},
                        headers=admin).json == in_here
    operator = registry.auth("municipal_operator", f"municipality:{here['municipality_id']}")
    assert registry.get("/api/v1/summary", headers=operator).json == in_here
    assert registry.get("/api/v1/summary", query_string={"scope": f"organization:{here['id']}"},
                        headers=operator).json == in_here
    for scope in (f"municipality:{there['municipality_id']}", f"organization:{there['id']}", "region:86",
                  "municipality:неизвестный"):
        refused = registry.get("/api/v1/summary", query_string={"scope": scope}, headers=operator)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", scope
    region = registry.auth("region_operator", "region:86")
    assert registry.get("/api/v1/summary", query_string={"scope": "region:86"}, headers=region).json["mentors"] == 2
    assert registry.get("/api/v1/summary", query_string={"scope": "region:72"}, headers=region).status_code == 403
    curator = registry.auth("school_curator", f"organization:{there['id']}")
    assert registry.get("/api/v1/summary", headers=curator).json == {
        "mentors": 1, "capacity": 2, "mentees": 0, "organizations": 1}
    assert registry.get("/api/v1/summary", query_string={"scope": "region:72"}, headers=admin).json == {
        "mentors": 0, "capacity": 0, "mentees": 0, "organizations": 0}
    assert registry.get("/api/v1/summary", query_string={"scope": "district:1"}, headers=admin).status_code == 422
    assert registry.get("/api/v1/summary").status_code == 401
