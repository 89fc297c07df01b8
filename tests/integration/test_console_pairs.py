"""The console's curator and indicator pages against the real registry, matching and reports of `mentoring up`:
a curator finds a mentee's suggested mentors, proposes a pair and walks it to a diary entry, seeing only the actions
its state allows; refusals of the API in Russian; another school's pair is «не найдено»; indicators and the
municipal self-assessment."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, timedelta
from typing import Any

import docx
import pytest
from openpyxl import load_workbook

from services.console.app import create_app
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

TODAY = date.today()

# the console's pages over the stack: its own database's dialect changes nothing they check
pytestmark = one_database


@pytest.fixture(scope="module")
def schools_with_suggestions(services) -> dict[str, list[dict[str, Any]]]:
    """Mentees the matching service has suggestions for, by school (read once for the module's stack)."""
    with admin_client(services, "registry") as registry, admin_client(services, "matching") as matching:
        mentees = registry.get("/api/v1/mentees", params={"limit": 500}).json()["items"]
        wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] >= len(mentees))
        by_school: dict[str, list[dict]] = {}
        for mentee in mentees:
            offered = matching.get(f"/api/v1/mentees/{mentee['id']}/suggestions", params={"limit": 5}).json()
            if offered["items"]:
                by_school.setdefault(mentee["organization_id"], []).append({**mentee, "offered": offered["items"]})
        return by_school


@pytest.fixture
def school(schools_with_suggestions, database_url) -> dict[str, Any]:
    """A school with two mentees the matching service has suggestions for, and another school's mentee.

    The services' stack is shared by the module while the console's own database is parametrized, so each
    database takes other schools: a pair made under one must not stand in the way of the other."""
    turn = 0 if database_url.startswith("sqlite") else 1
    by_school = schools_with_suggestions
    chosen = [rows for rows in by_school.values() if len(rows) >= 2][turn]
    others = [rows[turn % len(rows)] for org, rows in by_school.items() if org != chosen[0]["organization_id"]
              and any(s["organization_id"] != chosen[0]["organization_id"] for s in rows[turn % len(rows)]["offered"])]
    return {"mentees": chosen, "other": others[turn], "organization_id": chosen[0]["organization_id"],
            "organization_name": chosen[0]["organization_name"], "region_id": chosen[0]["region_id"],
            "municipality_id": chosen[0]["municipality_id"]}


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


def person(app, school, role: str, scope: str | None, scope_name: str | None = None):
    email = f"{role}-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, role, scope, scope_name, school["region_id"] if scope else None)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


@pytest.fixture
def curator(app, school):
    return person(app, school, "school_curator", f"organization:{school['organization_id']}",
                  school["organization_name"])


def submit(client, page_url: str, url: str, data: dict[str, Any], prefix: str = "") -> Any:
    """Post a form of `page_url` as the browser would: its CSRF token under the form's prefix."""
    token = csrf_of(client.get(page_url).get_data(as_text=True))
    fields = {f"{prefix}-{k}" if prefix else k: v for k, v in data.items()}
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={**fields, key: token})


def document_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as document:
        return document.read("word/document.xml").decode()


def version_on(html: str, prefix: str) -> str:
    return re.search(rf'name="{prefix}-version" value="(\d+)"', html).group(1)


# --- the mentee's page and the pair's life ---------------------------------------------------------------------


def test_a_curator_lands_on_the_schools_mentee_and_sees_suggestions_with_reasons(curator, school):
    mentee = school["mentees"][0]
    home = curator.get("/").get_data(as_text=True)
    assert 'href="/pairs/"' in home and 'href="/mentees/"' in home and 'href="/indicators/"' not in home
    pairs = curator.get("/pairs/").get_data(as_text=True)
    assert "Наставляемые без пары" in pairs
    assert f'href="/mentees/{mentee["id"]}/match"' in pairs and mentee["full_name"] in pairs
    answer = curator.get(f"/mentees/{mentee['id']}/match")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    best = mentee["offered"][0]
    assert best["full_name"] in html and "Предложить пару" in html
    assert f"Свободно мест: {best['free_load']} из {best['capacity']}" in html
    assert any(term["label"] in html for term in best["terms"]
               if term["name"] not in ("same_municipality", "elsewhere_in_region"))
    assert "Почему подходит" in html and "Традиционная" in html and "Педагог – педагог" in html
    assert curator.get("/indicators/").status_code == 403


