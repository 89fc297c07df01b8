"""The console's matching pages against the real services of `mentoring up`: a municipal operator starts a draft
from the form and watches it finish, approves and undoes in bulk after a confirmation that says how many pairs,
publishes (pairs appear in the matching API), withdraws, discards another draft (no pairs); another district's run
is the same «не найдено» page as a missing one; publishing without the CSRF token changes nothing."""

from __future__ import annotations

import re
import uuid
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from markupsafe import escape

from services.console.app import create_app
from services.console.pages import run_view
from services.console.pages import runs as runs_pages
from tests.integration.console_helpers import (
    add_account,
    admin_client,
    console_settings,
    csrf_of,
    sign_in,
    wait_for,
    without_tokens,
)
from tests.servers import one_database

SELECTED = re.compile(r'name="selected" value="([^"]+)"')

# the console's pages over the stack: its own database's dialect changes nothing they check
pytestmark = one_database


@pytest.fixture(scope="module")
def districts(services) -> list[dict[str, Any]]:
    """The demo region's districts, once the matching service has read every mentee."""
    with admin_client(services, "registry") as registry, admin_client(services, "matching") as matching:
        mentees = registry.get("/api/v1/mentees", params={"limit": 500}).json()["items"]
        wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] >= len(mentees))
        return registry.get("/api/v1/municipalities").json()["items"]


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


def operator(app, district: dict[str, Any]):
    email = f"op-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, "municipal_operator", f"municipality:{district['id']}", district["name"],
                district["region_id"])
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def start_draft(client, district: dict[str, Any]) -> str:
    """«Новый подбор» as the form sends it (a draft, the district fixed); the run's page once it is ready."""
    form = client.get("/runs/").get_data(as_text=True)
    started = client.post("/runs/", data={"csrf_token": csrf_of(form), "scope": f"municipality:{district['id']}",
                                          "draft": "y"})
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    ident = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    wait_for(lambda: "Готово" in client.get(f"/runs/{ident}").get_data(as_text=True))
    return ident


def run_of(services, ident: str) -> dict[str, Any]:
    with admin_client(services, "matching") as matching:
        return matching.get(f"/api/v1/runs/{ident}").json()


def pairs_of_run(services, ident: str) -> list[dict[str, Any]]:
    with admin_client(services, "matching") as matching:
        items = matching.get("/api/v1/pairs", params={"limit": 500}).json()["items"]
    return [p for p in items if p["run_id"] == ident]


def confirm(client, ident: str, verb: str, selected: list[str]) -> str:
    page = client.get(f"/runs/{ident}").get_data(as_text=True)
    answer = client.post(f"/runs/{ident}/confirm", data={"csrf_token": csrf_of(page), "bulk": verb,
                                                          "selected": selected})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def decide(client, confirmation: str, ident: str, data: dict[str, Any]) -> None:
    done = client.post(f"/runs/{ident}/decisions", data={"csrf_token": csrf_of(confirmation), **data})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]


def test_a_municipal_operator_starts_a_draft_from_the_form_and_its_page_shows_it_ready(app, services, districts):
    district = districts[0]
    client = operator(app, district)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/runs/"' in home and ">Подбор<" in home
    form = client.get("/runs/").get_data(as_text=True)
    assert "Новый подбор" in form and district["name"] in form
    assert re.search(r'<input checked id="draft" name="draft" type="checkbox" value="y">', form)
    ident = start_draft(client, district)
    run = run_of(services, ident)
    html = client.get(f"/runs/{ident}").get_data(as_text=True)
    counts = run["counts"]
    assert run["draft"] and run["publication"] == "review" and counts["matched"] > 0
    assert f'<span class="tile-value">{counts["matched"]}</span><span class="tile-label">подобрано пар' in html
    assert "Черновик на проверке" in html and "Одобрить выбранные" in html and "Одобрить все" in html
    assert ident not in re.sub(r'(href|action|formaction|value)="[^"]*"', "", html)  # names, never ids
    listed = client.get("/runs/").get_data(as_text=True)
    assert f'href="/runs/{ident}"' in listed and "Тестовый municipal_operator" in listed
    live = client.get(f"/runs/{ident}/progress", headers={"HX-Request": "true"})
    assert live.headers.get("HX-Refresh") == "true"
    unmatched = client.get(f"/runs/{ident}?tab=unmatched").get_data(as_text=True)
    assert "Где не хватает наставников" in unmatched
    assert all(u["full_name"] in unmatched and u["reason"] in unmatched for u in run["unmatched"][:5])
    record = client.get(f"/runs/{ident}?tab=record").get_data(as_text=True)
    assert run["input_hash"] in record and "Тестовый municipal_operator" in record
    for name, title in (("proposals.xlsx", "Предложения подбора"), ("unmatched.xlsx", "Наставляемые без пары")):
        workbook = client.get(f"/runs/{ident}/{name}")
        assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
        assert quote(f"{title} — {district['name']}") in workbook.headers["Content-Disposition"]


