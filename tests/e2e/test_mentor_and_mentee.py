"""A mentor and a mentee at work in a real Chromium, each signed in to their own account bound to their record:
the district's operator opens the mentor's account from the mentor's card (a one-time link), the mentee's account
comes from `mentoring user add --role mentee --scope mentee:<id>`; the mentee gives consent to processing in the
console; once the pair works, the mentor writes the month's diary entry and drafts the half-year report, the
school's curator accepts it, and the mentee sees the mentor, the program and its plan and marks an item done.
Neither reaches anyone else's pages. Every page a step visits is screenshotted into test-artifacts/ and checked
with axe-core."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.pages import assert_accessible
from tests.e2e.test_working_day import PASSWORD, add_user, api

DISTRICT = "Белоярский район"
SCHOOL = "МБОУ СОШ № 7 п. Белоярский"
MENTOR = "Сергеева Ольга Николаевна"
MENTEE = "Петров Илья Андреевич"
ITEM = "Провести открытый урок по теме «Дроби»"
TODAY = date.today()


def see(page: Page, step: str, prefix: str = "people") -> None:
    expect(page.locator("h1").first).to_be_visible()
    assert_accessible(page, f"{prefix}-{step}")


def sign_in(page: Page, console: str, email: str, landing: str, step: str, prefix: str = "people") -> None:
    page.goto(f"{console}/sign-in")
    page.get_by_label("Адрес электронной почты").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile(f"^{landing}"))).to_be_visible()
    see(page, step, prefix)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход в консоль")).to_be_visible()


def menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name=label).click()


def seed(stack) -> dict[str, str]:
    """The school, its mentor (consented) and a mentee who has not consented yet."""
    with api(stack, "registry") as registry:
        org = registry.post("/api/v1/organizations", json={"name": SCHOOL, "municipality": DISTRICT}
                            ).raise_for_status().json()
        mentor = registry.post("/api/v1/mentors", json={
            "organization_id": org["id"], "full_name": MENTOR, "subjects": ["math"], "stages": ["basic"],
            "capacity": 2, "email": "o.sergeeva@school7.test"}).raise_for_status().json()
        mentee = registry.post("/api/v1/mentees", json={
            "organization_id": org["id"], "full_name": MENTEE, "subject": "math", "stage": "basic",
            "email": "i.petrov@school7.test", "consent_processing": False}).raise_for_status().json()
    return {"organization": org["id"], "municipality": org["municipality_id"], "mentor": mentor["id"],
            "mentee": mentee["id"]}


def working_pair(stack, ids: dict[str, str]) -> str:
    """The school's curator work done through the API: a pair (once matching knows both people and the mentee's
    consent: 404 and 422 until then), confirmed, started 40 days ago, with a program and one plan item."""
    with api(stack, "matching") as matching:
        deadline, created = time.monotonic() + 90, None
        while created is None or created.status_code in (404, 422):
            assert time.monotonic() < deadline, created.json() if created is not None else "no answer"
            time.sleep(0.5)
            created = matching.post("/api/v1/pairs", json={"mentor_id": ids["mentor"], "mentee_id": ids["mentee"]})
        pair = created.raise_for_status().json()["id"]
        steps = [("confirm", {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY),
                              "order_number": "27-н", "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}),
                 ("activate", {"started_on": str(TODAY - timedelta(days=40)),
                               "planned_end_on": str(TODAY + timedelta(days=200))})]
        for action, body in steps:
            matching.post(f"/api/v1/pairs/{pair}/{action}", json=body).raise_for_status()
        matching.put(f"/api/v1/pairs/{pair}/program", json={
            "goals": "Освоить формирующее оценивание на уроках математики",
            "plan": [{"title": ITEM, "due_on": str(TODAY + timedelta(days=20))}]}).raise_for_status()
    return pair


def open_mentor_account(page: Page, console: str) -> str:
    """The operator opens the mentor's account from the card; the one-time link the page shows."""
    sign_in(page, console, "operator@people.test", "Главная", "01-operator")
    menu(page, "Банк наставников")
    page.get_by_role("link", name=MENTOR).click()
    expect(page.get_by_text("Доступ в консоль", exact=True)).to_be_visible()
    see(page, "02-mentor-card")
    page.get_by_role("link", name="Открыть доступ в консоль").click()
    expect(page.get_by_label("Адрес электронной почты")).to_have_value("o.sergeeva@school7.test")
    see(page, "03-open-account")
    page.get_by_role("button", name="Открыть доступ и получить ссылку").click()
    link = page.get_by_label("Одноразовая ссылка").input_value()
    see(page, "04-account-link")
    sign_out(page)
    return link