def test_a_curator_proposes_a_pair_and_walks_it_to_a_diary_entry_seeing_only_the_allowed_actions(curator, school):
    mentee = school["mentees"][1]
    mentor = mentee["offered"][0]
    match = f"/mentees/{mentee['id']}/match"
    proposed = submit(curator, match, match, {"mentor_id": mentor["mentor_id"], "form": "traditional",
                                              "role_model": "teacher_teacher"})
    assert proposed.status_code == 302, proposed.get_data(as_text=True)[:3000]
    page_url = proposed.headers["Location"].split("?")[0]
    ident = page_url.rsplit("/", 1)[1]
    html = curator.get(proposed.headers["Location"]).get_data(as_text=True)
    assert "Пара предложена" in html and mentee["full_name"] in html and mentor["full_name"] in html
    assert "Согласия получены" in html and "Отклонить предложение" in html
    assert "Подтвердить пару" not in html and "Начать программу" not in html and ident not in re.sub(
        r'(href|action|hx-post|hx-get)="[^"]*"', "", html)

    listing = curator.get("/pairs/").get_data(as_text=True)
    assert "Проект приказа (DOCX)" in listing and "Скачать XLSX" in listing and "Шаблон приказа" not in listing
    draft = curator.get(f"/pairs/order.docx?organization={school['organization_id']}&pair={ident}")
    assert draft.status_code == 200 and draft.mimetype.endswith("wordprocessingml.document")
    body = document_text(draft.data)
    assert mentee["full_name"] in body and mentor["full_name"] in body and "№ ____" in body

    consents = {"mentor_consent_on": str(TODAY - timedelta(days=3)),
                "mentee_consent_on": str(TODAY - timedelta(days=2))}
    step_two = curator.get(page_url, query_string=consents).get_data(as_text=True)
    assert "Подтвердить пару" in step_two and "Согласия получены" not in step_two
    order = {**consents, "order_number": "112-н", "order_date": str(TODAY), "curator_name": "Ефимова М. Г.",
             "version": version_on(step_two, "confirm")}
    future = submit(curator, page_url, f"{page_url}/confirm",
                    {**order, "mentor_consent_on": str(TODAY + timedelta(days=5))}, "confirm")
    refused = future.get_data(as_text=True)
    assert future.status_code == 422 and "Traceback" not in refused
    assert re.search(r'id="confirm-mentor_consent_on-error">[^<]*Дата не может быть в будущем', refused)

    confirmed = submit(curator, page_url, f"{page_url}/confirm", order, "confirm")
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:3000]
    html = curator.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Пара утверждена приказом" in html and "№ 112-н" in html and "Начать программу" in html
    assert "Подтвердить пару" not in html and "Согласия получены" not in html and "Завершить программу" not in html

    assert "Приказ № 112-н о закреплении пар (DOCX)" in html
    signed = curator.get(f"/pairs/order.docx?organization={school['organization_id']}&order_number=112-н")
    assert signed.status_code == 200 and signed.mimetype.endswith("wordprocessingml.document")
    assert mentee["full_name"] in document_text(signed.data) and "№ 112-н" in document_text(signed.data)
    assert "Приказ № 112-н (DOCX)" in curator.get("/pairs/").get_data(as_text=True)

    again = submit(curator, page_url, f"{page_url}/confirm", {**order, "version": version_on(html, "activate")},
                   "confirm")
    assert again.status_code == 409
    assert "Нельзя «утвердить»: пара утверждена приказом" in again.get_data(as_text=True)
    stale = submit(curator, page_url, f"{page_url}/activate",
                   {"started_on": str(TODAY), "planned_end_on": str(TODAY + timedelta(days=200)),
                    "version": order["version"]}, "activate")
    assert stale.status_code == 409 and "изменена другим пользователем" in stale.get_data(as_text=True)

    start = TODAY - timedelta(days=40)
    active = submit(curator, page_url, f"{page_url}/activate",
                    {"started_on": str(start), "planned_end_on": str(start + timedelta(days=240)),
                     "version": version_on(html, "activate")}, "activate")
    assert active.status_code == 302, active.get_data(as_text=True)[:3000]
    html = curator.get(page_url).get_data(as_text=True)
    assert "Завершить программу" in html and "Прекратить досрочно" in html and "Продлить программу" in html
    assert "Начать программу" not in html and "Добавить запись" in html
    assert "По взаимному согласию наставника и наставляемого" in html  # the grounds of §4.12 in words

    program = submit(curator, page_url, f"{page_url}/program", {
        "goals": "Освоить проектную деятельность", "form": "traditional", "role_model": "teacher_teacher",
        "format": "in_person", "plan-0-title": "Посетить четыре урока наставника",
        "plan-0-due_on": str(TODAY + timedelta(days=30)), "plan-1-title": "", "plan-1-due_on": ""}, "program")
    assert program.status_code == 302, program.get_data(as_text=True)[:3000]
    diary = submit(curator, page_url, f"{page_url}/diary", {
        "month": (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
        "text": "Посетили два урока, разобрали структуру проекта", "author": mentor["full_name"]}, "diary")
    assert diary.status_code == 302, diary.get_data(as_text=True)[:3000]
    html = curator.get(page_url).get_data(as_text=True)
    assert "Освоить проектную деятельность" in html and "Посетить четыре урока наставника" in html
    assert "Посетили два урока, разобрали структуру проекта" in html and "Отметить выполненным" in html
    twice = submit(curator, page_url, f"{page_url}/diary", {
        "month": (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"), "text": "ещё раз",
        "author": mentor["full_name"]}, "diary")
    assert twice.status_code == 409 and "Запись дневника за" in twice.get_data(as_text=True)


def test_an_htmx_action_swaps_the_pair_in_place_and_a_refusal_still_shows(curator, school, services):
    mentee = school["mentees"][0]
    with admin_client(services, "matching") as matching:
        offered = matching.get(f"/api/v1/mentees/{mentee['id']}/suggestions").json()["items"]
        created = matching.post("/api/v1/pairs", json={"mentor_id": offered[0]["mentor_id"],
                                                       "mentee_id": mentee["id"]})
        assert created.status_code == 201, created.text
    page_url = f"/pairs/{created.json()['id']}"
    page = curator.get(page_url).get_data(as_text=True)
    assert 'hx-target="#pair"' in page and 'hx-select="#pair"' in page and 'hx-post="/pairs/' in page
    token, version = csrf_of(page), version_on(page, "decline")
    refused = curator.post(f"{page_url}/decline", headers={"HX-Request": "true"},
                           data={"decline-csrf_token": token, "decline-version": version, "decline-by": "mentee"})
    assert refused.status_code == 200 and "Действие не выполнено" in refused.get_data(as_text=True)
    declined = curator.post(f"{page_url}/decline", headers={"HX-Request": "true"}, follow_redirects=True,
                            data={"decline-csrf_token": token, "decline-version": version, "decline-by": "mentee",
                                  "decline-reason": "неудобное расписание"})
    html = declined.get_data(as_text=True)
    assert declined.status_code == 200 and "Предложение отклонено" in html and "неудобное расписание" in html
    assert "Отклонить предложение" not in html and "предложить другого наставника" in html


def test_another_schools_pair_reads_as_the_same_not_found_as_a_missing_one(curator, school, services):
    other = school["other"]
    with admin_client(services, "matching") as matching:
        offered = matching.get(f"/api/v1/mentees/{other['id']}/suggestions").json()["items"]
        mentor = next(s for s in offered if s["organization_id"] != school["organization_id"])
        created = matching.post("/api/v1/pairs", json={"mentor_id": mentor["mentor_id"], "mentee_id": other["id"]})
        assert created.status_code == 201, created.text
    foreign_id = created.json()["id"]
    foreign, missing = curator.get(f"/pairs/{foreign_id}"), curator.get(f"/pairs/{uuid.uuid4()}")
    assert foreign.status_code == missing.status_code == 404
    assert without_tokens(foreign.get_data(as_text=True)) == without_tokens(missing.get_data(as_text=True))
    assert other["full_name"] not in foreign.get_data(as_text=True)
    assert curator.get(f"/mentees/{other['id']}/match").status_code == 404
    posted = submit(curator, "/pairs/", f"/pairs/{foreign_id}/decline",
                    {"version": "1", "by": "curator", "reason": "не наша пара"}, "decline")
    assert posted.status_code == 404


# --- indicators and the self-assessment ----------------------------------------------------------------------------


def test_the_indicators_page_shows_each_indicator_against_its_target_with_charts_and_a_workbook(app, school):
    operator = person(app, school, "municipal_operator", f"municipality:{school['municipality_id']}", "Район")
    answer = operator.get("/indicators/")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Доля муниципальных образовательных организаций, внедривших ЦМН" in html
    assert "70\xa0%" in html and "Цель" in html and ("достигнута" in html or "не достигнута" in html)
    assert "<svg" in html and "при цели 70\xa0%" in html  # each bar said in words beside it
    workbook = operator.get("/indicators/indicators.xlsx")
    assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(workbook.data)).sheetnames


def test_the_self_assessment_saves_and_shows_its_band(app, school):
    operator = person(app, school, "region_operator", f"region:{school['region_id']}", "Регион")
    page_url = f"/indicators/assessment?municipality_id={school['municipality_id']}&period={TODAY.year}"
    page = operator.get(page_url).get_data(as_text=True)
    codes = re.findall(r'name="([a-z_]+)" type="radio" value="2"', page)
    assert len(codes) == 10, codes
    saved = submit(operator, page_url, "/indicators/assessment", {
        "municipality_id": school["municipality_id"], "period": str(TODAY.year),
        **{code: "2" if n < 7 else "1" for n, code in enumerate(codes)}})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    html = operator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Самооценка сохранена" in html and "Уровень эффективности: <strong>высокий</strong>" in html
    assert "17 баллов из 20" in html


def order_template(marker: str) -> bytes:
    """A municipality's own order template: a marker line and the table of pairs."""
    document = docx.Document()
    document.add_paragraph(marker + " {{ organization }}")
    table = document.add_table(rows=4, cols=2)
    for row, values in zip(table.rows, (("Наставник", "Наставляемый"), ("{%tr for p in pairs %}", ""),
                                        ("{{ p.mentor_name }}", "{{ p.mentee_name }}"), ("{%tr endfor %}", "")),
                           strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload_template(client, content: bytes, filename: str = "Шаблон.docx") -> Any:
    token = csrf_of(client.get("/order-templates/").get_data(as_text=True))
    return client.post("/order-templates/", data={"file": (io.BytesIO(content), filename), "csrf_token": token},
                       content_type="multipart/form-data")


def test_an_operator_downloads_the_pairs_and_replaces_the_order_template_seeing_refusals_beside_the_field(
        app, school, curator):
    operator = person(app, school, "municipal_operator", f"municipality:{school['municipality_id']}", "Район")
    listing = operator.get(f"/pairs/?organization={school['organization_id']}&state=all").get_data(as_text=True)
    assert "Скачать XLSX" in listing and 'href="/order-templates/"' in listing
    workbook = operator.get(f"/pairs/export.xlsx?organization={school['organization_id']}&state=all")
    assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Муниципалитет", "Организация", "Наставник", "Наставляемый", "Состояние")
    assert {row[1] for row in rows[1:]} <= {school["organization_name"]}

    page = operator.get("/order-templates/").get_data(as_text=True)
    assert "шаблону по умолчанию" in page and "{%tr for p in pairs %}" in page
    default = operator.get("/order-templates/template.docx?default=1")
    assert default.status_code == 200 and "{%tr for p in pairs %}" in document_text(default.data)

    refused = upload_template(operator, b"%PDF-1.7 scanned order", "scan.pdf")
    assert refused.status_code == 422
    assert re.search(r'id="file-error">[^<]*Это не документ Word', refused.get_data(as_text=True))
    unknown = upload_template(operator, order_template("{{ director }}"))
    assert unknown.status_code == 422 and "Неизвестные поля в шаблоне: {{ director }}" in unknown.get_data(
        as_text=True)

    saved = upload_template(operator, order_template("ПРИКАЗ ПО РАЙОНУ"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    page = operator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Шаблон принят" in page and "своему шаблону муниципалитета" in page
    draft = curator.get(f"/pairs/order.docx?organization={school['organization_id']}")
    assert "ПРИКАЗ ПО РАЙОНУ" in document_text(draft.data)

    token = csrf_of(page)
    back = operator.post("/order-templates/reset", data={"reset-csrf_token": token})
    assert back.status_code == 302
    assert "шаблону по умолчанию" in operator.get("/order-templates/").get_data(as_text=True)
    assert "ПРИКАЗ ПО РАЙОНУ" not in document_text(
        curator.get(f"/pairs/order.docx?organization={school['organization_id']}").data)
    assert curator.get("/order-templates/").status_code == 403
    region = person(app, school, "region_operator", f"region:{school['region_id']}", "Регион")
    assert region.get("/order-templates/?municipality=elsewhere").status_code == 404