def test_bulk_decisions_say_how_many_pairs_then_publish_creates_exactly_the_approved_pairs(app, services,
                                                                                            districts):
    district, stack = districts[0], services
    client = operator(app, district)
    ident = start_draft(client, district)
    page = client.get(f"/runs/{ident}").get_data(as_text=True)
    ids = SELECTED.findall(page)
    assert len(ids) >= 4
    asked = confirm(client, ident, "approve", ids[:3])
    assert "Будут одобрены 3 пары" in asked and run_of(stack, ident)["decisions"]["approved"] == 0
    decide(client, asked, ident, {"verb": "approve", "selected": ids[:3]})
    assert run_of(stack, ident)["decisions"]["approved"] == 3
    back = confirm(client, ident, "undo", ids[:1])
    assert "Будет возвращена на рассмотрение 1 пара" in back
    decide(client, back, ident, {"verb": "undo", "selected": ids[:1]})
    assert run_of(stack, ident)["decisions"]["approved"] == 2

    total = sum(run_of(stack, ident)["decisions"].values())
    every = client.get(f"/runs/{ident}/confirm/approve_all").get_data(as_text=True)
    assert f"Одобрить все: {total}" in every
    decide(client, every, ident, {"verb": "approve", "all": "1"})
    assert run_of(stack, ident)["decisions"] == {"pending": 0, "approved": total, "dropped": 0}

    publish = client.get(f"/runs/{ident}/confirm/publish").get_data(as_text=True)
    assert "(предложения уйдут в школы), 0 исключено, 0 не рассмотрено" in publish
    forged = client.post(f"/runs/{ident}/publish", data={})
    assert forged.status_code == 400 and run_of(stack, ident)["publication"] == "review"
    assert pairs_of_run(stack, ident) == []
    published = client.post(f"/runs/{ident}/publish", data={"csrf_token": csrf_of(publish)})
    assert published.status_code == 302
    html = client.get(f"/runs/{ident}").get_data(as_text=True)
    assert "Опубликован" in html and "Отозвать неподтверждённые предложения" in html
    made = pairs_of_run(stack, ident)
    assert len(made) == total and {p["state"] for p in made} == {"proposed"}

    withdraw = client.get(f"/runs/{ident}/confirm/withdraw").get_data(as_text=True)
    assert f"{total} предложен" in withdraw and "на которые школы ещё не ответили" in withdraw
    done = client.post(f"/runs/{ident}/withdraw", data={"csrf_token": csrf_of(withdraw)})
    assert done.status_code == 302
    assert {p["state"] for p in pairs_of_run(stack, ident)} == {"withdrawn"}  # the district is free again


def test_a_discarded_draft_leaves_no_pairs(app, services, districts):
    district, stack = districts[1], services
    client = operator(app, district)
    ident = start_draft(client, district)
    every = client.get(f"/runs/{ident}/confirm/approve_all").get_data(as_text=True)
    decide(client, every, ident, {"verb": "approve", "all": "1"})
    asked = client.get(f"/runs/{ident}/confirm/discard").get_data(as_text=True)
    assert "ни одна пара не будет создана" in asked
    discarded = client.post(f"/runs/{ident}/discard", data={"csrf_token": csrf_of(asked)})
    assert discarded.status_code == 302
    assert run_of(stack, ident)["publication"] == "discarded" and pairs_of_run(stack, ident) == []
    html = client.get(f"/runs/{ident}").get_data(as_text=True)
    assert "Черновик отменён" in html and "Опубликовать" not in html and "Одобрить выбранные" not in html


def test_another_districts_run_is_the_same_not_found_page_as_a_missing_one(app, districts):
    ours, theirs = districts[0], districts[2]
    ident = start_draft(operator(app, ours), ours)
    stranger = operator(app, theirs)
    foreign, missing = stranger.get(f"/runs/{ident}"), stranger.get(f"/runs/{uuid.uuid4()}")
    assert foreign.status_code == missing.status_code == 404
    assert without_tokens(foreign.get_data(as_text=True)) == without_tokens(missing.get_data(as_text=True))
    assert f'href="/runs/{ident}"' not in stranger.get("/runs/").get_data(as_text=True)
    token = csrf_of(stranger.get("/runs/").get_data(as_text=True))
    assert stranger.post(f"/runs/{ident}/publish", data={"csrf_token": token}).status_code == 404
    assert stranger.post("/runs/", data={"csrf_token": token, "scope": f"municipality:{ours['id']}",
                                         "draft": "y"}).status_code == 422


