"""Lists read as plain rows answer exactly what the records' own answers say, and their totals follow every change."""

from __future__ import annotations

from datetime import date, timedelta

from tests.integration.test_pairs import CONFIRM, create, post, setup_region
from tests.integration.test_registry_api import make_org, make_person


def test_a_page_of_mentors_or_mentees_reads_exactly_as_each_card(registry):
    org = make_org(registry, "МБОУ СОШ № 7")
    make_person(registry, "mentors", org["id"], "Иванова Анна Петровна", subjects=["math"], stages=["basic"],
                capacity=2, email="ivanova@example.ru", trained=True, trained_on="2025-03-01", honours="Почётный")
    make_person(registry, "mentors", org["id"], "Сидоров Пётр Ильич")
    make_person(registry, "mentees", org["id"], "Петрова Мария Ивановна", subject="russian", stage="basic",
                deficits="оценивание", directions=["research"])
    for plural in ("mentors", "mentees"):
        page = registry.get(f"/api/v1/{plural}?limit=50", headers=registry.auth())
        assert page.status_code == 200 and page.json["total"] == len(page.json["items"]) > 0
        for item in page.json["items"]:
            card = registry.get(f"/api/v1/{plural}/{item['id']}", headers=registry.auth())
            assert item == card.json


def test_the_total_of_a_list_follows_creations_withdrawals_and_scopes(registry):
    org = make_org(registry, "МБОУ СОШ № 8")
    other = make_org(registry, "МБОУ СОШ № 9", municipality="Сургутский район")
    curator = registry.auth("school_curator", f"organization:{org['id']}")

    def total(headers=None, query: str = "") -> int:
        return registry.get(f"/api/v1/mentors?limit=1{query}", headers=headers or registry.auth()).json["total"]

    first = make_person(registry, "mentors", org["id"], "Алексеева Ольга")
    assert (total(), total(curator)) == (1, 1)
    make_person(registry, "mentors", other["id"], "Борисова Нина")
    assert (total(), total(curator), total(query="&q=нина")) == (2, 1, 1)
    registry.post(f"/api/v1/mentors/{first['id']}/withdraw", json={}, headers=registry.auth())
    assert (total(), total(curator), total(query="&status=all")) == (1, 0, 2)


def test_a_page_of_pairs_reads_exactly_as_each_pair(matching):
    setup_region(matching, mentors=2, mentees=4, capacity=3)
    proposed = create(matching, "t0", "s0")
    confirmed = create(matching, "t0", "s1")
    post(matching, f"/api/v1/pairs/{confirmed['id']}/confirm", CONFIRM)
    active = create(matching, "t1", "s2")
    post(matching, f"/api/v1/pairs/{active['id']}/confirm", CONFIRM)
    start = date.today() - timedelta(days=10)
    post(matching, f"/api/v1/pairs/{active['id']}/activate",
         {"started_on": str(start), "planned_end_on": str(start + timedelta(days=120))})
    declined = create(matching, "t1", "s3")
    post(matching, f"/api/v1/pairs/{declined['id']}/decline", {"by": "mentee", "reason": "переезд"})
    items = matching.get("/api/v1/pairs?limit=50", headers=matching.admin).json["items"]
    assert {i["id"] for i in items} == {proposed["id"], confirmed["id"], active["id"], declined["id"]}
    assert len({i["state"] for i in items}) == 4
    for item in items:
        detail = matching.get(f"/api/v1/pairs/{item['id']}", headers=matching.admin).json
        assert item == {name: detail[name] for name in item}
    first, rest = (matching.get(f"/api/v1/pairs?limit=2{cursor}", headers=matching.admin).json
                   for cursor in ("", f"&cursor={sorted(i['id'] for i in items)[1]}"))
    assert [i["id"] for i in first["items"] + rest["items"]] == sorted(i["id"] for i in items)