def test_a_mentor_keeps_the_diary_and_the_report_the_curator_accepts_and_the_mentee_marks_the_plan(stack, browser):
    console = stack.url("console")
    ids = seed(stack)
    add_user(stack, "operator@people.test", "municipal_operator", f"municipality:{ids['municipality']}",
             "Соколова Ирина Петровна")
    add_user(stack, "curator@people.test", "school_curator", f"organization:{ids['organization']}",
             "Ефимова Марина Геннадьевна")
    add_user(stack, "mentee@people.test", "mentee", f"mentee:{ids['mentee']}", MENTEE)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    link = open_mentor_account(page, console)

    # The mentee consents in the console; without it, no pair can be made.
    sign_in(page, console, "mentee@people.test", "Моя программа", "05-mentee-no-pair")
    expect(page.get_by_text("Наставник пока не закреплён")).to_be_visible()
    menu(page, "Согласие на обработку данных")
    see(page, "06-consent")
    page.get_by_role("button", name="Дать согласие").click()
    expect(page.get_by_text("Отметьте согласие, чтобы сохранить его")).to_be_visible()
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Дать согласие").click()
    expect(page.get_by_text(re.compile(r"^Согласие дано\s+\d+\s\S+\s\d{4}"))).to_be_visible()
    see(page, "07-consent-given")
    sign_out(page)
    with api(stack, "registry") as registry:
        mentee = registry.get(f"/api/v1/mentees/{ids['mentee']}").json()
        trail = registry.get("/api/v1/audit", params={"entity_id": ids["mentee"]}).json()["items"]
    assert mentee["consent_processing"] and mentee["consent_processing_on"] == str(TODAY)
    assert any(r["action"] == "consent_given" and r["actor"].startswith("mentee:") for r in trail), trail
    pair = working_pair(stack, ids)

    # The mentor sets a password through the operator's link, keeps the diary and drafts the half-year report.
    page.goto(link)
    page.get_by_label("Новый пароль").fill(PASSWORD)
    page.get_by_label("Повторите пароль").fill(PASSWORD)
    page.get_by_role("button", name="Установить пароль").click()
    sign_in(page, console, "o.sergeeva@school7.test", "Мои пары", "08-mentor-pairs")
    page.get_by_role("link", name=MENTEE).click()
    expect(page.get_by_role("heading", name=re.compile(f"^{MENTEE}"))).to_be_visible()
    see(page, "09-mentor-pair")
    page.get_by_label("Что сделано за месяц").fill("Посетили три урока, разобрали приёмы формирующего оценивания")
    page.get_by_role("button", name="Сохранить запись").click()
    expect(page.get_by_text("Запись дневника сохранена.")).to_be_visible()
    expect(page.get_by_text(f"{MENTOR}, внесено")).to_be_visible()
    page.get_by_label("Текст отчёта").fill("Программа идёт по плану: открытый урок подготовлен")
    page.get_by_role("button", name="Передать отчёт куратору").click()
    expect(page.get_by_text(re.compile("^Отчёт за полугодие передан куратору"))).to_be_visible()
    expect(page.get_by_text("ждёт решения куратора")).to_be_visible()
    see(page, "10-mentor-diary-and-report")
    assert page.goto(f"{console}/bank/").status == 403  # nobody else's records
    assert page.goto(f"{console}/pairs/{pair}").status == 403
    page.goto(f"{console}/my/pairs")
    sign_out(page)

    # The curator sees the report on the pair's page and accepts it.
    sign_in(page, console, "curator@people.test", "Главная", "11-curator")
    menu(page, "Пары")
    page.get_by_role("link", name=MENTEE).first.click()
    expect(page.get_by_text("Программа идёт по плану: открытый урок подготовлен")).to_be_visible()
    see(page, "12-curator-report")
    page.get_by_role("button", name="Принять отчёт").click()
    expect(page.get_by_text("Решение по отчёту сохранено.")).to_be_visible()
    see(page, "13-report-accepted")
    sign_out(page)

    # The mentee sees the mentor, the program and its plan, and marks the item done.
    sign_in(page, console, "mentee@people.test", "Моя программа", "14-mentee-program")
    expect(page.get_by_role("heading", name=re.compile(f"^Наставник: {MENTOR}"))).to_be_visible()
    expect(page.get_by_text("Освоить формирующее оценивание на уроках математики")).to_be_visible()
    expect(page.get_by_text("Посетили три урока")).to_have_count(0)  # the mentor's diary is not the mentee's
    page.get_by_role("button", name=re.compile(f"^Отметить выполненным.+{re.escape(ITEM)}")).click()
    expect(page.get_by_text("Пункт плана отмечен выполненным.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^Отмечено выполненным \d+ \S+ \d{4}"))).to_be_visible()
    see(page, "15-item-done")
    assert page.goto(f"{console}/mentees/{ids['mentee']}").status == 403
    with api(stack, "matching") as matching:
        shown = matching.get(f"/api/v1/pairs/{pair}").json()
    assert shown["plan"][0]["done_on"] == str(TODAY) and shown["reports"][0]["status"] == "accepted"
    assert shown["diary"][0]["author"] == MENTOR
    with httpx.Client(base_url=console) as anonymous:
        assert anonymous.get("/my/pairs").status_code == 302  # to the sign-in page