def test_marks_feed_the_next_draft_and_the_filters_narrow_the_table(app, services, districts):
    district = districts[2]
    client = operator(app, district)
    ident = start_draft(client, district)
    first, second = run_of_items(services, ident)[:2]
    page = client.get(f"/runs/{ident}").get_data(as_text=True)
    token = csrf_of(page)
    for kind, item in (("pin", first), ("exclude", second)):
        value = f"{item['mentor_id']}|{item['mentee_id']}|{item['mentee_name']}|{item['mentor_name']}"
        marked = client.post(f"/runs/{ident}/marks", data={"csrf_token": token, kind: value})
        assert marked.status_code == 302
    html = client.get(f"/runs/{ident}").get_data(as_text=True)
    assert "Для следующего подбора" in html and "будет закреплена" in html and "будет исключена" in html
    assert f"{first['mentee_name']} — {first['mentor_name']}" in html
    again = client.post(f"/runs/{ident}/again", data={"csrf_token": token})
    assert again.status_code == 302
    later = again.headers["Location"].rsplit("/", 1)[1]
    assert later != ident
    wait_for(lambda: "Готово" in client.get(f"/runs/{later}").get_data(as_text=True))
    options = run_of(services, later)["options"]
    assert options["pins"] == [{"mentor_id": first["mentor_id"], "mentee_id": first["mentee_id"]}]
    assert options["exclusions"] == [{"mentor_id": second["mentor_id"], "mentee_id": second["mentee_id"]}]
    items = run_of_items(services, later)
    assert any(i["pinned"] and i["mentee_id"] == first["mentee_id"] for i in items)
    assert not any((i["mentor_id"], i["mentee_id"]) == (second["mentor_id"], second["mentee_id"]) for i in items)

    school = first["organization_id"]
    narrowed = client.get(f"/runs/{later}", query_string={"school": school}).get_data(as_text=True)
    expected = [i for i in items if i["organization_id"] == school]
    assert len(SELECTED.findall(narrowed)) == min(len(expected), 25) and first["mentee_name"] in narrowed
    assert f"из {len(expected)}</span>" in narrowed
    assert f'<option value="{school}" selected>{escape(first["mentee_organization"])} ({len(expected)})</option>' \
        in narrowed
    math = [i for i in items if i["organization_id"] == school and i["subject"] == "math"]
    both = client.get(f"/runs/{later}", query_string={"school": school, "subject": "math"}).get_data(as_text=True)
    assert len(SELECTED.findall(both)) == min(len(math), 25)
    none_approved = client.get(f"/runs/{later}", query_string={"decision": "approved"}).get_data(as_text=True)
    assert SELECTED.findall(none_approved) == [] and "Таких предложений нет" in none_approved
    assert f"не рассмотрено ({len(items)})</option>" in none_approved


NEXT = re.compile(r'href="([^"]+)" rel="next"')
RUN_LINK = re.compile(r'<th scope="row" data-label="Запуск"><a href="/runs/([0-9a-f-]{36})">')


def every_console_page(client, path: str, found: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """What `found` finds on each page of a console list, following «Следующая страница», and each page's html."""
    seen, pages, url = [], [], path
    for _ in range(100):
        html = client.get(url).get_data(as_text=True)
        pages.append(html)
        seen += found.findall(html)
        following = NEXT.search(html)
        if not following:
            return seen, pages
        url = path.split("?")[0] + unescape(following.group(1))
    raise AssertionError("«Следующая страница» never ended")


def test_the_review_table_and_the_runs_list_page_through_the_matching_api(app, services, districts, monkeypatch):
    district = districts[0]
    client = operator(app, district)
    ident = start_draft(client, district)
    items = run_of_items(services, ident)
    monkeypatch.setattr(run_view, "PAGE_SIZE", 7)
    shown, pages = every_console_page(client, f"/runs/{ident}", SELECTED)
    assert sorted(shown) == sorted(i["proposal_id"] for i in items) and len(pages) == -(-len(items) // 7)
    assert f"Показано 1–7 из {len(items)}" in pages[0] and f"–{len(items)} из {len(items)}" in pages[-1]

    start_draft(client, district)
    scope = f"municipality:{district['id']}"
    with admin_client(services, "matching") as matching:
        answer = matching.get("/api/v1/runs", params={"scope": scope, "limit": 500}).json()
    expected = [r["id"] for r in answer["items"]]
    assert len(expected) >= 2
    monkeypatch.setattr(runs_pages, "RUNS_PAGE", 1)
    listed, pages = every_console_page(client, f"/runs/?scope={quote(scope)}", RUN_LINK)
    assert listed == expected and len(pages) == len(expected) and "Следующая страница" in pages[0]
    assert f'<option value="{scope}" selected>' in pages[0]
    drafts, _ = every_console_page(client, "/runs/?kind=draft", RUN_LINK)
    assert set(expected) <= set(drafts)
    none = client.get("/runs/?kind=ordinary").get_data(as_text=True)
    assert RUN_LINK.findall(none) == [] and "Таких запусков нет" in none


def run_of_items(services, ident: str) -> list[dict[str, Any]]:
    with admin_client(services, "matching") as matching:
        return matching.get(f"/api/v1/runs/{ident}/proposals", params={"limit": 500}).json()["items"]


def test_a_change_of_the_data_before_publishing_solves_the_draft_again_and_says_so(app, services, districts):
    district = districts[1]
    client = operator(app, district)
    ident = start_draft(client, district)
    every = client.get(f"/runs/{ident}/confirm/approve_all").get_data(as_text=True)
    decide(client, every, ident, {"verb": "approve", "all": "1"})
    with admin_client(services, "registry") as registry, admin_client(services, "matching") as matching:
        before = matching.get("/api/v1/status").json()["mentors"]
        mentor = registry.get("/api/v1/mentors", params={"municipality": district["id"], "limit": 1}).json()["items"][0]
        registry.post(f"/api/v1/mentors/{mentor['id']}/withdraw", json={"reason": "уволилась"},
                      headers={"If-Match": f'W/"{mentor["version"]}"'}).raise_for_status()
        wait_for(lambda: matching.get("/api/v1/status").json()["mentors"] < before)
    publish = client.get(f"/runs/{ident}/confirm/publish").get_data(as_text=True)
    answer = client.post(f"/runs/{ident}/publish", data={"csrf_token": csrf_of(publish)})
    assert answer.status_code == 302
    html = client.get(f"/runs/{ident}").get_data(as_text=True)
    assert "Данные изменились после подбора: подбор пересчитан" in html and "Ничего не опубликовано" in html
    assert pairs_of_run(services, ident) == []
    wait_for(lambda: "Готово" in client.get(f"/runs/{ident}").get_data(as_text=True))


def test_an_administrator_runs_every_region_and_watches_the_regions_finish(app, services, districts, monkeypatch):
    """Last in the module: an ordinary run proposes pairs to every free mentee of the region."""
    email = f"admin-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, "admin")
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    form = client.get("/runs/").get_data(as_text=True)
    assert 'value="all"' in form and "все регионы" in form
    refused = client.post("/runs/", data={"csrf_token": csrf_of(form), "scope": "all", "draft": "y"})
    assert refused.status_code == 422 and "Черновик считается по одной области" in refused.get_data(as_text=True)
    started = client.post("/runs/", data={"csrf_token": csrf_of(form), "scope": "all"})
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    ident = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    wait_for(lambda: "Готово" in client.get(f"/runs/{ident}").get_data(as_text=True))
    html = unescape(client.get(f"/runs/{ident}").get_data(as_text=True))
    parent = run_of(services, ident)
    (child,) = parent["child_runs"]
    # the module's earlier tests (and, on the second database, this one) left pairs: matched may be 0 by now
    assert parent["children"] == {"total": 1, "succeeded": 1, "failed": 0} and child["status"] == "succeeded"
    assert child["mentees_in_scope"] >= child["matched"] >= 0
    assert "1 из 1" in html and "регионов готово" in html and f"/runs/{child['id']}" in html
    assert run_view.ALL_REGIONS in html
    listed = client.get("/runs/").get_data(as_text=True)
    assert f"/runs/{ident}" in listed and f"/runs/{child['id']}" not in listed
    region_page = unescape(client.get(f"/runs/{child['id']}").get_data(as_text=True))
    assert "общий подбор по регионам" in region_page and f"/runs/{ident}" in region_page
    from services.console.client import ServiceClient

    running = {**parent, "status": "running", "phase": "regions", "progress": 0.0, "finished_at": None,
               "children": {"total": 1, "succeeded": 0, "failed": 0},
               "child_runs": [{k: v for k, v in child.items() if k not in ("matched", "mentees_in_scope", "total_s")}
                              | {"status": "queued"}]}
    monkeypatch.setattr(ServiceClient, "run", lambda self, ident: dict(running))
    while_running = client.get(f"/runs/{ident}")
    assert while_running.status_code == 200  # a region's run without figures yet reads «—»
    html = unescape(while_running.get_data(as_text=True))
    assert "готово 0 из 1" in html and "в очереди" in html
